"""`erpmail dsn ...`: the bounce parser from the command line."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from workers.dsn.parser import parse_bounce

if TYPE_CHECKING:  # rich and the scoring are imported by the commands that use them
    from rich.table import Table

    from workers.dsn.report import BounceReport
    from workers.dsn.score import Score


@click.group()
def dsn() -> None:
    """Parse bounce mails (delivery status notifications) and score the parser."""


@dsn.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="One JSON object per input file.")
def parse(paths: tuple[Path, ...], as_json: bool) -> None:
    """Parse bounce mails and print what each says (use - for standard input)."""
    console = None
    for path in paths:
        try:
            raw = sys.stdin.buffer.read() if str(path) == "-" else path.read_bytes()
        except OSError as exc:
            click.echo(f"erpmail dsn parse: cannot read {path}: {exc.strerror}", err=True)
            continue
        report = parse_bounce(raw)
        if as_json:
            click.echo(json.dumps({"file": str(path), **report.to_json()}, ensure_ascii=False))
        else:
            if console is None:
                from rich.console import Console

                console = Console()
            console.print(report_table(str(path), report))


def report_table(name: str, report: BounceReport) -> Table:
    from rich.table import Table

    title = (
        f"{name}: {report.kind.value}, engine {report.engine or '-'}, "
        f"job {report.job_id or '-'}"
        + (f" ({report.job_id_source})" if report.job_id_source else "")
    )
    table = Table(title=title, title_justify="left", show_lines=False)
    for column in ("recipient", "status", "reply", "reason", "type", "action", "diagnostic"):
        table.add_column(column, overflow="fold", max_width=60 if column == "diagnostic" else None)
    for r in report.recipients:
        table.add_row(
            r.address or "-",
            r.status or "-",
            r.reply_code or "-",
            r.reason.value,
            r.bounce_type.value,
            r.action or "-",
            r.diagnostic[:300] or "-",
        )
    if not report.recipients:
        table.add_row("(not a bounce)" if not report.is_bounce else "-", *["-"] * 6)
    return table


@dsn.command()
@click.argument("directory", required=False, type=click.Path(path_type=Path, file_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print the score as JSON.")
@click.option("--misses", "show_misses", is_flag=True, help="List every miss.")
def score(directory: Path | None, as_json: bool, show_misses: bool) -> None:
    """Compare the parser's answers with DIRECTORY/expected.jsonl (default: the dev corpus)."""
    from rich.console import Console

    from workers.dsn.corpus import default_corpus
    from workers.dsn.score import score_directory

    directory = directory or default_corpus()
    if not (directory / "expected.jsonl").is_file():
        raise click.ClickException(f"no expected.jsonl in {directory}")
    result = score_directory(directory)
    if as_json:
        click.echo(json.dumps(result.to_json(), indent=2))
        return
    console = Console()
    console.print(score_table(result))
    console.print(misses_table(result))
    if show_misses:
        for miss in result.misses:
            console.print(
                f"{miss.file} [{miss.engine}] {miss.metric}#{miss.index}: "
                f"expected {miss.expected!r}, got {miss.got!r}",
                markup=False,
            )


def score_table(result: Score) -> Table:
    from rich.table import Table

    from workers.dsn.score import FLOORS, METRICS

    table = Table(
        title=f"Agreement on {result.files} files, {result.recipients} recipients",
        title_justify="left",
    )
    for column in ("measure", "agree", "of", "rate", "floor", ""):
        table.add_column(column, justify="right" if column != "measure" else "left")
    for metric in METRICS:
        total = result.files if metric == "recipients" else result.recipients
        rate = result.rate(metric)
        table.add_row(
            "recipient count (per file)" if metric == "recipients" else metric,
            str(result.agree[metric]),
            str(total),
            f"{rate:.2%}",
            f"{FLOORS[metric]:.0%}",
            "ok" if rate >= FLOORS[metric] else "BELOW",
        )
    return table


def misses_table(result: Score) -> Table:
    from rich.table import Table

    from workers.dsn.score import METRICS

    table = Table(title="Misses by sending server (engine)", title_justify="left")
    table.add_column("engine")
    for metric in METRICS:
        table.add_column(metric, justify="right")
    for engine, counts in result.misses_by_engine().items():
        table.add_row(engine, *[str(counts.get(m, 0) or "") for m in METRICS])
    return table


@dsn.command()
@click.argument("directory", required=False, type=click.Path(path_type=Path, file_okay=False))
@click.option("--repeat", default=10, show_default=True, help="Passes for the memory check.")
@click.option(
    "--output",
    default="bench-results/dsn.json",
    show_default=True,
    type=click.Path(path_type=Path),
    help="Where to write the JSON results.",
)
@click.option("--no-sisimai", is_flag=True, help="Do not run Sisimai beside the parser.")
def bench(directory: Path | None, repeat: int, output: Path, no_sisimai: bool) -> None:
    """Benchmark the parser over a corpus, beside Sisimai."""
    from workers.dsn.bench import run_bench
    from workers.dsn.corpus import default_corpus

    run_bench(
        directory or default_corpus(), repeat=repeat, output=output, with_sisimai=not no_sisimai
    )


@dsn.command()
@click.option("--json", "as_json", is_flag=True, help="Print the agreement (and misses) as JSON.")
@click.option("--misses", "show_misses", is_flag=True, help="List the disagreements.")
@click.option(
    "--split",
    type=click.Choice(["tune", "test", "all"]),
    default="tune",
    show_default=True,
    help="Whose disagreements to list (the test half is for measuring only).",
)
@click.option(
    "--cache",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="Where the downloaded package is kept (default: ~/.cache/erpmail/holdout).",
)
def holdout(as_json: bool, show_misses: bool, split: str, cache: Path | None) -> None:
    """Measure the parser on unseen real bounces (flufl.bounce's test data) beside
    flufl's expected addresses and Sisimai, on a tune and a test half."""
    from rich.console import Console

    from workers.dsn.holdout import holdout_table, run_holdout

    result = run_holdout(cache)
    if as_json:
        data = result.to_json(split)
        if not show_misses:
            data.pop("misses")
        click.echo(json.dumps(data, indent=2))
        return
    console = Console()
    console.print(holdout_table(result))
    if show_misses:
        for miss in result.misses:
            if split in ("all", miss.split):
                click.echo(
                    f"{miss.file} [{miss.split}] {miss.measure} {miss.address}: "
                    f"ours {miss.ours!r}, reference {miss.reference!r}  | {miss.diagnostic}"
                )
