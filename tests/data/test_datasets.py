"""Tests for micrograd.datasets and the dataset side of micrograd._seeding."""

from __future__ import annotations

import random

import numpy as np
import pytest

from micrograd import _seeding
from micrograd.datasets import (
    Dataset,
    load_csv,
    load_housing,
    load_iris,
    load_moons,
    make_blobs,
    make_circles,
    make_moons,
    standardize,
    train_test_split,
)


@pytest.fixture
def global_rngs():
    """Restore Python's and numpy's global generators after a test that seeds them."""
    py_state, np_state = random.getstate(), np.random.get_state()
    yield
    random.setstate(py_state)
    np.random.set_state(np_state)


# ---------------------------------------------------------------- make_moons


def test_make_moons_shape_labels_and_balance():
    X, y = make_moons(101, noise=0.1, seed=0)
    assert X.shape == (101, 2) and X.dtype == np.float64
    assert y.shape == (101,) and np.issubdtype(y.dtype, np.integer)
    assert set(y.tolist()) == {0, 1}
    # The upper moon gets n // 2 points, the lower one the rest.
    assert np.sum(y == 0) == 50 and np.sum(y == 1) == 51


def test_make_moons_without_noise_lies_on_two_unit_half_circles():
    X, y = make_moons(200, noise=0, seed=3)
    upper, lower = X[y == 0], X[y == 1]
    np.testing.assert_allclose(np.hypot(upper[:, 0], upper[:, 1]), 1.0, atol=1e-12)
    assert np.all(upper[:, 1] >= -1e-12)
    # The lower moon is the upper one flipped and moved to centre (1, 0.5).
    np.testing.assert_allclose(np.hypot(lower[:, 0] - 1, lower[:, 1] - 0.5), 1.0, atol=1e-12)
    assert np.all(lower[:, 1] <= 0.5 + 1e-12)


def test_make_moons_unshuffled_puts_class_zero_first():
    X, y = make_moons(10, shuffle=False)
    assert y.tolist() == [0] * 5 + [1] * 5
    np.testing.assert_allclose(X[0], [1.0, 0.0], atol=1e-12)
    np.testing.assert_allclose(X[4], [-1.0, 0.0], atol=1e-12)


def test_make_moons_same_seed_same_data_different_seed_different_data():
    X1, y1 = make_moons(50, noise=0.2, seed=7)
    X2, y2 = make_moons(50, noise=0.2, seed=7)
    X3, _ = make_moons(50, noise=0.2, seed=8)
    np.testing.assert_array_equal(X1, X2)
    np.testing.assert_array_equal(y1, y2)
    assert not np.allclose(X1, X3)


def test_make_moons_accepts_a_random_state_instance():
    X1, y1 = make_moons(30, noise=0.1, seed=np.random.RandomState(5))
    X2, y2 = make_moons(30, noise=0.1, seed=5)
    np.testing.assert_array_equal(X1, X2)
    np.testing.assert_array_equal(y1, y2)


def test_make_moons_without_seed_follows_np_random_seed(global_rngs):
    # Karpathy's demo seeds numpy globally, then calls make_moons without a seed.
    np.random.seed(1337)
    X, y = make_moons(100, noise=0.1)
    X_seeded, y_seeded = make_moons(100, noise=0.1, seed=1337)
    np.testing.assert_array_equal(X, X_seeded)
    np.testing.assert_array_equal(y, y_seeded)


def test_make_moons_reproduces_karpathys_demo_data_bundled_as_moons_csv(global_rngs):
    # moons.csv was made by sklearn (seed 1337, rounded to 3 decimals); matching it
    # pins our draw order to sklearn's without needing sklearn installed.
    np.random.seed(1337)
    X, y = make_moons(n_samples=100, noise=0.1)
    bundled_X, bundled_y = load_moons()
    np.testing.assert_allclose(np.round(X, 3), bundled_X, rtol=0, atol=1e-12)
    np.testing.assert_array_equal(y * 2 - 1, bundled_y)


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"n_samples": 0}, ValueError),
        ({"n_samples": 2.5}, TypeError),
        ({"n_samples": True}, TypeError),
        ({"noise": -0.1}, ValueError),
        ({"noise": float("nan")}, ValueError),
        ({"seed": "1337"}, TypeError),
        ({"seed": np.random.default_rng(0)}, TypeError),
    ],
)
def test_make_moons_rejects_bad_arguments(kwargs, error):
    with pytest.raises(error):
        make_moons(**kwargs)


