"""Tests for micrograd.plot: ASCII pictures, and PNGs when matplotlib is installed."""

from __future__ import annotations

import doctest
import io
import math
import subprocess
import sys

import numpy as np
import pytest

import micrograd.plot
from micrograd import MLP, Value
from micrograd.plot import decision_boundary, loss_curve, save_decision_boundary, save_loss_curve

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# Symmetric about the origin, so a grid of even width splits exactly at x0 = 0.
SYMMETRIC_X = np.array([[-1.0, -1.0], [1.0, 1.0]])


def grid_rows(picture: str, height: int) -> list[str]:
    """The cells inside the frame, one string per row, top row first."""
    lines = picture.splitlines()
    return [line[1:-1] for line in lines[1 : 1 + height]]


def plot_rows(picture: str) -> list[str]:
    """The plot area of a loss curve: the text right of each row's ``|``."""
    return [line.split("|", 1)[1] for line in picture.splitlines() if "|" in line]


def by_x0(points: np.ndarray) -> np.ndarray:
    return points[:, 0]


# decision_boundary


def test_linear_classifier_is_negative_left_and_positive_right():
    picture = decision_boundary(by_x0, SYMMETRIC_X, [-1, 1], width=20, height=6, margin=0.5)
    for row in grid_rows(picture, 6):
        left, right = row[:10], row[10:]
        assert set(left) <= {".", "o"} and "." in left
        assert set(right) <= {"*", "x"} and "*" in right


def test_top_row_is_largest_second_coordinate():
    picture = decision_boundary(lambda P: P[:, 1], SYMMETRIC_X, [-1, 1], width=10, height=4)
    rows = grid_rows(picture, 4)
    assert set(rows[0]) <= {"*", "x"} and set(rows[1]) <= {"*", "x"}
    assert set(rows[2]) <= {".", "o"} and set(rows[3]) <= {".", "o"}


def test_grid_has_exactly_the_requested_width_and_height():
    picture = decision_boundary(by_x0, SYMMETRIC_X, [-1, 1], width=33, height=7)
    lines = picture.splitlines()
    assert len(lines) == 7 + 3  # top border, 7 rows, bottom border, legend
    assert lines[0] == lines[8] == "+" + "-" * 33 + "+"
    for line in lines[1:8]:
        assert len(line) == 35 and line[0] == line[-1] == "|"
    assert "score > 0" in lines[9]


@pytest.mark.parametrize("labels", [[-1, 1, 1], [0, 1, 1]])
def test_points_are_drawn_in_their_cells_with_their_class_glyph(labels):
    # margin 0: the grid is [0, 4] x [0, 4], one unit per cell.
    X = [[0.0, 0.0], [4.0, 4.0], [1.5, 2.5]]
    picture = decision_boundary(lambda P: -np.ones(len(P)), X, labels, width=4, height=4, margin=0)
    assert grid_rows(picture, 4) == [
        "...x",
        ".x..",
        "....",
        "o...",
    ]


def test_legend_names_the_callers_label_convention():
    minus_one = decision_boundary(by_x0, SYMMETRIC_X, [-1, 1], width=4, height=2)
    zero_one = decision_boundary(by_x0, SYMMETRIC_X, [0, 1], width=4, height=2)
    assert "o y=-1" in minus_one and "x y=+1" in minus_one
    assert "o y=0" in zero_one and "x y=1" in zero_one


def test_cell_with_both_classes_is_marked_mixed():
    X = [[0.0, 0.0], [0.01, 0.01], [4.0, 4.0]]
    picture = decision_boundary(by_x0, X, [-1, 1, 1], width=4, height=4, margin=0)
    assert grid_rows(picture, 4)[3][0] == "#"
    assert "# both" in picture.splitlines()[-1]


def test_blocks_style_uses_unicode_squares_and_discs():
    picture = decision_boundary(by_x0, SYMMETRIC_X, [-1, 1], width=10, height=5, style="blocks")
    cells = "".join(grid_rows(picture, 5))
    assert set(cells) == {"□", "■", "○", "●"}
    assert all(row[:5].replace("○", "□") == "□" * 5 for row in grid_rows(picture, 5))


def test_shade_style_leaves_negative_region_blank():
    picture = decision_boundary(by_x0, SYMMETRIC_X, [-1, 1], width=10, height=5, style="shade")
    assert set("".join(grid_rows(picture, 5))) == {" ", "░", "o", "x"}


