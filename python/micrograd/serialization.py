"""Saving and loading models as ``.npz`` files: the ``state_dict()`` arrays plus a
JSON architecture record, never pickle (loading a pickle can run arbitrary code).

Two architectures can be saved: the scalar ``MLP`` (record ``micrograd.MLP/1``:
its constructor arguments) and a ``Sequential`` of ``Linear`` and activation
modules (record ``micrograd.Sequential/1``: one entry per module). Both name their
arrays ``layers.{k}.weight`` and ``layers.{k}.bias``, as their ``state_dict()`` does.
"""

from __future__ import annotations

import json
import math
import os
import re
import zipfile
import zlib
from typing import Any, Union, cast

import numpy as np

from micrograd import _state
from micrograd.layers import LeakyReLU, Linear, ReLU, Sequential, Sigmoid, Tanh
from micrograd.module import Module
from micrograd.nn import MLP

PathLike = Union[str, "os.PathLike[str]"]
_CONFIG_KEY = "__config__"
_FORMAT = "micrograd.MLP/1"
_SEQUENTIAL_FORMAT = "micrograd.Sequential/1"
_ACTIVATIONS: dict[str, type[Module]] = {
    "ReLU": ReLU,
    "Tanh": Tanh,
    "Sigmoid": Sigmoid,
    "LeakyReLU": LeakyReLU,
}


def save(model: MLP | Sequential, path: PathLike) -> None:
    """Writes ``model``'s architecture and ``state_dict()`` to ``path`` (an .npz file).

    ``model`` is an ``MLP``, or a ``Sequential`` of ``Linear``, ``ReLU``, ``Tanh``,
    ``Sigmoid`` and ``LeakyReLU`` modules; anything else raises TypeError.
    """
    if isinstance(model, MLP):
        config = json.dumps({"format": _FORMAT, **model.config()})
    elif isinstance(model, Sequential):
        config = json.dumps({"format": _SEQUENTIAL_FORMAT, "modules": _module_records(model)})
    else:
        raise TypeError(
            f"model must be a micrograd.nn.MLP or Sequential, got {type(model).__name__}"
        )
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


def load(path: PathLike) -> MLP | Sequential:
    """Rebuilds the model (an ``MLP`` or a ``Sequential``) saved by ``save(model, path)``.

    Raises FileNotFoundError for a missing file and ValueError naming the problem
    for a file that is truncated, damaged, not an .npz, or not a saved micrograd
    model. Nothing is read that the model could not need: the archive's member
    names, their declared sizes and each array's header (shape times item size
    must be the member's size) are checked before any array is read, and the
    architecture record against the arrays before any model is built, so a small
    file can ask for neither a large read nor an enormous model.
    """
    source = os.fspath(path)
    try:
        arrays = _read_archive(path)
    except FileNotFoundError:
        raise
    except _Refused as error:
        raise ValueError(f"{source}: {error}") from None
    except _UNREADABLE as error:
        raise ValueError(f"{source}: not a readable model file ({error})") from None
    try:
        checked = _state.checked_arrays(arrays.expected, arrays.arrays)
        model = _build(arrays.config)
        model.load_state_dict(checked)
    except (ValueError, TypeError) as error:
        raise ValueError(f"{source}: {error}") from None
    return model


class _Refused(Exception):
    """A model file refused for what it declares, before its content is read."""


# Member names np.savez gives a saved model's arrays, and the largest record that
# save() could write (a few hundred bytes in practice).
_MEMBER = re.compile(r"(__config__|layers\.(0|[1-9][0-9]{0,8})\.(weight|bias))\.npy")
_MAX_RECORD_BYTES = 1 << 20
# An .npy header is at most 64 KiB in format 1.0 (numpy writes 2.0 only beyond it,
# which no model's header needs).
_MAX_HEADER_BYTES = 65536 + 16
# Deflate never expands data more than 1032-fold; a member declaring more than that
# over its compressed bytes lies about its size. Other compressions are refused
# (np.savez stores, np.savez_compressed deflates).
_DEFLATE_RATIO = 1032


class _Archive:
    def __init__(
        self,
        config: dict[str, Any],
        expected: dict[str, tuple[int, ...]],
        arrays: dict[str, np.ndarray],
    ) -> None:
        self.config, self.expected, self.arrays = config, expected, arrays


