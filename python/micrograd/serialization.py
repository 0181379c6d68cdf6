"""Saving and loading models as ``.npz`` files: arrays plus a JSON architecture
record, never pickle (loading a pickle can run arbitrary code)."""

from __future__ import annotations

import json
import os
import zipfile
from typing import Union

import numpy as np

from micrograd.nn import MLP

PathLike = Union[str, "os.PathLike[str]"]
_CONFIG_KEY = "__config__"
_FORMAT = "micrograd.MLP/1"


def save(model: MLP, path: PathLike) -> None:
    """Writes ``model``'s architecture and ``state_dict()`` to ``path`` (an .npz file)."""
    if not isinstance(model, MLP):
        raise TypeError(f"model must be a micrograd.nn.MLP, got {type(model).__name__}")
    config = json.dumps({"format": _FORMAT, **model.config()})
    with open(path, "wb") as file:
        np.savez(file, **{_CONFIG_KEY: np.array(config)}, **model.state_dict())


def load(path: PathLike) -> MLP:
    """Rebuilds the MLP saved by ``save(model, path)``.

    Raises FileNotFoundError for a missing file and ValueError naming the problem
    for a file that is truncated, not an .npz, or not a saved micrograd model.
    """
    try:
        with np.load(path, allow_pickle=False) as archive:
            arrays = {name: archive[name] for name in archive.files}
    except FileNotFoundError:
        raise
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as error:
        raise ValueError(f"{os.fspath(path)}: not a readable model file ({error})") from None
    if _CONFIG_KEY not in arrays:
        raise ValueError(
            f"{os.fspath(path)}: no {_CONFIG_KEY} record; was it written by micrograd.save?"
        )
    try:
        config = json.loads(str(arrays.pop(_CONFIG_KEY)))
        if config.pop("format") != _FORMAT:
            raise ValueError("unknown format")
        model = MLP(**config)
    except (ValueError, TypeError, KeyError) as error:
        raise ValueError(f"{os.fspath(path)}: bad architecture record ({error})") from None
    try:
        model.load_state_dict(arrays)
    except (ValueError, TypeError) as error:
        raise ValueError(f"{os.fspath(path)}: {error}") from None
    return model


__all__ = ["load", "save"]
