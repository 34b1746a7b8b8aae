"""`erpmail config ...`: store, show, resolve and test SMTP configurations.

A password is never taken on the command line (it would stay in the shell history and the
process list): ``--password-prompt`` asks for it, ``--password-stdin`` reads it, or it comes
in the ``--from-file``. It is never printed: every command shows it masked.
"""

from __future__ import annotations

import json
import sys
import tomllib
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from email.message import EmailMessage
from email.utils import formatdate
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.progress import Progress
from sqlmodel import Session

from workers.cli.context import settings_from_env, wide_console
from workers.cli.params import ADDRESS, CODE, CODE_OR_EMPTY, json_option, tenant_option
from workers.config import display
from workers.config.errors import ConfigError
from workers.config.presets import PresetBook, load_presets
from workers.config.resolved import ResolvedConfig
from workers.config.secrets import signing_key
from workers.config.service import load_company_row, load_user_row, resolve_for_job
from workers.config.store import (
    CLEAR,
    RATE_SETTINGS,
    SETTABLE,
    InvalidSetting,
    rotate_passwords,
    save_system_settings,
    save_user_settings,
)
from workers.correlation import JOB_ID_HEADER, envelope_sender, message_id_for
from workers.logging import get_logger
from workers.settings import Settings
from workers.smtp.probe import ProbeRequest, run_probe
from workers.store.engine import make_engine, session_scope
from workers.terminal import json_text, markup

CONFIG_ERROR_EXIT = 2


class ConfigProblem(click.ClickException):
    """A configuration error, printed as it is; exit status 2."""

    exit_code = CONFIG_ERROR_EXIT

    def format_message(self) -> str:
        return self.message


def _presets(settings: Settings) -> PresetBook:
    try:
        return load_presets(settings.presets_file)
    except ConfigError as exc:
        raise ConfigProblem(str(exc)) from None


@contextmanager
def _session(settings: Settings) -> Iterator[Session]:
    engine = make_engine(settings.database_url)
    try:
        with session_scope(engine) as session:
            yield session
    except ConfigError as exc:
        raise ConfigProblem(str(exc)) from None
    finally:
        engine.dispose()


def _print_json(data: Any) -> None:
    click.echo(json_text(data, indent=2, default=str))


def _warn(console: Console, warnings: tuple[str, ...] | list[str]) -> None:
    for warning in warnings:
        console.print(f"[yellow]warning:[/] {markup(warning)}", highlight=False)


@click.group()
def config() -> None:
    """SMTP configuration: per user, company-wide, platform default."""


def _read_file(path: Path) -> dict[str, Any]:
    try:
        raw = path.read_bytes()
        data = tomllib.loads(raw.decode()) if path.suffix == ".toml" else json.loads(raw)
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise click.BadParameter(f"cannot read {path}: {exc}", param_hint="--from-file") from None
    if not isinstance(data, dict):
        raise click.BadParameter(
            f"{path} must hold one object of settings", param_hint="--from-file"
        )
    unknown = set(data) - set(SETTABLE)
    if unknown:
        raise click.BadParameter(
            f"unknown setting(s) {', '.join(sorted(unknown))}; the settings are "
            f"{', '.join(SETTABLE)}",
            param_hint="--from-file",
        )
    return data


def _password_from(prompt: bool, stdin: bool) -> str | None:
    if prompt and stdin:
        raise click.UsageError("give --password-prompt or --password-stdin, not both")
    if prompt:
        value: str = click.prompt(
            "SMTP password", hide_input=True, confirmation_prompt=True, err=True
        )
        return value
    if stdin:
        line = sys.stdin.readline().rstrip("\r\n")
        if not line:
            raise click.UsageError("--password-stdin read an empty line")
        return line
    return None


