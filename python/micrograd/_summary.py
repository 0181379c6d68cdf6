"""A model at a glance: one row per layer with its shape, activation and parameters.

    MLP(2, [16, 16, 1])
    module   shape     activation  parameters
    layer 0  2 -> 16   relu                48
    layer 1  16 -> 16  relu               272
    layer 2  16 -> 1   linear              17
    total                                 337

The rows come from the module tree (``Module.children()``): a module that is a
layer says so with ``_summary_row()`` (``Neuron``, ``Layer``, ``Linear``), an
activation module with ``_summary_activation()`` (it fills in the activation of
the layer before it, as in a ``Sequential``), and any other module contributes the
layers inside it. A ``Sequential(Linear(2, 16), ReLU(), Linear(16, 1))`` reads as
the ``MLP(2, [16, 1])`` it computes.
"""

from __future__ import annotations

from typing import Any

HEADER = ("module", "shape", "activation", "parameters")


def summary(module: Any) -> str:
    """The summary table of ``module`` (an MLP, a Sequential, a Layer, a Neuron or
    any Module); a module with no layers in it gets its parameter count."""
    kind = type(module).__name__
    own = module._summary_row()
    if own is not None:
        row_name, nin, nout, activation = own
        rows = [(row_name, f"{nin} -> {nout}", activation, _scalar_count(module.parameters()))]
        title = f"{kind}({nin})" if row_name == "neuron" else f"{kind}({nin}, {nout})"
    else:
        layers = _layers(module)
        if not layers:
            return f"{kind}: {_scalar_count(module.parameters()):,} parameters"
        rows = [
            (f"layer {i}", f"{nin} -> {nout}", activation, count)
            for i, (nin, nout, activation, count) in enumerate(layers)
        ]
        title = f"{kind}({layers[0][0]}, {[nout for _, nout, _, _ in layers]})"
    total = sum(count for *_, count in rows)
    return "\n".join([title, *_table([*rows, ("total", "", "", total)])])


def _layers(module: Any) -> list[tuple[int, int, str, int]]:
    """(nin, nout, activation, parameter count) of each layer inside ``module``."""
    layers: list[tuple[int, int, str, int]] = []
    for child in module.children():
        row = child._summary_row()
        activation = child._summary_activation()
        if row is not None:
            _, nin, nout, own_activation = row
            layers.append((nin, nout, own_activation, _scalar_count(child.parameters())))
        elif activation is not None and layers:
            nin, nout, before, count = layers[-1]
            after = activation if before == "linear" else f"{before}+{activation}"
            layers[-1] = (nin, nout, after, count)
        elif activation is None:
            layers.extend(_layers(child))
    return layers


def _scalar_count(parameters: Any) -> int:
    """How many numbers ``parameters`` hold: one per Value, ``size`` per Tensor."""
    return sum(getattr(p, "size", 1) for p in parameters)


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
