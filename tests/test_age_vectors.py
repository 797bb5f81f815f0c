"""The age test vectors the age implementations share (C2SP/CCTV, vendored in
tests/vectors/age-cctv/), run against dossier's own age reader (handover/agefile.py).

Every vector whose identities are X25519 ones and that is neither armored nor for a
passphrase applies (dossier reads only binary X25519 files); the rest (armor, scrypt, hybrid
post-quantum keys) is counted and left out. For each vector: `success` decrypts to the end and
its payload matches the SHA-256 given; `no match` is NotForMe; `HMAC failure`, `header
failure` and `payload failure` are AgeError (the last after releasing exactly the payload
that decrypted before the error).
"""

from __future__ import annotations

import hashlib
import io
import zlib
from pathlib import Path

import pytest

from dossier.handover.agefile import AgeError, NotForMe, decrypt

FOLDER = Path(__file__).with_name("vectors") / "age-cctv"


def _read(path: Path) -> tuple[dict[str, list[str]], bytes]:
    head, _, body = path.read_bytes().partition(b"\n\n")
    fields: dict[str, list[str]] = {}
    for line in head.decode("utf-8").splitlines():
        key, _, value = line.partition(": ")
        fields.setdefault(key, []).append(value)
    if fields.get("compressed") == ["zlib"]:
        body = zlib.decompress(body)
    return fields, body


def _applies(fields: dict[str, list[str]]) -> bool:
    ids = fields.get("identity", [])
    return (bool(ids) and all(i.startswith("AGE-SECRET-KEY-1") for i in ids) and "passphrase" not in fields
            and fields.get("armored", ["no"]) != ["yes"])


VECTORS = sorted(p for p in FOLDER.iterdir() if p.name not in ("LICENSE", "SOURCE"))
APPLY = [p for p in VECTORS if _applies(_read(p)[0])]


def test_the_vectors_are_all_there():
    assert len(VECTORS) == 143 and len(APPLY) == 66, (len(VECTORS), len(APPLY))


def _decrypt_with_any(body: bytes, identities: list[str]) -> tuple[bytes, Exception | None]:
    """The plaintext released, and the error it ended in (None when it reached the end). An
    identity the file is not for is tried next, as age does with several identities."""
    last: Exception | None = None
    for identity in identities:
        released = bytearray()
        try:
            for piece in decrypt(io.BytesIO(body), identity):
                released += piece
            return bytes(released), None
        except NotForMe as e:
            last = e
            continue
        except AgeError as e:
            return bytes(released), e
    return b"", last


@pytest.mark.parametrize("path", APPLY, ids=lambda p: p.name)
def test_age_vector(path):
    fields, body = _read(path)
    expect = fields["expect"][0]
    released, error = _decrypt_with_any(body, fields["identity"])
    if expect == "success":
        assert error is None, error
    elif expect == "no match":
        assert isinstance(error, NotForMe), error
    else:
        assert isinstance(error, AgeError) and not isinstance(error, NotForMe), (expect, error)
    if "payload" in fields and expect in ("success", "payload failure"):
        assert hashlib.sha256(released).hexdigest() == fields["payload"][0]
