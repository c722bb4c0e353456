"""Checkpoint files of a sweep: the finished rows, chunk by chunk, each chunk verifiable.

A checkpoint holds every finished row of a sweep (its parameters, the cell
and strategy it belongs to, and its results) so that a rerun of the same
sweep skips the cells it finds there. It cannot lie:

* **a header** names the format version, the fingerprint of the sweep's
  arguments (a hash of their canonical JSON) and the arguments themselves,
  and the columns: a checkpoint of another sweep is refused, and so is a
  header that does not hash to its own fingerprint (it is damaged);
* **each chunk** of rows carries a SHA-256 checksum of the values a resumed
  sweep reads back (the keys and the results, as float64/int64 bytes and
  UTF-8 text); on resume every chunk is verified, and every value is checked
  against its measure's range (:data:`deception_sim.model.measures.MEASURES`).
  A damaged chunk is dropped with a :class:`CheckpointWarning` that says so,
  and its cells are computed again; rows after the last checksum (a write cut
  short by a kill) are dropped quietly;
* **one writer at a time**: a sweep holds a lock file (``PATH.lock``, with its
  host and process id) from reading the checkpoint to its end; a second sweep
  on the same checkpoint is refused with a message saying so, and a lock left
  by a process that died is taken over. Every rewrite goes through a
  temporary file with a unique name in the same folder and an atomic rename.

Two formats, chosen by the file name:

* **CSV** (``*.csv``, or any name when ``pyarrow`` is absent): a first line
  ``# deception_sim sweep checkpoint: {json}``, a header, then each chunk's
  rows followed by a line ``#chunk,ROWS,SHA256``, appended with one write and
  ``fsync``;
* **Parquet** (``*.parquet``, or any other name when ``pyarrow`` is
  installed): the header and the chunks' sizes and checksums live in the
  file's key-value metadata, and each chunk rewrites the file (Parquet files
  cannot be appended to).

Floats are stored so that they read back bit for bit (``repr`` in CSV,
float64 in Parquet).
"""

from __future__ import annotations

import csv
import hashlib
import importlib.util
import json
import math
import os
import warnings
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from .. import _files
from ..model.measures import MEASURES
from .checksums import FORMAT, KEYS, _csv_line, _float, _text, _text_rows, digest

MAGIC = "# deception_sim sweep checkpoint: "
CHUNK = "#chunk,"
METADATA_KEY = b"deception_sim.sweep"


class CheckpointWarning(UserWarning):
    """A checkpoint held damaged chunks; they were dropped and their cells are computed again."""


