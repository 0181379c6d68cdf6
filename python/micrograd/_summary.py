"""A model at a glance: one row per layer with its shape, activation and parameters.

    MLP(2, [16, 16, 1])
    module   shape     activation  parameters
    layer 0  2 -> 16   relu                48
    layer 1  16 -> 16  relu               272
    layer 2  16 -> 1   linear              17
    total                                 337

Modules are recognised by shape (``layers``, ``neurons``, ``w``), like the
parameter names in ``_labels``, so any module built the same way is summarised.
"""

from __future__ import annotations

from typing import Any

HEADER = ("module", "shape", "activation", "parameters")


def summary(module: Any) -> str:
    """The summary table of ``module`` (an MLP, a Layer, a Neuron or any Module)."""
    kind = type(module).__name__
    if hasattr(module, "layers"):
        rows = [_layer_row(f"layer {i}", layer) for i, layer in enumerate(module.layers)]
        title = (
            f"{kind}({_fan_in(module.layers[0])}, {[len(lay.neurons) for lay in module.layers]})"
        )
    elif hasattr(module, "neurons"):
        rows = [_layer_row("layer", module)]
        title = f"{kind}({_fan_in(module)}, {len(module.neurons)})"
    elif hasattr(module, "w"):
        rows = [("neuron", f"{len(module.w)} -> 1", module.activation, len(module.parameters()))]
        title = f"{kind}({len(module.w)})"
    else:
        return f"{kind}: {_scalar_count(module.parameters()):,} parameters"
    total = sum(count for *_, count in rows)
    return "\n".join([title, *_table([*rows, ("total", "", "", total)])])


def _layer_row(name: str, layer: Any) -> tuple[str, str, str, int]:
    # A Layer passes the same keyword arguments to each neuron, so one activation
    # is the rule; a hand-built layer that mixes them lists each once.
    activations = dict.fromkeys(neuron.activation for neuron in layer.neurons)
    parameters = sum(len(neuron.parameters()) for neuron in layer.neurons)
    shape = f"{_fan_in(layer)} -> {len(layer.neurons)}"
    return (name, shape, "/".join(activations), parameters)


def _scalar_count(parameters: list[Any]) -> int:
    """How many numbers ``parameters`` hold: one per Value, ``size`` per Tensor."""
    return sum(getattr(p, "size", 1) for p in parameters)


def _fan_in(layer: Any) -> int:
    return len(layer.neurons[0].w)


def _table(rows: list[tuple[str, str, str, int]]) -> list[str]:
    """The header and ``rows`` in aligned columns, parameter counts right-aligned."""
    cells = [HEADER, *((name, shape, act, f"{count:,}") for name, shape, act, count in rows)]
    widths = [max(len(row[column]) for row in cells) for column in range(len(HEADER))]
    return [
        "  ".join(
            [
                *(cell.ljust(width) for cell, width in zip(row[:-1], widths)),
                row[-1].rjust(widths[-1]),
            ]
        )
        for row in cells
    ]
