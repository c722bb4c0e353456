"""Checkpoint files of a sweep: the finished rows, appended chunk by chunk.

A checkpoint holds every finished row of a sweep (its parameters, the cell
and strategy it belongs to, and its results) together with a fingerprint of
the arguments that produced it, so that a rerun of the same sweep skips the
cells it finds there, and a rerun of another sweep is refused.

Two formats, chosen by the file name:

* **CSV** (``*.csv``, or any name when ``pyarrow`` is absent): a first line
  ``# deception_sim sweep checkpoint: {json}``, a header, then rows. Each chunk
  is appended with one write followed by ``fsync``; a row cut short by a kill
  is dropped on resume, and so are the rows of any cell that lacks some of its
  strategies.
* **Parquet** (``*.parquet``, or any other name when ``pyarrow`` is
  installed): the arguments live in the file's key-value metadata. Parquet
  files cannot be appended to, so each chunk rewrites the file through a
  temporary file and an atomic rename: the file on disk is always whole.

Floats are stored so that they read back bit for bit (``repr`` in CSV,
float64 in Parquet).
"""

from __future__ import annotations

import csv
import hashlib
import importlib.util
import io
import json
import math
import os
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

MAGIC = "# deception_sim sweep checkpoint: "
METADATA_KEY = b"deception_sim.sweep"
KEYS = ("_cell", "_strategy")
"""Columns that say which cell and which strategy a row belongs to."""


