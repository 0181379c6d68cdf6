"""Pictures of a training run: ASCII for the terminal, PNG through matplotlib.

The ASCII plots need only numpy, so they work in any terminal, notebook or CI log.
The ``save_*`` functions need the optional extra: ``pip install "micrograd-rs[plot]"``.

    >>> import numpy as np
    >>> X = np.array([[-1.0, -1.0], [1.0, 1.0]])
    >>> print(decision_boundary(lambda P: P[:, 0], X, [-1, 1], width=8, height=3))
    +--------+
    |....**x*|
    |....****|
    |.o..****|
    +--------+
    . score <= 0  * score > 0  o y=-1  x y=+1  x0 -1.5..1.5  x1 -1.5..1.5
"""

from __future__ import annotations

import math
import os
import shutil
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Callable, Protocol, TextIO, Union

import numpy as np

Predict = Callable[[np.ndarray], Any]


class HasPredict(Protocol):
    """A model with a batched, graph-free ``predict`` (a micrograd ``MLP``)."""

    def predict(self, x: np.ndarray) -> Any: ...


# What decision_boundary scores with: the model, or a function of the points.
Model = Union[HasPredict, Callable[..., Any]]
PathLike = Union[str, "os.PathLike[str]"]

# Used when the terminal size is unknown (a pipe, a CI log): fits an 80-column screen.
_DEFAULT_COLUMNS, _DEFAULT_LINES = 72, 24
# A very wide terminal makes a plot that is mostly padding; this keeps it readable.
_MAX_COLUMNS, _MAX_LINES = 160, 48
# The frame takes 2 columns; top border, bottom border, legend and the next prompt take 4 lines.
_FRAME_COLUMNS, _FRAME_LINES = 2, 4
_INSTALL_HINT = (
    'micrograd.plot needs matplotlib to save images: pip install "micrograd-rs[plot]" '
    "(or pip install matplotlib)"
)


@dataclass(frozen=True)
class _Style:
    negative: str  # a grid cell whose score is <= 0
    positive: str  # a grid cell whose score is > 0
    negative_point: str  # a data point labelled -1 or 0
    positive_point: str  # a data point labelled +1 or 1


STYLES: dict[str, _Style] = {
    "dots": _Style(".", "*", "o", "x"),
    # □ and ■ are "ambiguous width" in Unicode: a CJK-locale terminal may draw them two
    # columns wide, which breaks the frame. "dots" and "shade" are safe everywhere.
    "blocks": _Style("□", "■", "○", "●"),
    "shade": _Style(" ", "░", "o", "x"),
}
# Marks cells that cannot be drawn with one class glyph.
_NAN_CELL = "?"  # predict returned nan for this cell
_MIXED_POINTS = "#"  # points of both classes fall in this cell


