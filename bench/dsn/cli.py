"""``python -m bench.dsn score|speed|build|instructions|holdout``: the parser's measuring commands.

They live outside the runtime package: ``erpmail dsn`` parses bounces, these commands read
the corpus, run Sisimai and download flufl.bounce's test data to judge the parser.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import click

if TYPE_CHECKING:  # rich and the scoring are imported by the commands that use them
    from rich.table import Table

    from bench.dsn.lofo import Fold
    from bench.dsn.score import Score


@click.group()
def dsn() -> None:
    """Measure the bounce parser: agreement with the corpus, speed, unseen bounces."""


@dsn.command()
@click.argument("directories", nargs=-1, type=click.Path(path_type=Path, file_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print the score as JSON.")
@click.option("--misses", "show_misses", is_flag=True, help="List every miss.")
@click.option(
    "--leave-one-out",
    "leave_one_out",
    is_flag=True,
    help="Also score each family without the wording rules only its own mails hold.",
)
def score(
    directories: tuple[Path, ...], as_json: bool, show_misses: bool, leave_one_out: bool
) -> None:
    """Compare the parser's answers with each DIRECTORY/expected.jsonl (default: the corpus'
    dev/ and dev-more/ together)."""
    from rich.console import Console

    from bench.dsn.corpus import default_corpora
    from bench.dsn.score import score_directories

    folders = list(directories) or default_corpora()
    if not folders:
        raise click.ClickException("no corpus folder found; name one")
    for folder in folders:
        if not (folder / "expected.jsonl").is_file():
            raise click.ClickException(f"no expected.jsonl in {folder}")
    result = score_directories(folders)
    folds = None
    if leave_one_out:
        from bench.dsn.lofo import leave_one_family_out

        folds = leave_one_family_out(folders)
    if as_json:
        data = result.to_json()
        if folds is not None:
            data["leave_one_family_out"] = [vars(fold) for fold in folds]
        click.echo(json.dumps(data, indent=2))
        return
    console = Console()
    console.print(score_table(result, folders))
    console.print(misses_table(result))
    if folds is not None:
        console.print(lofo_table(folds))
    if show_misses:
        for miss in result.misses:
            console.print(
                f"{miss.file} [{miss.engine}] {miss.metric}#{miss.index}: "
                f"expected {miss.expected!r}, got {miss.got!r}",
                markup=False,
            )


def score_table(result: Score, folders: list[Path]) -> Table:
    from rich.table import Table

    from bench.dsn.score import FLOORS, METRICS

    table = Table(
        title=f"Agreement on {result.files} files, {result.recipients} recipients "
        f"({', '.join(f.name for f in folders)})",
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


def lofo_table(folds: list[Fold]) -> Table:
    from rich.table import Table

    table = Table(
        title="Reason by family: every rule / without the rules only the family's mails hold",
        title_justify="left",
    )
    for column in ("family", "files", "recipients", "all rules", "left out", "rules left out"):
        table.add_column(column, justify="left" if column == "family" else "right")

    def rate(right: int, total: int) -> str:
        return f"{right / total:.1%} ({right})" if total else "-"

    for fold in folds:
        table.add_row(
            fold.family,
            str(fold.files),
            str(fold.recipients),
            rate(fold.reasons_all, fold.recipients),
            rate(fold.reasons_left_out, fold.recipients),
            str(len(fold.rules_left_out)),
        )
    total = sum(f.recipients for f in folds)
    table.add_row(
        "all",
        str(sum(f.files for f in folds)),
        str(total),
        rate(sum(f.reasons_all for f in folds), total),
        rate(sum(f.reasons_left_out for f in folds), total),
        str(sum(len(f.rules_left_out) for f in folds)),
    )
    return table


def misses_table(result: Score) -> Table:
    from rich.table import Table

    from bench.dsn.score import METRICS

    table = Table(title="Misses by sending server (engine)", title_justify="left")
    table.add_column("engine")
    for metric in METRICS:
        table.add_column(metric, justify="right")
    for engine, counts in result.misses_by_engine().items():
        table.add_row(engine, *[str(counts.get(m, 0) or "") for m in METRICS])
    return table


_Command = TypeVar("_Command", bound=Callable[..., None])


def _speed_options(output: str) -> Callable[[_Command], _Command]:
    """The arguments of the speed measurements: the corpus folders, passes, where the
    results go, whether Sisimai runs beside."""

    def apply(command: _Command) -> _Command:
        command = click.option(
            "--no-sisimai", is_flag=True, help="Do not run Sisimai beside the parser."
        )(command)
        command = click.option(
            "--output",
            default=output,
            show_default=True,
            type=click.Path(path_type=Path),
            help="Where to write the JSON results.",
        )(command)
        command = click.option(
            "--repeat", default=10, show_default=True, help="Passes in one process."
        )(command)
        return click.argument(
            "directories", nargs=-1, type=click.Path(path_type=Path, file_okay=False)
        )(command)

    return apply


@dsn.command()
@_speed_options("bench-results/dsn.json")
def speed(directories: tuple[Path, ...], repeat: int, output: Path, no_sisimai: bool) -> None:
    """Benchmark the parser over corpus folders (default: the corpus' dev/ and dev-more/
    together), beside Sisimai."""
    from bench.dsn.corpus import default_corpora
    from bench.dsn.speed import run_bench

    folders = list(directories) or default_corpora()
    if not folders:
        raise click.ClickException("no corpus folder found; name one")
    run_bench(
        folders,
        repeat=max(1, repeat),
        output=output,
        with_sisimai=not no_sisimai,
    )


@dsn.command()
@click.option(
    "--root",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="Where builds are kept (default: the interpreter's, where erpmail looks).",
)
@click.option(
    "--if-compiler", is_flag=True, help="Build only where a C compiler is found; else say so."
)
def build(root: Path | None, if_compiler: bool) -> None:
    """Build the parser compiled with mypyc, loaded by erpmail while the sources match it
    (nothing is done where a build of the sources present exists)."""
    import time

    from bench.dsn.compiled import CompiledError, compiler_present
    from bench.dsn.compiled import build as build_compiled

    if if_compiler and not compiler_present():
        click.echo("no C compiler found: the bounce parser runs as pure Python")
        return
    started = time.monotonic()
    try:
        built = build_compiled(root)
    except CompiledError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"compiled bounce parser: {built.name} ({time.monotonic() - started:.0f} s)")


@dsn.command()
@click.argument("directories", nargs=-1, type=click.Path(path_type=Path, file_okay=False))
@click.option("--passes", default=3, show_default=True, help="Passes of the long run (2+).")
@click.option(
    "--start-up",
    "with_start_up",
    is_flag=True,
    help="Also count what importing the parser adds to a process's start.",
)
def instructions(directories: tuple[Path, ...], passes: int, with_start_up: bool) -> None:
    """Instructions per mail of the parser over corpus folders (default: the corpus' dev/ and
    dev-more/ together), counted by valgrind's callgrind: a figure the machine's other work
    does not move. The compiled build is counted too where one matches the sources."""
    from bench.dsn.corpus import default_corpora
    from bench.dsn.instructions import InstructionsError, count, start_up
    from workers.dsn.accelerator import Build, builds_root, matching_build

    folders = list(directories) or default_corpora()
    if not folders:
        raise click.ClickException("no corpus folder found; name one")
    builds = [Build.PURE]
    if matching_build(builds_root()) is not None:
        builds.append(Build.COMPILED)
    for build in builds:
        try:
            found = count(folders, passes, build)
        except InstructionsError as exc:
            raise click.ClickException(str(exc)) from exc
        click.echo(
            f"{build.value}: {found.mails} mails: {found.per_pass / 1e6:.1f}M instructions a "
            f"pass, {found.per_mail / 1e3:,.1f}k a mail (callgrind, {found.passes} passes minus 1)"
        )
        if with_start_up:
            try:
                started = start_up(build)
            except InstructionsError as exc:
                raise click.ClickException(str(exc)) from exc
            click.echo(
                f"{build.value}: start-up: importing the parser adds "
                f"{started.parser / 1e6:.1f}M instructions (a bare interpreter: "
                f"{started.bare / 1e6:.1f}M)"
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

    from bench.dsn.holdout import holdout_table, run_holdout

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
