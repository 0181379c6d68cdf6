"""Reliability, round 2 (issue 12): one class of bug per section, each fixed at its
root and pinned here. docs/reliability.md names these tests next to its promises.
"""

from __future__ import annotations

import io
import json
import math
import tracemalloc
import zipfile
from pathlib import Path

import numpy as np
import pytest

import micrograd
from micrograd import MLP, Tensor, Value, losses, optim, viz
from micrograd import nn as mnn
from micrograd.datasets import load_csv

# ---------------------------------------- load(): nothing is read before it is checked

GOOD_CONFIG = json.dumps({"format": "micrograd.MLP/1", **MLP(2, [3, 1], seed=0).config()})
GOOD_ARRAYS = MLP(2, [3, 1], seed=0).state_dict()


def npy_bytes(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.lib.format.write_array(buffer, array, allow_pickle=False)
    return buffer.getvalue()


def npy_header(shape: tuple[int, ...], descr: str = "<f8") -> bytes:
    buffer = io.BytesIO()
    header = {"descr": descr, "fortran_order": False, "shape": shape}
    np.lib.format.write_array_header_1_0(buffer, header)
    return buffer.getvalue()


def write_model(path: Path, members: dict[str, bytes], junk: tuple[str, int] | None = None) -> Path:
    """A saved-model archive with ``members`` (name -> .npy bytes), plus optionally a
    member ``junk[0]`` of ``junk[1]`` zero bytes, deflated, streamed to the file."""
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
        if junk is not None:
            name, size = junk
            info = zipfile.ZipInfo(name)
            info.compress_type = zipfile.ZIP_DEFLATED
            with archive.open(info, "w", force_zip64=True) as member:
                chunk = bytes(2**20)
                for _ in range(size // len(chunk)):
                    member.write(chunk)
    return path


def good_members() -> dict[str, bytes]:
    members = {"__config__.npy": npy_bytes(np.array(GOOD_CONFIG))}
    members.update({f"{name}.npy": npy_bytes(array) for name, array in GOOD_ARRAYS.items()})
    return members


def peak_bytes_of(call) -> int:
    tracemalloc.start()
    try:
        call()
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return peak


def test_a_good_hand_written_archive_loads(tmp_path):
    model = micrograd.load(write_model(tmp_path / "m.npz", good_members()))
    assert model.state_dict().keys() == GOOD_ARRAYS.keys()


@pytest.mark.parametrize("junk_name", ["junk.npy", "layers.0.weight.npy"])
def test_a_large_junk_member_is_refused_before_it_is_read(tmp_path, junk_name):
    members = good_members()
    members.pop(junk_name, None)
    path = write_model(tmp_path / "junk.npz", members, junk=(junk_name, 64 * 2**20))
    assert path.stat().st_size < 2**20  # 64 MiB of zeros, deflated
    errors = []

    def load():
        with pytest.raises(ValueError, match="junk.npz") as error:
            micrograd.load(path)
        errors.append(str(error.value))

    assert peak_bytes_of(load) < 2**20  # not one member's worth of memory
    assert junk_name in errors[0]


def test_a_header_declaring_more_data_than_the_member_holds_is_refused_before_allocating(
    tmp_path,
):
    members = good_members()
    members["layers.0.weight.npy"] = npy_header((2**40,)) + bytes(48)
    path = write_model(tmp_path / "liar.npz", members)
    with pytest.raises(ValueError, match=r"shape \(1099511627776,\)"):
        micrograd.load(path)
    members["layers.0.weight.npy"] = npy_header((3, 2)) + bytes(8)  # 48 bytes declared
    with pytest.raises(ValueError, match="holds 8"):
        micrograd.load(write_model(tmp_path / "short.npz", members))
    members = good_members()
    members["__config__.npy"] = npy_header((2**40,), "<U1000") + bytes(16)
    path = write_model(tmp_path / "record.npz", members)
    assert peak_bytes_of(lambda: pytest.raises(ValueError, micrograd.load, path)) < 2**20


def test_archives_with_odd_members_are_refused_with_value_error(tmp_path):
    cases = {
        "object dtype": {"layers.1.bias.npy": npy_header((1,), "|O") + bytes(8)},
        "negative dim": {"layers.1.bias.npy": npy_header((-1,))},
        "no record": {"__config__.npy": None},
        "stray member": {"notes.txt": b"hello"},
    }
    for label, changes in cases.items():
        members = {**good_members(), **changes}
        members = {name: data for name, data in members.items() if data is not None}
        with pytest.raises(ValueError):
            micrograd.load(write_model(tmp_path / f"{label.replace(' ', '_')}.npz", members))
    duplicate = tmp_path / "duplicate.npz"
    with pytest.warns(UserWarning, match="Duplicate name"):
        write_model(duplicate, good_members(), junk=("layers.0.bias.npy", 0))
    with pytest.raises(ValueError, match="appears twice"):
        micrograd.load(duplicate)
    bz2 = tmp_path / "bz2.npz"
    with zipfile.ZipFile(bz2, "w", compression=zipfile.ZIP_BZIP2) as archive:
        for name, data in good_members().items():
            archive.writestr(name, data)
    with pytest.raises(ValueError, match="unsupported compression"):
        micrograd.load(bz2)


# ---------------------------------------- nan propagates through relu, max and hinge


def test_hinge_loss_propagates_nan_on_both_engines_forward_and_backward():
    scores = Tensor([math.nan, 0.5], requires_grad=True)
    loss = losses.hinge_loss(scores, [1.0, -1.0])
    assert math.isnan(loss.item())
    loss.backward()
    assert math.isnan(scores.grad[0]) and scores.grad[1] == 0.5
    values = [Value(math.nan), Value(0.5)]
    scalar = losses.hinge_loss(values, [1.0, -1.0])
    assert math.isnan(scalar.data)
    scalar.backward()
    assert math.isnan(values[0].grad) and values[1].grad == 0.5


@pytest.mark.parametrize("op", ["relu", "leaky_relu"])
def test_relu_propagates_nan_into_the_gradient_on_both_engines(op):
    x = Value(math.nan)
    out = getattr(x, op)()
    out.backward()
    assert math.isnan(out.data) and math.isnan(x.grad)
    t = Tensor([math.nan, 2.0, -2.0], requires_grad=True)
    result = getattr(t, op)()
    result.sum().backward()
    assert math.isnan(result.numpy()[0]) and math.isnan(t.grad[0])
    assert t.grad[1] == 1.0 and t.grad[2] == (0.0 if op == "relu" else 0.01)


def test_max_propagates_nan_forward_and_backward():
    t = Tensor([[math.nan, 1.0], [2.0, 3.0]], requires_grad=True)
    assert math.isnan(t.max().item())
    per_row = t.max(axis=1)
    assert math.isnan(per_row.numpy()[0]) and per_row.numpy()[1] == 3.0
    per_row.sum().backward()
    assert np.isnan(t.grad[0]).all() and t.grad[1].tolist() == [0.0, 1.0]


# ---------------------------------------- optimizers: params and hyper-parameters

OPTIMIZERS = [optim.SGD, optim.Adam, optim.AdamW, optim.RMSprop, optim.Adagrad]


@pytest.mark.parametrize("make", OPTIMIZERS, ids=lambda c: c.__name__)
@pytest.mark.parametrize("bare", [Tensor([[1.0, 2.0]], requires_grad=True), Value(1.0)])
def test_a_bare_parameter_instead_of_a_list_is_a_type_error(make, bare):
    with pytest.raises(TypeError, match=r"params must be an iterable.*got a single"):
        make(bare)


@pytest.mark.parametrize("make", OPTIMIZERS, ids=lambda c: c.__name__)
def test_a_parameter_listed_twice_is_updated_once_on_both_engines(make):
    def run(twice: bool) -> tuple[float, list[float]]:
        v, t = Value(1.0), Tensor([1.0, -2.0], requires_grad=True)
        opt = make([v, t, v, t] if twice else [v, t], lr=0.1)
        for _ in range(3):
            opt.zero_grad()
            (v * v).backward()
            (t * t).sum().backward()
            opt.step()
        return v.data, t.tolist()

    assert run(twice=True) == run(twice=False)


def test_wrappers_of_the_same_node_count_as_one_parameter():
    neuron = mnn.Neuron(1)
    w_first, w_again = neuron.w[0], neuron.w[0]  # two Python objects, one node
    before = w_first.data
    w_first.grad = 1.0
    optim.SGD([w_first, w_again], lr=0.5).step()
    assert w_first.data == before - 0.5


BAD_HYPERPARAMETERS = [
    (optim.SGD, "lr", [math.nan, math.inf, -1.0]),
    (optim.SGD, "momentum", [math.nan, math.inf, -0.5]),
    (optim.SGD, "dampening", [math.nan, math.inf, -0.5, 1.5]),
    (optim.SGD, "weight_decay", [math.nan, math.inf, -1.0]),
    (optim.Adam, "eps", [math.nan, math.inf, -1.0]),
    (optim.Adam, "weight_decay", [math.nan, math.inf]),
    (optim.AdamW, "weight_decay", [math.nan, -1.0]),
    (optim.RMSprop, "alpha", [math.nan, math.inf, -0.1, 1.5]),
    (optim.RMSprop, "eps", [math.nan, math.inf]),
    (optim.RMSprop, "momentum", [math.nan, math.inf]),
    (optim.Adagrad, "lr_decay", [math.nan, math.inf, -1.0]),
    (optim.Adagrad, "initial_accumulator_value", [math.nan, math.inf, -1.0]),
    (optim.Adagrad, "eps", [math.nan, math.inf]),
]


@pytest.mark.parametrize(
    "make, name, bad",
    [(make, name, bad) for make, name, values in BAD_HYPERPARAMETERS for bad in values],
    ids=str,
)
def test_every_float_hyperparameter_must_be_finite_and_in_range(make, name, bad):
    with pytest.raises(ValueError, match=rf"^{name} must be"):
        make([Value(1.0)], **{name: bad})


@pytest.mark.parametrize("make", [optim.Adam, optim.AdamW], ids=lambda c: c.__name__)
@pytest.mark.parametrize("bad", [math.nan, math.inf, -0.1, 1.0])
def test_betas_must_be_in_the_unit_interval(make, bad):
    for i, betas in enumerate([(bad, 0.999), (0.9, bad)]):
        with pytest.raises(ValueError, match=rf"^betas\[{i}\] must be"):
            make([Value(1.0)], betas=betas)


def test_the_learning_rate_setter_refuses_nan_and_inf():
    opt = optim.SGD([Value(1.0)], lr=0.1)
    for bad in [math.nan, math.inf, -0.1]:
        with pytest.raises(ValueError, match="^lr must be"):
            opt.lr = bad
    assert opt.lr == 0.1


# ---------------------------------------- losses: shapes must match


@pytest.mark.parametrize(
    "loss", [losses.mse_loss, losses.hinge_loss, losses.binary_cross_entropy_with_logits]
)
def test_a_tensor_loss_refuses_targets_of_another_shape(loss):
    with pytest.raises(ValueError, match=r"\(2, 3\) and \(3, 2\) do not fit"):
        loss(Tensor.zeros(2, 3), np.zeros((3, 2)))
    with pytest.raises(ValueError, match=r"\(3,\) and \(3, 1\) do not fit"):
        loss(Tensor.zeros(3), np.zeros((3, 1)))
    with pytest.raises(ValueError, match=r"\(6, 1\) and \(2, 3\) do not fit"):
        loss(Tensor.zeros(6, 1), np.zeros((2, 3)))
    # The one documented exception: a column of predictions against a vector.
    column = Tensor([[0.5], [-1.0]], requires_grad=True)
    loss(column, [1.0, -1.0]).backward()
    assert column.grad.shape == (2, 1)
    assert loss(column, [1.0, -1.0]).item() == loss(Tensor([0.5, -1.0]), [1.0, -1.0]).item()


# ---------------------------------------- zero_grad clears all of parameters()


class KarpathyStyle(MLP):
    """A subclass adding its own scalar parameter, as Karpathy-style code does."""

    def __init__(self) -> None:
        super().__init__(2, [3, 1], seed=0)
        self.temperature = Value(1.0)

    def parameters(self) -> list[Value]:
        return [*super().parameters(), self.temperature]


def test_zero_grad_clears_every_parameter_a_subclass_adds():
    model = KarpathyStyle()
    for _ in range(2):
        model.zero_grad()
        (model([1.0, 2.0]) * model.temperature).backward()
    assert model.temperature.grad == model([1.0, 2.0]).data  # one backward's worth
    model.zero_grad()
    assert all(p.grad == 0 for p in model.parameters())


def test_zero_grad_of_any_module_clears_values_and_tensors():
    class Mixed(mnn.Module):
        def __init__(self) -> None:
            self.v, self.t = Value(1.0), Tensor([1.0], requires_grad=True)

        def parameters(self):
            return [self.v, self.t]

    module = Mixed()
    (module.v * 2).backward()
    (module.t * 2).sum().backward()
    module.zero_grad()
    assert module.v.grad == 0 and module.t.grad is None


# ---------------------------------------- smaller ones


@pytest.mark.parametrize("seed", [0, 2**32 - 1, 2**63, 2**64 - 1, np.uint64(2**64 - 1)])
def test_linear_takes_every_seed_and_keeps_its_streams(seed):
    layer = mnn.Linear(2, 3, seed=seed)
    again = mnn.Linear(2, 3, seed=seed)
    assert layer.bias.tolist() == again.bias.tolist()
    bound = 1 / math.sqrt(2)
    bias_seed = (int(seed) + 1) % 2**64
    expected = Tensor.uniform([3], -bound, bound, seed=bias_seed)
    assert layer.bias.tolist() == expected.tolist()


@pytest.mark.parametrize(
    "seed, error", [(-1, ValueError), (2**64, ValueError), (1.5, TypeError), ("1", TypeError)]
)
def test_linear_refuses_a_bad_seed_naming_it(seed, error):
    with pytest.raises(error, match="^seed must be"):
        mnn.Linear(2, 3, seed=seed)


def test_loaders_raise_value_error_for_a_directory_and_file_not_found_for_a_missing_file(
    tmp_path,
):
    for load in (load_csv, micrograd.load):
        with pytest.raises(ValueError, match=str(tmp_path)):
            load(tmp_path)
        with pytest.raises(FileNotFoundError):
            load(tmp_path / "missing")


FORGING_LABELS = {
    "x\n└── data = 9.0000, grad = 0.0000 ← forged": "x\\n└── data = 9.0000",
    "nul\x00": "nul\\x00",
    "sep\u2028x": "sep\\u2028x",
    "cr\r\t": "cr\\r\\t",
}


@pytest.mark.parametrize("label", FORGING_LABELS)
def test_tree_escapes_control_characters_in_labels(label):
    text = viz.tree(Value(2.0, label=label) * Value(3.0))
    lines = text.split("\n")
    assert len(lines) == 3  # the product and its two operands, nothing forged
    assert all(line.isprintable() for line in lines)
    assert FORGING_LABELS[label] in text


@pytest.mark.parametrize("label", FORGING_LABELS)
def test_to_dot_writes_no_control_characters(label):
    source = viz.to_dot(Value(2.0, label=label) * 3.0)
    lines = source.split("\n")
    assert all(line.replace("\t", "").isprintable() for line in lines)
    assert len(lines) == 2 + 4 + 3 + 2  # header, 4 nodes, 3 edges, "}" and the end
