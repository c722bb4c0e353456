"""Nothing half-written: output paths are checked before any work, files are written
through a unique temporary file and renamed, and a failure leaves nothing new behind."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from deception_sim import _files
from deception_sim.cli import main


def _files_in(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["evaluate", "--train", "2", "--deploy", "3", "--policy", "greedy", "--output", ""], ""),
        (["sweep", "--train", "1", "--deploy", "1", "--output", "{tmp}"], "is a folder"),
        (["sweep", "--train", "1", "--deploy", "1", "--checkpoint", "{tmp}"], "is a folder"),
        (["sweep", "--train", "1", "--deploy", "1", "--figure", "{tmp}/no/x.png"], "not exist"),
        (["reproduce", "--out", ""], "folder name"),
        (["reproduce", "--out", "{tmp}/file.txt"], "not a folder"),
        (
            [
                "evaluate",
                "--train",
                "2",
                "--deploy",
                "3",
                "--policy",
                "greedy",
                "--policy",
                "deceptive",
                "--curves",
                "--output",
                "{tmp}/t.csv",
            ],
            "--curves",
        ),
    ],
)
def test_bad_outputs_are_refused_before_any_work(tmp_path, capsys, argv, needle) -> None:
    (tmp_path / "file.txt").write_text("mine\n")
    before = _files_in(tmp_path)
    argv = [a.replace("{tmp}", str(tmp_path)) for a in argv]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("deception-sim: error: ") and err.count("\n") == 1 and needle in err
    assert _files_in(tmp_path) == before
    assert not Path(str(tmp_path) + ".partial").exists()


def test_a_failing_figure_leaves_neither_figure_nor_table(tmp_path, capsys, monkeypatch) -> None:
    pytest.importorskip("matplotlib")
    from matplotlib.figure import Figure

    def broken(self, *args, **kwargs):
        Path(args[0]).write_bytes(b"half a figure")  # the write starts, then fails
        raise OSError("disk full")

    monkeypatch.setattr(Figure, "savefig", broken)
    figure, table = tmp_path / "fig.png", tmp_path / "table.csv"
    argv = ["sweep", "--train", "0:2", "--deploy", "1,2", "--figure", str(figure)]
    assert main([*argv, "--output", str(table)]) == 2
    assert "disk full" in capsys.readouterr().err
    assert _files_in(tmp_path) == []


def test_atomic_writes_replace_whole_or_not_at_all(tmp_path, monkeypatch) -> None:
    target = tmp_path / "table.csv"
    _files.atomic_write(target, "old\n")
    real = os.replace

    def fails(source, destination):
        raise OSError("no")

    monkeypatch.setattr(os, "replace", fails)
    with pytest.raises(OSError):
        _files.atomic_write(target, "new\n")
    monkeypatch.setattr(os, "replace", real)
    assert target.read_text() == "old\n" and _files_in(tmp_path) == ["table.csv"]
    # Two writers of one file never share a temporary name.
    with _files.atomic_path(target) as first, _files.atomic_path(target) as second:
        assert first != second and first.parent == second.parent == tmp_path
        first.write_text("one\n")
        second.write_text("two\n")
    assert target.read_text() == "one\n" and _files_in(tmp_path) == ["table.csv"]


def test_a_lock_is_exclusive_and_a_dead_holder_loses_it(tmp_path) -> None:
    path = tmp_path / "sweep.csv"
    with _files.FileLock(path, "checkpoint"):
        with pytest.raises(ValueError, match="in use by another sweep"):
            _files.FileLock(path, "checkpoint").acquire()
    assert not (tmp_path / "sweep.csv.lock").exists()
    # A lock file whose process is gone (no process has pid 2**22 + 1 here) is stale.
    import socket

    (tmp_path / "sweep.csv.lock").write_text(f"{socket.gethostname()} {2**22 + 1}")
    with _files.FileLock(path, "checkpoint"):
        pass
    assert not (tmp_path / "sweep.csv.lock").exists()
