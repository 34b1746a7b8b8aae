"""SMTP passwords encrypted at rest with keys from ``ERPMAIL_SECRET_KEY``.

The variable holds one key, or several separated by commas for rotation: the first key
encrypts (and signs VERP envelope senders and the digests of a job's recipients), every key
decrypts and verifies. To rotate, put the new key first and keep the old one after it, run
``erpmail config rotate-key`` (it re-encrypts every stored password under the first key), and
keep the old key until bounces for mail sent under it stop arriving (weeks: a bounce's VERP
tag and its job's recipient digests were made with it); then drop it.

Each key may be any string; the Fernet key is derived from it with HKDF-SHA256, so that the
same string used for the VERP tag and for encryption never serves both purposes directly.
"""

from __future__ import annotations

import base64

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from workers.config.errors import MissingSecretKey, PasswordUnreadable
from workers.logging import register_secret

_HKDF_SALT = b"erpmail"
_HKDF_INFO = b"erpmail smtp password encryption v1"

_MISSING_KEY_FIX = (
    "set ERPMAIL_SECRET_KEY in the environment of every erpmail process "
    "(the same value everywhere; several keys separated by commas during a rotation)"
)


def split_keys(secret_key: str | None) -> list[str]:
    """The keys in an ``ERPMAIL_SECRET_KEY`` value, first (current) key first."""
    return [part.strip() for part in (secret_key or "").split(",") if part.strip()]


def _require_keys(secret_key: str | None, purpose: str) -> list[str]:
    keys = split_keys(secret_key)
    if not keys:
        raise MissingSecretKey(
            f"ERPMAIL_SECRET_KEY is not set: it is needed {purpose}", fix=_MISSING_KEY_FIX
        )
    for key in keys:
        register_secret(key)
    return keys


def signing_key(secret_key: str | None) -> bytes:
    """The key that signs VERP envelope senders (``workers.correlation``): the first key."""
    return _require_keys(secret_key, "to sign the envelope sender")[0].encode("utf-8")


def verification_keys(secret_key: str | None) -> list[bytes]:
    """Every key a VERP tag may have been signed with, the current one first."""
    return [key.encode("utf-8") for key in split_keys(secret_key)]


def fernet_key(key: str) -> bytes:
    """The Fernet key derived from one ``ERPMAIL_SECRET_KEY`` key."""
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=_HKDF_SALT, info=_HKDF_INFO)
    return base64.urlsafe_b64encode(derived.derive(key.encode("utf-8")))


class PasswordBox:
    """Encrypts and decrypts stored SMTP passwords."""

    def __init__(self, secret_key: str | None) -> None:
        keys = _require_keys(secret_key, "to encrypt and decrypt stored SMTP passwords")
        self._fernet = MultiFernet([Fernet(fernet_key(key)) for key in keys])
        self._current = Fernet(fernet_key(keys[0]))

    def encrypt(self, password: str) -> str:
        register_secret(password)
        return self._fernet.encrypt(password.encode("utf-8")).decode("ascii")

    def decrypt(self, token: str) -> str:
        """The password in ``token``; from now on the log redacts it wherever it appears."""
        try:
            password = self._fernet.decrypt(token.encode("ascii")).decode("utf-8")
        except (InvalidToken, UnicodeError, ValueError):
            raise PasswordUnreadable(
                "the stored SMTP password cannot be decrypted with any key in "
                "ERPMAIL_SECRET_KEY (the key was changed or the stored value is damaged)",
                fix="put the key it was stored with back into ERPMAIL_SECRET_KEY, after the "
                "current key, and run `erpmail config rotate-key`; only if that key is lost, "
                "store the password again with `erpmail config set USER --password-prompt`",
            ) from None
        register_secret(password)
        return password

    def is_current(self, token: str) -> bool:
        """Whether ``token`` is encrypted under the first key already."""
        try:
            self._current.decrypt(token.encode("ascii"))
        except (InvalidToken, ValueError):
            return False
        return True

    def rotate(self, token: str) -> str:
        """``token`` re-encrypted under the first key (it must decrypt with one of the keys)."""
        try:
            return self._fernet.rotate(token.encode("ascii")).decode("ascii")
        except (InvalidToken, ValueError):
            self.decrypt(token)  # raises PasswordUnreadable with the fix
            raise
