"""Times on the command line: ISO dates or datetimes (UTC unless an offset is given), or an
age such as ``30m``, ``24h``, ``7d``, ``2w`` counted back from now."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import click

from schemas.values import utc_now

_AGE = re.compile(r"^\s*(\d+)\s*([mhdw])\s*$")
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def parse_when(text: str, now: datetime | None = None) -> datetime:
    """A naive UTC datetime, as the tables store them."""
    try:
        age = _AGE.match(text)
        if age:
            return (now or utc_now()) - timedelta(**{_UNITS[age.group(2)]: int(age.group(1))})
        when = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
        return when.astimezone(UTC).replace(tzinfo=None) if when.tzinfo else when
    except OverflowError:  # an age past year 1, or a time at its edge with an offset
        raise ValueError(f"{text!r} is further back than a date can be") from None
    except ValueError:
        raise ValueError(
            f"{text!r} is not a time: use 2026-11-25, 2026-11-25T10:00, or an age like 7d"
        ) from None


class When(click.ParamType):  # type: ignore[type-arg]
    name = "time"

    def convert(
        self, value: object, param: click.Parameter | None, ctx: click.Context | None
    ) -> datetime:
        if isinstance(value, datetime):
            return value
        try:
            return parse_when(str(value))
        except ValueError as exc:
            self.fail(str(exc), param, ctx)
