"""Typed errors of SMTP configuration: each says in plain words what is wrong and how to fix it.

The sender dead-letters a job with error class ``config`` when resolution raises
:class:`ConfigError`; the CLI prints the message as it is.
"""

from __future__ import annotations

from workers.smtp.diagnosis import Misconfigured
from workers.smtp.failures import ErrorClass


class ConfigError(Misconfigured):
    """The SMTP configuration of a user cannot be used as stored."""

    error_class = ErrorClass.CONFIG


class UserNotFound(ConfigError):
    """The sending user has no mail settings at all."""


class IncompleteServer(ConfigError):
    """A card holds part of a server (a host without a port, ...)."""


class InvalidPort(ConfigError):
    """A port other than 25, 465 or 587."""


class InvalidTlsMode(ConfigError):
    """A TLS mode other than none, ssl or starttls."""


class PasswordWithoutUsername(ConfigError):
    """A password is stored but no username to log in with."""


class UsernameWithoutPassword(ConfigError):
    """A username is stored but no password."""


class GlobalUserNotFound(ConfigError):
    """The *mail sending user code* names a user who has no mail settings."""


class GlobalUserHasNoServer(ConfigError):
    """The *mail sending user code* names a user without a complete SMTP server."""


class ConfigLoop(ConfigError):
    """The *mail sending user code* names the sending user, who has no server of their own."""


class MissingEmail(ConfigError):
    """The user has no e-mail address (needed for From, or Reply-To in reply-to mode)."""


class InvalidEmail(ConfigError):
    """The user's e-mail address is not one well-formed address."""


class MissingCompany(ConfigError):
    """Reply-to mode needs the tenant's company name and slug (system settings)."""


class InvalidSenderMode(ConfigError):
    """A sender mode other than own or reply_to."""


class MissingSecretKey(ConfigError):
    """ERPMAIL_SECRET_KEY is needed (to decrypt a password or sign the envelope sender)."""


class PasswordUnreadable(ConfigError):
    """A stored password cannot be decrypted with the keys in ERPMAIL_SECRET_KEY."""


class UnknownProvider(ConfigError):
    """A provider preset name that no preset file defines."""
