"""Find the kind of server that wrote a bounce, from the markers in ``table``."""

from __future__ import annotations

from workers.dsn.engines.table import ENGINES, EngineMarkers
from workers.dsn.mime import Headers
from workers.dsn.reasons import mask_addresses
from workers.dsn.scan import first_held

_MARKER_HEADERS = frozenset(
    {
        "x-mailer",
        "x-ms-exchange-organization-authas",
        "x-ms-embedded-report",
        "x-ses-outgoing",
        "x-amz-sns-message-id",
        "x-nai-header",
        "x-mx-bounce",
        "x-ml-name",
        "x-mlserver",
        "x-powermta-version",
        "x-sendgrid-eid",
        "x-microsoft-antispam",
    }
)
BODY_SCAN_CHARS = 16 * 1024


def _markers(part: str) -> tuple[tuple[str, ...], tuple[int, ...]]:
    """Every marker of one kind (``sender``, ``subject``, ...) and its engine's place, in
    the table's order."""
    pairs = [
        (marker, place) for place, engine in enumerate(ENGINES) for marker in getattr(engine, part)
    ]
    return tuple(marker for marker, _ in pairs), tuple(place for _, place in pairs)


_SENDER, _SUBJECT, _HEADERS, _BODY = (
    _markers(part) for part in ("sender", "subject", "headers", "body")
)


def _first(markers: tuple[tuple[str, ...], tuple[int, ...]], text: str, best: int) -> int:
    """The first place (below ``best``) of an engine whose marker is in ``text``: the
    markers come in the table's order, so the first one found is the answer."""
    return first_held(text, markers[0], markers[1], best)


def _is_marker_header(name: str) -> bool:
    return name in _MARKER_HEADERS or name.startswith("x-ms-exchange-")


def detect_engine(headers: Headers, text: str) -> EngineMarkers | None:
    """The engine (its row of the table) whose markers the bounce carries, or ``None``: the
    first engine of the table with a marker in the sender, the subject, the marker headers
    or the body."""
    header_text = "\n".join(
        f"{name}: {value}".lower() for name, value in headers.items(_is_marker_header)
    )
    best = _first(_SENDER, headers.get("from").lower(), len(ENGINES))
    best = _first(_SUBJECT, headers.get("subject").lower(), best)
    best = _first(_HEADERS, header_text, best)
    if text:
        # An address is a name someone chose, not the mark of the server that wrote the
        # report: neither its local part ("opensmtpd-test@...") nor its domain (a user's own
        # relay reporting <team@googlegroups.com> is not Google Groups). No marker holds an
        # "@", so reading the addresses as "@" only takes markers away: a body that holds
        # none as it is (most bounces) is not masked.
        lowered = text[:BODY_SCAN_CHARS].lower()
        if _first(_BODY, lowered, best) < best:
            best = _first(_BODY, mask_addresses(lowered), best)
    return ENGINES[best] if best < len(ENGINES) else None