def _read_archive(path: PathLike) -> _Archive:
    """The record and arrays of a saved model, each member checked before it is read."""
    with zipfile.ZipFile(path) as archive:
        members = _checked_members(archive.infolist())
        record_info = members.pop(_CONFIG_KEY, None)
        if record_info is None:
            raise _Refused(f"no {_CONFIG_KEY} record; was it written by micrograd.save?")
        if record_info.file_size > _MAX_RECORD_BYTES:
            raise _Refused(
                f"the {_CONFIG_KEY} record declares {record_info.file_size:,} bytes; "
                f"a saved model's is under {_MAX_RECORD_BYTES:,}"
            )
        config = _architecture(_read_member(archive, record_info, None))
        expected = _expected_shapes(config)
        missing = sorted(set(expected) - set(members))
        unexpected = sorted(set(members) - set(expected))
        if missing or unexpected:
            raise _Refused(
                f"the arrays do not fit the architecture record: "
                f"missing {missing}, unexpected {unexpected}"
            )
        for name, info in members.items():
            limit = 8 * math.prod(expected[name]) + _MAX_HEADER_BYTES
            if info.file_size > limit:
                raise _Refused(
                    f"member {info.filename!r} declares {info.file_size:,} bytes; "
                    f"an array of shape {expected[name]} needs at most {limit:,}"
                )
        arrays = {
            name: _read_member(archive, info, expected[name]) for name, info in members.items()
        }
    return _Archive(config, expected, arrays)


def _checked_members(infos: list[zipfile.ZipInfo]) -> dict[str, zipfile.ZipInfo]:
    """The archive's members by array name, after checking names and declared sizes."""
    members: dict[str, zipfile.ZipInfo] = {}
    for info in infos:
        match = _MEMBER.fullmatch(info.filename)
        if match is None:
            raise _Refused(
                f"unexpected member {info.filename!r}; was it written by micrograd.save?"
            )
        name = match.group(1)
        if name in members:
            raise _Refused(f"member {info.filename!r} appears twice")
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise _Refused(f"member {info.filename!r} uses an unsupported compression")
        ratio = 1 if info.compress_type == zipfile.ZIP_STORED else _DEFLATE_RATIO
        if info.file_size > info.compress_size * ratio + 64:
            raise _Refused(
                f"member {info.filename!r} declares {info.file_size:,} bytes "
                f"from {info.compress_size:,} stored bytes"
            )
        members[name] = info
    return members


def _read_member(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo, shape: tuple[int, ...] | None
) -> np.ndarray:
    """One .npy member, read only after its header's shape and dtype are checked:
    ``shape`` when given, and shape times item size equal to the bytes that follow."""
    with archive.open(info) as member:
        version = np.lib.format.read_magic(member)
        if version != (1, 0):
            raise _Refused(f"member {info.filename!r}: .npy format {version} is not supported")
        declared, fortran_order, dtype = np.lib.format.read_array_header_1_0(member)
        if any(n < 0 for n in declared):
            raise _Refused(f"member {info.filename!r} has a negative dimension: {declared}")
        if dtype.hasobject:
            raise _Refused(f"member {info.filename!r} holds Python objects")
        if shape is not None and declared != shape:
            raise _Refused(f"member {info.filename!r} has shape {declared}, expected {shape}")
        data_bytes = info.file_size - member.tell()
        if math.prod(declared) * dtype.itemsize != data_bytes:
            raise _Refused(
                f"member {info.filename!r} declares shape {declared} of {dtype} "
                f"({math.prod(declared) * dtype.itemsize:,} bytes) but holds {data_bytes:,}"
            )
        data = member.read(data_bytes)
        if len(data) != data_bytes:
            raise _Refused(f"member {info.filename!r} is truncated")
    flat = np.frombuffer(data, dtype=dtype)
    return flat.reshape(declared, order="F") if fortran_order else flat.reshape(declared)


def _module_records(model: Sequential) -> list[dict[str, Any]]:
    """One JSON entry per module of ``model``, or a TypeError naming one that
    ``load`` could not rebuild."""
    records: list[dict[str, Any]] = []
    for i, module in enumerate(model.modules):
        kind = type(module)
        if kind is Linear:
            linear = cast(Linear, module)
            bias = linear.bias is not None
            records.append({"type": "Linear", "nin": linear.nin, "nout": linear.nout, "bias": bias})
        elif kind is LeakyReLU:
            slope = cast(LeakyReLU, module).negative_slope
            records.append({"type": "LeakyReLU", "negative_slope": slope})
        elif kind in _ACTIVATIONS.values():
            records.append({"type": kind.__name__})
        else:
            raise TypeError(
                "save() writes a Sequential of Linear, ReLU, Tanh, Sigmoid and LeakyReLU "
                f"modules; module {i} is a {kind.__name__}"
            )
    return records


