"""The canonical forms of a checkpoint's rows: their checksum, and their text in CSV.

The checksum (:func:`digest`) is computed from the values a resumed sweep
reads back, so that the same rows give the same checksum whether they were
just computed or read back from CSV or Parquet; the text (:func:`_text`) is
written so that every float reads back bit for bit.
"""

from __future__ import annotations

import csv
import hashlib
import io
import math
from collections.abc import Iterator, Mapping

import numpy as np
import pandas as pd

FORMAT = 2
"""The version of the checkpoint format (part of every checksum)."""

KEYS = ("_cell", "_strategy")
"""Columns that say which cell and which strategy a row belongs to."""


def digest(frame: pd.DataFrame, kinds: Mapping[str, str]) -> str:
    """SHA-256 of the keys and results of a chunk's rows, as the values a resume reads back.

    Floats as little-endian float64 (every NaN the same), integers as int64,
    text as UTF-8 with its length: the same rows give the same checksum
    whether they were just computed or read back from CSV or Parquet.

    >>> rows = pd.DataFrame({"_cell": [0], "_strategy": [0], "mesa": [1.5]})
    >>> digest(rows, {"mesa": "float"})[:16]
    '290b6e69486916d9'
    """
    h = hashlib.sha256(f"format {FORMAT}, {len(frame)} rows".encode())
    for name in (*KEYS, *kinds):
        h.update(b"\0" + name.encode() + b"\0")
        values = frame[name].to_numpy()
        kind = "int" if name in KEYS else kinds[name]
        if kind == "float":
            array = np.array(values, dtype="<f8")
            array[np.isnan(array)] = np.nan
            h.update(array.tobytes())
        elif kind == "int":
            h.update(np.asarray(values, dtype="<i8").tobytes())
        else:
            for value in values:
                data = ("" if value is None else str(value)).encode("utf-8")
                h.update(len(data).to_bytes(8, "little") + data)
    return h.hexdigest()


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


def _text_rows(frame: pd.DataFrame) -> Iterator[list[str]]:
    columns = [frame[name].to_numpy(dtype=object) for name in frame.columns]
    for i in range(len(frame)):
        yield [_text(column[i]) for column in columns]


def _csv_line(cells: list[str]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerow(cells)
    return buffer.getvalue()
