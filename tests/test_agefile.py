"""dossier's own age (age-encryption.org/v1) writer and reader, checked against two independent
implementations: the ``age`` tool (Go) and pyrage (rage, Rust). A handover bundle must open with
the standard tool (TB 2.28), and a bundle from any other age writer must open in dossier.

Every malformed file below is refused by dossier and by the age tool alike."""

from __future__ import annotations

import hashlib
import hmac
import io
import os
import subprocess

import pyrage
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pyrage import x25519

from conftest import age_cli
from dossier.handover import agefile as A

C = A.CHUNK
SIZES = [0, 1, C - 1, C, C + 1, 2 * C, A.BATCH * C - 1, A.BATCH * C, A.BATCH * C + 1, (A.BATCH + 1) * C, 2_500_000]


@pytest.fixture(scope="module")
def me(tmp_path_factory):
    """An identity made by dossier, with its key file for the age tool."""
    ident = A.generate_identity()
    key = tmp_path_factory.mktemp("age") / "me.key"
    key.write_text(ident + "\n")
    return {"identity": ident, "recipient": A.recipient_of(ident), "key": key,
            "pyrage": x25519.Identity.from_str(ident)}


def encrypted(data: bytes, recipient: str, piece: int = 7777) -> bytes:
    pieces = [data[i:i + piece] for i in range(0, len(data), piece)]
    return b"".join(A.encrypt(iter(pieces), recipient))


def decrypted(blob: bytes, identity: str) -> bytes:
    return b"".join(A.decrypt(io.BufferedReader(io.BytesIO(blob)), identity))


def age_tool(args: list[str], data: bytes) -> subprocess.CompletedProcess | None:
    """The standard age tool on ``data``; None where it is not installed (conftest.age_cli)."""
    return age_cli("age", *args, input=data)


def test_keys_agree_with_pyrage_and_age_keygen(tmp_path):
    for _ in range(20):
        ours = A.generate_identity()
        assert ours.startswith("AGE-SECRET-KEY-1") and ours == ours.upper()
        assert str(x25519.Identity.from_str(ours).to_public()) == A.recipient_of(ours)
        theirs = x25519.Identity.generate()
        assert A.recipient_of(str(theirs)) == str(theirs.to_public())
        assert A.parse_recipient(str(theirs.to_public())) == A.parse_recipient(A.recipient_of(str(theirs)))
    key = tmp_path / "k"
    if age_cli("age-keygen", "-o", key, check=True) is None:
        return
    lines = key.read_text().splitlines()
    public = next(line.split(": ")[1] for line in lines if line.startswith("# public key:"))
    assert A.recipient_of(lines[-1]) == public


def test_bad_key_strings_are_refused_like_pyrage_does():
    good = A.generate_identity()
    rec = A.recipient_of(good)
    bad = [rec[:-1] + ("q" if rec[-1] != "q" else "p"),  # checksum
           rec[:-2], rec + "q", rec[:10] + rec[10:].upper(),  # cut, longer, mixed case
           "age1", "", "age1" + "é" * 58, good.replace("AGE-SECRET-KEY-", "age-secret-kez-"),
           good,  # an identity is not a recipient
           "age1qyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqsqk4cxn"]  # 31 bytes
    for text in bad:
        with pytest.raises(ValueError):
            A.parse_recipient(text)
        with pytest.raises((pyrage.RecipientError, ValueError)):
            x25519.Recipient.from_str(text)
    with pytest.raises(ValueError):
        A.parse_identity(rec)
    for low in (bytes(32), (1).to_bytes(32, "little")):  # low-order points: every shared secret is zero
        with pytest.raises(ValueError, match="usable"):
            A.parse_recipient(A._bech32("age", low))
    assert A.parse_recipient(rec.upper()) == A.parse_recipient(rec)  # bech32 allows all upper case


def test_hkdf_rfc5869_vectors():
    ikm = bytes.fromhex("0b" * 22)
    okm = A._hkdf(ikm, bytes.fromhex("000102030405060708090a0b0c"), bytes.fromhex("f0f1f2f3f4f5f6f7f8f9"), 42)
    assert okm.hex() == ("3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf"
                         "34007208d5b887185865")
    assert A._hkdf(ikm, b"", b"", 42).hex() == ("8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d"
                                                 "9d201395faa4b61a96c8")


