"""``deception-sim reproduce``: regenerate every table and figure of the analyses.

Each script in ``analyses/`` has a ``main(out)`` that writes its files into
``out`` and returns them with a summary; the command runs them in name order
and ends with a table of each analysis, its time and its files.
"""

from __future__ import annotations

import argparse
import importlib.util
import time
from pathlib import Path
from types import ModuleType

from .common import UsageError, output_folder


def add_command(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """The ``reproduce`` command."""
    reproduce = commands.add_parser("reproduce", help="regenerate every analysis table/figure")
    reproduce.add_argument(
        "--out", type=output_folder, default=Path("out"), help="folder for the tables and figures"
    )
    reproduce.add_argument("--analyses", type=Path, help="folder of analysis scripts")
    reproduce.add_argument("--only", action="append", help="run only this analysis (repeatable)")
    reproduce.set_defaults(run=run)


def run(args: argparse.Namespace) -> None:
    """Run the analyses and say what each wrote."""
    import pandas as pd

    from ..report import render

    folder = args.analyses or _default_analyses()
    if folder is None or not folder.is_dir():
        raise UsageError(
            "cannot find the analyses/ folder; run from the repository or pass --analyses DIR"
        )
    scripts = sorted(p for p in folder.glob("*.py") if not p.name.startswith("_"))
    if args.only:
        wanted = set(args.only)
        scripts = [p for p in scripts if p.stem in wanted]
        missing = wanted - {p.stem for p in scripts}
        if missing:
            raise UsageError(f"no analysis named {sorted(missing)} in {folder}")
    out = args.out
    out.mkdir(parents=True, exist_ok=True)
    done: list[tuple[str, float, str]] = []
    for script in scripts:
        started = time.perf_counter()
        written, summary = _load(script).main(out)
        seconds = time.perf_counter() - started
        print(f"== {script.stem} ({seconds:.1f} s)")
        for path in written:
            print(f"   wrote {path}")
        if summary:
            print(summary.rstrip("\n"))
        names = ", ".join(Path(path).name for path in written)
        done.append((script.stem, round(seconds, 1), names))
    count = sum(len(files.split(", ")) for _, _, files in done if files)
    print(f"\n== {len(done)} analyses wrote {count} files to {out.resolve()}")
    print(render(pd.DataFrame(done, columns=["analysis", "seconds", "files"])), end="")


def _default_analyses() -> Path | None:
    for candidate in (Path.cwd() / "analyses", Path(__file__).resolve().parents[1] / "analyses"):
        if candidate.is_dir():
            return candidate
    return None


def _load(script: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"analyses.{script.stem}", script)
    if spec is None or spec.loader is None:
        raise UsageError(f"cannot load {script}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    if not hasattr(module, "main"):
        raise UsageError(f"{script} has no main(out) function")
    return module