# ---------------------------------------------------------------- make_circles, make_blobs


def test_make_circles_without_noise_has_radii_one_and_factor():
    X, y = make_circles(99, noise=0, factor=0.3, seed=1)
    assert X.shape == (99, 2) and y.shape == (99,)
    assert np.sum(y == 0) == 49 and np.sum(y == 1) == 50
    radii = np.hypot(X[:, 0], X[:, 1])
    np.testing.assert_allclose(radii[y == 0], 1.0, atol=1e-12)
    np.testing.assert_allclose(radii[y == 1], 0.3, atol=1e-12)


def test_make_circles_points_are_distinct_around_each_circle():
    X, y = make_circles(8, shuffle=False)
    # endpoint=False: four points at 0, 90, 180, 270 degrees, none repeated.
    np.testing.assert_allclose(X[:4], [[1, 0], [0, 1], [-1, 0], [0, -1]], atol=1e-12)
    assert y.tolist() == [0, 0, 0, 0, 1, 1, 1, 1]


def test_make_circles_matches_sklearn_docstring_example():
    # sklearn's make_circles docstring: make_circles(random_state=42), list(y[:5]).
    _, y = make_circles(seed=42)
    assert y[:5].tolist() == [1, 1, 1, 0, 0]


@pytest.mark.parametrize("factor", [1.0, -0.1, 2])
def test_make_circles_rejects_factor_outside_unit_interval(factor):
    with pytest.raises(ValueError, match="factor"):
        make_circles(factor=factor)


def test_make_blobs_shapes_labels_and_counts():
    X, y = make_blobs(100, n_features=3, centers=4, seed=0)
    assert X.shape == (100, 3) and y.shape == (100,)
    # 100 = 25 * 4, remainder 0; then 10 points over 3 blobs -> 4, 3, 3.
    assert np.bincount(y).tolist() == [25, 25, 25, 25]
    _, y = make_blobs(10, centers=3, seed=0)
    assert np.bincount(y).tolist() == [4, 3, 3]


def test_make_blobs_matches_sklearn_docstring_example():
    # sklearn's make_blobs docstring: n_samples=10, centers=3, n_features=2, random_state=0.
    _, y = make_blobs(n_samples=10, centers=3, n_features=2, seed=0)
    assert y.tolist() == [0, 0, 1, 0, 2, 2, 2, 1, 1, 0]


def test_make_blobs_centers_lie_in_the_box_and_points_cluster_around_them():
    X, y = make_blobs(3000, centers=3, cluster_std=0.5, seed=2, shuffle=False)
    means = np.array([X[y == k].mean(axis=0) for k in range(3)])
    assert np.all(np.abs(means) < 10.5)
    stds = np.array([X[y == k].std(axis=0) for k in range(3)])
    np.testing.assert_allclose(stds, 0.5, rtol=0.1)


def test_make_blobs_with_given_centers_and_zero_std_returns_the_centers():
    centers = [[0.0, 0.0], [5.0, -5.0]]
    X, y = make_blobs(6, centers=centers, cluster_std=[0.0, 0.0], seed=0)
    np.testing.assert_array_equal(X, np.asarray(centers)[y])


def test_make_blobs_rejects_mismatched_cluster_std():
    with pytest.raises(ValueError, match="cluster_std"):
        make_blobs(10, centers=3, cluster_std=[1.0, 2.0])
    with pytest.raises(ValueError, match="cluster_std"):
        make_blobs(10, centers=2, cluster_std=-1.0)


# ---------------------------------------------------------------- load_csv


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_load_csv_reads_header_and_uses_last_column_as_target(tmp_path):
    path = write(tmp_path, "data.csv", "a,b,price\n1,2,3.5\n4,5,6.5\n")
    data = load_csv(path)
    np.testing.assert_array_equal(data.X, [[1, 2], [4, 5]])
    np.testing.assert_array_equal(data.y, [3.5, 6.5])
    assert data.X.dtype == np.float64 and data.y.dtype == np.float64
    assert data.feature_names == ("a", "b") and data.target_name == "price"
    assert data.class_names is None
    X, y = data  # unpacks like a tuple
    assert X is data.X and y is data.y