def test_unknown_style_raises_value_error_naming_the_valid_styles():
    with pytest.raises(ValueError, match="'dots'.*'blocks'.*'shade'"):
        decision_boundary(by_x0, SYMMETRIC_X, [-1, 1], width=4, height=2, style="braille")


def test_predict_returning_a_list_works_like_an_array():
    as_array = decision_boundary(by_x0, SYMMETRIC_X, [-1, 1], width=12, height=4)
    as_list = decision_boundary(
        lambda P: [float(p[0]) for p in P], SYMMETRIC_X, [-1, 1], width=12, height=4
    )
    assert as_list == as_array


def test_predict_is_called_once_with_every_grid_cell():
    calls = []

    def predict(points):
        calls.append(points.shape)
        return points[:, 0]

    decision_boundary(predict, SYMMETRIC_X, [-1, 1], width=30, height=9)
    assert calls == [(30 * 9, 2)]


def test_predict_with_the_wrong_number_of_scores_raises_value_error():
    with pytest.raises(ValueError, match="one score per row"):
        decision_boundary(lambda P: [1.0, -1.0], SYMMETRIC_X, [-1, 1], width=4, height=2)


def test_nan_scores_are_marked_not_drawn_as_negative():
    picture = decision_boundary(
        lambda P: np.full(len(P), np.nan), SYMMETRIC_X, [-1, 1], width=4, height=3
    )
    assert grid_rows(picture, 3)[1] == "????" and "? nan" in picture.splitlines()[-1]


def test_micrograd_mlp_works_through_the_documented_wrapper():
    model = MLP(2, [4, 1])
    picture = decision_boundary(
        lambda P: [model(list(p)).data for p in P], SYMMETRIC_X, [-1, 1], width=6, height=3
    )
    assert len(grid_rows(picture, 3)) == 3


def test_default_size_follows_the_terminal(monkeypatch):
    # shutil.get_terminal_size reads COLUMNS and LINES before asking the terminal.
    monkeypatch.setenv("COLUMNS", "50")
    monkeypatch.setenv("LINES", "20")
    lines = decision_boundary(by_x0, SYMMETRIC_X, [-1, 1]).splitlines()
    assert len(lines[0]) == 50 and len(lines) == 20 - 1  # one line left for the prompt


def test_bad_points_and_labels_raise_value_error():
    with pytest.raises(ValueError, match=r"\(n, 2\)"):
        decision_boundary(by_x0, [[1.0, 2.0, 3.0]], [1], width=4, height=2)
    with pytest.raises(ValueError, match="one label per point"):
        decision_boundary(by_x0, SYMMETRIC_X, [1], width=4, height=2)
    with pytest.raises(ValueError, match="width"):
        decision_boundary(by_x0, SYMMETRIC_X, [-1, 1], width=0, height=2)


def test_picture_is_also_written_to_file():
    stream = io.StringIO()
    picture = decision_boundary(by_x0, SYMMETRIC_X, [-1, 1], width=4, height=2, file=stream)
    assert stream.getvalue() == picture + "\n"


# loss_curve


def test_decreasing_series_descends_left_to_right():
    rows = plot_rows(loss_curve(np.linspace(5.0, 1.0, 40), width=40, height=10))
    first_column = [row[:1] for row in rows].index("*")
    last_column = [row[39:40] for row in rows].index("*")
    assert first_column == 0 and last_column == 9


def test_axis_labels_show_the_max_and_the_min():
    lines = loss_curve([3.25, 2.0, 0.5], width=5, height=4).splitlines()
    assert lines[1].split("|")[0].strip() == "3.25"
    assert lines[4].split("|")[0].strip() == "0.5"
    assert lines[-1] == "      0   2"  # first and last step, under the first and last column


def test_x_axis_counts_steps():
    last_line = loss_curve(range(100, 0, -1), width=40).splitlines()[-1]
    assert last_line.split() == ["0", "step", "99"]


def test_long_series_is_downsampled_to_the_width():
    series = 1.0 / np.arange(1, 10_001)
    picture = loss_curve(series, width=50, height=8)
    rows = plot_rows(picture)
    assert len(rows) == 8 and all(len(row) <= 50 for row in rows)
    marked_columns = {i for row in rows for i, cell in enumerate(row) if cell == "*"}
    assert marked_columns == set(range(50))
    assert "10000 steps" in picture.splitlines()[0]


def test_noisy_bucket_spans_its_min_to_max():
    series = np.tile([1.0, 0.0], 100)  # every bucket holds both extremes
    rows = plot_rows(loss_curve(series, width=10, height=5))
    assert [row[0] for row in rows[:5]] == [":", ":", "*", ":", ":"]


