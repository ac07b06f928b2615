import base64
import json
import time

import pytest

from infoshare_cli.errors import InfoshareError, WrongPassphrase
from infoshare_cli.ledger import crypto

PASSPHRASE = "correct horse battery staple"


@pytest.fixture(scope="module")
def key():
    return crypto.generate_private_key()


@pytest.fixture(scope="module")
def sealed(key):
    # The cost the tool seals with (the tests' own default is cheaper: support/cheap_keys.py).
    return crypto.seal_private_key(key, PASSPHRASE, crypto.RFC_9106_SECOND)


# --- canonical JSON -------------------------------------------------------------------------


def test_canonical_json_sorts_keys_and_has_no_whitespace():
    assert crypto.canonical_json({"b": 1, "a": [1, "x", None, True], "c": {"z": 0, "y": {}}}) == (
        b'{"a":[1,"x",null,true],"b":1,"c":{"y":{},"z":0}}'
    )


def test_canonical_json_is_independent_of_insertion_order():
    assert crypto.canonical_json({"a": 1, "b": 2}) == crypto.canonical_json({"b": 2, "a": 1})


def test_canonical_json_keeps_unicode_as_utf8():
    out = crypto.canonical_json({"name": "Zoë Ōkubo ✓"})
    assert out == '{"name":"Zoë Ōkubo ✓"}'.encode()
    assert b"\\u" not in out
    assert json.loads(out) == {"name": "Zoë Ōkubo ✓"}


@pytest.mark.parametrize(
    "bad",
    [1.5, {"a": 1.0}, [1, [2, {"x": 0.1}]], {"n": float("nan")}, {"i": float("inf")}],
)
def test_canonical_json_refuses_floats_anywhere(bad):
    with pytest.raises(ValueError):
        crypto.canonical_json(bad)


def test_canonical_json_refuses_non_string_keys_and_huge_ints():
    with pytest.raises(ValueError):
        crypto.canonical_json({1: "a"})
    with pytest.raises(ValueError):
        crypto.canonical_json({"n": 2**53})
    assert crypto.canonical_json({"n": 2**53 - 1}) == b'{"n":9007199254740991}'


def test_canonical_json_refuses_other_types():
    with pytest.raises(TypeError):
        crypto.canonical_json({"b": b"bytes"})


def test_sha256_hex():
    assert crypto.sha256_hex(b"abc") == (
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    )


# --- signing --------------------------------------------------------------------------------


def test_public_key_is_raw_32_bytes_base64(key):
    assert len(base64.b64decode(crypto.public_key_b64(key), validate=True)) == 32


def test_sign_and_verify(key):
    pub = crypto.public_key_b64(key)
    sig = crypto.sign(key, b"hello")
    assert len(base64.b64decode(sig, validate=True)) == 64
    assert crypto.verify_signature(pub, b"hello", sig)
    assert not crypto.verify_signature(pub, b"hellO", sig)
    other = crypto.public_key_b64(crypto.generate_private_key())
    assert not crypto.verify_signature(other, b"hello", sig)


@pytest.mark.parametrize(
    "pub, data, sig",
    [
        ("not base64!!", b"x", "AAAA"),
        ("", b"x", ""),
        (base64.b64encode(b"short").decode(), b"x", base64.b64encode(b"\0" * 64).decode()),
        (None, b"x", None),
        (12, b"x", 34),
        ("ë", b"x", "ë"),
    ],
)
def test_verify_signature_is_false_for_garbage(key, pub, data, sig):
    assert crypto.verify_signature(pub, data, sig) is False


def test_verify_signature_is_false_for_garbage_signature_with_real_key(key):
    pub = crypto.public_key_b64(key)
    assert crypto.verify_signature(pub, b"x", "@@@") is False
    assert crypto.verify_signature(pub, b"x", base64.b64encode(b"\0" * 64).decode()) is False
    assert crypto.verify_signature(pub, None, crypto.sign(key, b"x")) is False


# --- sealing --------------------------------------------------------------------------------


def test_sealed_record_shape(key, sealed):
    assert sealed["kdf"] == "argon2id"
    # RFC 9106's second recommended setting: 64 MiB, 3 passes, 4 lanes.
    assert (sealed["memory_kib"], sealed["iterations"], sealed["lanes"]) == (65536, 3, 4)
    assert len(base64.b64decode(sealed["salt"])) == 16
    assert len(base64.b64decode(sealed["nonce"])) == 12
    assert sealed["public_key"] == crypto.public_key_b64(key)
    # JSON-ready: can go straight into a ledger payload
    crypto.canonical_json(sealed)


def test_seal_is_randomised(key, sealed):
    again = crypto.seal_private_key(key, PASSPHRASE, crypto.RFC_9106_SECOND)
    assert again["salt"] != sealed["salt"]
    assert again["ciphertext"] != sealed["ciphertext"]


def test_seal_unseal_round_trip(key, sealed):
    unsealed = crypto.unseal_private_key(sealed, PASSPHRASE)
    assert crypto.public_key_b64(unsealed) == crypto.public_key_b64(key)
    sig = crypto.sign(unsealed, b"m")
    assert crypto.verify_signature(sealed["public_key"], b"m", sig)


def test_unseal_normalises_unicode(key):
    composed, decomposed = "café au lait ☕", "cafe\u0301 au lait ☕"
    sealed = crypto.seal_private_key(key, composed)
    assert crypto.public_key_b64(crypto.unseal_private_key(sealed, decomposed)) == (
        crypto.public_key_b64(key)
    )


def test_wrong_passphrase(sealed):
    with pytest.raises(WrongPassphrase) as info:
        crypto.unseal_private_key(sealed, PASSPHRASE + "!")
    assert str(info.value) == "That passphrase is not right."
    assert isinstance(info.value, InfoshareError)


