"""`erpmail job show ID`: a job's whole story in time order."""

from __future__ import annotations

import click
from rich.table import Table

from workers.cli.context import settings_from_env, wide_console
from workers.job.story import (
    AmbiguousJob,
    JobNotFound,
    find_job,
    job_summary,
    read_story,
    story_to_json,
    timeline,
)
from workers.store.engine import make_engine, session_scope
from workers.terminal import cell, clipped, json_text, plain

EXIT_NOT_FOUND = 3


@click.group()
def job() -> None:
    """One job: its row, attempts, replays, Events and suppressions."""


@job.command("show")
@click.argument("job_id")
@click.option("--json", "as_json", is_flag=True, help="One JSON object: the job and its timeline.")
def show_command(job_id: str, as_json: bool) -> None:
    """The story of JOB_ID (a whole job id, or the short id the tables print), oldest first.

    Exit status: 0 shown, 2 the short id names several jobs, 3 no such job.
    """
    settings = settings_from_env()
    engine = make_engine(settings.database_url)
    try:
        with session_scope(engine) as session:
            try:
                story = read_story(session, find_job(session, job_id))
            except AmbiguousJob as exc:
                raise click.BadParameter(str(exc), param_hint="JOB_ID") from None
            except JobNotFound as exc:
                click.echo(plain(exc), err=True)
                raise SystemExit(EXIT_NOT_FOUND) from None
    finally:
        engine.dispose()
    if as_json:
        click.echo(json_text(story_to_json(story)))
        return
    console = wide_console()
    head = Table(show_header=False, title=f"job {story.job.job_id}")
    for key, value in job_summary(story.job).items():
        if value not in (None, ""):
            head.add_row(key, cell(clipped(value)))
    console.print(head)
    table = Table("time (UTC)", "what", "story", title="timeline")
    for step in timeline(story):
        table.add_row(step.at.isoformat(timespec="seconds"), step.what, cell(clipped(step.summary)))
    console.print(table)
