"""`erpmail dlq list|show|replay|purge|export`.

Exit status: 0 done; 1 an error (the broker, a copy it refused); 2 a bad option or value
(unknown class, ambiguous short job id); 3 the selection matched no dead letter; 130 or 143
stopped by SIGINT (Ctrl-C) or SIGTERM, after settling the letters in flight and printing what
was done.
"""

from __future__ import annotations

import functools
import signal
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, NoReturn, TextIO

import click
from rich.progress import Progress
from rich.table import Table

from workers.broker import names
from workers.cli.context import settings_from_env, wide_console
from workers.cli.errors import ExitStatus
from workers.cli.params import CODE, json_option
from workers.cli.times import When
from workers.dlq.export import as_json_line, as_record
from workers.dlq.letters import KNOWN_CLASSES, CauseTally, DeadLetter, Selector
from workers.dlq.queue import (
    BULK_LANES,
    DROP,
    KEEP,
    Decide,
    LookAhead,
    QueueBusy,
    Route,
    WalkResult,
    queue_depth,
    read_each,
    walk,
)
from workers.dlq.queue import Progress as ProgressCallback
from workers.dlq.replay import MAX_REPLAYS, Replayer, SkipReason, may_have_been_delivered
from workers.terminal import cells, clipped, json_text, plain

if TYPE_CHECKING:
    from workers.dlq.stored import StoredJobs

EXIT_NOTHING_SELECTED = ExitStatus.NOTHING_SELECTED
PARKED = (
    f"not replayed: no queue is bound to {names.JOBS_EXCHANGE} for it, so its alternate "
    "exchange put it back in the dead-letter queue, where it stays as it was; run "
    "'erpmail topology declare', then replay it"
)
FULL_JOB_ID = 36  # a UUID's length: anything shorter is the start of one


def _known_class(_ctx: click.Context, _param: click.Parameter, value: str | None) -> str | None:
    if value is not None and value not in KNOWN_CLASSES and not value.startswith("broker:"):
        raise click.BadParameter(
            f"no release of erpmail dead-letters with class {value!r}; "
            f"classes: {', '.join(sorted(KNOWN_CLASSES))}, broker:<reason>"
        )
    return value


def selection_options(command: Callable[..., None]) -> Callable[..., None]:
    """The selector options, handed to ``command`` as one ``selector``."""

    @functools.wraps(command)
    def with_selector(
        *args: Any,
        job_id: str | None,
        error_class: str | None,
        tenant: str | None,
        user_code: str | None,
        since: datetime | None,
        **kwargs: Any,
    ) -> None:
        selector = Selector(
            error_class=error_class,
            job_id=job_id.strip().lower() if job_id else None,
            tenant=tenant,
            user_code=user_code,
            since=since.replace(tzinfo=UTC) if since else None,
        )
        command(*args, selector=selector, **kwargs)

    for option in (
        click.option(
            "--since", type=When(), help="Only letters that failed since (7d, 2026-11-25)."
        ),
        click.option("--user", "user_code", type=CODE, help="Only this user's jobs."),
        click.option("--tenant", type=CODE, help="Only this tenant's jobs."),
        click.option(
            "--class", "error_class", callback=_known_class, help="Only this error class."
        ),
        click.option(
            "--job", "job_id", help="Only this job (its id, or the short id of dlq list)."
        ),
    ):
        with_selector = option(with_selector)
    return with_selector


def _nothing(selector: Selector) -> NoReturn:
    click.echo(plain(f"no dead letter matches {selector.describe()}"), err=True)
    raise SystemExit(EXIT_NOTHING_SELECTED)


def _short(selector: Selector) -> bool:
    return selector.job_id is not None and len(selector.job_id) < FULL_JOB_ID


def _one_job(selector: Selector, matched: set[str]) -> Selector:
    """The selector with a short job id made whole, given the job ids of the letters it
    matched; ambiguity and absence are errors."""
    if not _short(selector):
        return selector
    ids = sorted(matched)
    if not ids:
        _nothing(selector)
    if len(ids) > 1:
        shown = ", ".join(ids[:5]) + (", ..." if len(ids) > 5 else "")
        raise click.BadParameter(
            f"{selector.job_id!r} is the start of {len(ids)} job ids ({shown}); give more of it",
            param_hint="--job",
        )
    return Selector(
        error_class=selector.error_class,
        job_id=ids[0],
        tenant=selector.tenant,
        user_code=selector.user_code,
        since=selector.since,
    )


