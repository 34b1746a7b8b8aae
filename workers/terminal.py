"""Text from outside (bounce text, addresses, subjects, server replies, job fields) made safe
for a terminal: the one place every command's tables and lines go through.

Two dangers: rich reads ``[...]`` as markup (``[/x]`` crashes a table, ``[link=...]`` makes a
clickable link), and a terminal obeys control characters (ESC sequences set the window title,
clear the screen, rewrite what was printed). Control characters are made visible, never
dropped, so that the operator sees that a bounce held them: C0 controls as their Unicode
"control picture" (ESC → ␛), C1 controls and the bidirectional overrides that reorder what
is shown (CVE-2021-42574, "Trojan Source") as ``\\x9b`` / ``\\u202e``.
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.text import Text

# The directional marks (ALM, LRM, RLM): zero-width, unlike an override they reorder nothing.
DIRECTIONAL_MARKS = "\u061c\u200e\u200f"
# DEL, C1, the bidirectional embeddings, overrides and isolates, and the marks: what a
# terminal obeys beyond C0 (which JSON escapes itself).
BEYOND_C0 = "\x7f-\x9f\u202a-\u202e\u2066-\u2069" + DIRECTIONAL_MARKS
# C0 but tab and newline, and the rest a terminal obeys.
_UNSAFE = re.compile(f"[\x00-\x08\x0b-\x1f{BEYOND_C0}]")


def _visible(found: re.Match[str]) -> str:
    char = found.group()
    code = ord(char)
    if code < 0x20:
        return chr(0x2400 + code)  # ␀ … ␟
    if code == 0x7F:
        return "\u2421"  # ␡
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def plain(value: Any) -> str:
    """``value`` as text a terminal shows as it is: no control character acts."""
    return _UNSAFE.sub(_visible, "" if value is None else str(value))


def markup(value: Any) -> str:
    """``value`` to be placed inside a rich markup string: controls shown, brackets escaped."""
    from rich.markup import escape  # here: dsn parse --json starts without rich

    return escape(plain(value))


def cell(value: Any) -> Text:
    """``value`` as a rich table cell or title: never read as markup, no control acts."""
    from rich.text import Text

    return Text(plain(value))


# The longest value a table shows (a multi-line SMTP reply fits; a page of HTML does not).
CELL_LIMIT = 1_000


def clipped(value: Any, limit: int = CELL_LIMIT) -> str:
    """``value`` as text of at most ``limit`` characters, and a marker saying how many were
    cut, for a table: a table pads every row to its longest cell, so one long value made a
    table of blanks. Cut before :func:`plain` escapes it, so that no escape is split."""
    text = "" if value is None else str(value)
    if len(text) <= limit:
        return text
    cut = len(text) - limit
    return f"{text[:limit]}… ({cut:,} of {len(text):,} characters cut; --json shows all)"


def cells(*values: Any) -> list[Text]:
    """A table row of :func:`cell` values (for ``table.add_row(*cells(...))``), each
    :func:`clipped` to :data:`CELL_LIMIT` (a list's free text may be cut sooner, clipped
    before it is given here)."""
    return [cell(clipped(value)) for value in values]


# What JSON leaves as it is and a terminal obeys. They occur only inside strings, where
# \uXXXX is the same character.
_UNSAFE_IN_JSON = re.compile(f"[{BEYOND_C0}]")


def _json_escape(found: re.Match[str]) -> str:
    return f"\\u{ord(found.group()):04x}"


def json_text(value: Any, **options: Any) -> str:
    """``value`` as JSON for a command's output (``json.dumps``' ``options``): not ASCII-only,
    but no character in it acts on a terminal; read back, it is the same value."""
    return json_safe(json.dumps(value, ensure_ascii=False, **options))


def json_safe(encoded: str) -> str:
    """JSON text written with ``ensure_ascii`` off, made as :func:`json_text` makes it (for a
    command that encodes its lines itself)."""
    return _UNSAFE_IN_JSON.sub(_json_escape, encoded)
