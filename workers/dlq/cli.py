"""`erpmail dlq list|show|replay|purge|export`."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TextIO, TypeVar

import click
from pika.adapters.blocking_connection import BlockingConnection
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from workers.broker.connection import BrokerUnavailable
from workers.cli.context import settings_from_env
from workers.dlq.export import as_json_line, as_record
from workers.dlq.letters import DeadLetter, Selector, group_by_cause
from workers.dlq.queue import Action, Outcome, process, snapshot
from workers.dlq.queue import Progress as ProgressCallback
from workers.dlq.replay import MAX_REPLAYS, Replayer


def _selection(error_class: str | None, job_id: str | None, take_all: bool) -> Selector:
    if not (error_class or job_id or take_all):
        raise click.UsageError("say which dead letters: --class CLASS, --job JOB_ID or --all")
    return Selector(error_class=error_class, job_id=job_id)


F = TypeVar("F", bound=Callable[..., None])


def selection_options(command: F) -> F:
    for option in (
        click.option("--all", "take_all", is_flag=True, help="Every dead letter."),
        click.option("--job", "job_id", help="Only the dead letter of this job id."),
        click.option("--class", "error_class", help="Only this error class (see dlq list)."),
    ):
        command = option(command)
    return command


@contextmanager
def progress_bar(label: str) -> Iterator[ProgressCallback]:
    with Progress(console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task(label, total=None)

        def update(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield update


@click.group()
def dlq() -> None:
    """Inspect and replay the dead-letter queue (mail.dead)."""


@dlq.command("list")
@click.option("--json", "as_json", is_flag=True, help="JSON lines, one per cause.")
def list_command(as_json: bool) -> None:
    """Dead letters grouped by cause: count, oldest and newest failure, a sample error."""
    letters = _snapshot()
    groups = group_by_cause(letters)
    if as_json:
        for group in groups:
            click.echo(json.dumps(group.__dict__, ensure_ascii=False))
        return
    table = Table("class", "count", "oldest failure", "newest failure", "sample error")
    for group in groups:
        table.add_row(
            group.error_class,
            str(group.count),
            group.oldest or "-",
            group.newest or "-",
            group.sample_error[:80],
        )
    Console().print(table)
    click.echo(f"{len(letters)} dead letter(s) in {len(groups)} cause(s)")


@dlq.command("show")
@click.argument("job_id")
def show_command(job_id: str) -> None:
    """Everything about the dead letter of JOB_ID: headers and the job itself."""
    found = [letter for letter in _snapshot() if letter.job_id == job_id]
    if not found:
        raise click.ClickException(f"no dead letter for job {job_id}")
    for letter in found:
        click.echo(json.dumps(as_record(letter), ensure_ascii=False, indent=2, sort_keys=True))


@dlq.command("replay")
@selection_options
@click.option("--dry-run", is_flag=True, help="Say what would be replayed; change nothing.")
@click.option(
    "--force", is_flag=True, help=f"Replay also jobs already replayed {MAX_REPLAYS} times."
)
def replay_command(
    error_class: str | None, job_id: str | None, take_all: bool, dry_run: bool, force: bool
) -> None:
    """Send the selected dead letters back to mail.jobs (same job_id, marked as replayed).

    A replayed job that was already sent is not sent again (the sender dedupes on job_id).
    """
    selector = _selection(error_class, job_id, take_all)
    if dry_run:
        chosen = [letter for letter in _snapshot() if selector.matches(letter)]
        click.echo(f"would replay {len(chosen)} dead letter(s) ({selector.describe()})")
        return
    outcome = _process(selector, Replayer(force=force), "replaying")
    for letter, why in outcome.skipped:
        click.echo(f"skipped {letter.job_id}: {why}", err=True)
    click.echo(
        f"replayed {len(outcome.taken)}, skipped {len(outcome.skipped)}, "
        f"left {outcome.kept} in the queue ({selector.describe()})"
    )


@dlq.command("purge")
@selection_options
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def purge_command(error_class: str | None, job_id: str | None, take_all: bool, yes: bool) -> None:
    """Delete the selected dead letters for good (export them first if in doubt)."""
    selector = _selection(error_class, job_id, take_all)
    if not yes:
        click.confirm(f"Delete {selector.describe()} from the dead-letter queue?", abort=True)

    def drop(_connection: BlockingConnection, _letter: DeadLetter) -> None:
        return None

    outcome = _process(selector, drop, "purging")
    click.echo(f"purged {len(outcome.taken)}, left {outcome.kept} ({selector.describe()})")


@dlq.command("export")
@click.argument("output", type=click.File("w", encoding="utf-8"), default="-")
@click.option("--class", "error_class", help="Only this error class.")
def export_command(output: TextIO, error_class: str | None) -> None:
    """Write the dead letters as JSON lines to OUTPUT (default stdout); the queue is unchanged."""
    selector = Selector(error_class=error_class)
    count = 0
    for letter in _snapshot():
        if selector.matches(letter):
            output.write(as_json_line(letter) + "\n")
            count += 1
    click.echo(f"exported {count} dead letter(s)", err=True)


def _snapshot() -> list[DeadLetter]:
    try:
        return snapshot(settings_from_env().rabbitmq_url)
    except BrokerUnavailable as exc:
        raise click.ClickException(str(exc)) from None


def _process(selector: Selector, action: Action, label: str) -> Outcome:
    url = settings_from_env().rabbitmq_url
    try:
        with progress_bar(label) as update:
            return process(url, selector, action, update)
    except BrokerUnavailable as exc:
        raise click.ClickException(str(exc)) from None
