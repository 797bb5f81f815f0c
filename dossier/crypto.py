"""The only module that imports PyNaCl: key derivation, key wrapping, recovery keys.

The vault's keys are random and never derived from the passphrase. The master key is stored
only in key slots, sealed (X25519 sealed box) to a public key whose private key is an
Argon2id key from the passphrase, or a keyed hash of the recovery key or the successor's
secret, so that a new master key can be sealed into every slot without their secrets (CSR
5.4: a destruction replaces the keys). The database key is wrapped (XSalsa20-Poly1305
SecretBox) under the master key (TB 2.13-2.15, CSR 6.6: appropriate technical measures; a
forgotten passphrase must not lose the records).

Security notes:
- Unwrapping is authenticated: a wrong passphrase fails here, before the database is
  touched, which is how a wrong passphrase is told apart from a damaged vault.
- Argon2id parameters are stored per slot and never go below libsodium's INTERACTIVE
  limits for slots made by users; ``KdfParams.TEST_ONLY_MINIMUM`` exists for tests and is not
  reachable from the command line.
"""

from __future__ import annotations

import base64
import json
import time
from dataclasses import dataclass

import nacl.encoding
import nacl.exceptions
import nacl.hash
import nacl.pwhash
import nacl.secret
import nacl.utils

from dossier.errors import InvalidInput, WrongPassphrase

KEY_BYTES = 32
SALT_BYTES = nacl.pwhash.argon2id.SALTBYTES  # 16
_RECOVERY_CHECK = 3  # bytes of checksum appended to a recovery key
_B32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"


# What a slot file may ask of Argon2id: calibrate() never goes beyond 256 MiB and a few dozen
# passes; a damaged file must not make an unlock allocate terabytes or run for days.
OPSLIMIT_CAP = 1000
MEMLIMIT_CAP = 4 * 1024**3


@dataclass(frozen=True)
class KdfParams:
    """Argon2id cost: ``opslimit`` passes over ``memlimit`` bytes."""

    opslimit: int
    memlimit: int

    @classmethod
    def interactive(cls) -> "KdfParams":
        return cls(nacl.pwhash.argon2id.OPSLIMIT_INTERACTIVE, nacl.pwhash.argon2id.MEMLIMIT_INTERACTIVE)

    def in_range(self) -> bool:
        """Within what libsodium's Argon2id accepts (a damaged slot file can hold anything)."""
        a = nacl.pwhash.argon2id
        return (a.OPSLIMIT_MIN <= self.opslimit <= min(a.OPSLIMIT_MAX, OPSLIMIT_CAP)
                and a.MEMLIMIT_MIN <= self.memlimit <= min(a.MEMLIMIT_MAX, MEMLIMIT_CAP))

    def at_least_interactive(self) -> bool:
        floor = KdfParams.interactive()
        return self.opslimit >= floor.opslimit and self.memlimit >= floor.memlimit


# Cheapest parameters libsodium accepts; for tests only (style.md habit 6).
KdfParams.TEST_ONLY_MINIMUM = KdfParams(nacl.pwhash.argon2id.OPSLIMIT_MIN, nacl.pwhash.argon2id.MEMLIMIT_MIN)


def random_key() -> bytes:
    return nacl.utils.random(KEY_BYTES)


def random_salt() -> bytes:
    return nacl.utils.random(SALT_BYTES)


def derive_kek(passphrase: str, salt: bytes, params: KdfParams) -> bytes:
    """Argon2id key-encryption key from a passphrase."""
    return nacl.pwhash.argon2id.kdf(
        KEY_BYTES, passphrase.encode("utf-8"), salt, opslimit=params.opslimit, memlimit=params.memlimit
    )


def calibrate(target_seconds: float = 0.5) -> KdfParams:
    """Argon2id parameters that take about ``target_seconds`` here, never below INTERACTIVE.

    Memory is the stronger defence against GPUs, so it is set first (256 MiB unless that
    alone is too slow on this machine), then passes are added to reach the target.
    """
    floor = KdfParams.interactive()
    salt = random_salt()
    for memlimit in (256 * 1024 * 1024, 128 * 1024 * 1024, floor.memlimit):
        t0 = time.perf_counter()
        derive_kek("calibration", salt, KdfParams(floor.opslimit, memlimit))
        per_pass = (time.perf_counter() - t0) / floor.opslimit
        if per_pass * floor.opslimit <= target_seconds or memlimit == floor.memlimit:
            ops = max(floor.opslimit, round(target_seconds / per_pass))
            return KdfParams(ops, memlimit)
    raise AssertionError("unreachable")


def wrap(kek: bytes, secret: bytes) -> bytes:
    """Encrypt ``secret`` under ``kek`` (random nonce, authenticated)."""
    return bytes(nacl.secret.SecretBox(kek).encrypt(secret))


def unwrap(kek: bytes, boxed: bytes, what: str = "passphrase") -> bytes:
    """Decrypt a wrapped secret; a wrong key or any changed byte raises WrongPassphrase."""
    try:
        return bytes(nacl.secret.SecretBox(kek).decrypt(boxed))
    except (nacl.exceptions.CryptoError, ValueError, TypeError):
        raise WrongPassphrase(f"wrong {what}: it does not open this vault") from None