@contextmanager
def progress_bar(label: str) -> Iterator[ProgressCallback | None]:
    """A progress bar on stderr when it is a terminal; nothing otherwise."""
    console = wide_console(stderr=True)
    if not console.is_terminal:
        yield None
        return
    with Progress(console=console, transient=True) as bar:
        task = bar.add_task(label, total=None)

        def update(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield update


@click.group()
def dlq() -> None:
    """Inspect and replay the dead-letter queue (mail.dead).

    Reading leaves no trace: every letter read is put back as it was (delivery count 0).
    Exit status: 0 done, 1 error, 2 bad option, 3 nothing selected, 130/143 stopped by
    Ctrl-C/SIGTERM (what was done is printed).
    """


@dlq.command("list")
@click.option("--json", "as_json", is_flag=True, help="JSON lines, one per cause.")
def list_command(as_json: bool) -> None:
    """Dead letters grouped by cause: count, how many of them the store records as already
    sent (leftover copies: replay skips them), oldest and newest failure, a sample error."""
    tally = CauseTally()
    with _stored() as stored:
        _read(
            lambda letter: tally.add(letter, stored.went_out(letter.job_id) is not None),
            looking_up(stored, Selector()),
        )
    known = stored.problem is None
    groups = tally.groups()
    if as_json:
        for group in groups:
            counted = group.already_sent if known else None
            click.echo(json_text({**group.__dict__, "already_sent": counted}))
        return
    table = Table(
        "class", "count", "already sent", "oldest failure", "newest failure", "sample error"
    )
    for group in groups:
        table.add_row(
            *cells(
                group.error_class,
                group.count,
                group.already_sent if known else "?",
                group.oldest or "-",
                group.newest or "-",
                clipped(group.sample_error, 80),
            )
        )
    wide_console().print(table)
    sent = f"{tally.already_sent} already sent" if known else "already sent unknown"
    click.echo(f"{tally.letters} dead letter(s) in {len(groups)} cause(s), {sent}")
    if known and tally.already_sent:
        click.echo(
            "letters already sent are leftover copies of jobs sent: replay skips them "
            "(--force replays them, the sender sends nothing twice); purge them",
            err=True,
        )


@dlq.command("show")
@click.argument("job_id")
def show_command(job_id: str) -> None:
    """Everything about the dead letter of JOB_ID (or its short id): headers and the job."""
    selector = Selector(job_id=job_id.strip().lower())
    found: list[DeadLetter] = []  # (only the letters of the job, or of the jobs it may be)

    def keep_match(letter: DeadLetter) -> None:
        if selector.matches(letter):
            found.append(letter)

    _read(keep_match)
    _one_job(selector, {letter.job_id or "" for letter in found})
    if not found:
        _nothing(selector)
    for letter in found:
        click.echo(json_text(as_record(letter), indent=2, sort_keys=True))


@dlq.command("replay")
@click.option("--all", "take_all", is_flag=True, help="Every dead letter.")
@selection_options
@click.option("--dry-run", is_flag=True, help="Say what would be replayed; change nothing.")
@click.option(
    "--force",
    is_flag=True,
    help=f"Replay also jobs already replayed {MAX_REPLAYS} times, and letters of jobs the "
    "database records as already sent (the sender sends none of them again).",
)
@click.option(
    "--may-duplicate",
    is_flag=True,
    help="Replay also letters whose last attempt may have reached the server (class "
    "interrupted, or a lost reply during DATA): the mail may be delivered twice; the jobs "
    "are flagged possible_duplicate.",
)
@click.option("--rate", type=click.FloatRange(min=0.1), help="At most this many letters a second.")
@json_option
def replay_command(
    take_all: bool,
    selector: Selector,
    dry_run: bool,
    force: bool,
    may_duplicate: bool,
    rate: float | None,
    as_json: bool,
) -> None:
    """Send the selected dead letters back to mail.jobs (same job_id, marked as replayed).

    A letter whose job the database records as sent is skipped unless --force (and the
    sender would not send it again: it dedupes on job_id). A letter whose
    last attempt may have reached the server is not known to be sent: it is replayed only
    with --may-duplicate, and may then be delivered twice. Each letter leaves mail.dead only
    once the broker has confirmed its copy; a copy the broker refuses (mail.send full) leaves
    its letter where it was, reported as failed. Killed at any moment, a replay loses no
    letter; one killed between a copy's confirm and its letter's removal leaves both (the
    sender does not send a job recorded as sent again).
    """
    _required(take_all, selector)
    with _stored() as stored:
        replayer = Replayer(force=force, may_duplicate=may_duplicate, went_out=stored.went_out)
        if dry_run:
            _dry_run(selector, replayer, as_json, looking_up(stored, selector))
            return
        # The copies go to mail.send: without it, mail.jobs' alternate exchange would send
        # each straight back to mail.dead, counted as replayed. A missing queue is worded by
        # workers.cli.errors (declare the topology).
        queue_depth(settings_from_env().rabbitmq_url, names.SEND_QUEUE)
        selector = _whole_job(selector)

        def decide(letter: DeadLetter) -> Route:
            return replayer(letter) if selector.matches(letter) else KEEP

        outcome = _walk(decide, "replaying", rate, looking_up(stored, selector))
    for job_id, skip in replayer.skipped:
        click.echo(plain(f"skipped {job_id}: {skip.text}"), err=True)
    for letter, why in outcome.failed:
        kept = "the letter is still in the dead-letter queue, as it was; replay it again later"
        click.echo(plain(f"failed {letter.job_id}: {why}; {kept}"), err=True)
    for job_id in outcome.parked:
        click.echo(plain(f"parked {job_id}: {PARKED}"), err=True)
    already_sent = replayer.count(SkipReason.ALREADY_SENT)
    _report(
        outcome,
        selector,
        {
            "replayed": outcome.moved,
            "parked": len(outcome.parked),
            "skipped": len(replayer.skipped) - already_sent,
            "already_sent": already_sent,
            "failed": len(outcome.failed),
        },
        matched=outcome.taken + len(replayer.skipped) + len(outcome.failed),
        as_json=as_json,
    )


@dlq.command("purge")
@click.option("--all", "take_all", is_flag=True, help="Every dead letter.")
@selection_options
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@click.option("--rate", type=click.FloatRange(min=0.1), help="At most this many letters a second.")
@json_option
def purge_command(
    take_all: bool,
    selector: Selector,
    yes: bool,
    rate: float | None,
    as_json: bool,
) -> None:
    """Delete the selected dead letters for good (export them first if in doubt)."""
    _required(take_all, selector)
    if not yes:
        click.confirm(f"Delete {selector.describe()} from the dead-letter queue?", abort=True)
    selector = _whole_job(selector)

    def decide(letter: DeadLetter) -> Route:
        return DROP if selector.matches(letter) else KEEP

    outcome = _walk(decide, "purging", rate)
    _report(
        outcome,
        selector,
        {"purged": outcome.taken},
        matched=outcome.taken,
        as_json=as_json,
    )


@dlq.command("export")
@click.argument("output", type=click.File("w", encoding="utf-8"), default="-")
@selection_options
def export_command(output: TextIO, selector: Selector) -> None:
    """Write the dead letters as JSON lines to OUTPUT (default stdout); the queue is unchanged."""
    count = 0

    def write(letter: DeadLetter) -> None:  # as it is read: nothing is held
        nonlocal count
        if selector.matches(letter):
            output.write(as_json_line(letter) + "\n")
            count += 1

    _read(write)
    click.echo(f"exported {count} dead letter(s)", err=True)


def _dry_run(selector: Selector, replayer: Replayer, as_json: bool, look_ahead: LookAhead) -> None:
    """What a replay would do with the selected letters (as ``replayer`` decides), counted
    as they are read."""
    matched: set[str] = set()
    chosen = risky = already_sent = 0
    skipped: list[tuple[str | None, str]] = []

    def count(letter: DeadLetter) -> None:
        nonlocal chosen, risky, already_sent
        if not selector.matches(letter):
            return
        skip = replayer.why_skip(letter)
        if skip is None:
            chosen += 1
        elif skip.reason is SkipReason.ALREADY_SENT:
            already_sent += 1
        else:
            skipped.append((letter.job_id, skip.text))
        risky += may_have_been_delivered(letter)
        if _short(selector):
            matched.add(letter.job_id or "")

    _read(count, look_ahead)
    selector = _one_job(selector, matched)
    if not chosen and not skipped and not already_sent:
        _nothing(selector)
    for job_id, why in skipped:
        click.echo(plain(f"would skip {job_id}: {why}"), err=True)
    if as_json:
        click.echo(
            json_text(
                {
                    "would_replay": chosen,
                    "would_skip": len(skipped),
                    "already_sent": already_sent,
                    "may_have_been_delivered": risky,
                    "selection": selector.describe(),
                }
            )
        )
        return
    sent = f", already sent {already_sent}" if already_sent else ""
    click.echo(
        plain(
            f"would replay {chosen} dead letter(s), skip {len(skipped)}{sent} "
            f"({selector.describe()})"
        )
    )
    if risky and replayer.may_duplicate:
        click.echo(f"{risky} of them may have been delivered: flagged possible_duplicate")


def _whole_job(selector: Selector) -> Selector:
    """A short job id made whole by reading the queue (see ``_one_job``)."""
    if not _short(selector):
        return selector
    matched: set[str] = set()

    def collect(letter: DeadLetter) -> None:
        if selector.matches(letter):
            matched.add(letter.job_id or "")

    _read(collect)
    return _one_job(selector, matched)


def _required(take_all: bool, selector: Selector) -> None:
    if not take_all and selector == Selector():
        raise click.UsageError(
            "say which dead letters: --class CLASS, --job JOB_ID, --tenant, --user, --since "
            "or --all"
        )


# counts the line names only when they are not 0 (JSON: always)
_RARE = {"parked", "already_sent"}


def _report(
    outcome: WalkResult,
    selector: Selector,
    counts: dict[str, int],
    matched: int,
    as_json: bool,
) -> None:
    """What a replay or purge did: a line, or with --json one object with the same counts."""
    left = outcome.total - outcome.moved
    stopped = None if outcome.stopped_by is None else signal.Signals(outcome.stopped_by).name
    if as_json:
        report = {**counts, "left": left, "selection": selector.describe(), "stopped_by": stopped}
        click.echo(json_text(report))
    else:
        done = ", ".join(
            f"{what.replace('_', ' ')} {count}"
            for what, count in counts.items()
            if count or what not in _RARE
        )
        click.echo(plain(f"{done}, left {left} in the queue ({selector.describe()})"))
    if outcome.stopped_by is not None:
        name = stopped
        click.echo(f"stopped by {name}: the letters not reached are still in the queue", err=True)
        raise SystemExit(128 + outcome.stopped_by)
    if outcome.failed or outcome.parked:
        raise SystemExit(1)
    if matched == 0:
        _nothing(selector)


@contextmanager
def _stored() -> Iterator[StoredJobs]:
    """What the store records of the letters' jobs (``dlq.stored``); a store that could not
    be read, at the start or midway, is said once at the end."""
    # the database layer is loaded by the commands that read the store, not by every start
    from workers.dlq.stored import StoredJobs

    with StoredJobs.open(settings_from_env().database_url) as stored:
        yield stored
    if stored.problem is not None:
        click.echo(
            plain(
                f"the store could not be read ({stored.problem}): letters of jobs already "
                "sent are not told apart (the sender still sends no job recorded as sent twice)"
            ),
            err=True,
        )


def looking_up(stored: StoredJobs, selector: Selector) -> LookAhead:
    """The store's look-up of the selected letters' jobs, for a walk to call before it
    decides them (a statement per batch of letters, not one per letter)."""
    return lambda letters: stored.look_up(
        letter.job_id for letter in letters if selector.matches(letter)
    )


def _read(each: Callable[[DeadLetter], None], look_ahead: LookAhead | None = None) -> None:
    """Every dead letter through ``each`` as it is read, each put back as it was."""
    outcome = _in_progress(
        "reading",
        lambda url, update: read_each(
            url, each, progress=update, signals=True, look_ahead=look_ahead
        ),
    )
    if outcome.stopped_by is not None:  # every letter is back; what was read is not whole
        name = signal.Signals(outcome.stopped_by).name
        click.echo(f"stopped by {name}: the queue is as it was", err=True)
        raise SystemExit(128 + outcome.stopped_by)


def _walk(
    decide: Decide, label: str, rate: float | None, look_ahead: LookAhead | None = None
) -> WalkResult:
    return _in_progress(
        label,
        lambda url, update: walk(
            url,
            decide,
            rate=rate,
            lanes=BULK_LANES,
            progress=update,
            signals=True,
            look_ahead=look_ahead,
        ),
    )


def _in_progress(
    label: str, run: Callable[[str, ProgressCallback | None], WalkResult]
) -> WalkResult:
    """``run`` on the broker's URL under a progress bar; a busy queue is an error."""
    url = settings_from_env().rabbitmq_url
    try:
        with progress_bar(label) as update:
            return run(url, update)
    except QueueBusy as exc:  # the broker away or refusing: worded by workers.cli.errors
        raise click.ClickException(str(exc)) from None
