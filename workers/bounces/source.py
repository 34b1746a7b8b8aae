"""What the bounce worker needs from a mailbox, whatever it is (IMAP folder, Maildir, ...).

A source lists the messages waiting, hands over their bytes, files each one into a
destination once its outcome is committed, and waits for new mail. Connection trouble is
raised as :class:`SourceUnavailable`; the worker then reconnects with backoff.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol


class SourceUnavailable(ConnectionError):
    """The mailbox cannot be reached right now (network, server restart, timeout)."""


class SourceRefused(RuntimeError):
    """The mailbox refused us for a reason that retrying will not fix (login, missing folder)."""


class Destination(StrEnum):
    """Where a message goes once its outcome is committed."""

    PROCESSED = "processed"
    UNPARSED = "unparsed"
    NOT_BOUNCES = "not_bounces"


@dataclass(frozen=True)
class MessageRef:
    """A message waiting in the source: an id the source understands, and its size."""

    id: str
    size: int


@dataclass(frozen=True)
class FetchedMessage:
    """A message's bytes: only its first ``max_bytes`` when it is larger (its real size is
    ``ref.size``)."""

    ref: MessageRef
    raw: bytes


class MailSource(Protocol):
    """The interface of a mailbox the bounce worker reads."""

    @property
    def description(self) -> str:
        """Where the source reads from, without secrets (for logs and the summary)."""
        ...

    def connect(self) -> None:
        """Open (or reopen) the source; idempotent."""
        ...

    def pending(self) -> list[MessageRef]:
        """The messages waiting to be handled, oldest first."""
        ...

    def fetch(self, refs: Sequence[MessageRef], max_bytes: int) -> Iterator[FetchedMessage]:
        """The messages' bytes, at most ``max_bytes`` of each (without marking them read)."""
        ...

    def move(self, ref: MessageRef, destination: Destination) -> None:
        """File a handled message; a message already gone is not an error."""
        ...

    def wait(self, timeout: float) -> None:
        """Return when new mail may have arrived, after ``timeout`` seconds, or soon after
        :meth:`wake` is called."""
        ...

    def wake(self) -> None:
        """Make a running :meth:`wait` return soon (safe to call from another thread)."""
        ...

    def close(self) -> None: ...
