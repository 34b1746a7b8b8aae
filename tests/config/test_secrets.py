"""Stored passwords: encrypted under the first key, readable under any, rotated on demand."""

from __future__ import annotations

import pytest

from workers.config.errors import MissingSecretKey, PasswordUnreadable
from workers.config.secrets import PasswordBox, signing_key, split_keys, verification_keys


def test_a_password_round_trips_and_is_not_stored_in_clear() -> None:
    box = PasswordBox("key-one")
    token = box.encrypt("hunter2-päss")
    assert "hunter2" not in token
    assert box.decrypt(token) == "hunter2-päss"
    assert box.encrypt("hunter2-päss") != token, "each encryption is fresh (random IV)"


def test_the_first_key_encrypts_and_every_key_decrypts() -> None:
    old = PasswordBox("old-key").encrypt("pw")
    rotating = PasswordBox("new-key, old-key")
    assert rotating.decrypt(old) == "pw"
    assert not rotating.is_current(old)
    rotated = rotating.rotate(old)
    assert rotating.is_current(rotated)
    assert PasswordBox("new-key").decrypt(rotated) == "pw"
    with pytest.raises(PasswordUnreadable):
        PasswordBox("old-key").decrypt(rotated)


def test_a_wrong_key_is_a_clear_error_with_its_fix() -> None:
    token = PasswordBox("right-key").encrypt("pw")
    with pytest.raises(PasswordUnreadable) as raised:
        PasswordBox("wrong-key").decrypt(token)
    assert "cannot be decrypted" in str(raised.value)
    assert "rotate-key" in str(raised.value)
    with pytest.raises(PasswordUnreadable):
        PasswordBox("wrong-key").rotate(token)
    with pytest.raises(PasswordUnreadable):
        PasswordBox("right-key").decrypt("not a token")


@pytest.mark.parametrize("value", [None, "", " , "])
def test_no_key_is_a_clear_error(value: str | None) -> None:
    with pytest.raises(MissingSecretKey, match="ERPMAIL_SECRET_KEY is not set"):
        PasswordBox(value)
    with pytest.raises(MissingSecretKey):
        signing_key(value)


def test_keys_for_the_verp_tag() -> None:
    assert split_keys(" a , b ,") == ["a", "b"]
    assert signing_key("a,b") == b"a"
    assert verification_keys("a,b") == [b"a", b"b"]
