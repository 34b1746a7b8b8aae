"""`erpmail demo`: the whole system end to end on this machine's services, step by step."""

from __future__ import annotations

import shutil

import click
from rich.table import Table

from workers.cli.context import rule, settings_from_env, wide_console
from workers.correlation import message_id_for
from workers.demo.local import create_vhost, delete_vhost, vhost_of
from workers.demo.run import (
    DemoRefused,
    DemoRun,
    bounce_back,
    clean_up,
    collect,
    message_ids_received,
    new_run,
    prepare,
    publish,
    send,
)
from workers.status.cli import print_status
from workers.status.report import gather
from workers.store.engine import make_engine


def _jobs_table(run: DemoRun, copies: dict[str, int]) -> Table:
    table = Table("job", "what should happen", "status", "attempts", "copies", title="Jobs")
    domain = run.settings.event_domain
    for job in run.jobs:
        row = run.messages.get(job.job_id)
        table.add_row(
            job.job_id[:8],
            f"{job.label}: {job.expect}",
            str(row.status) if row else "-",
            str(row.attempts) if row else "-",
            str(copies.get(message_id_for(job.job_id, domain), 0)),
        )
    return table


def _events_table(run: DemoRun) -> Table:
    table = Table(
        "source", "job", "recipient", "status", "reply", "reason", "type", title="Event records"
    )
    for event in run.events:
        table.add_row(
            event.source,
            (event.job_id or "-")[:8],
            event.recipient,
            event.status or "-",
            event.reply_code or "-",
            event.reason,
            event.bounce_type,
        )
    return table


def _dead_table(run: DemoRun) -> Table:
    table = Table("job", "class", "error", title="Dead letters (erpmail dlq list)")
    for letter in run.dead_letters:
        table.add_row(letter.job_id or "-", letter.error_class, letter.error_text[:70])
    return table


def check(run: DemoRun, copies: dict[str, int]) -> list[str]:
    """What did not happen as the scenario says it should."""
    problems = []
    domain = run.settings.event_domain
    for job in run.jobs:
        got = copies.get(message_id_for(job.job_id, domain), 0)
        if got != 1:
            problems.append(f"{job.label}: received {got} times, expected once")
    reasons = {(event.recipient, event.reason) for event in run.events}
    for expected in (
        ("nobody@example.ee", "userunknown"),
        ("gone@example.ee", "userunknown"),
        ("full@example.ee", "mailboxfull"),
    ):
        if expected not in reasons:
            problems.append(f"no Event {expected[1]} for {expected[0]}")
    if "gone@example.ee" not in {row.address for row in run.suppressions}:
        problems.append("gone@example.ee was not suppressed")
    if run.poison_id not in {letter.job_id for letter in run.dead_letters}:
        problems.append("the broken job is not in the dead-letter queue")
    return problems


@click.command()
@click.option("--keep", is_flag=True, help="Keep the demo's folder (database, worker logs).")
def demo(keep: bool) -> None:
    """Run erpmail end to end on this machine's services, step by step, and show the records.

    Configures a tenant with two users, publishes jobs that meet every outcome (delivered,
    refused at RCPT, bounced later hard and soft, a duplicate, a broken job), runs
    `erpmail worker send` and `erpmail worker bounces --once` as processes against an SMTP
    server on loopback and the Dovecot event mailbox, then prints what each part recorded.
    """
    settings = settings_from_env()
    console = wide_console()
    rule(console, "erpmail demo")

    def say(text: str) -> None:
        console.print(f"[green]✓[/] {text}")

    # A vhost of its own, deleted at the end, so that no other sender takes the demo's jobs
    # and nothing of the demo stays on the broker; where one cannot be made, the demo checks
    # that nobody else consumes mail.send (prepare).
    own_url = create_vhost(settings.rabbitmq_url, "erpmail-demo")
    if own_url:
        say(f"RabbitMQ vhost {vhost_of(own_url)!r} made for the demo (deleted at the end)")
    run = new_run(own_url)
    try:
        try:
            prepare(run, say)
            publish(run, say)
            send(run, say)
            bounce_back(run, say)
            collect(run)
        except DemoRefused as exc:
            raise click.ClickException(str(exc)) from None
        except RuntimeError as exc:
            raise click.ClickException(f"{exc}; the logs are in {run.workdir}") from None
        finally:
            run.mta.stop()
        copies = message_ids_received(run.mta)
        console.print(_jobs_table(run, copies))
        console.print(
            f"The recipients' servers accepted {len(run.mta.received)} mail(s) and refused "
            f"{len(run.mta.refused)} recipient(s) at RCPT TO."
        )
        console.print(_events_table(run))
        console.print(run.bounce_summary.rstrip())
        console.print(
            "Suppressed: "
            + (", ".join(f"{row.address} ({row.reason})" for row in run.suppressions) or "none")
        )
        console.print(_dead_table(run))
        console.print(f"Refused by erpmail enqueue before publishing: {run.refused}")
        rule(console, "erpmail status")
        engine = make_engine(run.settings.database_url)
        try:
            print_status(gather(run.settings, engine), console)
        finally:
            engine.dispose()
        rule(console, "the sender's /metrics (an excerpt)")
        for line in run.metrics:
            console.print(line, markup=False, highlight=False)
        problems = check(run, copies)
        if keep or problems:
            console.print(f"The demo's database and worker logs: {run.workdir}")
        else:
            shutil.rmtree(run.workdir, ignore_errors=True)
        if problems:
            for problem in problems:
                console.print(f"[red]✗[/] {problem}")
            raise SystemExit(1)
        rule(console, "[green]every outcome as expected")
    finally:  # after the status report, which reads the demo's vhost
        clean_up(run)
        if own_url:
            delete_vhost(vhost_of(own_url))
