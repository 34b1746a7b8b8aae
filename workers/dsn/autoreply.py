"""Auto-replies (RFC 3834 ``Auto-Submitted: auto-replied``, vacation and out-of-office notes)."""

from __future__ import annotations

from workers.dsn.mime import Headers

_SUBJECT_MARKERS = (
    "auto:",
    "auto reply",
    "auto-reply",
    "autoreply",
    "automatic reply",
    "auto response",
    "autoresponse",
    "auto-response",
    "out of office",
    "out of the office",
    "out-of-office",
    "abwesend",
    "afwezig",
    "automatisch antwoord",
    "automatiskt svar",
    "fuera de la oficina",
    "absence du bureau",
    "vacation",
    "away from",
    "abwesenheit",
    "automatische antwort",
    "réponse automatique",
    "risposta automatica",
    "respuesta automática",
    "自動応答",
)
_HEADER_MARKERS = (
    "x-autoreply",
    "x-autorespond",
    "x-autoresponder",
    "x-vacation",
    "x-mail-autoreply",
)


def is_autoreply(headers: Headers) -> bool:
    """True for an automatic reply written for a person (not a delivery report)."""
    auto = headers.get("auto-submitted").lower()
    if auto.startswith("auto-replied"):
        return True
    if any(name in headers for name in _HEADER_MARKERS):
        return True
    if headers.get("precedence").lower() in ("auto_reply", "auto-reply"):
        return True
    subject = headers.get("subject").lower()
    return any(map(subject.__contains__, _SUBJECT_MARKERS))