def test_tampered_ciphertext_is_refused(sealed):
    raw = bytearray(base64.b64decode(sealed["ciphertext"]))
    raw[0] ^= 1
    tampered = dict(sealed, ciphertext=base64.b64encode(bytes(raw)).decode())
    with pytest.raises(WrongPassphrase):
        crypto.unseal_private_key(tampered, PASSPHRASE)


def test_tampered_public_key_is_refused(sealed):
    other = crypto.public_key_b64(crypto.generate_private_key())
    with pytest.raises(InfoshareError, match="does not match") as info:
        crypto.unseal_private_key(dict(sealed, public_key=other), PASSPHRASE)
    assert not isinstance(info.value, WrongPassphrase)


def test_unseal_honours_recorded_parameters(key, sealed):
    # A record sealed with other (cheaper) parameters, e.g. by an older version.
    cheap = crypto.seal_private_key(key, PASSPHRASE, crypto.KdfCost(1024, 3, 1))
    assert (cheap["memory_kib"], cheap["iterations"], cheap["lanes"]) == (1024, 3, 1)
    assert crypto.public_key_b64(crypto.unseal_private_key(cheap, PASSPHRASE)) == (
        crypto.public_key_b64(key)
    )
    # Changing a recorded parameter derives a different key: the record no longer opens.
    with pytest.raises(WrongPassphrase):
        crypto.unseal_private_key(dict(cheap, iterations=2), PASSPHRASE)
    with pytest.raises(WrongPassphrase):
        crypto.unseal_private_key(dict(sealed, memory_kib=sealed["memory_kib"] + 1), PASSPHRASE)


@pytest.mark.parametrize(
    "change",
    [
        {"memory_kib": 1024 * 1024 + 1},
        {"memory_kib": 2**40},
        {"iterations": 21},
        {"iterations": 10**9},
        {"iterations": 0},
        {"lanes": 0},
        {"lanes": 1000},
        {"memory_kib": "19456"},
        {"iterations": True},
    ],
)
def test_absurd_parameters_are_refused_quickly(sealed, change):
    start = time.monotonic()
    with pytest.raises(InfoshareError) as info:
        crypto.unseal_private_key(dict(sealed, **change), PASSPHRASE)
    assert not isinstance(info.value, WrongPassphrase)
    assert "out of range" in str(info.value)
    assert time.monotonic() - start < 0.5


@pytest.mark.parametrize(
    "sealed_change",
    [
        {"kdf": "scrypt"},
        {"cipher": "chacha20"},
        {"salt": "***"},
        {"salt": base64.b64encode(b"1234").decode()},
        {"nonce": base64.b64encode(b"x" * 16).decode()},
        {"ciphertext": 42},
        {"public_key": "AAAA"},
    ],
)
def test_malformed_sealed_record(sealed, sealed_change):
    with pytest.raises(InfoshareError) as info:
        crypto.unseal_private_key(dict(sealed, **sealed_change), PASSPHRASE)
    assert not isinstance(info.value, WrongPassphrase)
    assert "damaged" in str(info.value)


def test_missing_fields_and_non_dict(sealed):
    partial = {k: v for k, v in sealed.items() if k != "salt"}
    with pytest.raises(InfoshareError, match="Missing: salt"):
        crypto.unseal_private_key(partial, PASSPHRASE)
    with pytest.raises(InfoshareError, match="damaged"):
        crypto.unseal_private_key("nope", PASSPHRASE)  # type: ignore[arg-type]


# --- passphrase policy ----------------------------------------------------------------------


def test_check_new_passphrase_accepts_long_enough_and_strong():
    crypto.check_new_passphrase("copper lantern")  # 14 characters, two unrelated words
    crypto.check_new_passphrase(PASSPHRASE)


@pytest.mark.parametrize("p", ["", "short", "123456789"])
def test_check_new_passphrase_refuses_short(p):
    with pytest.raises(InfoshareError, match="at least 10 characters long"):
        crypto.check_new_passphrase(p)


@pytest.mark.parametrize("p", [" " * 12, "\t \n" * 5, "  "])
def test_check_new_passphrase_refuses_whitespace(p):
    with pytest.raises(InfoshareError, match="only spaces"):
        crypto.check_new_passphrase(p)


def test_a_salt_of_the_longest_length_is_read_and_one_byte_more_is_damage(sealed):
    """The salt may be 8 to 64 bytes: 64 is read (and, not being the salt the key was
    sealed with, gives the wrong key: the passphrase is "not right"); 65 is damage."""
    with pytest.raises(WrongPassphrase):
        crypto.unseal_private_key(
            dict(sealed, salt=base64.b64encode(b"s" * 64).decode()), PASSPHRASE
        )
    with pytest.raises(InfoshareError) as info:
        crypto.unseal_private_key(
            dict(sealed, salt=base64.b64encode(b"s" * 65).decode()), PASSPHRASE
        )
    assert not isinstance(info.value, WrongPassphrase)
    assert str(info.value).endswith("(Its salt has the wrong length.)")


@pytest.mark.parametrize("field", ["salt", "nonce", "ciphertext", "public_key"])
def test_a_sealed_field_with_a_stray_character_is_damage(sealed, field):
    """Sealed fields are read as strict base64: the same bytes written with a stray
    character are not accepted, although a lenient decoder would skip it and open the key."""
    text = sealed[field]
    with pytest.raises(InfoshareError) as info:
        crypto.unseal_private_key(dict(sealed, **{field: text[:4] + "!" + text[4:]}), PASSPHRASE)
    assert not isinstance(info.value, WrongPassphrase)
    assert str(info.value).endswith(f"(Its {field} is not valid base64.)")
