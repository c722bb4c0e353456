"""How results, solutions and games show themselves: a short repr and a small HTML table.

A notebook shows an object's ``_repr_html_`` (the key numbers as a two-column
table); a console, a log or a list of results shows its ``repr``, one short
line. Both are built here from the same ``(name, value)`` pairs, so every
class shows itself the same way.

>>> rows = [("policy", "Greedy()"), ("mesa", 1.0), ("harm", 0.123456789)]
>>> short_repr("Result", rows, head=1)
'<Result Greedy(): mesa=1, harm=0.123457>'
>>> print(html_table("Result", rows))  # doctest: +ELLIPSIS
<table class="deception-sim">
<caption>Result</caption>
<tr><th style="text-align: left">policy</th><td style="text-align: left">Greedy()</td></tr>
...
</table>
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence

import numpy as np

Rows = Sequence[tuple[str, object]]


def number(value: object) -> str:
    """A value as shown: floats with 6 significant digits, anything else as ``str``."""
    if isinstance(value, float | np.floating):
        if math.isnan(value):
            return "nan"
        text = f"{float(value):.6g}"
        return "0" if text == "-0" else text
    return str(value)


def short_repr(kind: str, rows: Rows, *, head: int = 0) -> str:
    """``<KIND HEAD | HEAD: name=value, ...>``: the first ``head`` values bare, then named."""
    heads = " | ".join(number(value) for _, value in rows[:head])
    named = ", ".join(f"{name}={number(value)}" for name, value in rows[head:])
    title = f"{kind} {heads}" if heads else kind
    return f"<{title}: {named}>" if named else f"<{title}>"


def html_table(kind: str, rows: Rows) -> str:
    """A two-column HTML table (name, value) with ``kind`` as its caption."""
    left = ' style="text-align: left"'
    lines = ['<table class="deception-sim">', f"<caption>{html.escape(kind)}</caption>"]
    for name, value in rows:
        shown = html.escape(number(value))
        align = "" if isinstance(value, int | float | np.number) else left
        lines.append(f"<tr><th{left}>{html.escape(name)}</th><td{align}>{shown}</td></tr>")
    lines.append("</table>")
    return "\n".join(lines)
