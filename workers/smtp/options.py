"""How a resolved endpoint becomes aiosmtplib connection options.

aiosmtplib's ``start_tls=None`` upgrades opportunistically when the server offers STARTTLS;
TLS mode ``none`` must never upgrade, so every mode sets ``start_tls`` explicitly.

TLS contexts are made once per trust setting (the system store, a CA file, verification
off) and shared by every connection: making one loads the whole CA store, about 26 ms of
CPU, which was four fifths of what opening a TLS + AUTH connection cost. A shared context
also keeps a TLS session of each server, offered on every later connection to it, so that a
server that issues session tickets lets the client skip the certificate's decoding and
verification and the server its signature.

A session is dear to take and to offer: CPython copies it both ways through DER
(``_ssl_session_dup``), which decodes the server's certificate again; with OpenSSL 3.0 a
copy costs nearly what resuming spares. So a session is taken only when none is held for
the server (:meth:`SharedTlsContext.wants_session`), and only of a server that gets
connections again (:meth:`SharedTlsContext.connects`): a server connected to once never
pays back the copy. It is kept until it expires or the server declines it. Sessions are
held per server, host and port: two ports of one host may be two TLS servers.
"""

from __future__ import annotations

import os
import ssl
import threading
import time
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, TypeVar

from schemas.values import TlsMode
from workers.smtp.endpoint import SmtpEndpoint

SESSIONS_KEPT = 4096  # servers whose last TLS session a context remembers (least recent out)

Server = tuple[str, int]  # host and port: what a TLS session belongs to
V = TypeVar("V")

# the server the current task opens a connection to (:meth:`SharedTlsContext.offering`)
_connecting: ContextVar[Server | None] = ContextVar("tls_server", default=None)


def _keep_recent(kept: OrderedDict[Server, V], server: Server, value: V) -> None:
    """``value`` filed for ``server`` as the most recent; the least recent past
    ``SESSIONS_KEPT`` go (the caller holds the context's lock)."""
    kept[server] = value
    kept.move_to_end(server)
    while len(kept) > SESSIONS_KEPT:
        kept.popitem(last=False)


class TimedSSLObject(ssl.SSLObject):
    """A TLS object that adds up the CPU its handshake takes on the calling thread (the
    loop's): the certificate's decoding and check, the key exchange, where they are spent."""

    handshake_cpu = 0.0

    def do_handshake(self) -> None:
        started = time.thread_time()
        try:
            super().do_handshake()
        finally:
            self.handshake_cpu += time.thread_time() - started


class SharedTlsContext(ssl.SSLContext):
    """A client context that offers each server the TLS session it holds for it.

    asyncio (and aiosmtplib through it) has no way to pass a session for a connection, but
    it makes every TLS object with :meth:`wrap_bio`, which is where the session is slipped
    in for the server named by :meth:`offering` (the host alone does not say which server:
    the port is not passed down); :meth:`remember` files a connection's session (after its
    login, by when a TLS 1.3 server's tickets have come)."""

    sslobject_class = TimedSSLObject
    _sessions: OrderedDict[Server, ssl.SSLSession]
    _connected: OrderedDict[Server, None]  # servers connected to (least recent out)
    _lock: threading.Lock

    def _start_sessions(self) -> None:
        self._sessions = OrderedDict()
        self._connected = OrderedDict()
        self._lock = threading.Lock()

    @contextmanager
    def offering(self, host: str, port: int) -> Iterator[None]:
        """The TLS objects made within (by the current task) are offered the session held
        for ``host``:``port``."""
        token = _connecting.set((host, port))
        try:
            yield
        finally:
            _connecting.reset(token)

    def wrap_bio(
        self,
        incoming: ssl.MemoryBIO,
        outgoing: ssl.MemoryBIO,
        server_side: bool = False,
        server_hostname: str | bytes | None = None,
        session: ssl.SSLSession | None = None,
    ) -> ssl.SSLObject:
        server = _connecting.get()
        if session is None and not server_side and server is not None:
            session = self._held(server)
        return super().wrap_bio(incoming, outgoing, server_side, server_hostname, session)

    def connects(self, host: str, port: int) -> bool:
        """Note a connection to ``host``:``port``; whether one was made before. A server
        that gets connections again is the one whose session is worth taking."""
        server = (host, port)
        with self._lock:
            again = server in self._connected
            _keep_recent(self._connected, server, None)
        return again

    def wants_session(self, host: str, port: int) -> bool:
        """No live session is held for ``host``:``port``: the next connection's is worth
        taking."""
        return self._held((host, port)) is None

    def remember(self, host: str, port: int, ssl_object: Any) -> None:
        """Keep the session of ``ssl_object`` (an ``SSLObject`` after its handshake) for the
        next connections to ``host``:``port``; a session that cannot be resumed is not
        kept."""
        session = getattr(ssl_object, "session", None)
        if not isinstance(session, ssl.SSLSession) or (not session.has_ticket and not session.id):
            return
        server = (host, port)
        with self._lock:
            _keep_recent(self._sessions, server, session)

    def forget(self, host: str, port: int) -> None:
        """The server did not resume the session it was offered: offer it no more."""
        with self._lock:
            self._sessions.pop((host, port), None)

    def _held(self, server: Server) -> ssl.SSLSession | None:
        with self._lock:
            session = self._sessions.get(server)
            if session is not None and _expired(session):
                del self._sessions[server]
                session = None
        return session


