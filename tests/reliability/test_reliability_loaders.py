"""The loaders (``load_csv``, ``micrograd.load``, ``load_state_dict``) against hostile
input: the fuzz corpora and every saved finding replayed through the fuzz targets
(fuzz/targets.py, the code atheris runs), a short deterministic mutation run that
needs no atheris, and one readable regression test per finding.

A loader may return or raise what its docstring promises (ValueError, and TypeError
for ``load_state_dict``); anything else is a finding. Every finding so far is fixed;
a new one goes in OPEN_FINDINGS (xfail, strict) and fuzz/targets.py's KNOWN_FINDINGS
until it is.
"""

from __future__ import annotations

import io
import json
import random
import struct
import subprocess
import sys
import textwrap
import zipfile
import zlib
from pathlib import Path

import numpy as np
import pytest

import micrograd
from micrograd import MLP
from micrograd.datasets import load_csv

FUZZ = Path(__file__).resolve().parents[2] / "fuzz"
sys.path.insert(0, str(FUZZ))
import targets  # noqa: E402  (fuzz/targets.py)

CORPUS = {name: sorted((FUZZ / "corpus" / name).glob("*")) for name in targets.TARGETS}
# Findings not fixed yet (each also in fuzz/targets.py's KNOWN_FINDINGS).
OPEN_FINDINGS: dict[str, str] = {}
FINDINGS = [
    pytest.param(
        path,
        id=f"{path.parent.name}/{path.name}",
        marks=[pytest.mark.xfail(strict=True, reason=OPEN_FINDINGS[key])]
        if (key := f"{path.parent.name}/{path.name}") in OPEN_FINDINGS
        else [],
    )
    for path in sorted((FUZZ / "findings").glob("*/*"))
]


@pytest.fixture
def strict(monkeypatch):
    """Known findings count as findings again."""
    monkeypatch.setattr(targets, "STRICT", True)


@pytest.mark.parametrize("target", sorted(targets.TARGETS))
def test_the_fuzz_corpus_stays_within_the_contract(target):
    # Known findings pass here (the corpus may hold inputs that reach them); anything
    # new fails.
    assert CORPUS[target], f"fuzz/corpus/{target} is empty"
    for path in CORPUS[target]:
        targets.TARGETS[target](path.read_bytes())


def mutate(data: bytes, rng: random.Random) -> bytes:
    """libFuzzer's simplest moves: flip, insert, delete, duplicate, truncate."""
    data = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        move = rng.randrange(5)
        at = rng.randrange(len(data) + 1)
        if move == 0 and data:
            data[min(at, len(data) - 1)] ^= 1 << rng.randrange(8)
        elif move == 1:
            data[at:at] = bytes([rng.randrange(256)]) * rng.randint(1, 8)
        elif move == 2:
            del data[at : at + rng.randint(1, 16)]
        elif move == 3:
            data[at:at] = data[max(0, at - 16) : at]
        else:
            del data[at:]
    return bytes(data)


@pytest.mark.parametrize("target", sorted(targets.TARGETS))
def test_a_short_mutation_run_finds_nothing_new(target):
    # What CI can afford of fuzzing, without atheris: 1,000 mutants of the corpus, seeded.
    rng = random.Random(20261122)
    seeds = [path.read_bytes() for path in CORPUS[target]]
    for _ in range(1000):
        targets.TARGETS[target](mutate(rng.choice(seeds), rng))


@pytest.mark.parametrize("path", FINDINGS)
def test_every_saved_fuzz_finding_stays_fixed(path, strict):
    # Strict: a known finding counts, so that a regression shows here. (The
    # out-of-memory finding, a record asking for nin=2**70, is also replayed under a
    # memory cap by test_an_enormous_architecture_record_is_refused_before_building_it.)
    targets.TARGETS[path.parent.name](path.read_bytes())


# ---------------------------------------------------------------- readable regressions