@pytest.mark.parametrize("size", SIZES)
def test_what_dossier_writes_opens_with_age_and_pyrage(me, size):
    data = os.urandom(size)
    blob = encrypted(data, me["recipient"])
    assert len(blob) == len(blob[:blob.index(b"\n---")]) + 49 + 16 + size + 16 * max(1, -(-size // C))
    assert pyrage.decrypt(blob, [me["pyrage"]]) == data
    out = age_tool(["-d", "-i", str(me["key"])], blob)
    assert out is None or (out.returncode == 0 and out.stdout == data)
    assert decrypted(blob, me["identity"]) == data


@pytest.mark.parametrize("size", SIZES)
def test_what_age_and_pyrage_write_opens_in_dossier(me, size):
    data = os.urandom(size)
    other = str(x25519.Identity.generate().to_public())
    by_go = age_tool(["-r", other, "-r", me["recipient"]], data)  # two stanzas, ours second
    if by_go is not None:
        assert by_go.returncode == 0
        assert decrypted(by_go.stdout, me["identity"]) == data
    by_rage = pyrage.encrypt(data, [x25519.Identity.generate().to_public(),
                                    me["pyrage"].to_public()])  # two stanzas, ours second
    assert decrypted(by_rage, me["identity"]) == data
    assert decrypted(pyrage.encrypt(data, [me["pyrage"].to_public()]), me["identity"]) == data


def test_pieces_of_any_size_and_bounded_output(me):
    data = os.urandom(3 * A.BATCH * C + 12345)
    for piece in (1, 1000, C, C + 1, 10 * C + 7, len(data)):
        assert pyrage.decrypt(encrypted(data, me["recipient"], piece), [me["pyrage"]]) == data
    blob = encrypted(data, me["recipient"])
    pieces = list(A.decrypt(io.BytesIO(blob), me["identity"]))
    assert b"".join(pieces) == data and max(map(len, pieces)) <= A.BATCH * C
    assert len(list(A.encrypt(iter([data]), me["recipient"]))) > 3  # the writer streams too


def test_a_file_for_someone_else(me):
    other = x25519.Identity.generate()
    with pytest.raises(A.NotForMe):
        decrypted(pyrage.encrypt(b"hello", [other.to_public()]), me["identity"])
    with pytest.raises(A.NotForMe):  # a passphrase-protected file has no X25519 stanza
        decrypted(pyrage.passphrase.encrypt(b"hello", "a passphrase"), me["identity"])


# --- malformed files: made by hand from the format's parts ------------------------------------

def build(me, chunks, *, nonce=None, head=None, file_key=None, trailing=b"") -> bytes:
    """An age file to ``me`` whose payload is ``chunks``: (plaintext, last flag) pairs, sealed
    in order; or raw bytes where a chunk is given as bytes."""
    file_key = file_key or os.urandom(16)
    nonce = os.urandom(16) if nonce is None else nonce
    key = A._hkdf(file_key, nonce, b"payload")
    out = [head if head is not None else A.header(file_key, A.parse_recipient(me["recipient"])), nonce]
    for i, chunk in enumerate(chunks):
        out.append(chunk if isinstance(chunk, bytes) else A.seal_chunk(key, i, chunk[1], chunk[0]))
    return b"".join(out) + trailing


def remac(me, text: bytes, file_key: bytes) -> bytes:
    """A header from ``text`` (up to and including ``---``) with the right MAC for ``file_key``."""
    mac = hmac.digest(A._hkdf(file_key, b"", b"header"), text, hashlib.sha256)
    return text + b" " + A._b64(mac).encode() + b"\n"


def both_refuse(me, blob: bytes, match: str | None = None) -> None:
    with pytest.raises(A.AgeError, match=match):
        decrypted(blob, me["identity"])
    out = age_tool(["-d", "-i", str(me["key"])], blob)
    assert out is None or out.returncode != 0, "the age tool accepted it"


def both_accept(me, blob: bytes, data: bytes) -> None:
    assert decrypted(blob, me["identity"]) == data
    out = age_tool(["-d", "-i", str(me["key"])], blob)
    assert out is None or (out.returncode == 0 and out.stdout == data)


def test_stream_edge_cases(me):
    full, part = os.urandom(C), os.urandom(100)
    both_accept(me, build(me, [(full, False), (full, True)]), full + full)  # a full last chunk is fine
    both_accept(me, build(me, [(b"", True)]), b"")
    both_refuse(me, build(me, [(full, False), (b"", True)]), "empty chunk")  # an empty last chunk after data
    both_refuse(me, build(me, [(full, False)]), "last chunk is missing")  # no last chunk
    both_refuse(me, build(me, [(part, False)]), "authenticate")
    both_refuse(me, build(me, [(full, False), (full, False)]))
    both_refuse(me, build(me, [(full, True), (part, True)]), "after its last chunk")  # two last chunks
    both_refuse(me, build(me, [(part, True)], trailing=b"x"), "authenticate")  # trailing data
    both_refuse(me, build(me, [(full, True)], trailing=os.urandom(C + 40)))
    both_refuse(me, build(me, []), "cut off")  # no chunks at all
    both_refuse(me, build(me, [os.urandom(10)]), "cut off")  # shorter than a tag
    both_refuse(me, build(me, [], nonce=os.urandom(10)), "cut off")
    blob = build(me, [(full, False), (part, True)])
    both_refuse(me, blob[:-1], "authenticate")
    both_refuse(me, blob[:-len(part) - 16], "last chunk is missing")  # cut off after a whole chunk
    both_refuse(me, blob[:-1] + bytes([blob[-1] ^ 1]), "authenticate")
    start = len(blob) - len(part) - 16 - (C + 16)
    both_refuse(me, blob[:start + 5] + bytes([blob[start + 5] ^ 0x80]) + blob[start + 6:], "authenticate")


def test_header_edge_cases(me):
    fk = os.urandom(16)
    good = A.header(fk, A.parse_recipient(me["recipient"]))
    lines = good.split(b"\n")  # version, stanza, body, mac line, ""
    chunks = [(b"hello", True)]
    both_accept(me, build(me, chunks, head=good, file_key=fk), b"hello")

    def head(*ls):
        return build(me, chunks, head=remac(me, b"\n".join(ls), fk), file_key=fk)

    both_accept(me, head(lines[0], lines[1], lines[2], b"-> grease-x a!b\"c~", b"", b"---"), b"hello")
    both_accept(me, head(lines[0], b"-> other", A._b64(os.urandom(48)).encode(), b"", lines[1], lines[2], b"---"),
                b"hello")  # a 64-column body with its empty last line, then ours
    both_refuse(me, head(lines[0], lines[1], lines[2], b"-> grease", b"---"), "base64")  # body line missing
    both_refuse(me, head(lines[0], lines[1], lines[2], b"->", b"", b"---"), "malformed")  # no arguments
    both_refuse(me, head(lines[0], lines[1], lines[2], b"-> a  b", b"", b"---"), "malformed")  # empty argument
    both_refuse(me, head(lines[0], lines[1], lines[2], b"-> a\x7fb", b"", b"---"), "malformed")
    both_refuse(me, head(lines[0], lines[1] + b" extra", lines[2], b"---"), "X25519")
    both_refuse(me, head(lines[0], lines[1], lines[2] + b"=", b"---"), "base64")  # padding
    alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    loose = alphabet[alphabet.index(lines[2][-1]) | 1:][:1]  # the same bytes, with a padding bit set
    both_refuse(me, head(lines[0], lines[1], lines[2][:-1] + loose, b"---"), "non-canonical")
    both_refuse(me, head(lines[0], lines[1] + b"\r", lines[2], b"---"))  # a stray CR
    both_refuse(me, head(lines[0], lines[1], b"A" * 65, b"---"), "body")  # a line too long
    both_refuse(me, head(lines[0], b"-> X25519 " + A._b64(bytes(32)).encode(), lines[2], b"---"),
                "invalid X25519")  # a low-order share
    both_refuse(me, head(lines[0].replace(b"v1", b"v2"), lines[1], lines[2], b"---"), "version")
    rest = build(me, chunks, head=good, file_key=fk)[len(good):]
    mac = lines[3]
    both_refuse(me, b"\n".join(lines[:3] + [mac[:4] + (b"A" if mac[4:5] != b"A" else b"B") + mac[5:], b""]) + rest,
                "MAC")
    both_refuse(me, b"\n".join(lines[:3] + [b"---", b""]) + rest)  # no MAC
    both_refuse(me, b"\n".join(lines[:3] + [b"---" + mac[4:], b""]) + rest, "malformed")  # no space
    both_refuse(me, b"\n".join(lines[:3] + [mac + b" ", b""]) + rest, "base64")  # a trailing space
    both_refuse(me, b"\n".join(lines[:3] + [mac[:-2], b""]) + rest)  # cut
    both_refuse(me, good[:-10], "cut off")
    both_refuse(me, b"not an age file at all\n", "not an age file")
    both_refuse(me, b"", "cut off")
    with pytest.raises(A.AgeError, match="too long"):
        decrypted(head(lines[0], lines[1], lines[2], *[b"-> grease", b""] * 7000, b"---"), me["identity"])


def test_every_flipped_byte_is_caught(me):
    blob = encrypted(os.urandom(C + 50), me["recipient"])
    for i in range(0, len(blob), 97):
        bad = blob[:i] + bytes([blob[i] ^ 0x04]) + blob[i + 1:]
        with pytest.raises(A.AgeError):
            decrypted(bad, me["identity"])


@settings(max_examples=300, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(st.binary(max_size=3 * C), st.integers(min_value=1, max_value=2 * C), st.data())
def test_round_trip_and_mutation(me, data, piece, draw):
    blob = encrypted(data, me["recipient"], piece)
    assert decrypted(blob, me["identity"]) == data
    at = draw.draw(st.integers(min_value=0, max_value=len(blob) - 1))
    cut = draw.draw(st.booleans())
    bad = blob[:at] if cut else blob[:at] + bytes([blob[at] ^ draw.draw(st.integers(1, 255))]) + blob[at + 1:]
    try:
        result = decrypted(bad, me["identity"])
    except A.AgeError:
        return
    assert False, f"a changed file was accepted ({len(result)} bytes)"