def _build(config: dict[str, Any]) -> MLP | Sequential:
    """The model a checked architecture record describes (its weights still random)."""
    if "modules" not in config:
        return MLP(**config)
    modules: list[Module] = []
    for record in config["modules"]:
        if record["type"] == "Linear":
            # seed=0: the weights are overwritten next; the global generators stay as they are.
            modules.append(Linear(record["nin"], record["nout"], bias=record["bias"], seed=0))
        elif record["type"] == "LeakyReLU":
            modules.append(LeakyReLU(record["negative_slope"]))
        else:
            modules.append(_ACTIVATIONS[record["type"]]())
    return Sequential(*modules)


def _architecture(record: np.ndarray) -> dict[str, Any]:
    """The constructor arguments in a saved record, checked for type and format."""
    try:
        config = json.loads(str(record))
    # SystemError and UnicodeError: numpy turning a string array with invalid code
    # points into str.
    except (ValueError, RecursionError, UnicodeError, SystemError) as error:
        raise _Refused(f"bad architecture record ({error})") from None
    if isinstance(config, dict) and config.get("format") == _SEQUENTIAL_FORMAT:
        return {"modules": _sequential_records(config)}
    if not isinstance(config, dict) or config.get("format") != _FORMAT:
        raise _Refused(f"bad architecture record (not a {_FORMAT} or {_SEQUENTIAL_FORMAT} record)")
    config = {key: value for key, value in config.items() if key != "format"}
    nin, nouts = config.get("nin"), config.get("nouts")
    sizes_are_ints = isinstance(nouts, list) and all(_is_int(n) for n in [nin, *nouts])
    if not sizes_are_ints or not nouts or min(nin, *nouts) < 1:
        raise _Refused(f"bad architecture record (nin={nin!r}, nouts={nouts!r})")
    return config


def _is_int(n: object) -> bool:
    return isinstance(n, int) and not isinstance(n, bool)


def _sequential_records(config: dict[str, Any]) -> list[dict[str, Any]]:
    """The module entries of a Sequential record, each checked for its keys and types."""
    records = config.get("modules")
    if set(config) != {"format", "modules"} or not isinstance(records, list):
        raise _Refused("bad architecture record (a Sequential record holds a list of modules)")
    for i, record in enumerate(records):
        kind = record.get("type") if isinstance(record, dict) else None
        if kind == "Linear":
            keys, fits = {"type", "nin", "nout", "bias"}, _is_linear(record)
        elif kind == "LeakyReLU":
            slope = record.get("negative_slope")
            keys = {"type", "negative_slope"}
            fits = isinstance(slope, (int, float)) and not isinstance(slope, bool)
            fits = fits and math.isfinite(slope)
        else:
            keys, fits = {"type"}, kind in _ACTIVATIONS
        if not fits or set(record) != keys:
            raise _Refused(f"bad architecture record (module {i}: {record!r:.200})")
    return records


def _is_linear(record: dict[str, Any]) -> bool:
    sizes = [record.get("nin"), record.get("nout")]
    if not all(_is_int(n) for n in sizes):
        return False
    return min(cast(list[int], sizes)) >= 1 and isinstance(record.get("bias"), bool)


def _expected_shapes(config: dict[str, Any]) -> dict[str, tuple[int, ...]]:
    """The state_dict names and shapes of the model a record describes, without
    building it."""
    if "modules" in config:
        linears = [record for record in config["modules"] if record["type"] == "Linear"]
        layers = [(r["nin"], r["nout"], r["bias"]) for r in linears]
    else:
        sizes = [config["nin"], *config["nouts"]]
        layers = [(sizes[i], nout, True) for i, nout in enumerate(config["nouts"])]
    shapes: dict[str, tuple[int, ...]] = {}
    for k, (nin, nout, bias) in enumerate(layers):
        shapes[f"layers.{k}.weight"] = (nout, nin)
        if bias:
            shapes[f"layers.{k}.bias"] = (nout,)
    return shapes


__all__ = ["load", "save"]
