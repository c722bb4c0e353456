"""A griffe extension: the package's docstrings, written for ``help()``, as Markdown.

* runs of ``>>>`` lines (with their ``...`` continuations and expected
  output) become fenced ``pycon`` blocks, not nested block quotes;
* the reST roles ``:class:`X```, ``:func:`X``` (and ``:meth:``, ``:mod:``,
  ``:data:``, ``:attr:``) become code, ``X``;
* an indented block after a line ending in ``::`` is already a Markdown code
  block; the ``::`` becomes ``:``;
* numpydoc section titles (``Attributes`` over a line of dashes) become bold
  text, not headings of the page.

The docstrings are shown as they are written (``docstring_style: null``):
they mix numpydoc sections with free text and doctests, which a strict
parser would warn about.
"""

from __future__ import annotations

import re
from typing import Any

from griffe import Extension

ROLE = re.compile(r":(?:class|func|meth|mod|data|attr|exc|obj):`~?([^`]+)`")


def markdown(text: str) -> str:
    """The docstring ``text`` with doctests fenced and reST roles as code."""
    lines = text.split("\n")
    out: list[str] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.lstrip().startswith(">>>"):
            indent = line[: len(line) - len(line.lstrip())]
            block = []
            while i < len(lines) and lines[i].strip() and lines[i].startswith(indent):
                block.append(lines[i][len(indent) :])
                i += 1
            out += [f"{indent}```pycon", *(indent + b for b in block), f"{indent}```"]
            continue
        if i + 1 < len(lines) and line.strip() and re.fullmatch(r"\s*-{3,}\s*", lines[i + 1]):
            out.append(f"**{line.strip()}**\n")
            i += 2
            continue
        out.append(re.sub(r"::$", ":", ROLE.sub(r"`\1`", line)))
        i += 1
    return "\n".join(out)


class DocstringsAsMarkdown(Extension):
    """Rewrites every docstring of the loaded package with :func:`markdown`."""

    def on_object(self, *, obj: Any, **kwargs: Any) -> None:
        if obj.docstring is not None:
            obj.docstring.value = markdown(obj.docstring.value)
