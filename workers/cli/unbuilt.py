"""Commands the contract names but that are not built yet say so plainly."""

from __future__ import annotations

import click

NOT_BUILT_EXIT = 3


def unbuilt_command(name: str, what: str, issue: str) -> click.Command:
    """A command that exists in `--help` and explains, when run, that it is not built yet."""

    @click.command(
        name=name,
        help=f"{what} (not built yet: {issue}).",
        context_settings={"ignore_unknown_options": True, "allow_extra_args": True},
    )
    @click.pass_context
    def command(ctx: click.Context) -> None:
        click.echo(
            f"erpmail {ctx.command_path.split(' ', 1)[-1]}: not built yet ({issue}).", err=True
        )
        ctx.exit(NOT_BUILT_EXIT)

    return command
