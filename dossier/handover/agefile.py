"""The age file format (age-encryption.org/v1) with X25519 keys, on libsodium (TB 2.28).

A handover bundle is an age file, so the colleague who receives it can open it with the
standard ``age`` tool (or rage, or any other implementation) even without dossier. This module
writes and reads that format itself, on PyNaCl's libsodium primitives (X25519,
ChaCha20-Poly1305) and the standard library's HMAC-SHA-256, instead of through pyrage:
pyrage holds the GIL while it works and calls back into Python every 8 KiB, which kept a
bundle's import below half the speed of ``age`` (docs/security.md, "Why dossier writes age
itself"). The format is small and fixed:

    age-encryption.org/v1
    -> X25519 <ephemeral share, base64>
    <file key wrapped for the recipient, base64>
    --- <HMAC of the header, base64>
    <16-byte nonce><payload: 64 KiB chunks, each ChaCha20-Poly1305 with its own tag>

Only X25519 recipients are written or read; stanzas of other kinds are skipped, as the spec
says. The reader is strict where the spec is (canonical base64, the header's MAC, no empty
last chunk, nothing after the last chunk) and bounded: the header may be at most 64 KiB.
The tests check this module against the ``age`` tool (Go) and pyrage (rage, Rust), both ways.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re

from nacl import bindings as _nacl
from nacl.exceptions import CryptoError as _CryptoError
from nacl.exceptions import RuntimeError as _NaclRuntimeError

VERSION = b"age-encryption.org/v1"
CHUNK = 64 * 1024  # plaintext per payload chunk
TAG = 16
SEALED = CHUNK + TAG
BATCH = 16  # chunks sealed or opened per piece handed on (1 MiB)
HEADER_LIMIT = 64 * 1024
X25519_INFO = b"age-encryption.org/v1/X25519"
RECIPIENT_HRP, IDENTITY_HRP = "age", "age-secret-key-"


class AgeError(Exception):
    """The file is not a well-formed, intact age file."""


class NotForMe(AgeError):
    """The file is intact as far as can be told, but none of its recipients is this identity."""


# --- keys: bech32 strings (BIP 173 without its length limit, as age uses them) -----------

_CHARSET = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"


def _polymod(values) -> int:
    chk = 1
    for v in values:
        top = chk >> 25
        chk = (chk & 0x1FFFFFF) << 5 ^ v
        for i, g in enumerate((0x3B6A57B2, 0x26508E6D, 0x1EA119FA, 0x3D4233DD, 0x2A1462B3)):
            chk ^= g if (top >> i) & 1 else 0
    return chk


def _hrp_expand(hrp: str) -> list[int]:
    return [ord(c) >> 5 for c in hrp] + [0] + [ord(c) & 31 for c in hrp]


def _bech32(hrp: str, key: bytes) -> str:
    data, acc, bits = [], 0, 0
    for byte in key:
        acc, bits = acc << 8 | byte, bits + 8
        while bits >= 5:
            bits -= 5
            data.append(acc >> bits & 31)
    if bits:
        data.append(acc << (5 - bits) & 31)
    check = _polymod(_hrp_expand(hrp) + data + [0] * 6) ^ 1
    data += [check >> 5 * (5 - i) & 31 for i in range(6)]
    return hrp + "1" + "".join(_CHARSET[d] for d in data)


def _unbech32(text: str, hrp: str) -> bytes:
    """The 32-byte key in ``text``, or ValueError; all upper or all lower case, as bech32 allows."""
    if not isinstance(text, str) or not text.isascii() or (text.lower() != text and text.upper() != text):
        raise ValueError("not a bech32 string")
    text = text.lower()
    pos = text.rfind("1")
    if text[:pos] != hrp or len(text) - pos - 1 < 7:
        raise ValueError(f"not a key of type {hrp!r}")
    try:
        data = [_CHARSET.index(c) for c in text[pos + 1:]]
    except ValueError:
        raise ValueError("a character outside bech32") from None
    if _polymod(_hrp_expand(hrp) + data) != 1:
        raise ValueError("bad checksum")
    acc, bits, out = 0, 0, bytearray()
    for d in data[:-6]:
        acc, bits = acc << 5 | d, bits + 5
        if bits >= 8:
            bits -= 8
            out.append(acc >> bits & 255)
    if bits >= 5 or acc & ((1 << bits) - 1) or len(out) != 32:
        raise ValueError("not a 32-byte key")
    return bytes(out)


def parse_recipient(text: str) -> bytes:
    """The X25519 public key of an ``age1…`` recipient; ValueError if it is not one, or if it is
    a low-order point (with which every shared secret would be zero)."""
    key = _unbech32(text, RECIPIENT_HRP)
    try:
        _nacl.crypto_scalarmult(_nacl.randombytes(32), key)
    except _NaclRuntimeError:
        raise ValueError("not a usable X25519 public key") from None
    return key


def parse_identity(text: str) -> bytes:
    """The X25519 secret of an ``AGE-SECRET-KEY-1…`` identity; ValueError if it is not one."""
    return _unbech32(text, IDENTITY_HRP)


def generate_identity() -> str:
    """A new identity, in the form ``age-keygen`` writes."""
    return _bech32(IDENTITY_HRP, _nacl.randombytes(32)).upper()


def recipient_of(identity: str) -> str:
    """The ``age1…`` recipient that belongs to an identity."""
    return _bech32(RECIPIENT_HRP, _nacl.crypto_scalarmult_base(parse_identity(identity)))


# --- primitives -------------------------------------------------------------------------------

def _hkdf(ikm: bytes, salt: bytes, info: bytes, length: int = 32) -> bytes:
    """HKDF-SHA-256 (RFC 5869)."""
    prk = hmac.digest(salt or bytes(32), ikm, hashlib.sha256)
    out, block = b"", b""
    for i in range((length + 31) // 32):
        block = hmac.digest(prk, block + info + bytes([i + 1]), hashlib.sha256)
        out += block
    return out[:length]


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode().rstrip("=")


_B64 = re.compile(rb"[A-Za-z0-9+/]*")


def _unb64(text: bytes) -> bytes:
    """Canonical unpadded base64, as the spec demands; AgeError otherwise."""
    if not _B64.fullmatch(text) or len(text) % 4 == 1:
        raise AgeError("the age header holds malformed base64")
    data = base64.b64decode(text + b"=" * (-len(text) % 4))
    if base64.b64encode(data).rstrip(b"=") != text:
        raise AgeError("the age header holds non-canonical base64")
    return data


def _nonce(counter: int, last: bool) -> bytes:
    return counter.to_bytes(11, "big") + (b"\x01" if last else b"\x00")


def seal_chunk(key: bytes, counter: int, last: bool, plain: bytes) -> bytes:
    return _nacl.crypto_aead_chacha20poly1305_ietf_encrypt(plain, None, _nonce(counter, last), key)


def open_chunk(key: bytes, counter: int, last: bool, sealed: bytes) -> bytes:
    try:
        return _nacl.crypto_aead_chacha20poly1305_ietf_decrypt(sealed, None, _nonce(counter, last), key)
    except _CryptoError:
        raise AgeError("a chunk of its age payload does not authenticate") from None


def _chunks(step, key: bytes, counter: int, data: bytearray, size: int, n: int, *, last: bool) -> bytes:
    """``step`` (seal_chunk or open_chunk) over the first ``n`` chunks of ``size`` bytes in
    ``data``, numbered from ``counter`` and joined; ``last`` marks the n-th as the file's last."""
    with memoryview(data) as view:  # one copy per chunk, not two; released before data is resized
        return b"".join(step(key, counter + i, last and i == n - 1, bytes(view[i * size:(i + 1) * size]))
                        for i in range(n))


