"""Memory per graph node of the Value engine, against Karpathy's pure-Python micrograd.

    python benches/memory.py [--quick]

Each engine builds the chain of benches/ops.py (``x = x * 1.0001 + 0.1``, four nodes a
step: 10^6 nodes in all, 10^5 with ``--quick``) in a fresh Python process and keeps it
alive; the process reports how much its resident set grew (RSS, from /proc/self/statm,
or the peak from ``resource`` where there is no /proc) divided by the nodes reachable
from the result. A fresh process per measurement, so neither engine inherits the other's
freed memory. Garbage collection stays on, as users run. The row's ratio is pure
Python's bytes per node / ours; its target is absolute: at most 100 bytes per node.
Prints a markdown table; a missed target shows as "no" and never fails the run.
"""

from __future__ import annotations

import argparse
import gc
import math
import os
import platform
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

BENCHES = Path(__file__).resolve().parent
if str(BENCHES) not in sys.path:
    sys.path.insert(0, str(BENCHES))

from timing import (  # noqa: E402
    Result,
    Settings,
    markdown_table,
    measure_all,
    parse_settings,
    summarise,
)

BYTES_PER_NODE_LIMIT = 100.0
NODES_PER_STEP = 4  # ops.chain: a constant leaf and an op node for each of * and +
# Memory use barely varies from run to run; a few fresh processes show the spread.
REPEATS = 3
ENGINES = ("ours", "pure_python")


def format_bytes(size: float) -> str:
    """``41.3 B``: rounded up, so a size just over a limit never prints as the limit."""
    return f"{math.ceil(size * 10) / 10:.1f} B"


def resident_bytes() -> int:
    """This process's resident set size now (its peak where /proc is missing)."""
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except OSError:
        import resource

        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return peak if sys.platform == "darwin" else peak * 1024  # macOS says bytes


def bytes_per_node_here(engine: str, steps: int) -> tuple[float, int]:
    """Builds the chain in this process: (RSS growth per node, node count)."""
    import ops  # imports both engines, so neither import lands inside the measurement

    value_type = ops.micrograd.Value if engine == "ours" else ops.baseline.Value
    ops.chain(value_type, 1_000)  # first-call allocations (free lists, caches), dropped
    gc.collect()
    before = resident_bytes()
    root = ops.chain(value_type, steps)
    grown = resident_bytes() - before
    nodes = ops.count_nodes(root)  # after the reading: the walk allocates a set
    return grown / nodes, nodes


def bytes_per_node(engine: str, steps: int) -> float:
    """``bytes_per_node_here`` in a fresh interpreter, so each reading starts clean."""
    child = subprocess.run(
        [sys.executable, __file__, "--child", engine, str(steps)],
        capture_output=True,
        text=True,
        check=True,
    )
    per_node, _nodes = child.stdout.split()
    return float(per_node)


@dataclass(frozen=True)
class MemoryCase:
    """A table row comparing bytes per node of the same graph in two engines."""

    name: str
    steps: int

    def prime(self) -> None:
        """Nothing to warm up: every reading runs in its own process."""

    def measure(self, settings: Settings) -> Result:
        ours, baseline = [], []
        for _ in range(min(REPEATS, settings.repeats)):
            ours.append(bytes_per_node("ours", self.steps))
            baseline.append(bytes_per_node("pure_python", self.steps))
        return summarise(
            self.name,
            ours,
            baseline,
            target=f"<= {BYTES_PER_NODE_LIMIT:g} B/node",
            met=lambda ours_bytes, _: ours_bytes <= BYTES_PER_NODE_LIMIT,
            unit=format_bytes,
        )


def cases(settings: Settings) -> list[MemoryCase]:
    steps = 25_000 if settings.quick else 250_000
    nodes = NODES_PER_STEP * steps + 1
    return [MemoryCase(f"memory per node, chain ({nodes:,} nodes alive)", steps)]


def method_line() -> str:
    return (
        "Memory per node: RSS growth of a fresh process building the graph and keeping it"
        f" alive, / nodes; median of {REPEATS} fresh processes per engine, interleaved;"
        " ratio = baseline / ours."
    )


def main(argv: Sequence[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == ["--child"]:  # one reading, asked for by bytes_per_node
        child = argparse.ArgumentParser()
        child.add_argument("engine", choices=ENGINES)
        child.add_argument("steps", type=int)
        args = child.parse_args(argv[1:])
        per_node, nodes = bytes_per_node_here(args.engine, args.steps)
        print(per_node, nodes)
        return 0
    settings = parse_settings("Memory per graph node, Value engine vs pure Python.", argv)
    print(
        "Memory per graph node: scalar Value engine vs Karpathy's pure-Python micrograd,"
        f" Python {platform.python_version()} on {platform.machine()}"
        f"{', --quick' if settings.quick else ''}."
    )
    print(method_line(), flush=True)
    results = measure_all(cases(settings), settings)
    print()
    print(markdown_table(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