@config.command("set")
@click.argument("user_code", type=CODE)
@tenant_option
@click.option(
    "--from-file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Settings from a TOML (.toml) or JSON file; options given here win.",
)
@click.option("--email", help="The user's e-mail address (From in own mode).")
@click.option("--sender-mode", help="own (From: the user) or reply_to (From: the company).")
@click.option(
    "--provider",
    help="A provider preset (see erpmail config presets): fills host, port and TLS mode.",
)
@click.option("--host", help="SMTP server host name.")
@click.option("--port", help="SMTP port: 25, 465 or 587.")
@click.option("--tls", help="TLS mode: none, ssl (implicit, 465) or starttls (587, 25).")
@click.option("--username", help="SMTP login; blank means no login.")
@click.option("--password-prompt", is_flag=True, help="Ask for the SMTP password (hidden).")
@click.option("--password-stdin", is_flag=True, help="Read the SMTP password from stdin.")
@click.option("--clear-password", is_flag=True, help="Remove the stored password.")
@click.option("--clear-username", is_flag=True, help="Remove username and password (no login).")
@click.option(
    "--clear-server",
    is_flag=True,
    help="Remove host, port, TLS mode and provider (inherit the company-wide server).",
)
@click.option(
    "--verify-certificate/--no-verify-certificate",
    default=None,
    help="Verify the server's TLS certificate (on unless turned off here).",
)
@click.option("--rate-per-minute", type=int, help="At most this many messages in any minute.")
@click.option("--rate-per-day", type=int, help="At most this many messages in any 24 hours.")
@click.option(
    "--rate-recipients-per-day",
    type=int,
    help="At most this many recipients in any 24 hours (each counted every message).",
)
@click.option(
    "--clear-rate", is_flag=True, help="Remove the card's rate limits (the provider's apply)."
)
@json_option
def set_command(
    user_code: str,
    tenant: str,
    from_file: Path | None,
    password_prompt: bool,
    password_stdin: bool,
    clear_password: bool,
    clear_username: bool,
    clear_server: bool,
    clear_rate: bool,
    as_json: bool,
    **options: Any,
) -> None:
    """Store USER's SMTP settings (only the given ones change).

    A complete server (host, port, TLS mode, or --provider) makes the user send through it;
    only --username and a password make the user log in to the company-wide server with
    their own account.
    """
    settings = settings_from_env()
    changes: dict[str, Any] = _read_file(from_file) if from_file else {}
    changes.update({name: value for name, value in options.items() if value is not None})
    if clear_server:
        changes.update(host=CLEAR, port=CLEAR, tls=CLEAR, provider=CLEAR)
    if clear_username:
        changes.update(username=CLEAR, password=CLEAR)
    if clear_password:
        changes["password"] = CLEAR
    if clear_rate:
        changes.update({name: CLEAR for name in RATE_SETTINGS})
    password = _password_from(password_prompt, password_stdin)
    if password is not None:
        changes["password"] = password
    if not changes:
        raise click.UsageError("nothing to set: give at least one setting (see --help)")
    presets = _presets(settings)
    with _session(settings) as session:
        result = save_user_settings(session, settings, tenant, user_code, changes, presets)
        fields = display.card_fields(result.row)
    get_logger(tenant=tenant, user_code=user_code).info(
        "config.set", changed=sorted(changes), created=result.created
    )
    if as_json:
        _print_json({"settings": fields, "warnings": list(result.warnings)})
        return
    console = wide_console()
    verb = "stored new" if result.created else "updated"
    console.print(display.fields_table(f"{verb} mail settings of {user_code} ({tenant})", fields))
    _warn(console, result.warnings)
    console.print(
        markup(
            f"see the effective configuration: erpmail config resolve {user_code} --tenant {tenant}"
        ),
        highlight=False,
    )


@config.command("show")
@click.argument("user_code", type=CODE)
@tenant_option
@json_option
def show_command(user_code: str, tenant: str, as_json: bool) -> None:
    """Show USER's stored SMTP settings (the password masked)."""
    settings = settings_from_env()
    with _session(settings) as session:
        row = load_user_row(session, tenant, user_code)
        if row is None:
            raise ConfigProblem(
                f"user {user_code} of tenant {tenant} has no mail settings. Fix: "
                f"erpmail config set {user_code} --tenant {tenant} --email ADDRESS"
            )
        fields = display.card_fields(row)
    if as_json:
        _print_json(fields)
    else:
        wide_console().print(
            display.fields_table(f"mail settings of {user_code} ({tenant})", fields)
        )


