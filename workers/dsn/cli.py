"""`erpmail dsn ...`: the bounce parser from the command line."""

from __future__ import annotations

import json
import os
import sys
from typing import TYPE_CHECKING

import click

from workers.cli.errors import ExitStatus
from workers.dsn.parser import parse_bounce
from workers.terminal import json_safe

if TYPE_CHECKING:  # rich (and the console, logging and settings set-up with it) is imported
    # by the table output only: `parse --json` over a folder starts in a fraction of the time
    from rich.table import Table

    from workers.dsn.report import BounceReport


@click.group()
def dsn() -> None:
    """Parse bounce mails (delivery status notifications)."""


@dsn.command()
# Plain strings, not click.Path: each file is opened once below, and an unreadable one is
# reported there while the others are still parsed (click.Path's checks cost a stat and an
# access call per file before any was read).
@click.argument("paths", nargs=-1, required=True)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per input file.")
def parse(paths: tuple[str, ...], as_json: bool) -> None:
    """Parse bounce mails and print what each says (use - for standard input).

    Scoring and benchmarking the parser are measuring tools, outside the installed package:
    ``make score-dsn`` / ``make bench-dsn`` (``python -m bench.dsn score|speed|holdout``)."""
    console = None
    # JSON lines are echoed a batch at a time: echo flushes its stream, a write call for
    # every mail otherwise.
    lines: list[str] = []
    unreadable = 0
    for path in paths:
        try:
            raw = sys.stdin.buffer.read() if path == "-" else _read(path)
        except OSError as exc:
            _echo_lines(lines)  # what was parsed before it is shown before the error
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
            lines.append(_JSON.encode({"file": path, **report.to_json()}))
            if len(lines) >= _JSON_BATCH:
                _echo_lines(lines)
        else:
            if console is None:
                from workers.cli.context import wide_console

                console = wide_console()
            console.print(report_table(path, report))
    _echo_lines(lines)
    if unreadable:
        raise SystemExit(ExitStatus.USAGE)


_JSON_BATCH = 64
# One encoder for every mail: json.dumps builds a new one for each call given an option.
_JSON = json.JSONEncoder(ensure_ascii=False)


def _echo_lines(lines: list[str]) -> None:
    if lines:
        # the bounce's own text: C1 controls and bidirectional overrides written \uXXXX
        click.echo(json_safe("\n".join(lines)))
        lines.clear()


def _read(path: str) -> bytes:
    # Read by descriptor: a buffered file object costs more to build than the read itself
    # for a mail of a few kilobytes.
    descriptor = os.open(path, os.O_RDONLY)
    try:
        chunks: list[bytes] = []
        while chunk := os.read(descriptor, _READ_CHUNK):
            chunks.append(chunk)
        return b"".join(chunks)
    finally:
        os.close(descriptor)


_READ_CHUNK = 64 * 1024


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
