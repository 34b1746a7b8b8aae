"""Name the kind of server that wrote a bounce, from the markers in ``table``."""

from __future__ import annotations

from workers.dsn.engines.table import ENGINES
from workers.dsn.mime import Headers
from workers.dsn.report import Reason

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


def detect_engine(headers: Headers, text: str) -> str:
    """The name of the engine whose markers the bounce carries, or ``""``."""
    sender = headers.get("from").lower()
    subject = headers.get("subject").lower()
    header_text = "\n".join(
        f"{name}: {value}".lower()
        for name, value in headers.items()
        if name in _MARKER_HEADERS or name.startswith("x-ms-exchange-")
    )
    body = text[:BODY_SCAN_CHARS].lower()
    for engine in ENGINES:
        if (
            any(m in sender for m in engine.sender)
            or any(m in subject for m in engine.subject)
            or any(m in header_text for m in engine.headers)
            or any(m in body for m in engine.body)
        ):
            return engine.name
    return ""


def default_reason(engine: str) -> Reason | None:
    """The cause an engine's bounces mean when they name none (e.g. a mailing list's refusal)."""
    for markers in ENGINES:
        if markers.name == engine:
            return markers.default_reason
    return None


def default_stage(engine: str) -> str:
    """The SMTP command an engine's unqualified per-recipient errors answer, or ``""``."""
    for markers in ENGINES:
        if markers.name == engine:
            return markers.stage
    return ""


def text_first(engine: str) -> bool:
    """Whether the engine's notification line, not its delivery-status Status, tells the
    recipient's error (see ``EngineMarkers.text_first``)."""
    return any(markers.text_first for markers in ENGINES if markers.name == engine)
