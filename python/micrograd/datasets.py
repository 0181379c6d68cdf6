"""Toy datasets, CSV loading and the two chores every example needs (split, scale).

The generators follow scikit-learn's algorithms draw for draw, so the same seed gives
bit-identical data without depending on scikit-learn::

    >>> import numpy as np
    >>> from micrograd.datasets import make_moons
    >>> np.random.seed(1337)                   # Karpathy's demo, verbatim
    >>> X, y = make_moons(n_samples=100, noise=0.1)
    >>> X.shape, sorted(set(y.tolist()))
    ((100, 2), [0, 1])

Loaders return a :class:`Dataset`, which unpacks like ``(X, y)`` and also carries
the column and class names.
"""

from __future__ import annotations

import math
import numbers
from importlib import resources
from io import StringIO

import numpy as np
import numpy.typing as npt

from micrograd._checks import positive_int as _positive_int
from micrograd._csv import load_csv, parse_csv
from micrograd._dataset import Dataset
from micrograd._seeding import Seed, generator

__all__ = [
    "Dataset",
    "load_csv",
    "load_housing",
    "load_iris",
    "load_moons",
    "make_blobs",
    "make_circles",
    "make_moons",
    "standardize",
    "train_test_split",
]

# ---------------------------------------------------------------- generators