def fingerprint(arguments: dict) -> str:
    """A hash of the canonical JSON of a sweep's arguments."""
    text = json.dumps(arguments, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def has_pyarrow() -> bool:
    return importlib.util.find_spec("pyarrow") is not None


class Checkpoint:
    """One checkpoint file for one sweep.

    ``kinds`` maps each result column to ``"float"``, ``"int"`` or ``"str"``;
    ``per_cell`` is the number of strategies (rows) of a finished cell and
    ``cells`` the number of cells of the grid; ``labels(cells, strategies)``
    gives the other columns (parameters, policy) that rows with those keys
    must hold. :meth:`load` takes the checkpoint's lock and :meth:`close`
    gives it back (or use ``with``).
    """

    def __init__(
        self,
        path: str | os.PathLike,
        arguments: dict,
        columns: list[str],
        kinds: Mapping[str, str],
        per_cell: int,
        cells: int | None = None,
        labels: Callable[[np.ndarray, np.ndarray], Mapping[str, Any]] | None = None,
    ) -> None:
        self.path = _files.check_output_file("checkpoint", path)
        self.arguments = arguments
        self.fingerprint = fingerprint(arguments)
        self.columns = columns  # every column of a row, in file order
        self.kinds = kinds
        self.per_cell = per_cell
        self.cells = cells
        self.labels = labels
        self.format = self._choose_format()
        self._lock = _files.FileLock(self.path, "checkpoint")
        self._tables: list = []  # Parquet: the verified chunks, as pyarrow tables
        self._chunks: list[list] = []  # Parquet: [rows, checksum] of each chunk
        self._created = False  # whether load() created the file
        self._appended = 0  # chunks added since

    def __enter__(self) -> Checkpoint:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Give back the checkpoint's lock (taken by :meth:`load`)."""
        self._lock.release()

    def discard_if_new(self) -> None:
        """Remove the file if :meth:`load` created it and no chunk was added since."""
        if self._created and not self._appended:
            self.path.unlink(missing_ok=True)

    # ------------------------------------------------------------------ format
    def _choose_format(self) -> str:
        suffix = self.path.suffix.lower()
        if self.path.is_file() and self.path.stat().st_size > 0:
            with self.path.open("rb") as handle:
                head = handle.read(len(MAGIC))
            if head.startswith(b"PAR1"):
                return self._parquet_or_error()
            if head == MAGIC.encode():
                return "csv"
            raise ValueError(
                f"checkpoint {str(self.path)!r} exists and is not a sweep checkpoint; "
                "give another path"
            )
        if suffix == ".csv":
            return "csv"
        if suffix in (".parquet", ".pq"):
            return self._parquet_or_error()
        return "parquet" if has_pyarrow() else "csv"

    def _parquet_or_error(self) -> str:
        if not has_pyarrow():
            raise ValueError(
                f"checkpoint {str(self.path)!r} is Parquet, which needs pyarrow "
                "(pip install pyarrow); or name the checkpoint *.csv"
            )
        return "parquet"

    # ------------------------------------------------------------------ load
    def load(self) -> pd.DataFrame:
        """The verified finished rows (keys and results), creating the file if there is none.

        Takes the checkpoint's lock (``ValueError`` while another sweep holds
        it). Raises ``ValueError`` naming ``checkpoint`` if the file was written
        for other arguments, by another format version, or has a damaged
        header; warns (:class:`CheckpointWarning`) and drops damaged chunks.
        """
        self._lock.acquire()
        try:
            if not self.path.is_file() or self.path.stat().st_size == 0:
                self._created = not self.path.exists()
                self._create()
                return self._typed({name: [] for name in (*KEYS, *self.kinds)})
            if self.format == "csv":
                return self._load_csv()
            return self._load_parquet()
        except BaseException:
            self._lock.release()
            raise

    def _damaged(self, what: str) -> ValueError:
        return ValueError(
            f"checkpoint {str(self.path)!r} is damaged ({what}); delete it to start afresh, "
            "or use another checkpoint path"
        )

    def _check_header(self, meta: object, columns: object) -> None:
        """Refuse a header that is damaged, of another format, or of another sweep."""
        if not isinstance(meta, dict) or not isinstance(meta.get("arguments"), dict):
            raise self._damaged("its header cannot be read")
        arguments = meta["arguments"]
        if "format" in meta:
            version = meta["format"]
        elif "fingerprint" in meta:  # written by format 2 or later, which names its format
            raise self._damaged("its header has no format")
        else:  # format 1 kept its version among the arguments
            version = arguments.get("format")
        if version != FORMAT:
            raise ValueError(
                f"checkpoint {str(self.path)!r} is in format {version!r}, written by another "
                f"version of deception_sim; this version reads format {FORMAT}: use another "
                "checkpoint path, or delete the file to start afresh"
            )
        if meta.get("fingerprint") != fingerprint(arguments):
            raise self._damaged("its header does not match its own fingerprint")
        if meta["fingerprint"] != self.fingerprint:
            differs = [
                key
                for key in sorted(set(arguments) | set(self.arguments))
                if arguments.get(key) != self.arguments.get(key)
            ]
            detail = f" (they differ in: {', '.join(differs)})" if differs else ""
            raise ValueError(
                f"checkpoint {str(self.path)!r} was written by a sweep with other arguments"
                f"{detail}; use another checkpoint path, or delete the file to start afresh"
            )
        if columns != self.columns or meta.get("columns") != self.columns:
            raise self._damaged("its columns are not the sweep's")

    def _meta(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "fingerprint": self.fingerprint,
            "arguments": self.arguments,
            "columns": self.columns,
        }

    def _typed(self, raw: Mapping[str, Iterable]) -> pd.DataFrame:
        """Keys and results as typed columns (``ValueError`` if a value cannot be read)."""
        out: dict[str, np.ndarray] = {}
        for name in KEYS:
            out[name] = np.array([int(v) for v in raw[name]], dtype=np.int64)
        for name, kind in self.kinds.items():
            values = raw[name]
            if kind == "float":
                out[name] = np.array([_float(v) for v in values], dtype=float)
            elif kind == "int":
                out[name] = np.array([int(v) for v in values], dtype=np.int64)
            else:
                out[name] = np.array(["" if v is None else str(v) for v in values], dtype=object)
        return pd.DataFrame(out)

    def _verify(
        self, frame: pd.DataFrame, rows: int, checksum: str, text: Mapping[str, list[str]]
    ) -> str | None:
        """Why a chunk of rows cannot be trusted, or ``None`` if it can.

        ``text`` holds the other columns (parameters, policy) as written.
        """
        if len(frame) != rows:
            return f"{len(frame)} rows where its checksum line says {rows}"
        if digest(frame, self.kinds) != checksum:
            return "its checksum does not match its rows"
        why = self._out_of_range(frame)
        if why is None and self.labels is not None and len(frame):
            expected = self.labels(frame["_cell"].to_numpy(), frame["_strategy"].to_numpy())
            for name, values in expected.items():
                wanted = [_text(v) for v in np.asarray(values, dtype=object)]
                if name in text and text[name] != wanted:
                    where = next(
                        i for i, (a, b) in enumerate(zip(text[name], wanted, strict=True)) if a != b
                    )
                    return f"{name} = {text[name][where]!r} where the grid has {wanted[where]!r}"
        return why

    def _out_of_range(self, frame: pd.DataFrame) -> str | None:
        """The first value outside its range (a measure's, a key's), or ``None``."""
        checks: list[tuple[str, np.ndarray]] = []
        cell, strategy = frame["_cell"].to_numpy(), frame["_strategy"].to_numpy()
        checks.append(("_cell", (cell >= 0) & (cell < (self.cells or np.iinfo(np.int64).max))))
        checks.append(("_strategy", (strategy >= 0) & (strategy < self.per_cell)))
        for name, kind in self.kinds.items():
            values = frame[name].to_numpy()
            if kind == "float" and name in MEASURES:
                measure = MEASURES[name]
                undefined = np.isnan(values) if measure.contains(math.nan) else False
                with np.errstate(invalid="ignore"):
                    ok = ((values >= measure.low) & (values <= measure.high)) | undefined
                checks.append((name, ok))
            elif kind == "float" and name.endswith("_se"):
                checks.append((name, np.isnan(values) | (values >= 0)))
            elif name == "runs":
                expected = self.arguments.get("runs")
                checks.append((name, values == expected if expected else values >= 1))
        for name, ok in checks:
            if not np.all(ok):
                bad = frame[name].to_numpy()[~np.asarray(ok)][0]
                shown = bad.item() if isinstance(bad, np.generic) else bad
                return f"{name} = {shown!r} is outside its range"
        return None

    def _complete(self, cells: np.ndarray, strategies: np.ndarray) -> np.ndarray:
        """Rows whose cell has each of its strategies exactly once (the rest is redone)."""
        if cells.size == 0:
            return np.zeros(0, dtype=bool)
        frame = pd.DataFrame({"cell": cells, "strategy": strategies})
        first = ~frame.duplicated()
        per = frame[first].groupby("cell")["strategy"].agg(["count", "min", "max"])
        whole = per[
            (per["count"] == self.per_cell) & (per["min"] == 0) & (per["max"] == self.per_cell - 1)
        ].index
        return (first & frame["cell"].isin(whole)).to_numpy()

    def _report(self, damaged: list[str]) -> None:
        if damaged:
            listed = "; ".join(damaged[:3]) + ("; ..." if len(damaged) > 3 else "")
            warnings.warn(
                f"checkpoint {str(self.path)!r}: {len(damaged)} damaged chunk(s) dropped "
                f"({listed}); their cells are computed again",
                CheckpointWarning,
                stacklevel=4,
            )

    # ------------------------------------------------------------------ CSV
    def _header_text(self) -> str:
        return MAGIC + json.dumps(self._meta(), sort_keys=True) + "\n" + _csv_line(self.columns)

    def _create(self) -> None:
        if self.format == "csv":
            _files.atomic_write(self.path, self._header_text())
        else:
            self._tables, self._chunks = [], []
            self._write_parquet()

    def _load_csv(self) -> pd.DataFrame:
        text = self.path.read_bytes().decode("utf-8", errors="replace")
        dirty = not text.endswith("\n")
        if dirty:  # the last line was cut short: part of an unfinished chunk
            text = text[: text.rfind("\n") + 1]
        lines = text.split("\n")[:-1]
        if len(lines) < 2 or not lines[0].startswith(MAGIC):
            raise self._damaged("its header cannot be read")
        try:
            meta = json.loads(lines[0][len(MAGIC) :])
        except json.JSONDecodeError:
            meta = None
        self._check_header(meta, next(csv.reader([lines[1]]), []))
        position = {name: self.columns.index(name) for name in (*KEYS, *self.kinds)}
        frames: list[pd.DataFrame] = []
        kept_lines: list[str] = []  # the lines of the verified rows, in order
        damaged: list[str] = []
        pending: list[str] = []
        for number, line in enumerate(lines[2:], start=3):
            if not line.startswith(CHUNK):
                pending.append(line)
                continue
            body, pending = pending, []
            frame, why = self._read_chunk(body, line, position)
            if frame is None:
                damaged.append(f"lines {number - len(body)}-{number}: {why}")
                dirty = True
            else:
                frames.append(frame)
                kept_lines.extend(body)
        dirty |= bool(pending)  # rows after the last checksum: a chunk cut short
        self._report(damaged)
        frame = (
            pd.concat(frames, ignore_index=True)
            if frames
            else self._typed({name: [] for name in position})
        )
        keep = self._complete(frame["_cell"].to_numpy(), frame["_strategy"].to_numpy())
        if dirty or not keep.all():
            frame = frame[keep].reset_index(drop=True)
            text = self._header_text()
            if len(frame):
                rows = "".join(line + "\n" for line, k in zip(kept_lines, keep, strict=True) if k)
                text += rows + f"{CHUNK}{len(frame)},{digest(frame, self.kinds)}\n"
            _files.atomic_write(self.path, text)
        return frame

    def _read_chunk(
        self, body: list[str], trailer: str, position: Mapping[str, int]
    ) -> tuple[pd.DataFrame | None, str]:
        parts = trailer.split(",")
        if len(parts) != 3 or not parts[1].isdigit() or len(parts[2]) != 64:
            return None, "its checksum line cannot be read"
        records = list(csv.reader(body))
        if any(len(row) != len(self.columns) for row in records):
            return None, "a row has the wrong number of fields"
        raw = {name: [row[i] for row in records] for name, i in position.items()}
        try:
            frame = self._typed(raw)
        except (ValueError, OverflowError):
            return None, "a value cannot be read"
        text = {
            name: [row[i] for row in records]
            for i, name in enumerate(self.columns)
            if name not in position
        }
        why = self._verify(frame, int(parts[1]), parts[2], text)
        return (None, why) if why else (frame, "")

    def _chunk_text(self, rows: pd.DataFrame, typed: pd.DataFrame) -> str:
        lines = "".join(_csv_line(row) for row in _text_rows(rows[self.columns]))
        return lines + f"{CHUNK}{len(typed)},{digest(typed, self.kinds)}\n"

    # ------------------------------------------------------------------ Parquet
    def _load_parquet(self) -> pd.DataFrame:
        import pyarrow as pa
        import pyarrow.parquet as pq

        try:
            table = pq.read_table(self.path)
        except Exception as error:  # any failure to read it is damage
            raise self._damaged(f"it cannot be read as Parquet: {error}") from None
        raw_meta = (table.schema.metadata or {}).get(METADATA_KEY)
        try:
            meta = json.loads(raw_meta) if raw_meta is not None else None
        except (json.JSONDecodeError, UnicodeDecodeError):
            meta = None
        self._check_header(meta, list(table.column_names))
        assert isinstance(meta, dict)
        sizes = meta.get("chunks")
        if not isinstance(sizes, list):
            raise self._damaged("its list of chunks cannot be read")
        damaged: list[str] = []
        kept_tables, kept_chunks, frames = [], [], []
        offset = 0
        for number, entry in enumerate(sizes, start=1):
            if not (isinstance(entry, list) and len(entry) == 2 and isinstance(entry[0], int)):
                damaged.append(f"chunk {number}: its checksum entry cannot be read")
                break
            rows, checksum = entry
            part = table.slice(offset, rows)
            offset += rows
            try:
                frame = self._typed({n: part.column(n).to_pylist() for n in (*KEYS, *self.kinds)})
                text = {
                    name: [_text(v) for v in part.column(name).to_pylist()]
                    for name in self.columns
                    if name not in frame
                }
                why = self._verify(frame, rows, str(checksum), text)
            except (ValueError, TypeError, OverflowError, KeyError):
                why = "a value cannot be read"
            if why:
                damaged.append(f"chunk {number}: {why}")
                continue
            kept_tables.append(part)
            kept_chunks.append([rows, checksum])
            frames.append(frame)
        if offset != table.num_rows and not damaged:
            damaged.append(f"{table.num_rows - offset} rows outside every chunk")
        self._report(damaged)
        frame = (
            pd.concat(frames, ignore_index=True)
            if frames
            else self._typed({name: [] for name in (*KEYS, *self.kinds)})
        )
        keep = self._complete(frame["_cell"].to_numpy(), frame["_strategy"].to_numpy())
        self._tables, self._chunks = kept_tables, kept_chunks
        if damaged or not keep.all():
            merged = (
                pa.concat_tables(kept_tables, promote_options="permissive") if kept_tables else None
            )
            frame = frame[keep].reset_index(drop=True)
            self._tables, self._chunks = [], []
            if merged is not None and len(frame):
                kept = merged.filter(pa.array(keep))
                self._tables, self._chunks = [kept], [[len(frame), digest(frame, self.kinds)]]
            self._write_parquet()
        return frame

    def _write_parquet(self) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        meta = {**self._meta(), "chunks": self._chunks}
        if self._tables:
            # "permissive": a column that was all None in one chunk (type null) joins
            # its typed values from another.
            table = pa.concat_tables(self._tables, promote_options="permissive")
            self._tables = [table]
        else:
            table = pa.table({name: pa.array([], type=pa.string()) for name in self.columns})
        table = table.replace_schema_metadata({METADATA_KEY: json.dumps(meta).encode()})
        buffer = pa.BufferOutputStream()
        pq.write_table(table, buffer)
        _files.atomic_write(self.path, buffer.getvalue().to_pybytes())

    # ------------------------------------------------------------------ append
    def append(self, rows: pd.DataFrame) -> None:
        """Add the rows of one finished chunk (all of ``self.columns``), and their checksum."""
        rows = rows[self.columns]
        self._appended += 1
        typed = pd.DataFrame({name: rows[name].to_numpy() for name in (*KEYS, *self.kinds)})
        if self.format == "csv":
            with self.path.open("a", encoding="utf-8", newline="") as handle:
                handle.write(self._chunk_text(rows, typed))
                handle.flush()
                os.fsync(handle.fileno())
            return
        import pyarrow as pa

        table = pa.Table.from_pandas(rows, preserve_index=False)
        table = table.replace_schema_metadata(None)
        if self._tables and not self._tables[0].num_rows:
            self._tables = []  # the placeholder schema of an empty file
        self._tables.append(table)
        self._chunks.append([len(rows), digest(typed, self.kinds)])
        self._write_parquet()
