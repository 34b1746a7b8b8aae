"""`erpmail worker bounces`: read the event mailbox into Event records."""

from __future__ import annotations

import signal
from pathlib import Path
from types import FrameType

import click

from workers.bounces.imap import ImapFolders, ImapSource
from workers.bounces.imap_url import ImapUrlError, parse_imap_url
from workers.bounces.maildir import MaildirSource
from workers.bounces.pipeline import BouncePipeline
from workers.bounces.source import MailSource, SourceRefused
from workers.bounces.worker import BounceWorker, GaveUp
from workers.broker.publisher import ConfirmingPublisher
from workers.cli.context import settings_from_env, wide_console
from workers.logging import get_logger
from workers.metrics.http import BOUNCES_PORT, MonitorUnavailable, serve_monitor
from workers.settings import Settings
from workers.store.engine import make_engine
from workers.terminal import json_text, plain


def make_source(settings: Settings, maildir: Path | None) -> MailSource:
    if maildir is not None:
        return MaildirSource(maildir)
    if not settings.imap_url:
        raise click.UsageError("set IMAP_URL (imaps://user:pass@host:993/INBOX) or use --maildir")
    try:
        target = parse_imap_url(settings.imap_url)
    except ImapUrlError as exc:
        raise click.UsageError(str(exc)) from None
    options = settings.bounces
    folders = ImapFolders(
        options.processed_folder, options.unparsed_folder, options.not_bounces_folder
    )
    return ImapSource(target, folders, ca_file=options.imap_ca_file)


@click.command()
@click.option("--once", is_flag=True, help="Handle what is in the mailbox, print a summary, exit.")
@click.option(
    "--maildir",
    type=click.Path(path_type=Path, file_okay=False),
    help="Read a Maildir (new/ → cur/) instead of IMAP_URL.",
)
@click.option("--no-publish", is_flag=True, help="Do not publish to RabbitMQ (the outbox waits).")
@click.option(
    "--metrics-port",
    type=click.IntRange(min=0, max=65535),
    help=f"Port of /metrics, /livez, /readyz (default {BOUNCES_PORT}, off with --once; 0: off).",
)
@click.option(
    "--json", "as_json", is_flag=True, help="With --once: print the summary as one JSON object."
)
def bounces(
    once: bool, maildir: Path | None, no_publish: bool, metrics_port: int | None, as_json: bool
) -> None:
    """Read the event mailbox into Event records.

    Each mail is parsed and recorded (Events, raw mail, job status, suppressions) in one
    transaction, then moved: bounces and complaints to Processed, mail that could not be
    understood to Unparsed (with an ``undefined`` Event), auto-replies (``vacation``) and
    ordinary mail to NotBounces. Committed events are then published as mail.bounced /
    mail.complaint. IMAP: IMAP_URL, IMAP_CA_FILE, IMAP_PROCESSED_FOLDER,
    IMAP_UNPARSED_FOLDER, IMAP_NOT_BOUNCES_FOLDER.
    """
    if as_json and not once:
        raise click.UsageError("--json goes with --once (the summary printed at the end)")
    settings = settings_from_env(long_running=True)
    log = get_logger(component="bounces")
    if not settings.secret_key:
        log.warning("ERPMAIL_SECRET_KEY is not set: no bounce can be pinned on its job")
    source = make_source(settings, maildir)
    engine = make_engine(settings.database_url)
    url = settings.rabbitmq_url
    stderr = wide_console(stderr=True)
    worker = BounceWorker(
        source,
        BouncePipeline(engine, settings.bounces, settings.secret_key),
        engine,
        None if no_publish else (lambda: ConfirmingPublisher.open(url, "erpmail-bounces")),
        poll_seconds=settings.bounces.poll_seconds,
        max_message_bytes=settings.bounces.max_message_bytes,
        console=stderr,
    )

    def stop(_signum: int, _frame: FrameType | None) -> None:
        worker.stop()

    port = settings.metrics_port if metrics_port is None else metrics_port
    try:
        monitor = serve_monitor(
            worker.health, settings.metrics_host, 0 if once and port is None else port, BOUNCES_PORT
        )
    except MonitorUnavailable as error:
        engine.dispose()
        raise click.ClickException(str(error)) from None
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    log.info("bounce worker starting", source=source.description, once=once)
    try:
        summary = worker.run(once=once)
    except (SourceRefused, GaveUp) as exc:
        click.echo(plain(f"error: {exc}"), err=True)
        raise SystemExit(2) from None
    finally:
        if monitor is not None:
            monitor.close()
        engine.dispose()
    if once and as_json:
        click.echo(json_text(summary.as_json(source.description)))
    elif once:
        wide_console().print(summary.table(source.description))
