"""What each fuzz target feeds the loaders, and which outcomes are allowed.

A loader may return, or raise the exceptions its docstring promises; anything else
(another exception type, a crash, a hang) is a finding. These functions take the raw
fuzz input (bytes), so the atheris harness (fuzz/fuzz_loaders.py) and the regression
tests (tests/reliability/test_reliability_loaders.py, which replay fuzz/corpus and fuzz/findings)
run exactly the same code.

- ``csv``: ``micrograd.datasets.load_csv``; the first bytes choose ``delimiter``,
  ``header`` and ``target``, the rest is the file. Allowed: ``ValueError`` (which
  ``UnicodeDecodeError`` is), and ``TypeError`` only for a ``target`` of the wrong type.
- ``model``: ``micrograd.load`` on a file. The first byte picks raw mode (the bytes are
  the file) or structured mode (the bytes describe an .npz: its JSON architecture
  record, its arrays' names, shapes and dtypes, then optional corruption), which gets
  past the zip CRCs to the JSON and the shapes. Allowed: ``ValueError``.
- ``state_dict``: ``MLP.load_state_dict`` and ``Sequential.load_state_dict`` on a
  mapping built from the bytes (names, shapes, dtypes, values, nested lists, junk).
  Allowed: ``ValueError`` and ``TypeError``.
"""

from __future__ import annotations

import atexit
import io
import json
import os
import shutil
import struct
import tempfile
import zipfile
from collections.abc import Callable

import numpy as np

import micrograd
from micrograd.datasets import load_csv
from micrograd.nn import MLP, Linear, ReLU, Sequential

SCRATCH = tempfile.mkdtemp(
    prefix="micrograd-fuzz-", dir="/dev/shm" if os.path.isdir("/dev/shm") else None
)
atexit.register(shutil.rmtree, SCRATCH, ignore_errors=True)


class Finding(AssertionError):
    """A loader did something its contract does not allow."""


# Findings reported and not yet fixed, each with an xfail regression test
# (tests/reliability/test_reliability_loaders.py) and an input in fuzz/findings/. The harness lets
# them pass, so that a run goes on looking for new ones, unless MICROGRAD_FUZZ_STRICT=1.
# Remove an entry once fixed.
KNOWN_FINDINGS: set[tuple[str, str, str]] = set()  # (target, exception type, message text)
STRICT = os.environ.get("MICROGRAD_FUZZ_STRICT") == "1"


def known_finding(target: str, error: BaseException) -> bool:
    """Whether ``error`` from ``target`` is one of KNOWN_FINDINGS."""
    return any(
        target == known_target and type(error).__name__ == kind and text in str(error)
        for known_target, kind, text in KNOWN_FINDINGS
    )


def _finding(target: str, error: BaseException) -> Finding | None:
    """The Finding to raise for ``error``, or None for a known one (not in strict mode)."""
    if known_finding(target, error) and not STRICT:
        return None
    return Finding(f"{target}: {type(error).__module__}.{type(error).__qualname__}: {error}")


class Reader:
    """Bytes read as a stream of small choices (a minimal FuzzedDataProvider that
    needs no atheris, so the regression tests can replay inputs without it)."""

    def __init__(self, data: bytes) -> None:
        self.data, self.pos = data, 0

    def byte(self) -> int:
        if self.pos >= len(self.data):
            return 0
        self.pos += 1
        return self.data[self.pos - 1]

    def pick(self, options: list):
        return options[self.byte() % len(options)]

    def int(self, low: int, high: int) -> int:
        return low + int.from_bytes(bytes(self.byte() for _ in range(4)), "little") % (
            high - low + 1
        )

    def float(self) -> float:
        raw = bytes(self.byte() for _ in range(8))
        return self.pick(
            [struct.unpack("<d", raw)[0], 0.0, 1.0, -1.0, float("nan"), float("inf"), 1e308]
        )

    def text(self, limit: int = 40) -> str:
        size = self.byte() % (limit + 1)
        chunk = self.data[self.pos : self.pos + size]
        self.pos += size
        return chunk.decode("utf-8", "replace")

    def rest(self) -> bytes:
        chunk = self.data[self.pos :]
        self.pos = len(self.data)
        return chunk


def _scratch_file(name: str, content: bytes) -> str:
    path = os.path.join(SCRATCH, name)
    with open(path, "wb") as file:
        file.write(content)
    return path


# ---------------------------------------------------------------- csv


def check_csv(data: bytes) -> None:
    r = Reader(data)
    delimiter = r.pick([",", ";", "\t", "|", " ", ","])
    header = r.pick([None, True, False])
    target = r.pick([None, 0, 1, -1, 2, -3, 99, "y", "a", "target", None])
    path = _scratch_file("input.csv", r.rest())
    try:
        load_csv(path, target=target, header=header, delimiter=delimiter)
    except ValueError:
        pass
    except BaseException as error:  # noqa: BLE001 - the point is to see everything
        finding = _finding("load_csv", error)
        if finding:
            raise finding from error


# ---------------------------------------------------------------- model files

ARRAY_NAMES = ["layers.0.weight", "layers.0.bias", "layers.1.weight", "layers.1.bias"]
DTYPES = ["<f8", "<f4", "<i8", "|b1", "<c16", "<U3", "|S2", "<m8[s]", "<f2", ">f8"]