def test_load_csv_target_by_name_and_by_negative_or_positive_index(tmp_path):
    path = write(tmp_path, "data.csv", "a,b,c\n1,2,3\n4,5,6\n")
    by_name = load_csv(path, target="a")
    np.testing.assert_array_equal(by_name.X, [[2, 3], [5, 6]])
    np.testing.assert_array_equal(by_name.y, [1, 4])
    assert by_name.feature_names == ("b", "c")
    np.testing.assert_array_equal(load_csv(path, target=1).y, [2, 5])
    np.testing.assert_array_equal(load_csv(path, target=-3).y, [1, 4])


def test_load_csv_without_header_and_class_names_in_order_of_appearance(tmp_path):
    text = "1,2,dog\n3,4,cat\n5,6,dog\n7,8,bird\n"
    path = write(tmp_path, "pets.csv", text)
    data = load_csv(path)
    assert data.feature_names is None and data.target_name is None
    assert data.class_names == ("dog", "cat", "bird")
    assert data.y.tolist() == [0, 1, 0, 2]
    assert np.issubdtype(data.y.dtype, np.integer)
    np.testing.assert_array_equal(data.X[:, 0], [1, 3, 5, 7])


def test_load_csv_handles_crlf_blank_lines_spaces_and_other_delimiters(tmp_path):
    path = tmp_path / "semi.csv"
    path.write_bytes(b"x; y\r\n 1 ; 2\r\n\r\n3;4")
    data = load_csv(path, delimiter=";")
    np.testing.assert_array_equal(data.X, [[1], [3]])
    np.testing.assert_array_equal(data.y, [2, 4])
    assert data.feature_names == ("x",)


def test_load_csv_header_can_be_forced(tmp_path):
    path = write(tmp_path, "years.csv", "2019,2020\n1,2\n")
    assert load_csv(path).X.shape == (2, 1)  # all-numeric first row: data
    data = load_csv(path, header=True)
    assert data.X.shape == (1, 1) and data.target_name == "2020"


def test_load_csv_malformed_value_names_file_line_and_column(tmp_path):
    text = "CRIM,RM,MEDV\n0.1,6.5,24\n\n0.2,abc,21.6\n"
    path = write(tmp_path, "housing.csv", text)
    with pytest.raises(ValueError) as excinfo:
        load_csv(path)
    message = str(excinfo.value)
    assert "housing.csv" in message
    assert "line 4" in message  # 1-based, counting the blank line
    assert "column 'RM' (2)" in message
    assert "'abc'" in message


def test_load_csv_malformed_value_without_header_names_column_index(tmp_path):
    path = write(tmp_path, "nohead.csv", "1,2,3\n4,x5,6\n")
    with pytest.raises(ValueError, match=r"nohead\.csv, line 2, column 2: .*'x5'"):
        load_csv(path)


def test_load_csv_malformed_numeric_target_is_reported(tmp_path):
    path = write(tmp_path, "t.csv", "a,y\n1,2\n3,oops\n")
    with pytest.raises(ValueError, match=r"line 3, column 'y' \(2\)"):
        load_csv(path)


def test_load_csv_ragged_row_names_file_and_line(tmp_path):
    path = write(tmp_path, "ragged.csv", "a,b,c\n1,2,3\n4,5\n")
    with pytest.raises(ValueError, match=r"ragged\.csv, line 3: expected 3 fields, found 2"):
        load_csv(path)


def test_load_csv_missing_file_names_the_path(tmp_path):
    path = tmp_path / "nowhere.csv"
    with pytest.raises(FileNotFoundError, match="nowhere.csv"):
        load_csv(path)


@pytest.mark.parametrize("text", ["", "\n\n  \n"])
def test_load_csv_empty_file_raises(tmp_path, text):
    path = write(tmp_path, "empty.csv", text)
    with pytest.raises(ValueError, match="empty"):
        load_csv(path)


def test_load_csv_header_only_raises(tmp_path):
    path = write(tmp_path, "head.csv", "a,b\n")
    with pytest.raises(ValueError, match="no data rows"):
        load_csv(path)


def test_load_csv_bad_target_raises(tmp_path):
    path = write(tmp_path, "data.csv", "a,b\n1,2\n")
    with pytest.raises(ValueError, match="no column named 'z'"):
        load_csv(path, target="z")
    with pytest.raises(ValueError, match="out of range"):
        load_csv(path, target=2)
    nohead = write(tmp_path, "nohead.csv", "1,2\n3,4\n")
    with pytest.raises(ValueError, match="no header"):
        load_csv(nohead, target="a")