def _resolve(settings: Settings, tenant: str, user_code: str, job_id: str) -> ResolvedConfig:
    """The configuration with the envelope sender the sender would use for ``job_id``."""
    with _session(settings) as session:
        resolved = resolve_for_job(session, settings, tenant, user_code, _presets(settings))
    if resolved.verp:
        verp = envelope_sender(job_id, settings.event_domain, signing_key(settings.secret_key))
        resolved = replace(resolved, envelope_sender=verp)
    return resolved


@config.command("resolve")
@click.argument("user_code", type=CODE)
@tenant_option
@click.option("--job-id", help="The job id the envelope sender is made for (default: a new one).")
@json_option
def resolve_command(user_code: str, tenant: str, job_id: str | None, as_json: bool) -> None:
    """Show the SMTP configuration USER's mail would use, and where each field came from."""
    settings = settings_from_env()
    job = job_id or str(uuid.uuid4())
    resolved = _resolve(settings, tenant, user_code, job)
    if as_json:
        _print_json({**display.resolved_json(tenant, user_code, resolved), "job_id": job})
        return
    console = wide_console()
    console.print(display.resolved_table(tenant, user_code, resolved))
    _warn(console, resolved.warnings)
    if not job_id:
        console.print(
            f"(envelope sender shown for an example job id {job})", style="dim", highlight=False
        )


