"""``deception-sim reproduce``: regenerate every table and figure of the analyses.

The analyses ship with the package (:mod:`deception_sim.analyses`), so the
command works from an installed wheel; ``--analyses DIR`` runs a folder of
your own scripts instead. Each script has a ``main(out)`` that writes its
files into ``out`` and returns them with a summary; the command runs them in
name order, ends with a table of each analysis, its time and its files, and
writes ``manifest.json``: the package's and its dependencies' versions, each
analysis's parameters and files, and the SHA-256 of every file, so that a
paper can cite exactly what produced its numbers.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib
import importlib.util
import json
import pkgutil
import platform
import time
from pathlib import Path
from types import ModuleType
from typing import Any

from .common import UsageError, output_folder

MANIFEST = "manifest.json"
"""The name of the manifest that ``reproduce`` writes beside the outputs."""

DEPENDENCIES = ("numpy", "scipy", "pandas", "networkx", "matplotlib")
"""The distributions whose versions the manifest records."""


def add_command(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """The ``reproduce`` command."""
    reproduce = commands.add_parser(
        "reproduce",
        help="regenerate every analysis table and figure",
        description="Run the analyses (the package's own, or a folder of scripts) and write "
        "their tables (Markdown, CSV, LaTeX), figures (PNG, PDF) and manifest.json.",
    )
    reproduce.add_argument(
        "--out", type=output_folder, default=Path("out"), help="folder for the tables and figures"
    )
    reproduce.add_argument(
        "--analyses",
        type=Path,
        metavar="DIR",
        help="a folder of analysis scripts, each with main(out) "
        "(default: the analyses shipped with the package)",
    )
    reproduce.add_argument(
        "--only",
        action="append",
        metavar="NAME",
        help="run only this analysis (repeatable; default: all)",
    )
    reproduce.set_defaults(run=run)


def run(args: argparse.Namespace) -> None:
    """Run the analyses, say what each wrote, and write the manifest."""
    from ..report import render

    analyses = _analyses(args.analyses)
    if args.only:
        wanted = set(args.only)
        missing = wanted - set(analyses)
        if missing:
            where = args.analyses or "deception_sim.analyses"
            raise UsageError(f"no analysis named {sorted(missing)} in {where}")
        analyses = {name: load for name, load in analyses.items() if name in wanted}
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    quiet = getattr(args, "quiet", False)
    done: list[tuple[str, float, str]] = []
    records: dict[str, Any] = {}
    for name, load in analyses.items():
        module = load()
        started = time.perf_counter()
        written, summary = module.main(out)
        seconds = time.perf_counter() - started
        names = [Path(path).name for path in written]
        if not quiet:
            print(f"== {name} ({seconds:.1f} s)")
            for path in written:
                print(f"   wrote {path}")
            if summary:
                print(summary.rstrip("\n"))
        done.append((name, round(seconds, 1), ", ".join(names)))
        records[name] = {
            "title": (module.__doc__ or "").strip().splitlines()[0] if module.__doc__ else "",
            "parameters": parameters(module),
            "files": names,
        }
    manifest = out / MANIFEST
    manifest.write_text(_manifest(out, records))
    if not quiet:
        import pandas as pd

        count = sum(len(record["files"]) for record in records.values())
        print(f"\n== {len(done)} analyses wrote {count} files to {out.resolve()} (and {MANIFEST})")
        print(render(pd.DataFrame(done, columns=["analysis", "seconds", "files"])), end="")


def _analyses(folder: Path | None) -> dict[str, Any]:
    """Name -> a function that loads the analysis module, in name order."""
    if folder is None:
        from .. import analyses

        names = sorted(
            info.name for info in pkgutil.iter_modules(analyses.__path__) if info.name[0] != "_"
        )
        return {
            name: (lambda name=name: importlib.import_module(f"deception_sim.analyses.{name}"))
            for name in names
        }
    if not folder.is_dir():
        raise UsageError(f"--analyses {folder}: not a folder of analysis scripts")
    scripts = sorted(p for p in folder.glob("*.py") if not p.name.startswith("_"))
    return {script.stem: (lambda script=script: _load(script)) for script in scripts}


def _load(script: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"_analyses.{script.stem}", script)
    if spec is None or spec.loader is None:  # pragma: no cover - a .py file always has a loader
        raise UsageError(f"cannot load {script}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    if not hasattr(module, "main"):
        raise UsageError(f"{script} has no main(out) function")
    return module


def parameters(module: ModuleType) -> dict[str, Any]:
    """An analysis's parameters: its module-level constants (UPPER_CASE names), as JSON values.

    >>> import types
    >>> demo = types.ModuleType("demo")
    >>> demo.TRAIN, demo.LENGTHS, demo.helper = 2, range(0, 11, 5), len
    >>> parameters(demo)
    {'LENGTHS': [0, 5, 10], 'TRAIN': 2}
    """
    found = {}
    for name in sorted(vars(module)):
        if name.isupper() and not name.startswith("_"):
            found[name] = _jsonable(getattr(module, name))
    return found


def _jsonable(value: object) -> Any:
    if isinstance(value, bool | int | str) or value is None:
        return value
    if isinstance(value, float):
        return value if value == value and abs(value) != float("inf") else str(value)
    if isinstance(value, dict):
        return {str(key): _jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple | range):
        return [_jsonable(item) for item in value]
    return repr(value)


def versions() -> dict[str, str]:
    """Versions of Python, the package and its dependencies (``"not installed"`` if absent).

    >>> sorted(versions())[:3]
    ['deception_sim', 'matplotlib', 'networkx']
    """
    from importlib.metadata import PackageNotFoundError, version

    found = {"python": platform.python_version()}
    for name in ("deception_sim", *DEPENDENCIES):
        try:
            found[name] = version(name)
        except PackageNotFoundError:  # pragma: no cover - matplotlib is optional
            found[name] = "not installed"
    return found


def _manifest(out: Path, records: dict[str, Any]) -> str:
    """The manifest's text: deterministic (sorted keys, no dates, no absolute paths)."""
    files = {}
    for record in records.values():
        for name in record["files"]:
            data = (out / name).read_bytes()
            files[name] = {"sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}
    manifest = {
        "command": "deception-sim reproduce",
        "versions": versions(),
        "analyses": records,
        "files": dict(sorted(files.items())),
    }
    return json.dumps(manifest, indent=2, sort_keys=True) + "\n"