def saved_model_bytes(config: object, compress: bool = False, **arrays: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    save = np.savez_compressed if compress else np.savez
    record = config if isinstance(config, str) else json.dumps(config)
    save(buffer, __config__=np.array(record), **arrays)
    return buffer.getvalue()


GOOD_CONFIG = {"format": "micrograd.MLP/1", **MLP(2, [3, 1], seed=0).config()}
GOOD_ARRAYS = MLP(2, [3, 1], seed=0).state_dict()


def load_bytes(tmp_path: Path, content: bytes) -> MLP:
    path = tmp_path / "model.npz"
    path.write_bytes(content)
    return micrograd.load(path)


def test_a_good_model_file_loads_and_broken_ones_raise_value_error(tmp_path):
    assert load_bytes(tmp_path, saved_model_bytes(GOOD_CONFIG, **GOOD_ARRAYS)).nin == 2
    for content in [
        b"",
        b"PK\x03\x04 not really",
        saved_model_bytes(GOOD_CONFIG, **GOOD_ARRAYS)[:100],
        saved_model_bytes({**GOOD_CONFIG, "nin": 3}, **GOOD_ARRAYS),
        saved_model_bytes({**GOOD_CONFIG, "format": "other"}, **GOOD_ARRAYS),
        saved_model_bytes("{not json", **GOOD_ARRAYS),
        saved_model_bytes(GOOD_CONFIG),
    ]:
        with pytest.raises(ValueError):
            load_bytes(tmp_path, content)


@pytest.mark.parametrize("record", ['"abc"', "5", "null", "1.5"])
def test_an_architecture_record_that_is_not_an_object_raises_value_error(tmp_path, record):
    with pytest.raises(ValueError):
        load_bytes(tmp_path, saved_model_bytes(record, **GOOD_ARRAYS))


def test_a_deeply_nested_architecture_record_raises_value_error(tmp_path):
    with pytest.raises(ValueError):
        load_bytes(tmp_path, saved_model_bytes("[" * 100_000, **GOOD_ARRAYS))


def corrupt_deflate() -> bytes:
    content = bytearray(saved_model_bytes(GOOD_CONFIG, compress=True, **GOOD_ARRAYS))
    with zipfile.ZipFile(io.BytesIO(bytes(content))) as archive:
        info = archive.getinfo("layers.0.weight.npy")
    # The member's data starts after its local header: 30 bytes, the name, the extra
    # field (whose lengths are at offsets 26 and 28 of the header).
    name_length, extra_length = struct.unpack_from("<HH", content, info.header_offset + 26)
    start = info.header_offset + 30 + name_length + extra_length
    for i in range(start + 2, start + 14):
        content[i] ^= 0x55
    with pytest.raises(zlib.error):  # the member really is damaged, at the zlib level
        with zipfile.ZipFile(io.BytesIO(bytes(content))) as archive:
            archive.read("layers.0.weight.npy")
    return bytes(content)


def zip_with_flags(flag_bits: int = 0, method: int | None = None) -> bytes:
    """A saved model whose every member header claims the given flag bits (5: patched
    data, 0: encrypted) or compression method."""
    content = bytearray(saved_model_bytes(GOOD_CONFIG, **GOOD_ARRAYS))
    for signature, flags_at, method_at in [(b"PK\x03\x04", 6, 8), (b"PK\x01\x02", 8, 10)]:
        at = content.find(signature)
        while at != -1:
            flags = struct.unpack_from("<H", content, at + flags_at)[0] | flag_bits
            struct.pack_into("<H", content, at + flags_at, flags)
            if method is not None:
                struct.pack_into("<H", content, at + method_at, method)
            at = content.find(signature, at + 4)
    return bytes(content)


ZIP_PROBLEMS = {
    "corrupt deflate data (zlib.error)": corrupt_deflate,
    "unknown compression method (NotImplementedError)": lambda: zip_with_flags(method=77),
    "patched data, flag bit 5 (NotImplementedError)": lambda: zip_with_flags(1 << 5),
    "encrypted members (RuntimeError)": lambda: zip_with_flags(1 << 0),
}


@pytest.mark.parametrize("make", list(ZIP_PROBLEMS.values()), ids=list(ZIP_PROBLEMS))
def test_a_damaged_archive_raises_value_error(tmp_path, make):
    with pytest.raises(ValueError):
        load_bytes(tmp_path, make())


def test_an_enormous_architecture_record_is_refused_before_building_it(tmp_path):
    path = tmp_path / "model.npz"
    path.write_bytes(saved_model_bytes({**GOOD_CONFIG, "nin": 2**70}, **GOOD_ARRAYS))
    code = textwrap.dedent(
        f"""
        import resource
        resource.setrlimit(resource.RLIMIT_AS, (512 * 2**20, 512 * 2**20))
        import micrograd
        try:
            micrograd.load({str(path)!r})
        except ValueError:
            print("refused")
        """
    )
    child = subprocess.run([sys.executable, "-c", code], capture_output=True, timeout=120)
    assert child.stdout.decode().strip() == "refused", child.stderr.decode()[-500:]


def test_a_good_csv_loads_and_broken_ones_raise_value_error(tmp_path):
    path = tmp_path / "data.csv"
    path.write_bytes(b"a,b,y\n1,2,cat\n3,4,dog\n")
    assert load_csv(path).class_names == ("cat", "dog")
    for content in [
        b"",
        b"\n\n",
        b"a,b\n",
        b"1,2\n3\n",
        b"x,1\n2,3\n",
        b"\xff\xfe1,2\n",
        b"1,2\n3,4\x00\n",
    ]:
        path.write_bytes(content)
        with pytest.raises(ValueError):
            load_csv(path)


def test_a_csv_with_a_huge_field_raises_value_error(tmp_path):
    path = tmp_path / "data.csv"
    path.write_bytes(b"1,2\n3," + b"9" * 200_000 + b"\n")
    with pytest.raises(ValueError):
        load_csv(path)


def test_state_dicts_of_the_wrong_shape_or_kind_raise_value_or_type_errors():
    model = MLP(2, [3, 1], seed=0)
    state = model.state_dict()
    for name, bad in [
        ("layers.0.weight", np.zeros((2, 3))),
        ("layers.0.weight", [[1.0, 2.0], [3.0]]),
        ("layers.0.bias", "abc"),
        ("layers.0.bias", None),
        ("layers.1.weight", np.full((1, 3), np.nan)),  # allowed: nan is a float
    ]:
        try:
            model.load_state_dict({**state, name: bad})
        except (ValueError, TypeError):
            pass
    with pytest.raises(ValueError):
        model.load_state_dict({**state, "extra": np.zeros(1)})


def test_a_state_dict_value_beyond_float_range_raises_type_or_value_error():
    model = MLP(2, [3, 1], seed=0)
    with pytest.raises((TypeError, ValueError)):
        model.load_state_dict({**model.state_dict(), "layers.1.bias": 10**400})


def test_a_string_array_with_invalid_code_points_raises_value_or_type_error(tmp_path):
    bad = np.frombuffer(b"\xff\xff\xff\xff" * 3, dtype="<U1")
    model = MLP(2, [3, 1], seed=0)
    with pytest.raises((TypeError, ValueError)):
        model.load_state_dict({**model.state_dict(), "layers.0.bias": bad})
    with pytest.raises(ValueError):
        arrays = {**GOOD_ARRAYS, "layers.0.bias": bad}
        load_bytes(tmp_path, saved_model_bytes(GOOD_CONFIG, **arrays))


def test_an_architecture_record_with_invalid_code_points_raises_value_error(tmp_path):
    record = np.frombuffer(b"\xff\xff\xff\xff", dtype="<U1").reshape(())
    buffer = io.BytesIO()
    np.savez(buffer, __config__=record, **GOOD_ARRAYS)
    with pytest.raises(ValueError):
        load_bytes(tmp_path, buffer.getvalue())
