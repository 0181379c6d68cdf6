"""Every comparison of the benches in one run, as one markdown table.

    python benches/run.py [--quick] [--only NAME]

The rows come from the bench scripts beside this file, in this order: single ops and
``backward()`` per node (ops.py), memory per node (memory.py), Karpathy's moons step on
the Value engine (training_step.py), whether the Value engine holds its speed over
Karpathy's demo loop, steps 951-1000 against steps 1-50 of the same run
(dynamic_engine.py), the Tensor engine's training steps and its backward through one
selection per row at two sizes (tensor.py), and compiled scalar graphs (compiled.py).
Baselines: Karpathy's pure-Python micrograd (pure_python_engine.py), our own Value
engine (or the same run's early steps, or a smaller graph), and PyTorch on one thread
in float64 when it is importable. Every row shows the spread of its ratio over the
repeats.

``--quick`` shrinks every workload (seconds in all): the demo-loop row then runs 3
fresh processes of 150 steps and compares steps 101-150 with 1-50. ``--only NAME``
keeps the cases whose name contains NAME (case-insensitive). Progress goes to stderr,
one line per case, so stdout holds only the header, the method and the table. A missed
target shows as "no" and never fails the run.
"""

from __future__ import annotations

import os
import platform
import sys
from collections.abc import Sequence
from pathlib import Path

BENCHES = Path(__file__).resolve().parent
if str(BENCHES) not in sys.path:
    sys.path.insert(0, str(BENCHES))

import compiled  # noqa: E402
import dynamic_engine  # noqa: E402
import memory  # noqa: E402
import ops  # noqa: E402
import tensor  # noqa: E402
import training_step  # noqa: E402
from timing import (  # noqa: E402
    FULL,
    QUICK,
    TORCH_MISSING,
    Row,
    Settings,
    argument_parser,
    markdown_table,
    measure_all,
    method_line,
    torch_available,
)


def all_cases(settings: Settings) -> list[Row]:
    return (
        ops.op_cases(settings)
        + ops.backward_cases(settings)
        + memory.cases(settings)
        + training_step.cases(settings)
        + dynamic_engine.cases(settings)
        + tensor.cases(settings)
        + compiled.cases(settings)
    )


def matching(found: Sequence[Row], only: str) -> list[Row]:
    """The cases whose name contains ``only``, ignoring case."""
    return [case for case in found if only.casefold() in case.name.casefold()]


def baselines_line() -> str:
    if torch_available():
        import torch

        pytorch = f"PyTorch {torch.__version__} (CPU, float64, torch.set_num_threads(1))"
    else:
        pytorch = "PyTorch (not importable here)"
    return (
        "micrograd's Value and Tensor engines against Karpathy's pure-Python micrograd"
        f" (benches/pure_python_engine.py), our own Value engine, and {pytorch};"
        f" Python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} CPU(s)"
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argument_parser("Every engine against pure Python and PyTorch, in one table.")
    parser.add_argument(
        "--only", metavar="NAME", help="run only the cases whose name contains NAME"
    )
    args = parser.parse_args(argv)
    settings = QUICK if args.quick else FULL
    found = all_cases(settings)
    if args.only is not None:
        chosen = matching(found, args.only)
        if not chosen:
            names = "\n".join(f"  {case.name}" for case in found)
            parser.error(f"no case name contains {args.only!r}; the cases are:\n{names}")
        found = chosen
    print(baselines_line() + (", --quick." if settings.quick else "."))
    print(method_line(settings, per="op, node or step (as the case says)"))
    print(memory.method_line())
    print(dynamic_engine.method_line(settings), flush=True)
    if not torch_available():
        print(TORCH_MISSING)
    results = measure_all(found, settings, progress=True)
    print()
    print(markdown_table(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