def _test_message(resolved: ResolvedConfig, to: str, job_id: str, domain: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = resolved.from_header
    if resolved.reply_to:
        message["Reply-To"] = resolved.reply_to
    message["To"] = to
    message["Subject"] = "erpmail SMTP configuration test"
    message["Date"] = formatdate(localtime=False, usegmt=True)
    message["Message-ID"] = message_id_for(job_id, domain)
    message[JOB_ID_HEADER] = job_id
    message.set_content(
        "This message was sent by `erpmail config test --send` to check the SMTP "
        "configuration. No reply is needed.\n"
    )
    return message


@config.command("test")
@click.argument("user_code", type=CODE)
@tenant_option
@click.option(
    "--to", "rcpt_to", type=ADDRESS, help="Also try MAIL FROM and RCPT TO for this address."
)
@click.option("--send", is_flag=True, help="Also send a short test message to --to (DATA).")
@click.option(
    "--timeout",
    type=click.FloatRange(min=0, min_open=True),
    default=15.0,
    show_default=True,
    help="Seconds to wait for each step.",
)
@json_option
def test_command(
    user_code: str, tenant: str, rcpt_to: str | None, send: bool, timeout: float, as_json: bool
) -> None:
    """Connect with USER's effective configuration and report each step.

    EHLO, STARTTLS or implicit TLS, AUTH when a username is configured; MAIL FROM and RCPT
    TO only with --to; DATA only with --send. A failure is classified with its fix.
    """
    if send and not rcpt_to:
        raise click.UsageError("--send needs --to ADDRESS")
    settings = settings_from_env()
    job_id = str(uuid.uuid4())
    resolved = _resolve(settings, tenant, user_code, job_id)
    presets = _presets(settings)
    endpoint = replace(resolved.endpoint, timeout_seconds=timeout)
    request = ProbeRequest(
        mail_from=resolved.envelope_sender,
        rcpt_to=rcpt_to,
        message=_test_message(resolved, rcpt_to, job_id, settings.event_domain)
        if send and rcpt_to
        else None,
    )
    console = wide_console(stderr=as_json)
    login = f" as {endpoint.username}" if endpoint.username else " without login"
    header = (
        f"testing {user_code} ({tenant}): {endpoint.host}:{endpoint.port} {endpoint.tls}{login}"
        f" [{display.TIER_TEXT[str(resolved.tier)]}]"
    )
    if not as_json:
        console.print(markup(header), highlight=False)
    if not endpoint.verify_certificate and endpoint.tls != "none":
        console.print("[bold yellow]certificate verification is OFF for this configuration[/]")
    with console.status("talking to the server ...", spinner="dots"):
        report = run_probe(
            endpoint, request, provider=presets.get(resolved.provider), presets=presets
        )
    get_logger(tenant=tenant, user_code=user_code, job_id=job_id).info(
        "config.test",
        host=endpoint.host,
        ok=report.ok,
        failure=str(report.diagnosis.cause) if report.diagnosis else None,
    )
    if as_json:
        _print_json(display.report_json(report))
    else:
        console.print(display.report_table(report))
        if report.diagnosis is None:
            console.print("[green]OK[/]: the configuration works", highlight=False)
        else:
            diagnosis = report.diagnosis
            console.print(
                f"[bold red]FAILED[/] ({diagnosis.cause}) at {diagnosis.step}: "
                f"{markup(diagnosis.summary)}",
                highlight=False,
            )
            console.print(f"[bold]Fix:[/] {markup(diagnosis.fix)}", highlight=False)
    if report.diagnosis is not None:
        raise SystemExit(1)


@config.command("system")
@tenant_option
@click.option("--company-name", help="The company's name (From in reply-to mode).")
@click.option("--company-slug", help="Local part of the company's address in reply-to mode.")
@click.option(
    "--mail-sending-user",
    "mail_sending_user",
    type=CODE_OR_EMPTY,
    help="The user whose SMTP server is everybody's base ('' clears it).",
)
@json_option
def system_command(
    tenant: str,
    company_name: str | None,
    company_slug: str | None,
    mail_sending_user: str | None,
    as_json: bool,
) -> None:
    """Show or set the tenant's company name, slug and mail sending user code."""
    settings = settings_from_env()
    changing = any(v is not None for v in (company_name, company_slug, mail_sending_user))
    with _session(settings) as session:
        if changing:
            try:
                row, warnings = save_system_settings(
                    session, tenant, company_name, company_slug, mail_sending_user
                )
            except InvalidSetting as exc:
                raise ConfigProblem(str(exc)) from None
        else:
            found = load_company_row(session, tenant)
            if found is None:
                raise ConfigProblem(
                    f"tenant {tenant} has no system settings. Fix: erpmail config system "
                    f"--tenant {tenant} --company-name NAME --company-slug SLUG"
                )
            row, warnings = found, ()
        fields = display.system_fields(row)
    if changing:
        get_logger(tenant=tenant).info("config.system", mail_sending_user=mail_sending_user)
    if as_json:
        _print_json({"system": fields, "warnings": list(warnings)})
        return
    console = wide_console()
    console.print(display.fields_table(f"system settings of {tenant}", fields))
    _warn(console, warnings)


@config.command("presets")
@json_option
def presets_command(as_json: bool) -> None:
    """List the provider presets (bundled, plus ERPMAIL_PRESETS_FILE)."""
    presets = list(_presets(settings_from_env()))
    if as_json:
        _print_json([display.preset_json(preset) for preset in presets])
        return
    console = wide_console()
    console.print(display.presets_table(presets))
    console.print(
        "facts marked secondary come from secondary sources, not from the providers' own "
        "current documentation; check before relying on a limit",
        style="dim",
    )


@config.command("rotate-key")
def rotate_key_command() -> None:
    """Re-encrypt every stored SMTP password under the first key of ERPMAIL_SECRET_KEY.

    Put the new key first and the old one after it (comma-separated), run this, and keep
    the old key until bounces for mail sent under it stop arriving (their VERP tags and the
    digests of their jobs' recipients were made with it); then drop it.
    """
    settings = settings_from_env()
    console = wide_console()
    unreadable: list[str] = []
    with _session(settings) as session, Progress(console=console, transient=True) as progress:
        task = progress.add_task("re-encrypting passwords", total=None)

        def step(row: Any, outcome: str) -> None:
            progress.advance(task)
            if outcome == "unreadable":
                unreadable.append(f"{row.user_code} ({row.tenant})")

        counts = rotate_passwords(session, settings, step)
    get_logger().info("config.rotate_key", **counts)
    console.print(
        f"re-encrypted {counts['rotated']}, already under the first key {counts['current']}, "
        f"unreadable {counts['unreadable']}",
        highlight=False,
    )
    if unreadable:
        console.print(
            "[red]cannot decrypt with any key:[/] "
            + markup(", ".join(unreadable))
            + ". Fix: add the key they were stored with to ERPMAIL_SECRET_KEY, or store "
            "those passwords again (erpmail config set USER --password-prompt)",
            highlight=False,
        )
        raise SystemExit(1)
