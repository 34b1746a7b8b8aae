"""``python -m bench.mta generate [--mta NAME] [--out DIR]``."""

from __future__ import annotations

from pathlib import Path

import click

from bench.mta.cases import CASES, UNSEEN_CASES
from bench.mta.exim import Exim
from bench.mta.generate import Mta, generate
from bench.mta.opensmtpd import OpenSmtpd
from bench.mta.postfix import Postfix
from bench.mta.sendmail import Sendmail

MTAS: dict[str, type[Exim | Postfix | OpenSmtpd | Sendmail]] = {
    "exim": Exim,
    "postfix": Postfix,
    "opensmtpd": OpenSmtpd,
    "sendmail": Sendmail,
}
FIXTURES = Path(__file__).resolve().parents[2] / "tests" / "dsn"
SPLITS = {"seen": (CASES, FIXTURES / "mta"), "unseen": (UNSEEN_CASES, FIXTURES / "mta-unseen")}


@click.group()
def mta() -> None:
    """Real MTAs write test bounces."""


@mta.command("generate")
@click.option("--mta", "names", multiple=True, type=click.Choice(sorted(MTAS)), help="MTA(s).")
@click.option("--split", type=click.Choice(sorted(SPLITS)), default="seen", show_default=True)
@click.option("--out", type=click.Path(path_type=Path, file_okay=False), default=None)
def generate_command(names: tuple[str, ...], split: str, out: Path | None) -> None:
    """Relay every case of the split through each MTA (default: all) and keep the DSNs in
    OUT (default: tests/dsn/mta, or tests/dsn/mta-unseen)."""
    cases, default_out = SPLITS[split]
    for name in names or sorted(MTAS):
        maker = MTAS[name]

        def make(directory: Path, ports: dict[str, int], domain: str, maker: type = maker) -> Mta:
            made: Mta = maker(directory, ports, domain)
            return made

        generate(make, out or default_out, cases, log=click.echo)


@mta.command("score")
@click.option("--json", "as_json", is_flag=True, help="Print the scores as JSON.")
def score_command(as_json: bool) -> None:
    """The parser on the kept DSNs: the cause against each case's and the job named, for the
    cases the rules were checked against (seen) and those they never were (unseen). Beside
    the strict reason score (the one held to the target), the share giving the case's cause
    or another reading its author allowed before the first score."""
    import json

    from rich.console import Console
    from rich.table import Table

    from bench.mta.score import score_fixtures

    results = {split: score_fixtures(out) for split, (_, out) in SPLITS.items()}
    if as_json:
        click.echo(
            json.dumps(
                {s: {m: v.to_json() for m, v in r.items()} for s, r in results.items()},
                indent=2,
            )
        )
        return
    table = Table(title="Real-MTA DSNs: cause = the case's, job named", title_justify="left")
    for column in ("split", "mta", "DSNs", "reason", "reason or also", "job named"):
        table.add_column(column, justify="left" if column in ("split", "mta") else "right")
    for split, scores in results.items():
        for name, score in scores.items():
            table.add_row(
                split,
                name,
                str(score.dsns),
                f"{score.reasons / score.dsns:.1%} ({score.reasons})" if score.dsns else "-",
                f"{score.either / score.dsns:.1%} ({score.either})" if score.dsns else "-",
                f"{score.jobs / score.dsns:.1%}" if score.dsns else "-",
            )
    console = Console()
    console.print(table)
    console.print(
        "reason: the case's cause, the figure held to the target; reason or also: the case's"
        " cause or another reading its author allowed before the first score (Case.also)",
        markup=False,
    )
    # The unseen split's misses stay unread: once read they are the next rules to write,
    # and the split is unseen no more (``--json`` has them, for retiring the split).
    for miss in results["seen"]["all"].misses:
        console.print(f"seen: {miss}", markup=False)
