"""Every code block in README.md and docs/ runs, and its shown output is checked.

* ```python blocks whose first line starts with ``>>>`` are doctests;
  other ```python blocks are executed; blocks of one page share a namespace,
  in order, as a reader would run them.
* ```console blocks: each ``$ deception-sim ...`` line is run through the
  command line's ``main`` and its output must equal the lines that follow.
* a table after ``<!-- analysis: FILE -->`` must be exactly the file that
  the analysis writes (its table; the file also has a caption): every
  table in the docs comes from ``deception_sim/analyses/``.
"""

from __future__ import annotations

import doctest
import importlib
import re
import shlex
from pathlib import Path

import pytest

from deception_sim import cli

ROOT = Path(__file__).resolve().parents[1]
PAGES = sorted([ROOT / "README.md", *ROOT.glob("docs/**/*.md")])
FENCE = re.compile(r"^```(\w+)\n(.*?)^```", re.MULTILINE | re.DOTALL)
ANALYSIS = re.compile(r"^<!-- analysis: (\S+) -->\n((?:\|.*\n)+)", re.MULTILINE)


def blocks(page: Path) -> list[tuple[str, str, int]]:
    text = page.read_text()
    return [
        (m.group(1), m.group(2), text.count("\n", 0, m.start()) + 1) for m in FENCE.finditer(text)
    ]


def test_there_are_pages_with_code() -> None:
    assert sum(len(blocks(page)) for page in PAGES) >= 10


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_page_code_runs(page: Path, capsys: pytest.CaptureFixture[str]) -> None:
    namespace: dict[str, object] = {"__name__": "__docs__"}
    parser = doctest.DocTestParser()
    runner = doctest.DocTestRunner(optionflags=doctest.NORMALIZE_WHITESPACE)
    for language, code, line in blocks(page):
        where = f"{page.relative_to(ROOT)}:{line}"
        if language == "python" and code.lstrip().startswith(">>>"):
            test = parser.get_doctest(code, namespace, where, str(page), line)
            with capsys.disabled():
                result = runner.run(test, out=_fail_at(where), clear_globs=False)
            assert result.failed == 0, where
            namespace = test.globs  # DocTest copies its globals: carry them on
        elif language == "python":
            # dont_inherit: the page's code runs without this module's __future__ imports.
            exec(compile(code, where, "exec", dont_inherit=True), namespace)
        elif language == "console":
            run_console(code, where, capsys)


def _fail_at(where: str):
    return lambda text: pytest.fail(f"{where}\n{text}")


def run_console(code: str, where: str, capsys: pytest.CaptureFixture[str]) -> None:
    commands: list[tuple[str, list[str]]] = []
    for text in code.splitlines():
        if text.startswith("$ "):
            commands.append((text[2:], []))
        elif commands:
            commands[-1][1].append(text)
    assert commands, f"{where}: a console block with no command"
    for command, expected in commands:
        argv = shlex.split(command)
        assert argv[0] == "deception-sim", f"{where}: only deception-sim commands run here"
        capsys.readouterr()
        code_ = cli.main(argv[1:])
        out = capsys.readouterr().out
        assert code_ == 0, f"{where}: {command} exited with {code_}"
        assert out.rstrip("\n").splitlines() == expected, f"{where}: {command}"


def test_tables_in_the_docs_are_the_analyses_output(reproduced: Path) -> None:
    found = [(page, m) for page in PAGES for m in ANALYSIS.finditer(page.read_text())]
    assert found, "no <!-- analysis: ... --> tables in the docs"
    for page, match in found:
        text = (reproduced / match.group(1)).read_text()
        written = "".join(line for line in text.splitlines(True) if line.startswith("|"))
        assert match.group(2) == written, f"{page.relative_to(ROOT)}: {match.group(1)} is stale"


DOTTED = re.compile(r"deception_sim(?:\.[A-Za-z_]\w*)+")


def _resolve(path: str) -> object:
    """The object a dotted path names: the longest importable module, then attributes."""
    parts = path.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            target: object = importlib.import_module(".".join(parts[:cut]))
        except ModuleNotFoundError:
            continue
        for attribute in parts[cut:]:
            target = getattr(target, attribute)
        return target
    raise ModuleNotFoundError(path)


def test_every_dotted_path_in_the_docs_resolves() -> None:
    sources = [*PAGES, *ROOT.glob("deception_sim/**/*.py")]
    paths = {m.group(0) for source in sources for m in DOTTED.finditer(source.read_text())}
    assert len(paths) > 20
    broken = []
    for path in sorted(paths):
        try:
            _resolve(path)
        except (ImportError, AttributeError):
            broken.append(path)
    assert not broken
