"""Find the kind of server that wrote a bounce, from the markers in ``table``."""

from __future__ import annotations

from workers.dsn.engines.table import ENGINES, EngineMarkers
from workers.dsn.mime import Headers

_MARKER_HEADERS = (
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
)
BODY_SCAN_CHARS = 16 * 1024


def _markers(part: str) -> tuple[tuple[str, int], ...]:
    """Every marker of one kind (``sender``, ``subject``, ...) with its engine's place."""
    return tuple(
        (marker, place) for place, engine in enumerate(ENGINES) for marker in getattr(engine, part)
    )


_SENDER, _SUBJECT, _HEADERS, _BODY = (
    _markers(part) for part in ("sender", "subject", "headers", "body")
)


def _first(markers: tuple[tuple[str, int], ...], text: str, best: int) -> int:
    """The first place (below ``best``) of an engine whose marker is in ``text``: the
    markers come in the table's order, so the first one found is the answer."""
    for marker, place in markers:
        if place >= best:
            break
        if marker in text:
            return place
    return best


def detect_engine(headers: Headers, text: str) -> EngineMarkers | None:
    """The engine (its row of the table) whose markers the bounce carries, or ``None``: the
    first engine of the table with a marker in the sender, the subject, the marker headers
    or the body."""
    header_text = "\n".join(
        f"{name}: {value}".lower()
        for name, value in headers.items()
        if name in _MARKER_HEADERS or name.startswith("x-ms-exchange-")
    )
    best = _first(_SENDER, headers.get("from").lower(), len(ENGINES))
    best = _first(_SUBJECT, headers.get("subject").lower(), best)
    best = _first(_HEADERS, header_text, best)
    if text:
        best = _first(_BODY, text[:BODY_SCAN_CHARS].lower(), best)
    return ENGINES[best] if best < len(ENGINES) else None