# ---------------------------------------------------------------- bundled data


def test_load_moons_shape_labels_and_first_row():
    X, y = load_moons()
    assert X.shape == (100, 2) and y.shape == (100,)
    assert set(y.tolist()) == {-1, 1}
    np.testing.assert_array_equal(X[0], [1.122, 0.081])
    assert y[0] == -1


def test_load_housing_shape_names_and_first_row():
    data = load_housing()
    assert data.X.shape == (506, 13) and data.y.shape == (506,)
    assert data.feature_names[:3] == ("CRIM", "ZN", "INDUS")
    assert data.feature_names[-1] == "LSTAT" and data.target_name == "MEDV"
    np.testing.assert_array_equal(
        data.X[0], [0.00632, 18, 2.31, 0, 0.538, 6.575, 65.2, 4.09, 1, 296, 15.3, 396.9, 4.98]
    )
    assert data.y[0] == 24.0


def test_load_iris_shape_classes_and_first_row():
    data = load_iris()
    assert isinstance(data, Dataset)
    assert data.X.shape == (150, 4) and data.y.shape == (150,)
    assert data.class_names == ("Iris-setosa", "Iris-versicolor", "Iris-virginica")
    assert np.bincount(data.y).tolist() == [50, 50, 50]
    assert len(data.feature_names) == 4
    np.testing.assert_array_equal(data.X[0], [5.1, 3.5, 1.4, 0.2])
    np.testing.assert_array_equal(data.X[-1], [5.9, 3.0, 5.1, 1.8])
    assert data.y[0] == 0 and data.y[-1] == 2


# ---------------------------------------------------------------- train_test_split


