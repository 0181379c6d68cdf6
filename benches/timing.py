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

Anything with a ``name``, ``prime()`` and ``measure(settings) -> Result`` can be a row
(benches/memory.py measures bytes per node that way); ``measure_all`` runs a list of them.
"""

from __future__ import annotations

import argparse
import gc
import math
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

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
class Result:
    """One row of the table, for a timed case or any other measurement."""

    name: str
    ours: float
    baseline: float
    """Medians per op of each engine: nanoseconds for a timed case (bytes per node for
    a memory case), printed with ``unit``."""
    ratio: float
    """``baseline / ours``: how many times faster (or smaller) we are."""
    ratio_min: float
    ratio_max: float
    """The spread of the ratio over the repeats, each repeat pairing adjacent runs."""
    target: str
    """The target cell: ``>= 10x`` for a ratio, ``<= 100 B/node`` for a bound on ours."""
    met: bool
    unit: Callable[[float], str]


class Row(Protocol):
    """Something that measures one row of the table."""

    name: str

    def prime(self) -> None:
        """Runs the work once, untimed, so that imports and first-call caches happen."""

    def measure(self, settings: Settings) -> Result: ...


def summarise(
    name: str,
    ours: Sequence[float],
    baseline: Sequence[float],
    target: str,
    met: Callable[[float, float], bool],
    unit: Callable[[float], str],
) -> Result:
    """The row for paired repeats: medians of each side, their ratio, the range of the
    ratios of the pairs; ``met(ours_median, ratio)`` says whether ``target`` is met."""
    paired_ratios = [b / o for o, b in zip(ours, baseline)]
    ours_median, baseline_median = statistics.median(ours), statistics.median(baseline)
    ratio = baseline_median / ours_median
    return Result(
        name=name,
        ours=ours_median,
        baseline=baseline_median,
        ratio=ratio,
        ratio_min=min(paired_ratios),
        ratio_max=max(paired_ratios),
        target=target,
        met=met(ours_median, ratio),
        unit=unit,
    )


@dataclass(frozen=True)
class Case:
    """One timed row: the same work done by our engine and by the baseline."""

    name: str
    ours: Setup
    baseline: Setup
    target: float
    """The smallest ``baseline / ours`` time ratio that counts as met."""

    def prime(self) -> None:
        for setup in (self.ours, self.baseline):
            run, _ = setup()
            run()

    def measure(self, settings: Settings) -> Result:
        return compare(self, settings)


def argument_parser(description: str) -> argparse.ArgumentParser:
    """A bench script's command line: ``--quick``, and whatever the script adds."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument(
        "--quick", action="store_true", help="smaller workloads and fewer repeats (seconds)"
    )
    return parser


def parse_settings(description: str, argv: Sequence[str] | None = None) -> Settings:
    """The settings a bench script's command line asks for (``--quick`` or not)."""
    return QUICK if argument_parser(description).parse_args(argv).quick else FULL


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
    return summarise(
        case.name,
        ours,
        baseline,
        target=f">= {case.target:g}x",
        met=lambda _, ratio: ratio >= case.target,
        unit=format_duration,
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
            r.name,
            r.unit(r.ours),
            r.unit(r.baseline),
            f"{_floor_1dp(r.ratio)} ({_floor_1dp(r.ratio_min)}-{_floor_1dp(r.ratio_max)})",
            r.target,
            "yes" if r.met else "no",
        )
        for r in results
    ]
    lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def method_line(settings: Settings, per: str = "op") -> str:
    """One sentence saying how the numbers in the table were taken."""
    return (
        f"Time per {per}: median of {settings.repeats} interleaved repeats (ours, baseline, ...)"
        f" after {settings.warmup} warm-up round(s), same process, GC on."
        " ratio = baseline / ours, median (min-max over paired repeats)."
    )


def torch_available() -> bool:
    """Whether PyTorch imports here; it is a comparison, never a dependency."""
    try:
        import torch  # noqa: F401
    except ImportError:
        return False
    return True


TORCH_MISSING = "PyTorch is not importable: its rows are left out (pip install torch to add them)."


def freeze_imported_objects(found: Sequence[Row]) -> None:
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
        case.prime()
    gc.collect()
    gc.freeze()


def measure_all(found: Sequence[Row], settings: Settings, progress: bool = False) -> list[Result]:
    """Measures every row in turn, imports frozen out of the GC's way (see above).

    With ``progress``, a line per row goes to stderr as it starts, so a long run shows
    where it is while stdout keeps only the table.
    """
    started = time.perf_counter()

    def say(message: str) -> None:
        if progress:
            elapsed = time.perf_counter() - started
            print(f"[{elapsed:6.1f} s] {message}", file=sys.stderr, flush=True)

    say(f"one untimed run of each of {len(found)} case(s)")
    freeze_imported_objects(found)
    results = []
    for number, case in enumerate(found, 1):
        say(f"{number}/{len(found)} {case.name}")
        results.append(case.measure(settings))
    say("done")
    # Frozen objects are never freed at exit; some extensions (torch's triton) then
    # report them as leaks on stderr.
    gc.unfreeze()
    return results
