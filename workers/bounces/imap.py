"""The event mailbox over IMAP (imapclient): TLS always, IDLE when offered, poll otherwise.

Every server or network failure surfaces as :class:`SourceUnavailable` and drops the
connection; :meth:`ImapSource.connect` opens a fresh one (the worker calls it with backoff).
"""

from __future__ import annotations

import imaplib
import ssl
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from typing import Any

from imapclient import IMAPClient
from imapclient.exceptions import LoginError

from workers.bounces.imap_url import ImapTarget, ImapTls
from workers.bounces.source import (
    Destination,
    FetchedMessage,
    MessageRef,
    SourceRefused,
    SourceUnavailable,
)

FETCH_CHUNK = 25
IO_TIMEOUT_SECONDS = 60.0
WAKE_SLICE_SECONDS = 1.0


@dataclass(frozen=True)
class ImapFolders:
    """The folders handled messages are moved to (created when missing)."""

    processed: str = "Processed"
    unparsed: str = "Unparsed"
    not_bounces: str = "NotBounces"

    def of(self, destination: Destination) -> str:
        return {
            Destination.PROCESSED: self.processed,
            Destination.UNPARSED: self.unparsed,
            Destination.NOT_BOUNCES: self.not_bounces,
        }[destination]


def tls_context(ca_file: str | None) -> ssl.SSLContext:
    """Certificate and host name verified, against ``ca_file`` or the system's trust store."""
    context = ssl.create_default_context(cafile=ca_file)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    return context


def log_in(
    target: ImapTarget, ca_file: str | None = None, timeout: float = IO_TIMEOUT_SECONDS
) -> IMAPClient:
    """A connection to ``target``'s server over TLS (implicit, or STARTTLS which must be
    offered: never plain text), logged in; no folder selected."""
    context = tls_context(ca_file)
    client = IMAPClient(
        target.host,
        port=target.port,
        ssl=target.tls is ImapTls.IMPLICIT,
        ssl_context=context,
        timeout=timeout,
    )
    try:
        if target.tls is ImapTls.STARTTLS:
            if not client.has_capability("STARTTLS"):
                raise SourceRefused(
                    f"{target.host}:{target.port} does not offer STARTTLS; "
                    "use imaps:// or enable TLS on the server"
                )
            client.starttls(context)
        client.login(target.username, target.password)
    except BaseException:
        with suppress(Exception):
            client.shutdown()
        raise
    return client