def test_train_test_split_sizes_disjoint_and_covering():
    X = np.arange(20).reshape(10, 2)
    y = np.arange(10)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, seed=0)
    assert len(X_test) == 3 and len(X_train) == 7  # ceil(0.25 * 10) = 3
    assert len(y_test) == 3 and len(y_train) == 7
    # Rows stay paired with their labels.
    np.testing.assert_array_equal(X_train[:, 0] // 2, y_train)
    np.testing.assert_array_equal(X_test[:, 0] // 2, y_test)
    assert set(y_train.tolist()).isdisjoint(y_test.tolist())
    assert sorted(y_train.tolist() + y_test.tolist()) == list(range(10))


def test_train_test_split_int_size_and_no_shuffle():
    X_train, X_test, y_train, y_test = train_test_split(
        np.arange(8), np.arange(8), 2, shuffle=False
    )
    assert X_train.tolist() == list(range(6)) and X_test.tolist() == [6, 7]
    assert y_test.tolist() == [6, 7]


def test_train_test_split_is_reproducible_with_a_seed():
    X, y = np.arange(100), np.arange(100)
    first = train_test_split(X, y, seed=3)
    second = train_test_split(X, y, seed=3)
    other = train_test_split(X, y, seed=4)
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(first[1], other[1])


def test_train_test_split_matches_sklearn_docstring_example():
    # sklearn's train_test_split docstring: test_size=0.33, random_state=42.
    X, y = np.arange(10).reshape((5, 2)), range(5)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.33, seed=42)
    assert X_train.tolist() == [[4, 5], [0, 1], [6, 7]]
    assert X_test.tolist() == [[2, 3], [8, 9]]
    assert y_train.tolist() == [2, 0, 3] and y_test.tolist() == [1, 4]


@pytest.mark.parametrize("test_size", [0, 1.0, 0.0, 10, -1, 1.5, 0.99])
def test_train_test_split_rejects_sizes_that_empty_a_part(test_size):
    with pytest.raises(ValueError, match="test_size"):
        train_test_split(np.arange(10), np.arange(10), test_size=test_size)


def test_train_test_split_rejects_mismatched_lengths_and_bad_types():
    with pytest.raises(ValueError, match="same length"):
        train_test_split(np.zeros((5, 2)), np.zeros(4))
    with pytest.raises(TypeError, match="test_size"):
        train_test_split(np.arange(5), np.arange(5), test_size="half")
    with pytest.raises(ValueError, match="at least 2"):
        train_test_split(np.arange(1), np.arange(1))


# ---------------------------------------------------------------- standardize


def test_standardize_gives_zero_mean_unit_std():
    X = np.random.RandomState(0).normal(loc=[3.0, -7.0], scale=[2.0, 0.1], size=(200, 2))
    scaled, mean, std = standardize(X)
    np.testing.assert_allclose(scaled.mean(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(scaled.std(axis=0), 1.0, rtol=1e-12)
    np.testing.assert_allclose(mean, X.mean(axis=0))
    np.testing.assert_allclose(std, X.std(axis=0))


def test_standardize_leaves_constant_columns_finite_with_std_one():
    X = np.array([[0.1, 1.0, 5.0], [0.1, 2.0, 5.0], [0.1, 3.0, 5.0]])
    scaled, mean, std = standardize(X)
    assert np.all(np.isfinite(scaled))
    np.testing.assert_array_equal(std[[0, 2]], [1.0, 1.0])
    np.testing.assert_allclose(scaled[:, [0, 2]], 0.0, atol=1e-15)


def test_standardize_reuses_mean_and_std_on_other_data():
    train = np.array([[0.0, 10.0], [2.0, 10.0]])
    test = np.array([[4.0, 12.0]])
    _, mean, std = standardize(train)
    scaled, mean_again, std_again = standardize(test, mean, std)
    np.testing.assert_array_equal(scaled, [[3.0, 2.0]])  # (4-1)/1, (12-10)/1
    np.testing.assert_array_equal(mean_again, mean)
    np.testing.assert_array_equal(std_again, std)


def test_standardize_rejects_half_given_or_misshapen_statistics():
    X = np.ones((3, 2))
    with pytest.raises(ValueError, match="both"):
        standardize(X, mean=np.zeros(2))
    with pytest.raises(ValueError, match="shape"):
        standardize(X, np.zeros(3), np.ones(3))


# ---------------------------------------------------------------- seeding


def test_manual_seed_seeds_python_random_and_dataset_generators(global_rngs):
    _seeding.manual_seed(42)
    assert _seeding.initial_seed() == 42
    first_draw = random.random()
    X1, y1 = make_moons(20, noise=0.1)
    _seeding.manual_seed(42)
    assert random.random() == first_draw
    X2, y2 = make_moons(20, noise=0.1)
    np.testing.assert_array_equal(X1, X2)
    np.testing.assert_array_equal(y1, y2)


def test_manual_seed_rejects_bad_seeds():
    with pytest.raises(TypeError):
        _seeding.manual_seed(1.5)
    with pytest.raises(ValueError):
        _seeding.manual_seed(-1)
    with pytest.raises(ValueError):
        _seeding.manual_seed(2**32)


def test_generator_without_seed_is_numpys_global_random_state():
    assert _seeding.generator(None) is np.random.mtrand._rand
    state = np.random.RandomState(0)
    assert _seeding.generator(state) is state


# ---------------------------------------------------------------- against scikit-learn


@pytest.mark.parametrize("seed", [0, 1, 42, 1337])
def test_generators_are_bit_identical_to_sklearn(seed):
    sk = pytest.importorskip("sklearn.datasets")
    for ours, theirs in [
        (make_moons(57, noise=0.2, seed=seed), sk.make_moons(57, noise=0.2, random_state=seed)),
        (
            make_circles(57, noise=0.05, factor=0.4, seed=seed),
            sk.make_circles(57, noise=0.05, factor=0.4, random_state=seed),
        ),
        (
            make_blobs(57, n_features=3, centers=4, cluster_std=[0.5, 1, 2, 3], seed=seed),
            sk.make_blobs(
                57, n_features=3, centers=4, cluster_std=[0.5, 1, 2, 3], random_state=seed
            ),
        ),
    ]:
        np.testing.assert_array_equal(ours[0], theirs[0])
        np.testing.assert_array_equal(ours[1], theirs[1])


@pytest.mark.parametrize("seed", [0, 7])
def test_train_test_split_is_identical_to_sklearn(seed):
    sk = pytest.importorskip("sklearn.model_selection")
    X, y = np.arange(46).reshape(23, 2), np.arange(23)
    ours = train_test_split(X, y, test_size=0.3, seed=seed)
    theirs = sk.train_test_split(X, y, test_size=0.3, random_state=seed)
    for a, b in zip(ours, theirs):
        np.testing.assert_array_equal(a, b)
