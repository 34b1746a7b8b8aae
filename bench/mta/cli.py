"""``python -m bench.mta generate [--mta NAME] [--out DIR]``."""

from __future__ import annotations

from pathlib import Path

import click

from bench.mta.exim import Exim
from bench.mta.generate import Mta, generate
from bench.mta.postfix import Postfix

MTAS: dict[str, type[Exim] | type[Postfix]] = {"exim": Exim, "postfix": Postfix}
DEFAULT_OUT = Path(__file__).resolve().parents[2] / "tests" / "dsn" / "mta"


@click.group()
def mta() -> None:
    """Real MTAs write test bounces."""


@mta.command("generate")
@click.option("--mta", "names", multiple=True, type=click.Choice(sorted(MTAS)), help="MTA(s).")
@click.option("--out", type=click.Path(path_type=Path, file_okay=False), default=DEFAULT_OUT)
def generate_command(names: tuple[str, ...], out: Path) -> None:
    """Relay every case through each MTA (default: all) and keep the DSNs in OUT."""
    for name in names or sorted(MTAS):
        maker = MTAS[name]

        def make(directory: Path, ports: dict[str, int], domain: str, maker: type = maker) -> Mta:
            made: Mta = maker(directory, ports, domain)
            return made

        generate(make, out, log=click.echo)