def make_moons(
    n_samples: int = 100,
    noise: float | None = None,
    seed: Seed = None,
    shuffle: bool = True,
) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaving half circles, exactly as ``sklearn.datasets.make_moons``.

    Args:
        n_samples: total number of points; the upper moon gets ``n_samples // 2``.
        noise: standard deviation of Gaussian noise added to every coordinate, or
            ``None`` for none.
        seed: ``None`` draws from numpy's global RandomState (so ``np.random.seed``
            and ``micrograd.manual_seed`` apply), an int seeds a fresh one, or pass
            a ``np.random.RandomState``. Same as sklearn's ``random_state``.
        shuffle: shuffle the points (otherwise class 0 comes first).

    Returns:
        ``X`` float64 of shape ``(n_samples, 2)`` and ``y`` of shape ``(n_samples,)``
        with labels 0 (upper moon) and 1 (lower moon).
    """
    n_samples = _positive_int("n_samples", n_samples)
    noise = _noise_scale(noise)
    rng = generator(seed)
    n_out = n_samples // 2
    n_in = n_samples - n_out
    outer_x = np.cos(np.linspace(0, np.pi, n_out))
    outer_y = np.sin(np.linspace(0, np.pi, n_out))
    inner_x = 1 - np.cos(np.linspace(0, np.pi, n_in))
    inner_y = 1 - np.sin(np.linspace(0, np.pi, n_in)) - 0.5
    X = np.vstack([np.append(outer_x, inner_x), np.append(outer_y, inner_y)]).T
    y = np.hstack([np.zeros(n_out, dtype=np.intp), np.ones(n_in, dtype=np.intp)])
    return _shuffle_then_jitter(X, y, rng, shuffle, noise)


def make_circles(
    n_samples: int = 100,
    noise: float | None = None,
    factor: float = 0.8,
    seed: Seed = None,
    shuffle: bool = True,
) -> tuple[np.ndarray, np.ndarray]:
    """A circle inside a larger one, exactly as ``sklearn.datasets.make_circles``.

    Args:
        n_samples: total number of points; the outer circle gets ``n_samples // 2``.
        noise: standard deviation of Gaussian noise, or ``None`` for none.
        factor: radius of the inner circle (the outer has radius 1), in ``[0, 1)``.
        seed: as in :func:`make_moons`.
        shuffle: shuffle the points (otherwise class 0 comes first).

    Returns:
        ``X`` float64 of shape ``(n_samples, 2)`` and ``y`` of shape ``(n_samples,)``
        with labels 0 (outer circle) and 1 (inner circle).
    """
    n_samples = _positive_int("n_samples", n_samples)
    noise = _noise_scale(noise)
    if not 0 <= factor < 1:
        raise ValueError(f"factor must be in [0, 1), got {factor}")
    rng = generator(seed)
    n_out = n_samples // 2
    n_in = n_samples - n_out
    # endpoint=False so the first and last points of a circle do not coincide.
    angles_out = np.linspace(0, 2 * np.pi, n_out, endpoint=False)
    angles_in = np.linspace(0, 2 * np.pi, n_in, endpoint=False)
    xs = np.append(np.cos(angles_out), np.cos(angles_in) * factor)
    ys = np.append(np.sin(angles_out), np.sin(angles_in) * factor)
    X = np.vstack([xs, ys]).T
    y = np.hstack([np.zeros(n_out, dtype=np.intp), np.ones(n_in, dtype=np.intp)])
    return _shuffle_then_jitter(X, y, rng, shuffle, noise)


def make_blobs(
    n_samples: int = 100,
    n_features: int = 2,
    centers: int | npt.ArrayLike = 3,
    cluster_std: float | npt.ArrayLike = 1.0,
    seed: Seed = None,
    *,
    center_box: tuple[float, float] = (-10.0, 10.0),
    shuffle: bool = True,
) -> tuple[np.ndarray, np.ndarray]:
    """Isotropic Gaussian blobs, drawn as ``sklearn.datasets.make_blobs`` draws them.

    Args:
        n_samples: total number of points, split as evenly as possible (the first
            ``n_samples % k`` blobs get one extra).
        n_features: coordinates per point (ignored when ``centers`` is an array).
        centers: how many blobs, with centers drawn uniformly from ``center_box``;
            or their coordinates as an array of shape ``(k, n_features)``.
        cluster_std: standard deviation of every blob, or one per blob.
        seed: as in :func:`make_moons`.
        center_box: ``(low, high)`` bounds for random centers.
        shuffle: shuffle the points (otherwise blob 0 comes first).

    Returns:
        ``X`` float64 of shape ``(n_samples, n_features)`` and ``y`` of shape
        ``(n_samples,)`` with the blob index ``0..k-1`` of each point.
    """
    n_samples = _positive_int("n_samples", n_samples)
    if isinstance(centers, numbers.Integral) and not isinstance(centers, bool):
        n_centers = _positive_int("centers", centers)
        n_features = _positive_int("n_features", n_features)
        center_array = None
    else:
        center_array = np.asarray(centers, dtype=np.float64)
        if center_array.ndim != 2 or center_array.shape[0] == 0:
            raise ValueError(
                f"centers must be an int or an array of shape (k, n_features), "
                f"got shape {center_array.shape}"
            )
        n_centers, n_features = center_array.shape
    stds = np.asarray(cluster_std, dtype=np.float64)
    if stds.ndim == 0:
        stds = np.full(n_centers, float(stds))
    elif stds.shape != (n_centers,):
        raise ValueError(f"cluster_std has {stds.size} values for {n_centers} centers")
    if np.any(stds < 0):
        raise ValueError(f"cluster_std must be >= 0, got {cluster_std!s}")

    rng = generator(seed)
    if center_array is None:
        low, high = center_box
        center_array = rng.uniform(low, high, size=(n_centers, n_features))
    counts = [n_samples // n_centers] * n_centers
    for i in range(n_samples % n_centers):
        counts[i] += 1
    X: npt.NDArray[np.float64] = np.empty((n_samples, n_features), dtype=np.float64)
    y: npt.NDArray[np.intp] = np.empty(n_samples, dtype=np.intp)
    start = 0
    for i, (count, std) in enumerate(zip(counts, stds)):
        X[start : start + count] = rng.normal(
            loc=center_array[i], scale=std, size=(count, n_features)
        )
        y[start : start + count] = i
        start += count
    return _shuffle_then_jitter(X, y, rng, shuffle, None)


def _shuffle_then_jitter(
    X: np.ndarray,
    y: np.ndarray,
    rng: np.random.RandomState,
    shuffle: bool,
    noise: float | None,
) -> tuple[np.ndarray, np.ndarray]:
    # sklearn shuffles an arange in place, then draws the noise: the same draws in
    # the same order are what make the output bit-identical to sklearn's.
    if shuffle:
        order = np.arange(len(X))
        rng.shuffle(order)
        X, y = X[order], y[order]
    X = np.ascontiguousarray(X, dtype=np.float64)
    if noise is not None:
        X += rng.normal(scale=noise, size=X.shape)
    return X, y


def _noise_scale(noise: float | None) -> float | None:
    if noise is None:
        return None
    if not noise >= 0:  # also refuses NaN
        raise ValueError(f"noise must be None or >= 0, got {noise}")
    return float(noise)


# ---------------------------------------------------------------- bundled data


def _load_bundled(filename: str, header: bool, target: str | None = None) -> Dataset:
    # Read through importlib.resources so the files are found inside a wheel or zip.
    text = (resources.files("micrograd") / "data" / filename).read_text(encoding="utf-8")
    return parse_csv(StringIO(text), filename, target, header, ",")


def load_moons() -> Dataset:
    """The 100-point two-moons set of Karpathy's micrograd demo.

    It is ``make_moons(100, noise=0.1)`` after ``np.random.seed(1337)`` with labels
    mapped to -1/+1, rounded to 3 decimals.

    Returns:
        A :class:`Dataset`: ``X`` float64 of shape ``(100, 2)``, ``y`` integers
        -1/+1 of shape ``(100,)`` (the labels the demo's SVM loss expects).
    """
    data = _load_bundled("moons.csv", header=True)
    return Dataset(
        X=data.X,
        y=data.y.astype(np.intp),
        feature_names=data.feature_names,
        target_name=data.target_name,
    )


def load_housing() -> Dataset:
    """The Boston Housing regression data (506 towns, 13 features).

    Returns:
        A :class:`Dataset`: ``X`` float64 of shape ``(506, 13)``, ``y`` the median
        home value ``MEDV`` in $1000s, float64 of shape ``(506,)``, and
        ``feature_names`` (``"CRIM"``, ``"ZN"``, ... ``"LSTAT"``). See
        ``data/SOURCES.md`` for the source and a caveat about column ``B``.
    """
    return _load_bundled("housing.csv", header=True, target="MEDV")


_IRIS_FEATURES = ("sepal length (cm)", "sepal width (cm)", "petal length (cm)", "petal width (cm)")


def load_iris() -> Dataset:
    """Fisher's Iris data (150 flowers, 4 measurements, 3 species, 50 each).

    Returns:
        A :class:`Dataset`: ``X`` float64 of shape ``(150, 4)``, ``y`` class
        indices 0..2 of shape ``(150,)``, ``class_names`` ``("Iris-setosa",
        "Iris-versicolor", "Iris-virginica")`` and ``feature_names``.
    """
    data = _load_bundled("iris.csv", header=False)
    return Dataset(
        X=data.X,
        y=data.y,
        feature_names=_IRIS_FEATURES,
        target_name="species",
        class_names=data.class_names,
    )


# ---------------------------------------------------------------- split and scale


def train_test_split(
    X: npt.ArrayLike,
    y: npt.ArrayLike,
    test_size: float | int = 0.25,
    seed: Seed = None,
    shuffle: bool = True,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Split rows into a training and a test part, in sklearn's order.

    With ``shuffle=True`` the split is the one ``sklearn.model_selection.
    train_test_split(X, y, test_size=..., random_state=seed)`` makes.

    Args:
        X: array-like with one row per sample.
        y: array-like of the same length.
        test_size: a fraction in (0, 1) of the rows (rounded up), or a count of
            rows; both parts must end up non-empty.
        seed: as in :func:`make_moons`.
        shuffle: shuffle before splitting; otherwise the test part is the last rows.

    Returns:
        ``X_train, X_test, y_train, y_test`` as numpy arrays.

    Raises:
        ValueError: ``X`` and ``y`` differ in length, or ``test_size`` leaves a
            part empty or is out of range.
    """
    X = np.asarray(X)
    y = np.asarray(y)
    if X.ndim == 0 or y.ndim == 0:
        raise ValueError("X and y must be arrays with one entry per sample, not scalars")
    n = len(X)
    if len(y) != n:
        raise ValueError(f"X and y must have the same length, got {n} and {len(y)}")
    n_test = _test_count(test_size, n)
    if shuffle:
        order = generator(seed).permutation(n)
        test, train = order[:n_test], order[n_test:]
    else:
        train, test = np.arange(n - n_test), np.arange(n - n_test, n)
    return X[train], X[test], y[train], y[test]


def _test_count(test_size: float | int, n: int) -> int:
    if n < 2:
        raise ValueError(f"need at least 2 samples to split, got {n}")
    if isinstance(test_size, bool) or not isinstance(test_size, numbers.Real):
        raise TypeError(f"test_size must be a float or an int, got {type(test_size).__name__}")
    if isinstance(test_size, numbers.Integral):
        if not 1 <= test_size <= n - 1:
            raise ValueError(
                f"test_size={test_size} rows must be between 1 and {n - 1} for {n} samples"
            )
        return int(test_size)
    if not 0 < test_size < 1:
        raise ValueError(f"test_size as a fraction must be in (0, 1), got {test_size}")
    count = math.ceil(test_size * n)
    if count >= n:
        raise ValueError(f"test_size={test_size} of {n} samples leaves no training rows")
    return count


def standardize(
    X: npt.ArrayLike,
    mean: npt.ArrayLike | None = None,
    std: npt.ArrayLike | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Scale each column to mean 0 and standard deviation 1.

    Fit on the training data, then reuse its ``mean`` and ``std`` on test data::

        X_train, mean, std = standardize(X_train)
        X_test, _, _ = standardize(X_test, mean, std)

    A column that is constant (zero variance, up to rounding) would divide by
    zero; its ``std`` is reported and used as 1.0, so it comes out all zeros.

    Args:
        X: shape ``(n_samples, n_features)`` (or ``(n_samples,)`` for one feature).
        mean: per-column means from an earlier call; pass both or neither.
        std: per-column standard deviations (population, ``ddof=0``) from an
            earlier call; zeros are treated as 1.0.

    Returns:
        ``(X_scaled, mean, std)``: float64 ``X_scaled`` of ``X``'s shape, and the
        ``mean`` and ``std`` used, each of shape ``X.shape[1:]``.

    Raises:
        ValueError: only one of ``mean`` and ``std`` given, shapes that do not
            match ``X``'s columns, or an empty ``X`` with nothing to fit.
    """
    X = np.asarray(X, dtype=np.float64)
    if X.ndim not in (1, 2):
        raise ValueError(f"X must be 1-D or 2-D, got shape {X.shape}")
    if (mean is None) != (std is None):
        raise ValueError("pass both mean and std (from an earlier call) or neither")
    mean_array: np.ndarray
    std_array: np.ndarray
    if mean is None:
        n = X.shape[0]
        if n == 0:
            raise ValueError("cannot compute mean and std of an empty X")
        mean_array = X.mean(axis=0)
        variance = X.var(axis=0)
        # A constant column's computed variance is rounding error, not zero; this
        # bound on that error is the one scikit-learn's StandardScaler uses.
        eps = np.finfo(np.float64).eps
        constant = variance <= n * eps * variance + (n * mean_array * eps) ** 2
        std_array = np.where(constant, 1.0, np.sqrt(variance))
    else:
        mean_array = np.asarray(mean, dtype=np.float64)
        std_array = np.asarray(std, dtype=np.float64)
        for name, value in (("mean", mean_array), ("std", std_array)):
            if value.shape != X.shape[1:]:
                raise ValueError(
                    f"{name} has shape {value.shape}, expected {X.shape[1:]} for X of shape "
                    f"{X.shape}"
                )
        std_array = np.where(std_array == 0, 1.0, std_array)
    return (X - mean_array) / std_array, mean_array, std_array
