"""How stored and resolved configurations look to a person (rich tables) and to a program
(JSON). A password is never shown: only whether one is set."""

from __future__ import annotations

from typing import Any

from rich.table import Table
from rich.text import Text

from schemas.tables import SystemSettings, UserMailSettings
from workers.config.presets import Preset
from workers.config.resolved import RateLimit, ResolvedConfig
from workers.smtp.probe import ProbeReport
from workers.terminal import cell

MASK = "********"


def masked(is_set: bool) -> str | None:
    return MASK if is_set else None


def card_fields(row: UserMailSettings) -> dict[str, Any]:
    return {
        "tenant": row.tenant,
        "user_code": row.user_code,
        "email": row.email,
        "sender_mode": str(row.sender_mode),
        "provider": row.provider,
        "host": row.smtp_host,
        "port": row.smtp_port,
        "tls": str(row.smtp_tls) if row.smtp_tls else None,
        "username": row.smtp_username,
        "password": masked(bool(row.smtp_password_encrypted)),
        "verify_certificate": row.verify_certificate,
        "rate_per_minute": row.rate_per_minute,
        "rate_per_day": row.rate_per_day,
        "rate_recipients_per_day": row.rate_recipients_per_day,
        "updated_at": row.updated_at.isoformat(timespec="seconds") + "Z",
    }


def system_fields(row: SystemSettings) -> dict[str, Any]:
    return {
        "tenant": row.tenant,
        "company_name": row.company_name,
        "company_slug": row.company_slug,
        "mail_sending_user_code": row.mail_sending_user_code,
        "updated_at": row.updated_at.isoformat(timespec="seconds") + "Z",
    }


def _text(value: Any) -> Text:
    """A cell shown as it is (a server's reply may hold [brackets], which are no markup)."""
    if value is None:
        return Text("-")
    if isinstance(value, bool):
        return Text("yes" if value else "NO")
    return cell(value)


def fields_table(title: str, fields: dict[str, Any]) -> Table:
    table = Table("setting", "value", title=cell(title), title_justify="left")
    for name, value in fields.items():
        table.add_row(name, _text(value))
    return table


def rate_text(rate: RateLimit) -> str | None:
    parts = []
    if rate.per_minute is not None:
        parts.append(f"{rate.per_minute}/minute")
    if rate.per_day is not None:
        parts.append(f"{rate.per_day}/day")
    if rate.recipients_per_day is not None:
        parts.append(f"{rate.recipients_per_day} recipients/day")
    if rate.min_interval_seconds is not None:
        parts.append(f"one per {rate.min_interval_seconds:g} s")
    return ", ".join(parts) or None


FIELD_LABELS = {
    "host": "host",
    "port": "port",
    "tls": "TLS mode",
    "verify_certificate": "verify certificate",
    "username": "username",
    "password": "password",
    "from_header": "From",
    "reply_to": "Reply-To",
    "envelope_sender": "envelope sender (MAIL FROM)",
    "rate_limit": "rate limit",
    "provider": "provider preset",
}


def resolved_values(resolved: ResolvedConfig) -> dict[str, Any]:
    endpoint = resolved.endpoint
    return {
        "host": endpoint.host,
        "port": endpoint.port,
        "tls": str(endpoint.tls),
        "verify_certificate": endpoint.verify_certificate,
        "username": endpoint.username,
        "password": masked(endpoint.password is not None),
        "from_header": resolved.from_header,
        "reply_to": resolved.reply_to,
        "envelope_sender": resolved.envelope_sender,
        "rate_limit": rate_text(resolved.rate_limit),
        "provider": resolved.provider,
    }


def resolved_json(tenant: str, user_code: str, resolved: ResolvedConfig) -> dict[str, Any]:
    values = resolved_values(resolved)
    return {
        "tenant": tenant,
        "user_code": user_code,
        "tier": str(resolved.tier),
        "fields": {
            name: {"value": values[name], "source": str(resolved.sources.get(name, "-"))}
            for name in FIELD_LABELS
        },
        "rate_limit": {
            "per_minute": resolved.rate_limit.per_minute,
            "per_day": resolved.rate_limit.per_day,
            "recipients_per_day": resolved.rate_limit.recipients_per_day,
            "min_interval_seconds": resolved.rate_limit.min_interval_seconds,
        },
        "warnings": list(resolved.warnings),
    }


TIER_TEXT = {
    "user": "the user's own server",
    "global": "the company-wide user's server (mail sending user code)",
    "default": "the platform default relay",
}


def resolved_table(tenant: str, user_code: str, resolved: ResolvedConfig) -> Table:
    values = resolved_values(resolved)
    table = Table(
        "field",
        "value",
        "source",
        title=cell(f"{user_code} ({tenant}) sends through {TIER_TEXT[str(resolved.tier)]}"),
        title_justify="left",
    )
    for name, label in FIELD_LABELS.items():
        table.add_row(label, _text(values[name]), cell(resolved.sources.get(name, "-")))
    return table


OUTCOME_STYLE = {"ok": "green", "failed": "bold red", "skipped": "dim"}


def report_table(report: ProbeReport) -> Table:
    table = Table("step", "result", "detail", title_justify="left")
    for step in report.steps:
        style = OUTCOME_STYLE.get(step.outcome, "")
        table.add_row(str(step.step), Text(step.outcome, style=style), _text(step.detail))
    return table


def report_json(report: ProbeReport) -> dict[str, Any]:
    diagnosis = report.diagnosis
    return {
        "ok": report.ok,
        "host": report.endpoint.host,
        "port": report.endpoint.port,
        "tls": str(report.endpoint.tls),
        "steps": [
            {"step": str(s.step), "outcome": s.outcome, "detail": s.detail} for s in report.steps
        ],
        "failure": None
        if diagnosis is None
        else {
            "class": str(diagnosis.cause),
            "step": str(diagnosis.step),
            "summary": diagnosis.summary,
            "fix": diagnosis.fix,
            "transient": diagnosis.transient,
            "reply_code": diagnosis.reply_code,
            "enhanced_status": diagnosis.enhanced_status,
            "provider": diagnosis.provider,
        },
    }


def presets_table(presets: list[Preset]) -> Table:
    table = Table("key", "provider", "server", "limits", "facts", title_justify="left")
    for preset in presets:
        server = f"{preset.host}:{preset.port} {preset.tls}"
        for alternative in preset.alternatives:
            server += f"\n(or {alternative.port} {alternative.tls})"
        table.add_row(
            _text(preset.key),
            _text(preset.name),
            _text(server),
            _text(preset.limits_note or rate_text(preset.rate_limit)),
            _text(preset.facts),
        )
    return table


def preset_json(preset: Preset) -> dict[str, Any]:
    return {
        "key": preset.key,
        "name": preset.name,
        "host": preset.host,
        "port": preset.port,
        "tls": str(preset.tls),
        "alternatives": [{"port": a.port, "tls": str(a.tls)} for a in preset.alternatives],
        "rate_per_minute": preset.rate_limit.per_minute,
        "rate_per_day": preset.rate_limit.per_day,
        "rate_recipients_per_day": preset.rate_limit.recipients_per_day,
        "min_interval_seconds": preset.rate_limit.min_interval_seconds,
        "max_message_bytes": preset.max_message_bytes,
        "limits_note": preset.limits_note,
        "facts": preset.facts,
        "notes": list(preset.notes),
        "auth_errors": [
            {"reply_code": h.reply_code, "status": h.status, "meaning": h.meaning, "fix": h.fix}
            for h in preset.auth_hints
        ],
    }