def decision_boundary(
    predict: Model,
    X: Any,
    y: Any,
    *,
    width: int | None = None,
    height: int | None = None,
    style: str = "dots",
    margin: float = 0.25,
    file: TextIO | None = None,
) -> str:
    """Draw a 2-D binary classifier's regions and the data as text; return the picture.

    ``predict`` is the model itself or a scoring function; a score > 0 means class +1:

    - a model with a ``predict`` method (a micrograd ``MLP``: graph-free and batched)
      gets every grid cell centre in one ``model.predict(cells)`` call;
    - any other callable is first called once with all the cells, a float array of
      shape ``(width * height, 2)``, and should then return one score per point (a
      list or an array, numbers or Values). If it cannot (the lecture's ``MLP``
      takes one sample at a time), it is called on each cell as a list ``[x0, x1]``
      and may return a number, a Value or a one-item list of either.

    ::

        print(decision_boundary(model, X, y))

    ``X`` is ``(n, 2)``; ``y`` holds ``n`` labels, -1/+1 or 0/1 (a label > 0 is the
    positive class). The grid covers the data range widened by ``margin`` times that
    range on each side. The top row is the largest second coordinate, as on paper.

    ``width`` and ``height`` count grid cells inside the frame and default to the
    terminal size (72 x 24 when there is no terminal). ``style`` is one of
    ``STYLES``: ``"dots"`` (``.`` / ``*``), ``"blocks"`` (``□`` / ``■``) or ``"shade"``
    (blank / ``░``). Data points are drawn over the grid (``o`` / ``x``, or ``○`` /
    ``●`` in the block style); ``#`` marks a cell holding points of both classes and
    ``?`` a cell whose score was nan. If ``file`` is given the picture is also written
    there, followed by a newline.
    """
    glyphs = _style(style)
    points, positive = _labelled_points(X, y)
    default_width, default_height = _terminal_grid()
    width = _size("width", default_width if width is None else width)
    height = _size("height", default_height if height is None else height)
    (x_low, x_high), (y_low, y_high) = _bounds(points, margin)

    # Cell centres, so that a point is drawn in the cell whose score it would get.
    xs = x_low + (np.arange(width) + 0.5) * (x_high - x_low) / width
    ys = y_high - (np.arange(height) + 0.5) * (y_high - y_low) / height
    grid_x, grid_y = np.meshgrid(xs, ys)
    cells = np.column_stack([grid_x.ravel(), grid_y.ravel()])
    scores = _scores(predict, cells).reshape(height, width)

    picture = np.where(scores > 0, glyphs.positive, glyphs.negative).astype(object)
    picture[np.isnan(scores)] = _NAN_CELL
    columns = _cell_index(points[:, 0], x_low, x_high, width)
    rows = _cell_index(y_high - points[:, 1], 0.0, y_high - y_low, height)
    for row, column, is_positive in zip(rows, columns, positive):
        mark = glyphs.positive_point if is_positive else glyphs.negative_point
        current = picture[row, column]
        if current in (glyphs.positive_point, glyphs.negative_point, _MIXED_POINTS):
            mark = current if current == mark else _MIXED_POINTS
        picture[row, column] = mark

    border = "+" + "-" * width + "+"
    lines = [border, *("|" + "".join(row) + "|" for row in picture), border]
    lines.append(
        _boundary_legend(
            glyphs,
            _class_names(y),
            has_nan=bool(np.isnan(scores).any()),
            has_mixed=bool((picture == _MIXED_POINTS).any()),
            x_range=(x_low, x_high),
            y_range=(y_low, y_high),
        )
    )
    return _emit("\n".join(lines), file)