def _config(r: Reader) -> str:
    """A JSON architecture record: usually close to a real one, sometimes anything."""
    good = {
        "format": "micrograd.MLP/1",
        "nin": 2,
        "nouts": [3, 1],
        "activation": "relu",
        "output_activation": "linear",
    }
    mode = r.byte() % 6
    if mode == 0:
        return json.dumps(good)
    if mode == 1:
        return r.text(200)  # not JSON at all, mostly
    junk = [None, True, 0, -1, 2, 1e300, 2**70, "relu", "x", [], [3, 1], {}, [[1]], "nan", 2.0]
    config = dict(good)
    for _ in range(1 + r.byte() % 3):
        key = r.pick(list(good) + ["extra", "nin"])
        if r.byte() % 4 == 0:
            config.pop(key, None)
        else:
            config[key] = r.pick(junk + [r.int(-5, 50), [r.int(0, 5)] * r.int(0, 4)])
    if mode == 2:
        return json.dumps(r.pick([config, [config], "config", 5, None, [], "[" * 5]))
    return json.dumps(config)


def _array(r: Reader) -> np.ndarray:
    dtype = np.dtype(r.pick(DTYPES))
    shape = tuple(r.pick([0, 1, 2, 3, 4]) for _ in range(r.byte() % 4))
    count = int(np.prod(shape, dtype=np.int64))
    raw = bytes(r.byte() for _ in range(count * dtype.itemsize))
    return np.frombuffer(raw, dtype=dtype).reshape(shape).copy()


def model_file_bytes(r: Reader) -> bytes:
    """An .npz archive described by the reader (structured mode)."""
    arrays: dict[str, np.ndarray] = {}
    if r.byte() % 8:
        arrays["__config__"] = np.array(_config(r))
    for _ in range(r.byte() % 6):
        odd_name = "".join(c for c in r.text(8) if c.isalnum() or c in "._-") or "x"
        arrays[r.pick(ARRAY_NAMES + ["__config__", "layers.2.weight", odd_name])] = _array(r)
    buffer = io.BytesIO()
    compression = r.pick([zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED])
    with zipfile.ZipFile(buffer, "w", compression=compression) as archive:
        for name, array in arrays.items():
            member = io.BytesIO()
            np.lib.format.write_array(member, array, allow_pickle=False)
            archive.writestr(name + ".npy", member.getvalue())
    content = bytearray(buffer.getvalue())
    for _ in range(r.byte() % 3):  # flip a few bytes anywhere: headers, data, CRCs
        if content:
            content[r.int(0, len(content) - 1)] ^= r.byte() or 1
    if r.byte() % 5 == 0:
        content = content[: r.int(0, len(content))]
    return bytes(content)


def check_model_file(data: bytes) -> None:
    r = Reader(data)
    if r.byte() % 2:
        content = r.rest()  # raw: the bytes are the file
    else:
        content = model_file_bytes(r)
    path = _scratch_file("model.npz", content)
    try:
        micrograd.load(path)
    except ValueError:
        pass
    except BaseException as error:  # noqa: BLE001
        finding = _finding("micrograd.load", error)
        if finding:
            raise finding from error


# ---------------------------------------------------------------- state dicts


def _state_value(r: Reader) -> object:
    kind = r.byte() % 9
    if kind <= 3:
        return _array(r)
    if kind == 4:
        return [[r.float() for _ in range(r.byte() % 3)] for _ in range(r.byte() % 4)]
    if kind == 5:
        return r.float()
    if kind == 6:
        return r.pick([None, "abc", b"\x00", {}, object(), [[1.0], [1.0, 2.0]], 10**400])
    if kind == 7:  # the right shape, odd contents
        return np.full(r.pick([(3, 2), (3,), (1, 3), (1,)]), r.float())
    return r.text(10)


def check_state_dict(data: bytes) -> None:
    r = Reader(data)
    mlp = MLP(2, [3, 1], seed=0)
    seq = Sequential(Linear(2, 3, seed=0), ReLU(), Linear(3, 1, seed=1))
    state: dict[object, object] = {}
    base = mlp.state_dict()
    if r.byte() % 2:
        state.update({name: array.copy() for name, array in base.items()})
    for _ in range(r.byte() % 5):
        key = r.pick(ARRAY_NAMES + ["layers.2.weight", "", 0, None, ("a",), r.text(6)])
        state[key] = _state_value(r)
    for model in (mlp, seq):
        try:
            model.load_state_dict(state)
        except (ValueError, TypeError):
            pass
        except BaseException as error:  # noqa: BLE001
            finding = _finding(f"{type(model).__name__}.load_state_dict", error)
            if finding:
                raise finding from error


def frozen(target: str, data: bytes) -> bytes:
    """An input that replays the same way after the decoders here change: for the
    model target, the .npz the structured mode built, in raw mode. Save findings
    frozen: ``python fuzz/targets.py freeze model crash-...  fuzz/findings/model/name``."""
    if target == "model" and data and data[0] % 2 == 0:
        reader = Reader(data)
        reader.byte()
        return b"\x01" + model_file_bytes(reader)
    return data


TARGETS: dict[str, Callable[[bytes], None]] = {
    "csv": check_csv,
    "model": check_model_file,
    "state_dict": check_state_dict,
}


if __name__ == "__main__":
    import sys

    if len(sys.argv) != 5 or sys.argv[1] != "freeze" or sys.argv[2] not in TARGETS:
        sys.exit(f"usage: {sys.argv[0]} freeze {{{','.join(TARGETS)}}} INPUT OUTPUT")
    with open(sys.argv[3], "rb") as source, open(sys.argv[4], "wb") as out:
        out.write(frozen(sys.argv[2], source.read()))