def public_key(seed: bytes) -> bytes:
    """The X25519 public key whose private key is ``seed`` (32 bytes from a KDF: a key slot's)."""
    import nacl.public

    return bytes(nacl.public.PrivateKey(seed).public_key)


def seal(public: bytes, secret: bytes) -> bytes:
    """Encrypt ``secret`` to an X25519 public key (libsodium's sealed box: an ephemeral key,
    authenticated), so that a key slot can be given a new master key without its secret."""
    import nacl.public

    return bytes(nacl.public.SealedBox(nacl.public.PublicKey(public)).encrypt(secret))


def unseal(seed: bytes, boxed: bytes, what: str = "passphrase") -> bytes:
    """Open a sealed box with the private key ``seed``; a wrong key or any changed byte raises WrongPassphrase."""
    import nacl.public

    try:
        return bytes(nacl.public.SealedBox(nacl.public.PrivateKey(seed)).decrypt(boxed))
    except (nacl.exceptions.CryptoError, ValueError, TypeError):
        raise WrongPassphrase(f"wrong {what}: it does not open this vault") from None


def seal_json(key: bytes, purpose: bytes, value) -> str:
    """``value`` as JSON in a SecretBox (base64) under a key derived from ``key`` for ``purpose``:
    what the vault keeps outside itself (ledgers, manifests' contents, drafts) is unreadable and
    unforgeable without the vault."""
    body = json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    return b64(wrap(mac(key, b"", purpose), body))


def open_json(keys: list[bytes], purpose: bytes, sealed):
    """The value :func:`seal_json` sealed under one of ``keys`` for ``purpose``; None when it
    opens under none of them (another vault's, forged, damaged)."""
    for key in keys:
        try:
            return json.loads(unwrap(mac(key, b"", purpose), unb64(sealed), "key").decode("utf-8"))
        except (WrongPassphrase, ValueError, TypeError, AttributeError):
            continue
    return None


def mac(key: bytes, data: bytes, purpose: bytes) -> bytes:
    """A 32-byte keyed BLAKE2b of ``data`` under a key derived from ``key`` for ``purpose``
    (at most 16 bytes), so that one key never authenticates two kinds of thing."""
    subkey = nacl.hash.blake2b(b"", key=key, person=purpose.ljust(16, b"\0")[:16], encoder=nacl.encoding.RawEncoder)
    return nacl.hash.blake2b(data, key=subkey, encoder=nacl.encoding.RawEncoder)


# -- recovery keys ---------------------------------------------------------------------------

def new_recovery_key() -> str:
    """A printable recovery key: 256 random bits plus a checksum, base32 in groups of four."""
    return format_recovery_key(nacl.utils.random(KEY_BYTES))


def _checksum(entropy: bytes) -> bytes:
    return nacl.hash.blake2b(entropy, digest_size=_RECOVERY_CHECK, person=b"dossier-rk-check", encoder=nacl.encoding.RawEncoder)


def format_recovery_key(entropy: bytes) -> str:
    text = base64.b32encode(entropy + _checksum(entropy)).decode().rstrip("=")
    return "-".join(text[i : i + 4] for i in range(0, len(text), 4))


def parse_recovery_key(text: str) -> bytes:
    """The 32 bytes inside a recovery key; typing mistakes are caught by its checksum."""
    cleaned = "".join(ch for ch in text.upper() if ch not in " -\t\r\n")
    cleaned = cleaned.replace("0", "O").replace("1", "I").replace("8", "B")
    if any(ch not in _B32 for ch in cleaned) or len(cleaned) != 56:
        raise InvalidInput("recovery key", "(hidden)", "is not a recovery key: it has 14 groups of 4 letters and digits")
    raw = base64.b32decode(cleaned + "=" * (-len(cleaned) % 8))
    entropy, check = raw[:KEY_BYTES], raw[KEY_BYTES:]
    if _checksum(entropy) != check:
        raise InvalidInput("recovery key", "(hidden)", "has a typing mistake (its checksum does not match)")
    return entropy


def recovery_kek(entropy: bytes, salt: bytes) -> bytes:
    """Key-encryption key from a recovery key: it has full entropy, so a keyed hash suffices."""
    return nacl.hash.blake2b(
        b"", key=entropy, salt=salt, person=b"dossier-recovery", digest_size=KEY_BYTES, encoder=nacl.encoding.RawEncoder
    )


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def unb64(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii"), validate=True)


def random_bytes(n: int) -> bytes:
    return nacl.utils.random(n)




# -- signatures (handover bundles, TB 2.28) ---------------------------------------------------------

def signing_public_key(seed: bytes) -> bytes:
    """The Ed25519 public key of a 32-byte signing seed."""
    import nacl.signing

    return bytes(nacl.signing.SigningKey(seed).verify_key)


def sign(seed: bytes, message: bytes) -> bytes:
    """An Ed25519 signature (64 bytes) of ``message``."""
    import nacl.signing

    return bytes(nacl.signing.SigningKey(seed).sign(message).signature)


def signature_valid(public_key: bytes, message: bytes, signature: bytes) -> bool:
    import nacl.exceptions
    import nacl.signing

    try:
        nacl.signing.VerifyKey(public_key).verify(message, signature)
        return True
    except (nacl.exceptions.BadSignatureError, nacl.exceptions.ValueError, ValueError, TypeError):
        return False
