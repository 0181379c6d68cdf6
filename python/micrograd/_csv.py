"""Reading a numeric CSV file into a Dataset, with errors that name the file, the
line and the column of anything that does not parse."""

from __future__ import annotations

import csv
import numbers
import os
from collections.abc import Iterable
from typing import Union

import numpy as np
import numpy.typing as npt

from micrograd._dataset import Dataset

PathLike = Union[str, "os.PathLike[str]"]


def load_csv(
    path: PathLike,
    target: str | int | None = None,
    header: bool | None = None,
    delimiter: str = ",",
) -> Dataset:
    """Read a numeric CSV file into features ``X`` and a target ``y``.

    Args:
        path: the file to read (UTF-8; a byte-order mark is ignored). Blank lines
            are skipped.
        target: the target column, by name (needs a header) or by 0-based index
            (negative counts from the end). Default: the last column. Every other
            column is a feature and must be numeric.
        header: whether the first row holds column names. ``None`` (default)
            guesses: it is a header when none of its fields is a number.
        delimiter: the field separator.

    Returns:
        A :class:`Dataset`; ``X, y = load_csv(path)`` unpacks it. If the first
        target value is a number, ``y`` is float64; otherwise the target holds
        class names, ``y`` holds their indices (in order of first appearance) and
        ``class_names`` the names.

    Raises:
        FileNotFoundError: ``path`` does not exist.
        ValueError: ``path`` cannot be read (a directory, no permission), the
            file is empty or has no data rows, a row has the wrong
            number of fields, a value does not parse (the message names the file,
            the 1-based line and the column), or ``target`` names no column.
    """
    source = os.fspath(path)
    try:
        with open(path, newline="", encoding="utf-8-sig") as lines:
            return parse_csv(lines, source, target, header, delimiter)
    except FileNotFoundError:
        raise
    # A directory, a file without read permission, a device that fails mid-read:
    # the file cannot be read, which the contract says is a ValueError.
    except OSError as error:
        raise ValueError(f"{source}: cannot read the file ({error.strerror or error})") from None


def parse_csv(
    lines: Iterable[str],
    source: str,
    target: str | int | None,
    header: bool | None,
    delimiter: str,
) -> Dataset:
    reader = csv.reader(lines, delimiter=delimiter)
    try:
        rows = [
            (reader.line_num, [field.strip() for field in row])
            for row in reader
            if any(field.strip() for field in row)
        ]
    except csv.Error as error:  # a field past the csv module's size limit, a NUL...
        raise ValueError(f"{source}, line {reader.line_num}: {error}") from None
    if not rows:
        raise ValueError(f"{source}: the file is empty")
    first = rows[0][1]
    if header is None:
        header = not any(_is_number(field) for field in first)
    names = tuple(first) if header else None
    data = rows[1:] if header else rows
    if not data:
        raise ValueError(f"{source}: no data rows after the header")
    n_columns = len(first)
    if n_columns < 2:
        raise ValueError(f"{source}: need at least 2 columns (features, target), found 1")
    for line, row in data:
        if len(row) != n_columns:
            raise ValueError(
                f"{source}, line {line}: expected {n_columns} fields, found {len(row)}"
            )

    t = _target_column(target, names, n_columns, source)
    features = [j for j in range(n_columns) if j != t]
    X: npt.NDArray[np.float64] = np.empty((len(data), len(features)), dtype=np.float64)
    for i, (line, row) in enumerate(data):
        for k, j in enumerate(features):
            X[i, k] = _parse_number(row[j], source, line, j, names)

    class_names = None
    if _is_number(data[0][1][t]):
        y = np.array([_parse_number(row[t], source, line, t, names) for line, row in data])
    else:
        index: dict[str, int] = {}
        for line, row in data:
            if not row[t]:
                raise ValueError(f"{source}, line {line}, {_column(t, names)}: empty class name")
            index.setdefault(row[t], len(index))
        y = np.array([index[row[t]] for _, row in data], dtype=np.intp)
        class_names = tuple(index)

    return Dataset(
        X=X,
        y=y,
        feature_names=tuple(names[j] for j in features) if names else None,
        target_name=names[t] if names else None,
        class_names=class_names,
    )


def _target_column(
    target: str | int | None, names: tuple[str, ...] | None, n_columns: int, source: str
) -> int:
    if target is None:
        return n_columns - 1
    if isinstance(target, str):
        if names is None:
            raise ValueError(
                f"{source}: target {target!r} is a column name but the file has no header; "
                "pass the column's index instead"
            )
        if target not in names:
            raise ValueError(f"{source}: no column named {target!r}; columns are {list(names)}")
        return names.index(target)
    if isinstance(target, bool) or not isinstance(target, numbers.Integral):
        raise TypeError(f"target must be a column name or index, got {type(target).__name__}")
    if not -n_columns <= target < n_columns:
        raise ValueError(f"{source}: target index {target} is out of range for {n_columns} columns")
    return int(target) % n_columns


def _parse_number(
    text: str, source: str, line: int, j: int, names: tuple[str, ...] | None
) -> float:
    try:
        return float(text)
    except ValueError:
        raise ValueError(
            f"{source}, line {line}, {_column(j, names)}: could not convert {text!r} to a number"
        ) from None


def _column(j: int, names: tuple[str, ...] | None) -> str:
    """How an error message names column ``j``: by name and 1-based position."""
    return f"column {names[j]!r} ({j + 1})" if names else f"column {j + 1}"


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True
