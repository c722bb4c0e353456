"""``deception-sim reproduce`` regenerates every table and figure, the same bytes every time."""

from __future__ import annotations

import hashlib
from pathlib import Path

from deception_sim.cli import main

ROOT = Path(__file__).resolve().parents[1]


def digests(folder: Path) -> dict[str, str]:
    return {
        path.name: hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.iterdir())
    }


def test_reproduce_twice_gives_identical_files(tmp_path, capsys) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    for out in (first, second):
        code = main(["reproduce", "--out", str(out), "--analyses", str(ROOT / "analyses")])
        assert code == 0
    printed = capsys.readouterr().out
    scripts = sorted(p.stem for p in (ROOT / "analyses").glob("*.py") if p.name[0] != "_")
    assert all(f"== {stem} (" in printed for stem in scripts)
    assert f"analyses wrote {len(digests(first))} files to {second.resolve()}" in printed
    assert "| analysis" in printed  # the closing summary table
    assert digests(first) == digests(second)
    kinds = {name.rsplit(".", 1)[1] for name in digests(first)}
    assert {"md", "csv", "png", "pdf"} <= kinds