class ImapSource:
    """One folder of an IMAP mailbox."""

    def __init__(
        self,
        target: ImapTarget,
        folders: ImapFolders,
        ca_file: str | None = None,
        timeout: float = IO_TIMEOUT_SECONDS,
    ) -> None:
        self._target = target
        self._folders = folders
        self._ca_file = ca_file
        self._timeout = timeout
        self._client: IMAPClient | None = None
        self._idle = False  # the connection's server offers IDLE (read as it was opened)
        self._woken = threading.Event()

    @property
    def description(self) -> str:
        return self._target.describe()

    @property
    def supports_idle(self) -> bool:
        """Read from any thread: the connection itself belongs to the worker's (a CAPABILITY
        sent from another would take a reply the worker waits for)."""
        return self._client is not None and self._idle

    def connect(self) -> None:
        if self._client is not None:
            return
        target = self._target
        try:
            client = self._open()
        except ssl.SSLCertVerificationError as exc:
            raise SourceRefused(
                f"the certificate of {target.host}:{target.port} did not verify "
                f"({exc.verify_message}); set IMAP_CA_FILE to the CA that signed it"
            ) from None
        except LoginError as exc:
            if "UNAVAILABLE" in str(exc):  # RFC 5530: the server's auth is down for now
                raise SourceUnavailable(f"{target.describe()}: {exc}") from None
            raise SourceRefused(
                f"{target.host} refused the login of {target.username!r}: check IMAP_URL"
            ) from None
        except (OSError, imaplib.IMAP4.abort, EOFError) as exc:
            raise SourceUnavailable(f"cannot reach {target.describe()}: {exc!r}") from None
        except imaplib.IMAP4.error as exc:
            raise SourceRefused(f"{target.describe()}: {exc}") from None
        self._client = client

    def _open(self) -> IMAPClient:
        """A logged-in connection with the folder selected and the destinations present."""
        client = log_in(self._target, self._ca_file, self._timeout)
        try:
            self._idle = bool(client.has_capability("IDLE"))
            client.select_folder(self._target.folder)
            for folder in {self._folders.of(d) for d in Destination}:
                _ensure_folder(client, folder)
        except BaseException:
            with suppress(Exception):
                client.shutdown()
            raise
        return client

    @contextmanager
    def _session(self) -> Iterator[IMAPClient]:
        """The open connection; a failure inside drops it and raises SourceUnavailable."""
        if self._client is None:
            self.connect()
        assert self._client is not None
        try:
            yield self._client
        except (OSError, imaplib.IMAP4.abort, EOFError, imaplib.IMAP4.error) as exc:
            self._drop()
            raise SourceUnavailable(f"{self._target.describe()}: {exc!r}") from None

    def _drop(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            with suppress(Exception):  # already broken: nothing more to do
                client.shutdown()

    def pending(self) -> list[MessageRef]:
        with self._session() as client:
            uids = sorted(client.search(["UNDELETED"]))
            refs: list[MessageRef] = []
            for start in range(0, len(uids), 500):
                chunk = uids[start : start + 500]
                sizes = client.fetch(chunk, ["RFC822.SIZE"])
                refs += [
                    MessageRef(str(uid), int(sizes[uid][b"RFC822.SIZE"]))
                    for uid in chunk
                    if uid in sizes
                ]
            return refs

    def fetch(self, refs: Sequence[MessageRef], max_bytes: int) -> Iterator[FetchedMessage]:
        whole = [ref for ref in refs if ref.size <= max_bytes]
        for start in range(0, len(whole), FETCH_CHUNK):
            chunk = whole[start : start + FETCH_CHUNK]
            with self._session() as client:
                data = client.fetch([int(ref.id) for ref in chunk], ["BODY.PEEK[]"])
            for ref in chunk:
                body = _body(data.get(int(ref.id), {}))
                if body is not None:
                    yield FetchedMessage(ref, body)
        for ref in refs:
            if ref.size > max_bytes:
                with self._session() as client:
                    data = client.fetch([int(ref.id)], [f"BODY.PEEK[]<0.{max_bytes}>"])
                body = _body(data.get(int(ref.id), {}))
                if body is not None:
                    yield FetchedMessage(ref, body)

    def move(self, ref: MessageRef, destination: Destination) -> None:
        folder = self._folders.of(destination)
        with self._session() as client:
            uid = int(ref.id)
            if client.has_capability("MOVE"):
                client.move([uid], folder)
                return
            client.copy([uid], folder)
            client.delete_messages([uid])
            if client.has_capability("UIDPLUS"):
                client.uid_expunge([uid])
            else:
                client.expunge()

    def wait(self, timeout: float) -> None:
        """IDLE until the server announces mail (or ``timeout``); poll where IDLE is missing."""
        deadline = time.monotonic() + timeout
        self._woken.clear()
        with self._session() as client:
            if not self._idle:
                self._woken.wait(timeout)
                client.noop()
                return
            client.idle()
            try:
                while not self._woken.is_set():
                    left = deadline - time.monotonic()
                    if left <= 0 or client.idle_check(timeout=min(WAKE_SLICE_SECONDS, left)):
                        break
            finally:
                client.idle_done()

    def wake(self) -> None:
        self._woken.set()

    def close(self) -> None:
        client, self._client = self._client, None
        if client is None:
            return
        try:
            client.logout()
        except (TimeoutError, OSError, imaplib.IMAP4.error, imaplib.IMAP4.abort, EOFError):
            client.shutdown()


def _ensure_folder(client: IMAPClient, folder: str) -> None:
    """Create ``folder`` unless it exists (another worker may be creating it right now)."""
    if client.folder_exists(folder):
        return
    try:
        client.create_folder(folder)
    except imaplib.IMAP4.error:
        if not client.folder_exists(folder):
            raise


def _body(item: dict[bytes, Any]) -> bytes | None:
    """The body in a FETCH answer, whatever section label the server used."""
    for key, value in item.items():
        if key.startswith(b"BODY[") and isinstance(value, bytes):
            return value
    return None
