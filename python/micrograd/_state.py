"""A model's state as named arrays: the slots ``state_dict()`` reads and
``load_state_dict()`` writes, and the check of a ``state_dict`` before loading it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import numpy as np

from micrograd import _core
from micrograd._convert import as_float_array
from micrograd._core import Tensor, Value

if TYPE_CHECKING:
    from micrograd.module import Module


def checked_arrays(
    expected: Mapping[str, tuple[int, ...]], state: Mapping[str, object]
) -> dict[str, np.ndarray]:
    """``state``'s arrays as float64, after checking that the names are exactly
    ``expected``'s and every shape matches; errors name what does not fit."""
    missing = sorted(set(expected) - set(state))
    unexpected = sorted(set(state) - set(expected))
    if missing or unexpected:
        raise ValueError(
            f"state_dict does not fit this model: missing {missing}, unexpected {unexpected}"
        )
    arrays = {}
    for name, shape in expected.items():
        argument = f"state_dict[{name!r}]"
        try:
            # Real numbers only: a complex array would lose its imaginary part.
            array = as_float_array(state[name], argument)
        # OverflowError: an int beyond float range; SystemError and UnicodeError:
        # numpy reading strings with invalid code points.
        except (OverflowError, SystemError, UnicodeError) as error:
            raise TypeError(f"{argument} must be numeric: {error}") from None
        if array.shape != tuple(shape):
            raise ValueError(f"state_dict[{name!r}] has shape {array.shape}, expected {shape}")
        arrays[name] = array
    return arrays


class Slot:
    """Some of a model's parameters as named arrays: read as copies, written from
    checked arrays. Each read or write is one Rust call (or one Tensor copy)."""

    shapes: dict[str, tuple[int, ...]]

    def members(self) -> list[object]:
        """The parameters this slot holds."""
        raise NotImplementedError

    def read(self) -> dict[str, np.ndarray]:
        raise NotImplementedError

    def write(self, arrays: Mapping[str, np.ndarray]) -> None:
        raise NotImplementedError


class TensorSlot(Slot):
    def __init__(self, name: str, tensor: Tensor) -> None:
        self.name, self.tensor = name, tensor
        self.shapes = {name: tensor.shape}

    def members(self) -> list[object]:
        return [self.tensor]

    def read(self) -> dict[str, np.ndarray]:
        # A copy, not the live read-only view `numpy()` gives: a saved state must
        # not change as training goes on.
        return {self.name: self.tensor.numpy().copy()}

    def write(self, arrays: Mapping[str, np.ndarray]) -> None:
        self.tensor.copy_(arrays[self.name])


class ValuesSlot(Slot):
    """Values as one array of ``shape`` (a Value alone has shape ``()``)."""

    def __init__(self, name: str, values: list[Value], shape: tuple[int, ...]) -> None:
        self.name, self.values = name, values
        self.shapes = {name: shape}

    def members(self) -> list[object]:
        return list(self.values)

    def read(self) -> dict[str, np.ndarray]:
        return {self.name: _core.values_data(self.values).reshape(self.shapes[self.name])}

    def write(self, arrays: Mapping[str, np.ndarray]) -> None:
        _core.set_values_data(self.values, np.ravel(arrays[self.name]))


class RowsSlot(Slot):
    """A layer of neurons as PyTorch's ``weight`` (nout, nin) and ``bias`` (nout,):
    ``values`` holds each neuron's weights then its bias, neuron after neuron."""

    def __init__(self, prefix: str, values: list[Value], nout: int, nin: int) -> None:
        self.weight, self.bias = f"{prefix}weight", f"{prefix}bias"
        self.values, self.nin = values, nin
        self.shapes = {self.weight: (nout, nin), self.bias: (nout,)}

    def members(self) -> list[object]:
        return list(self.values)

    def read(self) -> dict[str, np.ndarray]:
        rows = _core.values_data(self.values).reshape(-1, self.nin + 1)
        return {self.weight: rows[:, : self.nin].copy(), self.bias: rows[:, self.nin].copy()}

    def write(self, arrays: Mapping[str, np.ndarray]) -> None:
        rows = np.concatenate([arrays[self.weight], arrays[self.bias][:, None]], axis=1)
        _core.set_values_data(self.values, rows.ravel())


def slots(model: Module) -> list[Slot]:
    """The slots of every parameter of ``model``, named as ``named_parameters()``
    names them (a list of Values as one array; a module with a ``_state_slots``
    method, such as ``Layer``, lays out its whole subtree itself). Parameters that
    only a user-written ``parameters()`` returns get a slot each, named by index."""
    found: list[Slot] = []
    seen: set[int] = set()
    pending: list[tuple[str, Module]] = [("", model)]
    while pending:
        path, module = pending.pop()
        if id(module) in seen:
            continue
        seen.add(id(module))
        prefix = f"{path}." if path else ""
        custom = getattr(module, "_state_slots", None)
        if custom is not None:
            found.extend(custom(prefix))
            continue
        for name, group in module._parameter_groups():
            found.append(_group_slot(prefix + name, group))
        children = [(prefix + name, child) for name, child in module.named_children()]
        pending.extend(reversed(children))
    if any(user_parameters(m) for _, m in model.named_modules()):
        found.extend(_leftover_slots(model, found))
    return found


def _group_slot(name: str, group: object) -> Slot:
    if isinstance(group, Tensor):
        return TensorSlot(name, group)
    if isinstance(group, Value):
        return ValuesSlot(name, [group], ())
    values = list(group)  # type: ignore[call-overload]
    return ValuesSlot(name, values, (len(values),))


def _leftover_slots(model: Module, found: list[Slot]) -> list[Slot]:
    """A slot for each of ``model.parameters()`` that no slot in ``found`` holds."""
    held = {id(member) for slot in found for member in slot.members()}
    leftovers = []
    for i, parameter in enumerate(model.parameters()):
        if id(parameter) in held:
            continue
        if not isinstance(parameter, (Value, Tensor)):
            raise TypeError(
                f"parameters()[{i}] of {type(model).__name__} is a "
                f"{type(parameter).__name__}, not a Value or a Tensor"
            )
        held.add(id(parameter))
        leftovers.append(_group_slot(str(i), parameter))
    return leftovers


def user_parameters(module: Module) -> bool:
    """Whether ``module``'s ``parameters()`` is written outside micrograd, so that it
    may return more than the module tree holds."""
    owner = next(c for c in type(module).__mro__ if "parameters" in vars(c))
    return not owner.__module__.startswith("micrograd.")
