"""Run every ``benchmarks/bench_*.py`` in one process run (what ``make bench`` does).

Each script's ``main()`` is called with no arguments (its defaults), in name
order; its output is printed under a heading with its wall-clock time. A
benchmark that fails is reported and the others still run; the exit code is
1 if any failed. Pass names to run only some: ``python benchmarks/run_all.py
sweep evaluate``; ``--quick`` passes ``--quick`` to the scripts that take it.
"""

from __future__ import annotations

import importlib.util
import inspect
import sys
import time
import traceback
from pathlib import Path

HERE = Path(__file__).resolve().parent


def load(path: Path):
    spec = importlib.util.spec_from_file_location(f"benchmarks.{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run(path: Path, quick: bool) -> bool:
    module = load(path)
    takes_argv = bool(inspect.signature(module.main).parameters)
    saved = sys.argv
    sys.argv = [str(path)]  # scripts that parse sys.argv see no options
    try:
        if takes_argv:
            source = inspect.getsource(module)
            module.main(["--quick"] if quick and '"--quick"' in source else [])
        else:
            module.main()
    except Exception:  # report and go on with the other benchmarks
        traceback.print_exc()
        return False
    finally:
        sys.argv = saved
    return True


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    quick = "--quick" in argv
    wanted = {name.removeprefix("bench_") for name in argv if name != "--quick"}
    scripts = sorted(HERE.glob("bench_*.py"))
    if wanted:
        scripts = [p for p in scripts if p.stem.removeprefix("bench_") in wanted]
    if str(HERE.parent) not in sys.path:
        sys.path.insert(0, str(HERE.parent))
    failed = []
    for path in scripts:
        print(f"\n## {path.stem}\n", flush=True)
        started = time.perf_counter()
        if not run(path, quick):
            failed.append(path.stem)
        print(f"\n({path.stem}: {time.perf_counter() - started:.1f} s)", flush=True)
    if failed:
        print(f"\nfailed: {', '.join(failed)}", file=sys.stderr)
        return 1
    print(f"\nran {len(scripts)} benchmarks")
    return 0


if __name__ == "__main__":
    sys.exit(main())
