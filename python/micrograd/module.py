"""``Module``: the one object model every network shares, scalar or Tensor.

A model is a tree of modules. Each parameter (a ``Value`` or a ``Tensor``) has one
name, PyTorch's: the path of attribute names and list indices that leads to it from
the model, joined by dots. ``MLP(2, [3, 1])`` has ``layers.0.neurons.2.w.1`` (that
is ``model.layers[0].neurons[2].w[1]``), ``Linear`` has ``weight`` and ``bias``.
``named_parameters()``, ``state_dict()``, ``load_state_dict()``, ``summary()``,
``name_parameters()`` and ``micrograd.save`` all read this one tree, so they work
alike for ``MLP``, ``Sequential`` and your own modules.

The tree comes from attributes, as in PyTorch: a Module attribute (or a list of
them) is a child; a Value or Tensor attribute (or a list of them) is a parameter.
Attributes whose names start with ``_`` are skipped. A class can say it otherwise
by overriding ``named_children`` or ``_parameter_groups`` (``Sequential``,
``Neuron`` do). Whatever a user-written ``parameters()`` returns beyond that tree is
named by its position in that list (``"0"``, ``"1"``, ...), so nothing is left out.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any, Union

import numpy as np

from micrograd import _core, _labels, _state, _summary
from micrograd._core import Tensor, Value

Parameter = Union[Value, Tensor]
# A parameter group: one Tensor, one Value, or a list of Values (one state array).
Group = Union[Tensor, Value, Sequence[Value]]


class Module:
    """Base class: anything with ``parameters()`` gets ``zero_grad()``, names,
    ``state_dict()`` and ``summary()``."""

    def parameters(self) -> Sequence[Parameter]:
        """The Values (scalar modules) or Tensors (``Linear``) that training updates.
        By default those of the tree, as ``named_parameters()`` lists them; a
        subclass may return its own list, Karpathy-style."""
        return [parameter for _, parameter in self.named_parameters()]

    def zero_grad(self) -> None:
        """Clears the gradient of everything ``parameters()`` returns, a subclass's
        additions included: a Value's ``grad`` becomes 0, a Tensor's None (as in
        PyTorch). One Rust call over the list."""
        _core.zero_grad(self.parameters())

    # ------------------------------------------------------------------ the tree

    def named_children(self) -> Iterator[tuple[str, Module]]:
        """The direct submodules with their names: Module attributes, and
        ``name.i`` for the i-th Module of a list or tuple attribute."""
        for name, item in _public_members(self):
            if isinstance(item, Module):
                yield name, item

    def children(self) -> Iterator[Module]:
        """The direct submodules, as ``named_children()`` lists them."""
        for _, child in self.named_children():
            yield child

    def named_modules(self, prefix: str = "") -> Iterator[tuple[str, Module]]:
        """This module (named ``prefix``) and every submodule under it, depth first,
        each once, named by its path: ``("", mlp), ("layers.0", layer), ...``."""
        seen: set[int] = set()
        pending: list[tuple[str, Module]] = [(prefix, self)]
        while pending:
            path, module = pending.pop()
            if id(module) in seen:
                continue
            seen.add(id(module))
            yield path, module
            children = [(_join(path, name), child) for name, child in module.named_children()]
            pending.extend(reversed(children))

    def named_parameters(self, prefix: str = "") -> Iterator[tuple[str, Parameter]]:
        """``(name, parameter)`` for each of ``parameters()``, in its order, named
        by place as PyTorch names them: ``layers.0.neurons.1.w.0`` in an MLP,
        ``layers.0.weight`` in a Sequential."""
        for name, parameter, _ in _walk_parameters(self, prefix):
            yield name, parameter

    def _parameter_groups(self) -> Iterator[tuple[str, Group]]:
        """This module's own parameters (not its children's), by name: a Tensor or
        Value attribute, or a list of Values (whose items are ``name.i``)."""
        for name, item in vars(self).items():
            if name.startswith("_"):
                continue
            if isinstance(item, (Value, Tensor)):
                yield name, item
            elif _is_list_of(item, Value):
                yield name, list(item)
            elif _is_list_of(item, Tensor):
                for i, tensor in enumerate(item):
                    yield f"{name}.{i}", tensor

    # ---------------------------------------------------------- state and labels

    def state_dict(self) -> dict[str, np.ndarray]:
        """The parameters as numpy arrays (copies), named like the parameters: a
        Tensor's name, a list of Values as one array. ``MLP`` and ``Sequential`` use
        PyTorch's ``layers.0.weight`` (nout, nin) and ``layers.0.bias``, so the two
        load each other's weights. Each array is read in one Rust call."""
        state: dict[str, np.ndarray] = {}
        for slot in _state.slots(self):
            state.update(slot.read())
        return state

    def load_state_dict(self, state: Mapping[str, object]) -> None:
        """Copies arrays from ``state`` into the parameters, after checking that the
        names and shapes match this model's ``state_dict()`` exactly; nothing is
        written unless everything fits. Each array is written in one Rust call."""
        slots = _state.slots(self)
        expected = {name: shape for slot in slots for name, shape in slot.shapes.items()}
        arrays = _state.checked_arrays(expected, state)
        for slot in slots:
            slot.write(arrays)

    def name_parameters(self, prefix: str = "") -> Module:
        """Labels every parameter after its place, so printed graphs read like the math:
        a neuron's ``w0, w1, ..., b``, ``N3.w1`` in a layer, ``L0.N3.w1`` in an MLP
        (``prefix`` goes in front). Returns this module: ``Neuron(2).name_parameters()``.
        """
        for name, parameter, owner in _walk_parameters(self, ""):
            if not isinstance(parameter, Value):
                raise TypeError(
                    f"name_parameters() labels Values; {type(owner).__name__} has a "
                    f"parameter of type {type(parameter).__name__}, which has no label"
                )
            parameter.label = prefix + _labels.short_label(name)
        return self

    def summary(self) -> str:
        """A table of the layers: shape (nin -> nout), activation, parameter count, total.
        ``print(model.summary())``."""
        return _summary.summary(self)

    def _summary_row(self) -> tuple[str, int, int, str] | None:
        """``(row name, nin, nout, activation)`` when this module is one layer of a
        summary table (``Neuron``, ``Layer``, ``Linear``); None otherwise."""
        return None

    def _summary_activation(self) -> str | None:
        """The activation's name when this module is one (``ReLU``); None otherwise."""
        return None


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def _is_list_of(item: object, kind: type) -> bool:
    return (
        isinstance(item, (list, tuple)) and len(item) > 0 and all(isinstance(x, kind) for x in item)
    )


