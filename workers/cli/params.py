"""Command-line argument types that hold input to the job schema's rules, so that a command
refuses (exit 2, naming the argument) what a job could never carry, before any database or
broker is touched."""

from __future__ import annotations

import re
from typing import Any

import click

from schemas.addresses import AddressError, parse_mailbox
from schemas.job import CODE_RULE, is_code

ADDRESS_LENGTH = 320  # RFC 5321 4.5.3.1: 64 local part + @ + 255 domain; the columns' length
REASON_LENGTH = 32  # the suppression and event reason columns
_REASON_RE = re.compile(rf"[A-Za-z0-9][A-Za-z0-9_.-]{{0,{REASON_LENGTH - 1}}}")


class Code(click.ParamType[str]):
    """A tenant or user code as the job schema has it; ``allow_empty`` for an option whose
    empty value clears a setting."""

    name = "code"

    def __init__(self, allow_empty: bool = False) -> None:
        self.allow_empty = allow_empty

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        text = str(value)
        if (self.allow_empty and text == "") or is_code(text):
            return text
        self.fail(f"{text!r} is not a code a mail job can carry ({CODE_RULE})", param, ctx)


class Address(click.ParamType[str]):
    """One bare e-mail address, as the job schema checks a recipient."""

    name = "address"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        text = str(value)
        try:
            name, address = parse_mailbox(text)
        except AddressError as exc:
            self.fail(f"{text!r} {exc}", param, ctx)
        if name:
            self.fail(f"{text!r}: give the bare address, without a display name", param, ctx)
        if len(address) > ADDRESS_LENGTH:
            self.fail(f"{len(address)} characters, over {ADDRESS_LENGTH}", param, ctx)
        return address


class Reason(click.ParamType[str]):
    """A short word such as ``manual`` or ``complaint``."""

    name = "reason"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        text = str(value)
        if _REASON_RE.fullmatch(text) is None:
            self.fail(
                f"{text!r} is not a reason: 1 to {REASON_LENGTH} letters, digits, '.', '_' or '-'",
                param,
                ctx,
            )
        return text


CODE = Code()
CODE_OR_EMPTY = Code(allow_empty=True)
ADDRESS = Address()
REASON = Reason()
LIMIT = click.IntRange(min=0)

# Every command that acts for one tenant takes it the same way: an option, defaulting to the
# environment so that a shell set up for one company need not repeat it.
tenant_option = click.option(
    "--tenant",
    envvar="ERPMAIL_TENANT",
    required=True,
    type=CODE,
    help="The tenant (company) [env ERPMAIL_TENANT].",
)
json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON instead.")
