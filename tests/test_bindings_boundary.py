"""The extension's two boundaries: core errors become Python exceptions through one
table (rust/python/src/errors.rs), and `_core` stands on its own, importing numpy but
never the `micrograd` package that wraps it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import micrograd
from micrograd import MLP, Tensor, _core


def _memory_the_system_offers() -> int | None:
    """MemAvailable + SwapFree in bytes (what the core's check reads), or None."""
    try:
        lines = Path("/proc/meminfo").read_text().splitlines()
    except OSError:
        return None
    fields = {line.split(":")[0]: int(line.split()[1]) * 1024 for line in lines}
    if "MemAvailable" not in fields:
        return None
    return fields["MemAvailable"] + fields.get("SwapFree", 0)


def test_out_of_memory_on_the_nn_path_is_a_memory_error() -> None:
    """MLP.predict allocates its (rows, nout) result at once; more than the system
    offers is the core's OutOfMemory, which is a MemoryError on every path (it used
    to be a ValueError outside the Tensor methods)."""
    available = _memory_the_system_offers()
    if available is None:
        pytest.skip("needs /proc/meminfo to size a result beyond memory")
    nout = 4096
    rows = 2 * available // (8 * nout) + 1
    if rows * 8 > 1 << 30:
        pytest.skip("the input alone would take more than 1 GiB")
    model = MLP(1, [nout], seed=0)
    with pytest.raises(MemoryError, match="could not allocate"):
        model.predict(np.zeros((rows, 1)))


def test_the_table_gives_the_same_exception_on_every_path() -> None:
    # Bad sizes and hyper-parameters: ValueError, from nn, optim and losses alike.
    with pytest.raises(ValueError, match="weights must not be empty"):
        _core.Neuron([])
    with pytest.raises(ValueError, match="lr must be"):
        _core.Optimizer.sgd([micrograd.Value(1.0)], -1.0, 0.0, 0.0, 0.0, False)
    with pytest.raises(ValueError, match="labels must be in 0..2"):
        micrograd.losses.cross_entropy([[1.0, 2.0]], [5])
    # A bad axis or row: IndexError.
    t = Tensor([[1.0, 2.0], [3.0, 4.0]])
    with pytest.raises(IndexError, match="axis 2 is out of range"):
        t.sum(axis=2)
    with pytest.raises(IndexError, match="index 7 is out of range"):
        t[7]
