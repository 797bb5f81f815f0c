"""Crypto recipes: known-answer vectors, round trips, and tampering (style.md habit 7)."""

import pytest
from hypothesis import given, settings, strategies as st

from dossier import crypto
from dossier.errors import InvalidInput, WrongPassphrase

MIN = crypto.KdfParams.TEST_ONLY_MINIMUM


def test_argon2id_known_answer():
    # Recorded once from libsodium; a change means vaults made earlier would no longer open.
    kek = crypto.derive_kek("correct horse battery staple", bytes(range(16)), MIN)
    assert kek.hex() == KAT_ARGON2ID


def test_recovery_kek_matches_an_independent_blake2b():
    import hashlib

    entropy, salt = bytes(range(32)), bytes(range(100, 116))
    expected = hashlib.blake2b(b"", key=entropy, salt=salt, person=b"dossier-recovery", digest_size=32).digest()
    assert crypto.recovery_kek(entropy, salt) == expected


@settings(max_examples=25, deadline=None)
@given(secret=st.binary(min_size=0, max_size=64))
def test_wrap_round_trip(secret):
    kek = crypto.random_key()
    assert crypto.unwrap(kek, crypto.wrap(kek, secret)) == secret


def test_wrap_uses_a_fresh_nonce():
    kek, secret = crypto.random_key(), crypto.random_key()
    assert crypto.wrap(kek, secret) != crypto.wrap(kek, secret)


def test_flipping_any_byte_of_nonce_ciphertext_or_tag_fails():
    kek, secret = crypto.random_key(), crypto.random_key()
    boxed = crypto.wrap(kek, secret)
    for i in range(len(boxed)):
        tampered = bytearray(boxed)
        tampered[i] ^= 0x01
        with pytest.raises(WrongPassphrase):
            crypto.unwrap(kek, bytes(tampered))


def test_wrong_key_fails():
    boxed = crypto.wrap(crypto.random_key(), b"x" * 32)
    with pytest.raises(WrongPassphrase, match="wrong passphrase"):
        crypto.unwrap(crypto.random_key(), boxed)


def test_recovery_key_round_trip_and_forgiving_input():
    entropy = crypto.random_key()
    text = crypto.format_recovery_key(entropy)
    assert len(text.split("-")) == 14 and all(len(g) == 4 for g in text.split("-"))
    assert crypto.parse_recovery_key(text) == entropy
    assert crypto.parse_recovery_key(text.lower().replace("-", " ")) == entropy


def test_recovery_key_typo_is_caught_by_the_checksum():
    text = crypto.new_recovery_key()
    wrong = ("B" if text[0] != "B" else "C") + text[1:]
    with pytest.raises(InvalidInput, match="typing mistake"):
        crypto.parse_recovery_key(wrong)
    with pytest.raises(InvalidInput, match="not a recovery key"):
        crypto.parse_recovery_key("ABCD-EFGH")


def test_calibration_never_goes_below_interactive():
    params = crypto.calibrate(target_seconds=0.01)
    assert params.at_least_interactive()


KAT_ARGON2ID = "d17ea6341ca93da6079ea2f64dc4aa31dd1aaf9caa67fb42ac4afd0714706f26"
