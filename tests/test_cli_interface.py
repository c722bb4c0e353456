"""The command line as a new user meets it: --version, --help, --quiet, python -m, lazy imports."""

from __future__ import annotations

import argparse
import subprocess
import sys
from importlib.metadata import version

import pytest

import deception_sim
from deception_sim.cli import COMMANDS, build_parser, main

HEAVY = ("pandas", "scipy", "matplotlib", "networkx", "hypothesis")


def _python(*code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *code], capture_output=True, text=True, check=False, timeout=120
    )


def test_version_is_the_package_metadata(capsys) -> None:
    with pytest.raises(SystemExit) as stop:
        main(["--version"])
    assert stop.value.code == 0
    assert capsys.readouterr().out == f"deception-sim {version('deception_sim')}\n"
    assert deception_sim.__version__ == version("deception_sim")


def test_python_dash_m_runs_the_command_line() -> None:
    result = _python("-m", "deception_sim", "--version")
    assert result.returncode == 0
    assert result.stdout.strip() == f"deception-sim {version('deception_sim')}"
    result = _python(
        "-m", "deception_sim", "evaluate", "--train", "2", "--deploy", "3", "--policy", "deceptive"
    )
    assert result.returncode == 0 and "Deceptive()" in result.stdout


def test_help_and_import_load_no_heavy_dependency() -> None:
    # What `deception-sim --help` and `import deception_sim` import: numpy at most.
    probe = (
        "import sys, contextlib, io\n"
        "import deception_sim\n"
        "assert 'numpy' not in sys.modules, 'import deception_sim imported numpy'\n"
        "from deception_sim.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()), contextlib.suppress(SystemExit):\n"
        "    main(['--help'])\n"
        f"print(sorted(m for m in {HEAVY!r} if m in sys.modules))\n"
    )
    result = _python("-c", probe)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_the_package_exports_lazily_but_completely() -> None:
    assert set(deception_sim.__all__) <= set(dir(deception_sim))
    assert {"exact", "report", "cli", "__version__"} <= set(dir(deception_sim))
    assert deception_sim.report is __import__("deception_sim.report").report
    with pytest.raises(AttributeError, match="no attribute 'nonesuch'"):
        _ = deception_sim.nonesuch


def _actions(parser: argparse.ArgumentParser, path: str):
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from _actions(sub, f"{path} {name}")
        elif not isinstance(action, argparse._HelpAction | argparse._VersionAction):
            yield path, action


def test_every_option_has_help_and_shows_its_default() -> None:
    parser = build_parser()
    found = list(_actions(parser, "deception-sim"))
    assert len(found) > 100
    for path, action in found:
        assert action.help and action.help != argparse.SUPPRESS, (path, action.option_strings)
    # The formatter adds "(default: ...)" to every option that has one.
    for command in COMMANDS:
        sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction)).choices[
            command
        ]
        text = sub.format_help()
        for action in sub._actions:
            if action.option_strings and action.default not in (None, False, argparse.SUPPRESS):
                assert f"(default: {action.default}" in " ".join(text.split()), (
                    command,
                    action.option_strings,
                )


def test_the_light_command_list_is_each_modules_own() -> None:
    full = build_parser()
    light = build_parser("")

    def listed(parser: argparse.ArgumentParser) -> dict[str, str | None]:
        commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
        return {choice.dest: choice.help for choice in commands._choices_actions}

    assert listed(light) == listed(full) == {name: help for name, (_, help) in COMMANDS.items()}
    assert light.format_help() == full.format_help()


def test_quiet_prints_nothing_but_the_result(tmp_path, capsys) -> None:
    figure = tmp_path / "adv.png"
    argv = ["sweep", "--train", "0:3", "--deploy", "0:3", "--figure", str(figure)]
    assert main(["--quiet", *argv]) == 0
    assert capsys.readouterr() == ("", "")
    assert figure.read_bytes()[:4] == b"\x89PNG"
    assert main(["reproduce", "--quiet", "--out", str(tmp_path), "--only", "seed_plans"]) == 0
    assert capsys.readouterr() == ("", "")
    assert (tmp_path / "seed_plans.tex").exists()


def test_figure_without_output_prints_a_summary_not_the_table(tmp_path, capsys) -> None:
    figure = tmp_path / "adv.pdf"
    code = main(["sweep", "--train", "0:20", "--deploy", "0:20", "--figure", str(figure)])
    out, err = capsys.readouterr()
    assert code == 0 and f"wrote {figure}" in err
    assert out.splitlines() == [
        "swept 21 x 21 cells (T 0..20, D 0..20), 3 policies",
        "deception advantage (Optimal (known phase) - Greedy, mesa): 0 to 19, largest at T=1, D=20",
        f"figure: {figure} (add --output FILE for the table)",
    ]
    assert b"/FontFile2" in figure.read_bytes()  # TrueType fonts, embedded