def fingerprint(arguments: dict) -> str:
    """A hash of the canonical JSON of a sweep's arguments."""
    text = json.dumps(arguments, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def has_pyarrow() -> bool:
    return importlib.util.find_spec("pyarrow") is not None


class Checkpoint:
    """One checkpoint file for one sweep.

    ``kinds`` maps each result column to ``"float"``, ``"int"`` or ``"str"``;
    ``per_cell`` is the number of strategies (rows) of a finished cell.
    """

    def __init__(
        self,
        path: str | os.PathLike,
        arguments: dict,
        columns: list[str],
        kinds: Mapping[str, str],
        per_cell: int,
    ) -> None:
        self.path = Path(path)
        self.arguments = arguments
        self.fingerprint = fingerprint(arguments)
        self.columns = columns  # every column of a row, in file order
        self.kinds = kinds
        self.per_cell = per_cell
        self.format = self._choose_format()
        self._tables: list = []  # Parquet: what the file holds, as pyarrow tables

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
        """The finished rows (keys and results), creating the file if there is none.

        Raises ``ValueError`` naming ``checkpoint`` if the file was written for
        other arguments.
        """
        if not self.path.is_file() or self.path.stat().st_size == 0:
            self._create()
            return self._empty()
        if self.format == "csv":
            return self._load_csv()
        return self._load_parquet()

    def _refuse(self, stored: dict | None) -> None:
        differs = []
        if isinstance(stored, dict):
            differs = [
                key
                for key in sorted(set(stored) | set(self.arguments))
                if stored.get(key) != self.arguments.get(key)
            ]
        detail = f" (they differ in: {', '.join(differs)})" if differs else ""
        raise ValueError(
            f"checkpoint {str(self.path)!r} was written by a sweep with other arguments"
            f"{detail}; use another checkpoint path, or delete the file to start afresh"
        )

    def _check(self, meta: object, columns: list[str]) -> None:
        if not isinstance(meta, dict) or meta.get("fingerprint") != self.fingerprint:
            self._refuse(meta.get("arguments") if isinstance(meta, dict) else None)
        if columns != self.columns:
            self._refuse(meta.get("arguments") if isinstance(meta, dict) else None)

    def _empty(self) -> pd.DataFrame:
        return self._typed({name: [] for name in (*KEYS, *self.kinds)})

    def _typed(self, raw: dict[str, list]) -> pd.DataFrame:
        out: dict[str, object] = {}
        for name in KEYS:
            out[name] = np.array([int(v) for v in raw[name]], dtype=np.int64)
        for name, kind in self.kinds.items():
            values = raw[name]
            if kind == "float":
                out[name] = np.array([_float(v) for v in values], dtype=float)
            elif kind == "int":
                out[name] = np.array([int(v) for v in values], dtype=np.int64)
            else:
                out[name] = np.array([str(v) for v in values], dtype=object)
        return pd.DataFrame(out)

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

    # ------------------------------------------------------------------ CSV
    def _header_text(self) -> str:
        meta = {"fingerprint": self.fingerprint, "arguments": self.arguments}
        return MAGIC + json.dumps(meta, sort_keys=True) + "\n" + _csv_line(self.columns)

    def _create(self) -> None:
        if self.format == "csv":
            _atomic_write(self.path, self._header_text().encode())
        else:
            self._tables = []
            self._write_parquet()

    def _load_csv(self) -> pd.DataFrame:
        text = self.path.read_bytes().decode("utf-8", errors="replace")
        dirty = not text.endswith("\n")
        if dirty:  # the last row was cut short
            text = text[: text.rfind("\n") + 1]
        lines = text.split("\n")[:-1]
        if len(lines) < 2 or not lines[0].startswith(MAGIC):
            self._refuse(None)
        try:
            meta = json.loads(lines[0][len(MAGIC) :])
        except json.JSONDecodeError:
            meta = None
        header = next(csv.reader([lines[1]]))
        self._check(meta, header)
        position = {name: header.index(name) for name in (*KEYS, *self.kinds)}
        body = lines[2:]
        records = []
        kept_lines = []
        for line in body:
            row = next(csv.reader([line]), [])
            if len(row) != len(header):
                dirty = True
                continue
            records.append(row)
            kept_lines.append(line)
        raw = {name: [row[i] for row in records] for name, i in position.items()}
        try:
            frame = self._typed(raw)
        except ValueError:
            self._refuse(meta.get("arguments") if isinstance(meta, dict) else None)
        keep = self._complete(frame["_cell"].to_numpy(), frame["_strategy"].to_numpy())
        if dirty or not keep.all():
            kept = "".join(line + "\n" for line, k in zip(kept_lines, keep, strict=True) if k)
            _atomic_write(self.path, (self._header_text() + kept).encode())
        return frame[keep].reset_index(drop=True)

    # ------------------------------------------------------------------ Parquet
    def _load_parquet(self) -> pd.DataFrame:
        import pyarrow.parquet as pq

        try:
            table = pq.read_table(self.path)
        except Exception:  # a file that only looks like Parquet
            self._refuse(None)
        raw_meta = (table.schema.metadata or {}).get(METADATA_KEY)
        try:
            meta = json.loads(raw_meta) if raw_meta is not None else None
        except json.JSONDecodeError:
            meta = None
        self._check(meta, list(table.column_names))
        keys = {name: table.column(name).to_numpy() for name in KEYS}
        keep = self._complete(keys["_cell"], keys["_strategy"])
        if not keep.all():
            import pyarrow as pa

            table = table.filter(pa.array(keep))
        self._tables = [table]
        if not keep.all():
            self._write_parquet()
        raw = {name: table.column(name).to_pylist() for name in (*KEYS, *self.kinds)}
        return self._typed(raw)

    def _write_parquet(self) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        meta = json.dumps(
            {"fingerprint": self.fingerprint, "arguments": self.arguments}, sort_keys=True
        )
        if self._tables:
            # "permissive": a column that was all None in one chunk (type null) joins
            # its typed values from another.
            table = pa.concat_tables(self._tables, promote_options="permissive")
            self._tables = [table]
        else:
            table = pa.table({name: pa.array([], type=pa.string()) for name in self.columns})
        table = table.replace_schema_metadata({METADATA_KEY: meta.encode()})
        buffer = pa.BufferOutputStream()
        pq.write_table(table, buffer)
        _atomic_write(self.path, buffer.getvalue().to_pybytes())

    # ------------------------------------------------------------------ append
    def append(self, rows: pd.DataFrame) -> None:
        """Add the rows of one finished chunk (all of ``self.columns``), durably."""
        rows = rows[self.columns]
        if self.format == "csv":
            text = "".join(_csv_line(row) for row in _text_rows(rows))
            with self.path.open("a", encoding="utf-8", newline="") as handle:
                handle.write(text)
                handle.flush()
                os.fsync(handle.fileno())
            return
        import pyarrow as pa

        table = pa.Table.from_pandas(rows, preserve_index=False)
        table = table.replace_schema_metadata(None)
        if self._tables and not self._tables[0].num_rows:
            self._tables = []  # the placeholder schema of an empty file
        self._tables.append(table)
        self._write_parquet()


def _float(value: object) -> float:
    if value is None or value == "":
        return math.nan
    return float(value)  # type: ignore[arg-type]  # a number or its text, from the file


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, (float, np.floating)):
        return repr(float(value))
    if isinstance(value, (np.integer, np.bool_)):
        return str(value.item())
    return str(value)


def _text_rows(frame: pd.DataFrame):
    columns = [frame[name].to_numpy(dtype=object) for name in frame.columns]
    for i in range(len(frame)):
        yield [_text(column[i]) for column in columns]


def _csv_line(cells: list[str]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerow(cells)
    return buffer.getvalue()


def _atomic_write(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file and a rename."""
    partial = path.with_name(path.name + ".partial")
    with partial.open("wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    partial.replace(path)