def _public_members(module: Module) -> Iterator[tuple[str, object]]:
    """The attributes not starting with ``_``, a list or tuple's items as ``name.i``."""
    for name, item in vars(module).items():
        if name.startswith("_"):
            continue
        if isinstance(item, (list, tuple)):
            for i, element in enumerate(item):
                yield f"{name}.{i}", element
        else:
            yield name, item


def _walk_parameters(module: Module, prefix: str) -> Iterator[tuple[str, Any, Module]]:
    """``(name, parameter, owning module)`` for every parameter of the tree. When a
    module in it has a user-written ``parameters()``, the list is ``module``'s own
    ``parameters()``, each named from the tree or else by its index in that list."""
    named: dict[int, tuple[str, Any, Module]] = {}
    user_written = False
    for path, owner in module.named_modules(prefix):
        user_written = user_written or _state.user_parameters(owner)
        for name, group in owner._parameter_groups():
            full = _join(path, name)
            if isinstance(group, (Value, Tensor)):
                named.setdefault(id(group), (full, group, owner))
            else:
                for i, value in enumerate(group):
                    named.setdefault(id(value), (f"{full}.{i}", value, owner))
    if not user_written:
        yield from named.values()
        return
    for i, parameter in enumerate(module.parameters()):
        yield named.get(id(parameter), (_join(prefix, str(i)), parameter, module))