def header(file_key: bytes, recipient: bytes) -> bytes:
    """The header that wraps ``file_key`` for one X25519 recipient, with its MAC."""
    ephemeral = _nacl.randombytes(32)
    share = _nacl.crypto_scalarmult_base(ephemeral)
    shared = _nacl.crypto_scalarmult(ephemeral, recipient)  # never zero: parse_recipient checks
    wrap = _hkdf(shared, share + recipient, X25519_INFO)
    body = _nacl.crypto_aead_chacha20poly1305_ietf_encrypt(file_key, None, bytes(12), wrap)
    text = VERSION + b"\n-> X25519 " + _b64(share).encode() + b"\n" + _b64(body).encode() + b"\n---"
    return text + b" " + _b64(hmac.digest(_hkdf(file_key, b"", b"header"), text, hashlib.sha256)).encode() + b"\n"


# --- writing -----------------------------------------------------------------------------------

def encrypt(pieces, recipient: str):
    """Yield the age file that holds the bytes of ``pieces`` (an iterable of byte strings of any
    size), encrypted to ``recipient`` (``age1…``): the header first, then about 1 MiB at a time."""
    file_key, nonce = _nacl.randombytes(16), _nacl.randombytes(16)
    key = _hkdf(file_key, nonce, b"payload")
    yield header(file_key, parse_recipient(recipient)) + nonce
    pending, counter = bytearray(), 0
    for piece in pieces:
        pending += piece
        # Hold back at least one byte: the last chunk is sealed differently, and only the end says which it is.
        while len(pending) > BATCH * CHUNK:
            sealed = _chunks(seal_chunk, key, counter, pending, CHUNK, BATCH, last=False)
            del pending[:BATCH * CHUNK]
            counter += BATCH
            yield sealed
    n = max(1, -(-len(pending) // CHUNK))  # an empty file still has one (empty) last chunk
    yield _chunks(seal_chunk, key, counter, pending, CHUNK, n, last=True)


# --- reading -----------------------------------------------------------------------------------

def _lines(fh):
    """The header's lines (without their LF) and the bytes read so far, up to HEADER_LIMIT."""
    seen = 0
    while True:
        raw = fh.readline(HEADER_LIMIT - seen + 1)
        seen += len(raw)
        if seen > HEADER_LIMIT:
            raise AgeError("the age header is too long")
        if not raw.endswith(b"\n"):
            raise AgeError("the age header is cut off")
        yield raw[:-1]


_ARG = re.compile(rb"[\x21-\x7e]+")


def read_header(fh) -> tuple[list[tuple[list[bytes], bytes]], bytes, bytes]:
    """Parse the header at the start of ``fh``: its stanzas (arguments, body), the bytes its MAC
    covers, and the MAC."""
    lines = _lines(fh)
    first = next(lines)
    if first != VERSION:
        if first.startswith(b"age-encryption.org/"):
            raise AgeError("this age file is of a version dossier does not know")
        raise AgeError("this is not an age file")
    covered, stanzas = [first], []
    for line in lines:
        covered.append(line)
        if line.startswith(b"---"):
            if not line.startswith(b"--- "):
                raise AgeError("the age header's MAC line is malformed")
            mac = _unb64(line[4:])
            if len(mac) != 32:
                raise AgeError("the age header's MAC has the wrong length")
            return stanzas, b"\n".join(covered)[:-len(line) + 3], mac
        if not line.startswith(b"-> "):
            raise AgeError("the age header holds a malformed line")
        args = line[3:].split(b" ")
        if not all(_ARG.fullmatch(a) for a in args):
            raise AgeError("the age header holds a malformed stanza")
        body = []
        for part in lines:
            covered.append(part)
            if len(part) > 64:
                raise AgeError("the age header holds a malformed stanza body")
            body.append(part)
            if len(part) < 64:
                break
        stanzas.append((args, _unb64(b"".join(body))))
    raise AgeError("the age header is cut off")  # unreachable: _lines raises first


def unwrap(stanzas, secret: bytes) -> bytes:
    """The file key from the first X25519 stanza made for ``secret``; NotForMe if none is."""
    mine = _nacl.crypto_scalarmult_base(secret)
    for args, body in stanzas:
        if args[0] != b"X25519":
            continue
        if len(args) != 2 or len(body) != 32:
            raise AgeError("the age header holds a malformed X25519 stanza")
        share = _unb64(args[1])
        if len(share) != 32:
            raise AgeError("the age header holds a malformed X25519 stanza")
        try:
            shared = _nacl.crypto_scalarmult(secret, share)
        except _NaclRuntimeError:
            raise AgeError("the age header holds an invalid X25519 share") from None
        wrap = _hkdf(shared, share + mine, X25519_INFO)
        try:
            return _nacl.crypto_aead_chacha20poly1305_ietf_decrypt(body, None, bytes(12), wrap)
        except _CryptoError:
            continue  # made for someone else
    raise NotForMe("none of this file's recipients is your identity")


def decrypt(fh, identity: str):
    """Yield the plaintext of the age file read from ``fh`` (a binary file), about 1 MiB at a
    time. It raises AgeError (NotForMe) as soon as something is wrong; a piece is authentic when
    it is yielded, but the file as a whole is intact only when the generator ends."""
    stanzas, covered, mac = read_header(fh)
    file_key = unwrap(stanzas, parse_identity(identity))
    if len(file_key) != 16:
        raise AgeError("the age header wraps a file key of the wrong length")
    if not hmac.compare_digest(hmac.digest(_hkdf(file_key, b"", b"header"), covered, hashlib.sha256), mac):
        raise AgeError("the age header was changed: its MAC does not match")
    nonce = fh.read(16)
    if len(nonce) != 16:
        raise AgeError("the age file is cut off after its header")
    key = _hkdf(file_key, nonce, b"payload")
    pending, counter = bytearray(), 0
    while data := fh.read(BATCH * SEALED):
        pending += data
        n = (len(pending) - 1) // SEALED  # hold back the last chunk: only the end says it is the last
        if n:
            plain, error = _open_run(key, counter, pending, n)
            if plain:
                yield plain
            if error is not None:
                raise error
            del pending[:n * SEALED]
            counter += n
    if len(pending) < TAG or (len(pending) == TAG and counter):
        raise AgeError("the age payload is cut off or ends in an empty chunk")
    try:
        yield open_chunk(key, counter, True, bytes(pending))
    except AgeError:
        if len(pending) != SEALED:
            raise
        try:  # a whole chunk that is not marked as the last: the file was cut off after it
            plain = open_chunk(key, counter, False, bytes(pending))
        except AgeError:
            raise AgeError("a chunk of its age payload does not authenticate") from None
        yield plain
        raise AgeError("the age payload is cut off: its last chunk is missing") from None


def _open_run(key: bytes, counter: int, data: bytearray, n: int) -> tuple[bytes, AgeError | None]:
    """The first ``n`` chunks of ``data`` (none of them the file's last), opened: the plaintext
    up to the first that fails, and the error (None when all opened). A chunk that opens only as
    a last chunk is released, then it is an error that more follows (what age releases, C2SP's
    vectors check it)."""
    out = []
    with memoryview(data) as view:
        for i in range(n):
            sealed = bytes(view[i * SEALED:(i + 1) * SEALED])
            try:
                out.append(open_chunk(key, counter + i, False, sealed))
            except AgeError as e:
                try:
                    out.append(open_chunk(key, counter + i, True, sealed))
                except AgeError:
                    return b"".join(out), e
                return b"".join(out), AgeError("the age payload goes on after its last chunk")
    return b"".join(out), None