def loss_curve(
    losses: Iterable[Any],
    *,
    width: int | None = None,
    height: int = 12,
    title: str | None = "loss",
    file: TextIO | None = None,
) -> str:
    """Plot a sequence of numbers (a loss per step) as text; return the picture.

    The y axis is labelled with the largest and smallest value, the x axis with the
    first and last step. ``width`` counts plot columns (default: the terminal width
    less the labels). A series longer than ``width`` is split into one bucket per
    column: ``*`` marks the bucket mean and ``:`` spans its min..max, so SGD noise
    shows as a band. nan and inf values are skipped and counted in the title line.
    Items may be floats or micrograd Values (their ``.data`` is used). An empty
    series raises ValueError. If ``file`` is given the picture is also written there.
    """
    values = _losses(losses)
    height = _size("height", height)
    if height < 2:
        raise ValueError(f"height must be at least 2 (one row per axis label), got {height}")
    steps = len(values)
    finite = np.isfinite(values)
    skipped = steps - int(finite.sum())
    header = _loss_header(title, values, finite, skipped)
    if skipped == steps:
        return _emit(f"{header}\n(nothing to plot: every value is nan or inf)", file)

    low, high = float(values[finite].min()), float(values[finite].max())
    top, bottom = f"{high:.4g}", f"{low:.4g}"
    label_width = max(len(top), len(bottom))
    if width is None:
        # The terminal width, less the label, its " |" and the frame column.
        width = _terminal_grid()[0] - label_width
    width = _size("width", width)

    canvas = [[" "] * width for _ in range(height)]
    for column, (mean, smallest, largest) in _columns(values, finite, width):
        upper, lower = (_row(v, low, high, height) for v in (largest, smallest))
        for row in range(upper, lower + 1):
            canvas[row][column] = ":"
        canvas[_row(mean, low, high, height)][column] = "*"

    lines = [header]
    # A constant series is one level line in the middle row, labelled once.
    labelled = {height // 2: top} if high == low else {0: top, height - 1: bottom}
    for row, cells in enumerate(canvas):
        label = labelled.get(row, "")
        lines.append(f"{label:>{label_width}} |" + "".join(cells).rstrip())
    lines.append(" " * label_width + " +" + "-" * width)
    lines.append(" " * (label_width + 2) + _step_axis(steps, width))
    return _emit("\n".join(lines), file)


def save_decision_boundary(
    predict: Model,
    X: Any,
    y: Any,
    path: PathLike,
    *,
    resolution: int = 200,
    title: str | None = None,
) -> None:
    """Save a picture of a 2-D binary classifier's regions and the data to ``path``.

    Same ``predict`` (the model, or a scoring function), ``X`` and ``y`` as
    :func:`decision_boundary`; it is called once with ``resolution ** 2`` points
    (or, for a one-sample model, once per point). The format follows the extension
    (``.png``, ``.svg``, ``.pdf``, ...). Needs matplotlib
    (``pip install "micrograd-rs[plot]"``); raises ImportError saying so without it.
    Uses its own Agg canvas, so the caller's pyplot backend is left alone.
    """
    figure_class, canvas_class = _matplotlib()
    points, positive = _labelled_points(X, y)
    resolution = _size("resolution", resolution)
    (x_low, x_high), (y_low, y_high) = _bounds(points, 0.25)
    xs = np.linspace(x_low, x_high, resolution)
    ys = np.linspace(y_low, y_high, resolution)
    grid_x, grid_y = np.meshgrid(xs, ys)
    cells = np.column_stack([grid_x.ravel(), grid_y.ravel()])
    scores = _scores(predict, cells).reshape(resolution, resolution)

    figure = figure_class(figsize=(6, 5))
    canvas_class(figure)
    axes = figure.add_subplot()
    regions = np.where(np.isnan(scores), np.nan, (scores > 0).astype(float))
    axes.contourf(grid_x, grid_y, regions, levels=[-0.5, 0.5, 1.5], colors=["#f4b6b6", "#b6cdf4"])
    known = scores[~np.isnan(scores)]
    if known.size and known.min() < 0 < known.max():
        axes.contour(grid_x, grid_y, scores, levels=[0.0], colors="k", linewidths=1)
    negative_label, positive_label = _class_names(y)
    for mask, color, marker, label in (
        (~positive, "#c0392b", "o", negative_label),
        (positive, "#1f4e9c", "x", positive_label),
    ):
        axes.scatter(points[mask, 0], points[mask, 1], c=color, marker=marker, s=30, label=label)
    axes.set_xlim(x_low, x_high)
    axes.set_ylim(y_low, y_high)
    axes.set_xlabel("x0")
    axes.set_ylabel("x1")
    axes.legend(loc="best", fontsize="small")
    if title:
        axes.set_title(title)
    figure.savefig(path)


def save_loss_curve(
    losses: Iterable[Any],
    path: PathLike,
    *,
    title: str | None = None,
    log_scale: bool = False,
) -> None:
    """Save a line plot of a loss per step to ``path`` (format from the extension).

    nan and inf values leave gaps. ``log_scale`` puts the y axis on a log scale and
    needs every finite value to be > 0 (ValueError otherwise). Needs matplotlib
    (``pip install "micrograd-rs[plot]"``); raises ImportError saying so without it.
    """
    figure_class, canvas_class = _matplotlib()
    values = _losses(losses)
    finite = np.isfinite(values)
    if log_scale and np.any(values[finite] <= 0):
        raise ValueError("log_scale needs every loss to be > 0; use log_scale=False")

    figure = figure_class(figsize=(6, 4))
    canvas_class(figure)
    axes = figure.add_subplot()
    # A lone point has no line to draw, so mark every point when there are few.
    marker = "o" if len(values) <= 50 else None
    axes.plot(np.arange(len(values)), np.where(finite, values, np.nan), marker=marker)
    if log_scale:
        axes.set_yscale("log")
    axes.set_xlabel("step")
    axes.set_ylabel("loss")
    axes.set_title(title if title is not None else f"loss ({len(values)} steps)")
    axes.grid(True, alpha=0.3)
    figure.savefig(path)


def _emit(picture: str, file: TextIO | None) -> str:
    if file is not None:
        file.write(picture + "\n")
    return picture


def _style(name: str) -> _Style:
    try:
        return STYLES[name]
    except (KeyError, TypeError):
        valid = ", ".join(repr(key) for key in STYLES)
        raise ValueError(f"unknown style {name!r}; valid styles: {valid}") from None


def _size(name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be a positive int, got {type(value).__name__}")
    if value < 1:
        raise ValueError(f"{name} must be a positive int, got {value}")
    return int(value)


def _terminal_grid() -> tuple[int, int]:
    """Grid cells that fit the terminal inside a frame, legend included."""
    columns, lines = shutil.get_terminal_size(
        fallback=(_DEFAULT_COLUMNS + _FRAME_COLUMNS, _DEFAULT_LINES + _FRAME_LINES)
    )
    width = min(max(columns - _FRAME_COLUMNS, 8), _MAX_COLUMNS)
    height = min(max(lines - _FRAME_LINES, 4), _MAX_LINES)
    return width, height


def _labelled_points(X: Any, y: Any) -> tuple[np.ndarray, np.ndarray]:
    """``X`` as a finite float ``(n, 2)`` array and ``y`` as a positive-class mask."""
    points = np.asarray(X, dtype=float)
    if points.ndim != 2 or points.shape[1] != 2 or len(points) == 0:
        raise ValueError(f"X must be a non-empty (n, 2) array of points, got shape {points.shape}")
    if not np.isfinite(points).all():
        raise ValueError("X must hold only finite numbers (found nan or inf)")
    labels = np.asarray(y, dtype=float).reshape(-1)
    if len(labels) != len(points):
        raise ValueError(f"y must hold one label per point: {len(points)} points, {len(labels)}")
    return points, labels > 0


def _bounds(points: np.ndarray, margin: float) -> tuple[tuple[float, float], ...]:
    """The data range per axis, widened by ``margin`` times that range on each side."""
    if not (isinstance(margin, (int, float)) and math.isfinite(margin) and margin >= 0):
        raise ValueError(f"margin must be a finite number >= 0, got {margin!r}")
    bounds = []
    for low, high in zip(points.min(axis=0), points.max(axis=0)):
        # One distinct coordinate has no range to scale: widen by its magnitude instead.
        span = high - low if high > low else max(abs(low), 1.0)
        pad = margin * span if high > low else max(margin, 0.5) * span
        bounds.append((float(low - pad), float(high + pad)))
    return tuple(bounds)


def _scores(predict: Any, cells: np.ndarray) -> np.ndarray:
    """One score per cell from ``predict``: a model's ``predict`` method, a batch
    scoring function, or a model taking one sample (see ``decision_boundary``)."""
    method = getattr(predict, "predict", None)
    if callable(method):
        return _batch_scores(method, cells, "model.predict")
    if not callable(predict):
        raise TypeError(
            "predict must be a model with a predict(X) method (a micrograd MLP), or a "
            "callable scoring the points (all at once, or one [x0, x1] at a time); "
            f"got {type(predict).__name__}"
        )
    try:
        batch = predict(cells)
    except (TypeError, ValueError, IndexError, AttributeError):
        batch = None  # not a batch scorer
    if batch is not None and not _is_one_score(batch):
        return _checked_scores(batch, len(cells), "predict")
    # One score for the whole batch (or none): a model taking one sample at a time.
    try:
        return np.array([_one_score(predict([float(x) for x in cell])) for cell in cells])
    except (TypeError, ValueError) as exc:
        raise TypeError(
            "predict must return one number (or Value) per point, given all points as "
            f"an (n, 2) array or one point as a list [x0, x1]: {exc}"
        ) from exc


def _is_one_score(output: Any) -> bool:
    return hasattr(output, "data") and not isinstance(output, np.ndarray) or np.ndim(output) == 0


def _batch_scores(predict: Predict, cells: np.ndarray, name: str) -> np.ndarray:
    """One call on every cell, checked to give one score per cell."""
    return _checked_scores(predict(cells), len(cells), name)


def _checked_scores(output: Any, count: int, name: str) -> np.ndarray:
    try:
        scores = np.asarray(output, dtype=float).reshape(-1)
    except TypeError as exc:
        raise TypeError(f"{name} must return numbers, one per point: {exc}") from exc
    if len(scores) != count:
        raise ValueError(
            f"{name} returned {len(scores)} scores for {count} points; "
            "it must return one score per row of its input"
        )
    return scores


def _one_score(output: Any) -> float:
    """A one-sample model's output (a number, a Value, or a one-item list) as a float."""
    if isinstance(output, (list, tuple)):
        if len(output) != 1:
            raise ValueError(f"expected one score per point, got {len(output)}")
        output = output[0]
    return float(getattr(output, "data", output))


def _cell_index(values: np.ndarray, low: float, high: float, cells: int) -> np.ndarray:
    """The cell each value falls in when [low, high] is cut into ``cells`` equal parts."""
    index = np.floor((values - low) / (high - low) * cells).astype(int)
    return np.clip(index, 0, cells - 1)


def _class_names(y: Any) -> tuple[str, str]:
    """Legend names for the two classes, in the caller's own label convention."""
    if np.any(np.asarray(y, dtype=float) < 0):
        return "y=-1", "y=+1"
    return "y=0", "y=1"


def _boundary_legend(
    glyphs: _Style,
    class_names: tuple[str, str],
    *,
    has_nan: bool,
    has_mixed: bool,
    x_range: tuple[float, float],
    y_range: tuple[float, float],
) -> str:
    def shown(glyph: str) -> str:
        return "blank" if glyph == " " else glyph

    parts = [
        f"{shown(glyphs.negative)} score <= 0",
        f"{shown(glyphs.positive)} score > 0",
        f"{glyphs.negative_point} {class_names[0]}",
        f"{glyphs.positive_point} {class_names[1]}",
    ]
    if has_mixed:
        parts.append(f"{_MIXED_POINTS} both")
    if has_nan:
        parts.append(f"{_NAN_CELL} nan")
    parts.append(f"x0 {x_range[0]:.3g}..{x_range[1]:.3g}")
    parts.append(f"x1 {y_range[0]:.3g}..{y_range[1]:.3g}")
    return "  ".join(parts)


def _losses(losses: Iterable[Any]) -> np.ndarray:
    """``losses`` as a 1-D float array; micrograd Values count as their ``.data``."""
    try:
        values = np.asarray(losses, dtype=float)
    except TypeError:
        # A list of Values (``losses.append(loss)``) is a common slip; read their data.
        values = np.asarray([getattr(item, "data", item) for item in losses], dtype=float)
    values = values.reshape(-1)
    if len(values) == 0:
        raise ValueError("losses is empty: nothing to plot")
    return values


def _loss_header(title: str | None, values: np.ndarray, finite: np.ndarray, skipped: int) -> str:
    parts = [f"{len(values)} step" + ("" if len(values) == 1 else "s")]
    if finite.any():
        best = int(np.argmin(np.where(finite, values, np.inf)))
        last = values[finite][-1]
        parts.append(f"last {last:.4g}, min {values[best]:.4g} at step {best}")
    if skipped:
        parts.append(f"{skipped} nan/inf skipped")
    body = "; ".join(parts)
    return f"{title}: {body}" if title else body


def _columns(
    values: np.ndarray, finite: np.ndarray, width: int
) -> Iterable[tuple[int, tuple[float, float, float]]]:
    """(column, (mean, min, max)) of the finite values that land in each column."""
    steps = len(values)
    if steps <= width:
        # Fewer values than columns: spread them out so the curve uses the whole width.
        for step in np.flatnonzero(finite):
            column = 0 if steps == 1 else round(step * (width - 1) / (steps - 1))
            value = float(values[step])
            yield column, (value, value, value)
        return
    edges = (np.arange(width + 1) * steps) // width
    for column in range(width):
        bucket = values[edges[column] : edges[column + 1]]
        bucket = bucket[np.isfinite(bucket)]
        if len(bucket):
            yield column, (float(bucket.mean()), float(bucket.min()), float(bucket.max()))


def _step_axis(steps: int, width: int) -> str:
    """``0    step    <last step>`` spread under ``width`` columns (cut when narrow)."""
    if steps == 1:
        return "0  step"
    first, last = "0", str(steps - 1)
    gap = width - len(first) - len(last)
    if gap < len(" step "):
        return first + " " * max(gap, 1) + last
    return first + " step ".center(gap) + last


def _row(value: float, low: float, high: float, height: int) -> int:
    """The canvas row of ``value``: row 0 holds ``high``, the last row ``low``."""
    if high == low:
        return height // 2  # a constant series: one level line in the middle
    return round((high - value) / (high - low) * (height - 1))


def _matplotlib() -> tuple[Any, Any]:
    """matplotlib's Figure and Agg canvas, or an ImportError saying what to install."""
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError as exc:
        raise ImportError(_INSTALL_HINT, name="matplotlib") from exc
    return Figure, FigureCanvasAgg
