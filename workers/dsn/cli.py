"""`erpmail dsn ...`: the bounce parser from the command line."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from workers.cli.errors import ExitStatus
from workers.dsn.parser import parse_bounce

if TYPE_CHECKING:  # rich (and the console, logging and settings set-up with it) is imported
    # by the table output only: `parse --json` over a folder starts in a fraction of the time
    from rich.table import Table

    from workers.dsn.report import BounceReport


@click.group()
def dsn() -> None:
    """Parse bounce mails (delivery status notifications)."""


@dsn.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="One JSON object per input file.")
def parse(paths: tuple[Path, ...], as_json: bool) -> None:
    """Parse bounce mails and print what each says (use - for standard input).

    Scoring and benchmarking the parser are measuring tools, outside the installed package:
    ``make score-dsn`` / ``make bench-dsn`` (``python -m bench.dsn score|speed|holdout``)."""
    console = None
    unreadable = 0
    for path in paths:
        try:
            raw = sys.stdin.buffer.read() if str(path) == "-" else path.read_bytes()
        except OSError as exc:
            # The other files are still parsed; the exit status says one was not.
            click.echo(
                f"erpmail dsn parse: cannot read {path}: {exc.strerror}; "
                "check the path and its permissions",
                err=True,
            )
            unreadable += 1
            continue
        report = parse_bounce(raw)
        if as_json:
            click.echo(json.dumps({"file": str(path), **report.to_json()}, ensure_ascii=False))
        else:
            if console is None:
                from workers.cli.context import wide_console

                console = wide_console()
            console.print(report_table(str(path), report))
    if unreadable:
        raise SystemExit(ExitStatus.USAGE)


def report_table(name: str, report: BounceReport) -> Table:
    from rich.table import Table

    title = (
        f"{name}: {report.kind.value}, engine {report.engine or '-'}, "
        f"job {report.job_id or '-'}"
        + (f" ({report.job_id_source})" if report.job_id_source else "")
    )
    from workers.terminal import cell, cells

    table = Table(title=cell(title), title_justify="left", show_lines=False)
    for column in ("recipient", "status", "reply", "reason", "type", "action", "diagnostic"):
        table.add_column(column, overflow="fold", max_width=60 if column == "diagnostic" else None)
    for r in report.recipients:
        table.add_row(
            *cells(
                r.address or "-",
                r.status or "-",
                r.reply_code or "-",
                r.reason.value,
                r.bounce_type.value,
                r.action or "-",
                r.diagnostic[:300] or "-",
            )
        )
    if not report.recipients:
        table.add_row("(not a bounce)" if not report.is_bounce else "-", *["-"] * 6)
    return table
