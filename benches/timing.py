"""Same-process speed comparisons of our engine against a baseline, as a markdown table.

A case gives two *setups*, one per engine. A setup builds whatever the timed work needs
(operands, a graph) outside the clock and returns ``(run, ops)``: a zero-argument callable
to time and how many operations one call performs, so results read as time per op (per
node, per training step, ...). The two engines run in the same process, interleaved
repeat by repeat (ours, baseline, ours, baseline, ...), so a slow patch of the machine
(turbo, a noisy neighbour) hits both sides rather than one.

Python's garbage collector stays on during the timed call, as users run: the baseline's
reference cycles cost collections, and that cost is real. Before each setup we collect
once, so garbage left by the previous repeat is not collected at a random point inside
some later timed call; it is noise, not a property of either engine.
"""

from __future__ import annotations

import argparse
import gc
import math
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

Run = Callable[[], object]
Setup = Callable[[], tuple[Run, int]]


@dataclass(frozen=True)
class Settings:
    """How many rounds to run; ``quick`` also tells scripts to shrink their workloads."""

    warmup: int
    repeats: int
    quick: bool


FULL = Settings(warmup=1, repeats=7, quick=False)
QUICK = Settings(warmup=1, repeats=5, quick=True)


@dataclass(frozen=True)
class Case:
    """One row of the table: the same work done by our engine and by the baseline."""

    name: str
    ours: Setup
    baseline: Setup
    target: float
    """The smallest ``baseline / ours`` time ratio that counts as met."""


@dataclass(frozen=True)
class Result:
    case: Case
    ours_ns: float
    """Median time per op of our engine, in nanoseconds."""
    baseline_ns: float
    ratio: float
    """``baseline_ns / ours_ns``: how many times faster we are."""
    ratio_min: float
    ratio_max: float
    """The spread of the ratio over the repeats, each repeat pairing adjacent runs."""

    @property
    def met(self) -> bool:
        return self.ratio >= self.case.target


def parse_settings(description: str, argv: Sequence[str] | None = None) -> Settings:
    """The settings a bench script's command line asks for (``--quick`` or not)."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument(
        "--quick", action="store_true", help="smaller workloads and fewer repeats (seconds)"
    )
    return QUICK if parser.parse_args(argv).quick else FULL


def time_per_op_ns(setup: Setup) -> float:
    """Nanoseconds per op for one call of the ``run`` that ``setup`` returns."""
    gc.collect()
    run, ops = setup()
    start = time.perf_counter_ns()
    run()
    elapsed = time.perf_counter_ns() - start
    # Dropping `run` (and the graph it holds) happens here, outside the clock.
    return elapsed / ops


def compare(case: Case, settings: Settings) -> Result:
    """Times both engines on ``case``, interleaved, and summarises with medians."""
    for _ in range(settings.warmup):
        time_per_op_ns(case.ours)
        time_per_op_ns(case.baseline)
    ours, baseline = [], []
    for _ in range(settings.repeats):
        ours.append(time_per_op_ns(case.ours))
        baseline.append(time_per_op_ns(case.baseline))
    paired_ratios = [b / o for o, b in zip(ours, baseline)]
    ours_ns, baseline_ns = statistics.median(ours), statistics.median(baseline)
    return Result(
        case=case,
        ours_ns=ours_ns,
        baseline_ns=baseline_ns,
        ratio=baseline_ns / ours_ns,
        ratio_min=min(paired_ratios),
        ratio_max=max(paired_ratios),
    )


def format_duration(ns: float) -> str:
    """``52.3 ns``, ``1.24 us``, ``3.50 ms``: about three significant figures, ASCII units."""
    unit, scaled = "ns", ns
    for name, size in (("s", 1e9), ("ms", 1e6), ("us", 1e3)):
        if ns >= size:
            unit, scaled = name, ns / size
            break
    # Fixed decimals rather than `:.3g`, which prints 999.7 as "1e+03".
    decimals = 2 if scaled < 10 else 1 if scaled < 100 else 0
    return f"{scaled:.{decimals}f} {unit}"


COLUMNS = ("case", "ours", "baseline", "ratio", "target", "met")


def _floor_1dp(ratio: float) -> str:
    # Rounded down, so a 9.97x that missed a 10x target never prints as "10.0 ... no";
    # two decimals below 1, where "within 10x of" targets such as 0.1x live.
    decimals = 1 if ratio >= 1 else 2
    scale = 10**decimals
    return f"{math.floor(ratio * scale) / scale:.{decimals}f}"


def markdown_table(results: Sequence[Result]) -> str:
    """The results as a markdown table; the ratio cell reads ``median (min-max)``."""
    rows = [
        (
            r.case.name,
            format_duration(r.ours_ns),
            format_duration(r.baseline_ns),
            f"{_floor_1dp(r.ratio)} ({_floor_1dp(r.ratio_min)}-{_floor_1dp(r.ratio_max)})",
            f">= {r.case.target:g}x",
            "yes" if r.met else "no",
        )
        for r in results
    ]
    lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def method_line(settings: Settings) -> str:
    """One sentence saying how the numbers in the table were taken."""
    return (
        f"Time per op: median of {settings.repeats} interleaved repeats (ours, baseline, ...)"
        f" after {settings.warmup} warm-up round(s), same process, GC on."
        " ratio = baseline / ours, median (min-max over paired repeats)."
    )


def freeze_imported_objects(found: Sequence[Case]) -> None:
    """Takes the objects that imports left behind out of the garbage collector's walk.

    Importing torch leaves hundreds of thousands of long-lived objects, which every
    full collection walks again: ~90 ms for each ``gc.collect()`` before a setup
    (outside the clock) and for each full collection inside a timed call (on the
    clock, mostly hitting the pure-Python baseline). That is a cost of sharing a
    process with torch, not of either engine. One untimed run of every case first, as
    torch's optimizers import more modules on their first step; then ``gc.freeze()``
    moves everything alive out of the collector's reach. What the timed steps allocate
    is still collected as usual.
    """
    for case in found:
        for setup in (case.ours, case.baseline):
            run, _ = setup()
            run()
    gc.collect()
    gc.freeze()