def test_constant_series_is_one_labelled_line():
    lines = loss_curve([0.5] * 20, width=20, height=5).splitlines()
    assert lines[3] == "0.5 |" + "*" * 20
    assert sum("0.5 |" in line for line in lines) == 1


def test_single_value_is_plotted():
    picture = loss_curve([3.0], width=10, height=3)
    assert "1 step;" in picture and "3 |*" in picture.splitlines()


def test_nan_and_inf_are_skipped_and_counted():
    picture = loss_curve([2.0, math.nan, 1.0, math.inf, 0.5], width=5, height=3)
    assert picture.splitlines()[0].endswith("2 nan/inf skipped")
    assert sum(row.count("*") for row in plot_rows(picture)) == 3


def test_all_nan_says_there_is_nothing_to_plot():
    assert "nothing to plot" in loss_curve([math.nan, math.inf])


def test_empty_series_raises_value_error():
    with pytest.raises(ValueError, match="empty"):
        loss_curve([])


def test_micrograd_values_are_read_through_their_data():
    assert loss_curve([Value(2.0), Value(1.0)], width=4) == loss_curve([2.0, 1.0], width=4)


def test_loss_curve_title_and_file():
    stream = io.StringIO()
    picture = loss_curve([1.0, 0.5], width=4, title="train", file=stream)
    assert picture.startswith("train: 2 steps") and stream.getvalue() == picture + "\n"


def test_module_docstring_example_is_current():
    assert doctest.testmod(micrograd.plot).failed == 0


# matplotlib


def test_importing_plot_does_not_import_matplotlib():
    code = "import sys, micrograd.plot; print('matplotlib' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout.strip() == "False", result.stderr


def hide_matplotlib(monkeypatch):
    # None in sys.modules makes any import of the name raise ImportError, installed or not.
    for name in [n for n in sys.modules if n == "matplotlib" or n.startswith("matplotlib.")]:
        monkeypatch.setitem(sys.modules, name, None)
    monkeypatch.setitem(sys.modules, "matplotlib", None)


def test_save_without_matplotlib_raises_import_error_naming_the_extra(monkeypatch, tmp_path):
    hide_matplotlib(monkeypatch)
    calls = []
    with pytest.raises(ImportError, match=r'pip install "micrograd-rs\[plot\]"'):
        save_decision_boundary(
            lambda P: calls.append(1) or P[:, 0], SYMMETRIC_X, [-1, 1], tmp_path / "b.png"
        )
    assert calls == []  # fails before evaluating the model
    with pytest.raises(ImportError, match="pip install matplotlib"):
        save_loss_curve([1.0, 0.5], tmp_path / "l.png")
    assert not (tmp_path / "b.png").exists() and not (tmp_path / "l.png").exists()


def test_save_decision_boundary_writes_a_png(tmp_path):
    matplotlib = pytest.importorskip("matplotlib")
    backend = matplotlib.get_backend()
    calls = []

    def predict(points):
        calls.append(len(points))
        return points[:, 0] ** 2 + points[:, 1] ** 2 - 1

    rng = np.random.default_rng(0)
    X = rng.normal(size=(50, 2))
    y = np.where((X**2).sum(axis=1) > 1, 1, -1)
    path = tmp_path / "boundary.png"
    save_decision_boundary(predict, X, y, path, resolution=50, title="circle")
    data = path.read_bytes()
    assert data.startswith(PNG_SIGNATURE) and len(data) > 5_000
    assert calls == [50 * 50]
    assert matplotlib.get_backend() == backend


def test_save_loss_curve_writes_a_png_and_an_svg(tmp_path):
    pytest.importorskip("matplotlib")
    losses = [2.0 / (1 + step) for step in range(200)] + [math.nan]
    save_loss_curve(losses, tmp_path / "loss.png", title="training", log_scale=True)
    data = (tmp_path / "loss.png").read_bytes()
    assert data.startswith(PNG_SIGNATURE) and len(data) > 5_000
    save_loss_curve([1.0], tmp_path / "loss.svg")
    assert b"<svg" in (tmp_path / "loss.svg").read_bytes()


def test_save_loss_curve_log_scale_rejects_non_positive_values(tmp_path):
    pytest.importorskip("matplotlib")
    with pytest.raises(ValueError, match="log_scale"):
        save_loss_curve([1.0, 0.0], tmp_path / "loss.png", log_scale=True)
