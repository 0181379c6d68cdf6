"""The extension's two boundaries: core errors become Python exceptions through one
table (rust/python/src/errors.rs), and `_core` stands on its own, importing numpy but
never the `micrograd` package that wraps it."""

from __future__ import annotations

import subprocess
import sys
import textwrap
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


def _run_alone(code: str) -> subprocess.CompletedProcess[str]:
    """Runs `code` in a fresh interpreter where `_core` is the extension file loaded
    under the top-level name `_core`: the `micrograd` package is never imported."""
    prelude = textwrap.dedent(
        f"""
        import importlib.machinery, importlib.util, sys
        loader = importlib.machinery.ExtensionFileLoader("_core", {_core.__file__!r})
        spec = importlib.util.spec_from_file_location("_core", {_core.__file__!r}, loader=loader)
        _core = importlib.util.module_from_spec(spec)
        loader.exec_module(_core)
        """
    )
    epilogue = textwrap.dedent(
        """
        loaded = sorted(m for m in sys.modules if m == "micrograd" or m.startswith("micrograd."))
        assert not loaded, loaded
        print("OK")
        """
    )
    return subprocess.run(
        [sys.executable, "-c", prelude + textwrap.dedent(code) + epilogue],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_extension_is_usable_without_the_python_package() -> None:
    child = _run_alone(
        """
        import numpy as np
        t = _core.Tensor([[1, 2], [3, 4]], requires_grad=True)   # a list: no Python helper
        picked = t[[True, False]] + t[np.array([[1, 0]])].sum(axis=0)
        (picked * 2.0).sum().backward()
        assert t.grad.tolist() == [[6.0, 6.0], [2.0, 2.0]], t.grad
        for bad, error in (([[1, 2], [3]], ValueError), (["a"], TypeError)):
            try:
                _core.Tensor(bad)
            except error:
                pass
            else:
                raise AssertionError(bad)
        try:
            t[[True]]
        except IndexError:
            pass
        a, b = _core.Value(2.0), _core.Value(-3.0)
        c = a * b + b ** 2
        c.backward()
        assert (a.grad, b.grad) == (-3.0, -4.0)
        assert _core._as_float_array([1, 2]).dtype == np.float64
        try:
            c.tree()   # drawing is the package's: a clear error, not an import
        except RuntimeError as error:
            assert "import micrograd" in str(error), error
        else:
            raise AssertionError("tree() without micrograd.viz")
        """
    )
    assert child.returncode == 0 and child.stdout.strip().endswith("OK"), child.stderr


def test_the_package_registers_its_drawing_with_the_extension() -> None:
    """The one-way dependency: micrograd.viz hands itself to _core at import, so
    Value.tree() works in the package without the extension importing it."""
    a = micrograd.Value(2.0, label="a")
    assert a.tree() == micrograd.viz.tree(a)