def _expired(session: ssl.SSLSession) -> bool:
    """Past the lifetime the server gave it (its ticket's, when it sent one)."""
    lifetime = session.timeout
    if session.has_ticket and session.ticket_lifetime_hint:
        lifetime = min(lifetime, session.ticket_lifetime_hint)
    return time.time() >= session.time + lifetime


_contexts: dict[tuple[bool, str | None, str | None, str | None], SharedTlsContext] = {}
_contexts_lock = threading.Lock()
contexts_made = 0  # how many contexts this process has built (the tests count them)


def tls_context(verify_certificate: bool, cafile: str | None = None) -> SharedTlsContext:
    """The shared client context for a trust setting. The system store is wherever
    ``SSL_CERT_FILE`` / ``SSL_CERT_DIR`` point at the time, so they are part of the key."""
    key = (
        verify_certificate,
        cafile,
        os.environ.get("SSL_CERT_FILE"),
        os.environ.get("SSL_CERT_DIR"),
    )
    context = _contexts.get(key)
    if context is None:
        with _contexts_lock:
            context = _contexts.get(key)
            if context is None:
                context = _contexts[key] = _make_context(verify_certificate, cafile)
    return context


def forget_tls_contexts() -> None:
    """Drop the shared contexts (the next connection builds its context again): for a CA
    file changed on disk, and for the benchmark's before/after figure."""
    with _contexts_lock:
        _contexts.clear()


def _make_context(verify_certificate: bool, cafile: str | None) -> SharedTlsContext:
    global contexts_made
    contexts_made += 1
    # what ssl.create_default_context() does, in the subclass that offers sessions
    context = SharedTlsContext(ssl.PROTOCOL_TLS_CLIENT)
    context._start_sessions()
    if cafile is not None:
        context.load_verify_locations(cafile=cafile)
    else:
        context.load_default_certs(ssl.Purpose.SERVER_AUTH)
    if not verify_certificate:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context


def smtp_client_options(endpoint: SmtpEndpoint, cafile: str | None = None) -> dict[str, Any]:
    """Keyword arguments for ``aiosmtplib.SMTP(...)`` (login is done separately)."""
    options: dict[str, Any] = {
        "hostname": endpoint.host,
        "port": endpoint.port,
        "timeout": endpoint.timeout_seconds,
    }
    if endpoint.tls == TlsMode.SSL:
        options.update(use_tls=True, start_tls=False)
    elif endpoint.tls == TlsMode.STARTTLS:
        options.update(use_tls=False, start_tls=True)
    else:
        options.update(use_tls=False, start_tls=False)
    if endpoint.tls != TlsMode.NONE:
        options["tls_context"] = tls_context(endpoint.verify_certificate, cafile)
    return options
