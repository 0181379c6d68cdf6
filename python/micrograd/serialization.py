"""Saving and loading models as ``.npz`` files: arrays plus a JSON architecture
record, never pickle (loading a pickle can run arbitrary code)."""

from __future__ import annotations

import json
import os
import zipfile
import zlib
from typing import Any, Union

import numpy as np

from micrograd import _state
from micrograd.nn import MLP

PathLike = Union[str, "os.PathLike[str]"]
_CONFIG_KEY = "__config__"
_FORMAT = "micrograd.MLP/1"


def save(model: MLP, path: PathLike) -> None:
    """Writes ``model``'s architecture and ``state_dict()`` to ``path`` (an .npz file)."""
    if not isinstance(model, MLP):
        raise TypeError(f"model must be a micrograd.nn.MLP, got {type(model).__name__}")
    config = json.dumps({"format": _FORMAT, **model.config()})
    # Any: np.savez's stub types **kwds as if they could fill its allow_pickle flag.
    arrays: dict[str, Any] = {_CONFIG_KEY: np.array(config), **model.state_dict()}
    with open(path, "wb") as file:
        np.savez(file, **arrays)


# What reading a damaged archive can raise, besides FileNotFoundError: zipfile's
# own errors, zlib's for corrupt compressed data, NotImplementedError for unknown
# compression or patched members, RuntimeError for encrypted ones, and numpy's.
_UNREADABLE = (
    zipfile.BadZipFile,
    zlib.error,
    OSError,
    EOFError,
    ValueError,
    NotImplementedError,
    RuntimeError,
)


def load(path: PathLike) -> MLP:
    """Rebuilds the MLP saved by ``save(model, path)``.

    Raises FileNotFoundError for a missing file and ValueError naming the problem
    for a file that is truncated, damaged, not an .npz, or not a saved micrograd
    model. The architecture record is checked against the stored arrays before any
    model is built, so a small file cannot ask for an enormous one.
    """
    source = os.fspath(path)
    try:
        with np.load(path, allow_pickle=False) as archive:
            arrays = {name: archive[name] for name in archive.files}
    except FileNotFoundError:
        raise
    except _UNREADABLE as error:
        raise ValueError(f"{source}: not a readable model file ({error})") from None
    if _CONFIG_KEY not in arrays:
        raise ValueError(f"{source}: no {_CONFIG_KEY} record; was it written by micrograd.save?")
    config = _architecture(source, arrays.pop(_CONFIG_KEY))
    try:
        expected = _expected_shapes(config["nin"], config["nouts"])
        checked = _state.checked_arrays(expected, arrays)
        model = MLP(**config)
        model.load_state_dict(checked)
    except (ValueError, TypeError) as error:
        raise ValueError(f"{source}: {error}") from None
    return model


def _architecture(source: str, record: np.ndarray) -> dict[str, Any]:
    """The constructor arguments in a saved record, checked for type and format."""
    try:
        config = json.loads(str(record))
    # SystemError and UnicodeError: numpy turning a string array with invalid code
    # points into str.
    except (ValueError, RecursionError, UnicodeError, SystemError) as error:
        raise ValueError(f"{source}: bad architecture record ({error})") from None
    if not isinstance(config, dict) or config.get("format") != _FORMAT:
        raise ValueError(f"{source}: bad architecture record (not a {_FORMAT} record)")
    config = {key: value for key, value in config.items() if key != "format"}
    nin, nouts = config.get("nin"), config.get("nouts")
    sizes_are_ints = isinstance(nouts, list) and all(
        isinstance(n, int) and not isinstance(n, bool) for n in [nin, *nouts]
    )
    if not sizes_are_ints or not nouts or min(nin, *nouts) < 1:
        raise ValueError(f"{source}: bad architecture record (nin={nin!r}, nouts={nouts!r})")
    return config


def _expected_shapes(nin: int, nouts: list[int]) -> dict[str, tuple[int, ...]]:
    """The state_dict names and shapes of ``MLP(nin, nouts)``, without building it."""
    sizes = [nin, *nouts]
    shapes: dict[str, tuple[int, ...]] = {}
    for i, nout in enumerate(nouts):
        shapes[f"layers.{i}.weight"] = (nout, sizes[i])
        shapes[f"layers.{i}.bias"] = (nout,)
    return shapes


__all__ = ["load", "save"]
