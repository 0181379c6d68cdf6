"""The speed benches run and print a well-formed table, and their baseline is correct.

Nothing here asserts on timings: they depend on the machine. A wrong baseline would make
every ratio meaningless, so the pure-Python engine is checked against Karpathy's numbers.
What is checked: every script's ``--quick`` table has its rows in order, each with a
ratio, its spread over the repeats, a target and a verdict that agrees with them; the
targets pinned below are the ones printed; run.py gathers every script's rows.
"""

from __future__ import annotations

import importlib.util
import os
import random
import re
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

import micrograd
from karpathy import readme_expression

REPO = Path(__file__).resolve().parents[2]
BENCHES = REPO / "benches"
COLUMNS = ["case", "ours", "baseline", "ratio", "target", "met"]
HAS_TORCH = importlib.util.find_spec("torch") is not None
# benches/tensor.py --quick: rows against our other engines always, PyTorch's if importable.
SELECTION_ROW = "backward through one selection per row, 50,000 rows vs 5,000, per row"
TENSOR_ENGINE_ROWS = [
    "moons step (batch 20, 2 -> 16 -> 16 -> 1), Tensor vs Value engine",
    "moons step (batch 20, 2 -> 16 -> 16 -> 1), Tensor vs pure Python",
    "creation from a 1,000,000-float array, Tensor.from_numpy vs Tensor(array) (a copy)",
    SELECTION_ROW,
]
TENSOR_TORCH_ROWS = [
    "moons step (batch 20, 2 -> 16 -> 16 -> 1), Tensor vs PyTorch",
    "housing (506 x 13 -> 8 -> 1), 20 steps, Tensor vs PyTorch",
    "GEMM-bound step (batch 64, 64 -> 64 -> 10), Tensor vs PyTorch",
    "creation from a 1,000,000-float array, Tensor.from_numpy vs torch.from_numpy",
]
OPS_ROWS = [
    "`a + b`",
    "`a * 2.0`",
    "`2.0 * a`",
    "`a.relu()`",
    "`a ** 2`",
    "`backward()` per node, chain",
    "`backward()` per node, `MLP(2, [16, 16, 1])` + hinge loss",
]
MEMORY_ROWS = ["memory per node, chain (100,001 nodes alive)"]
TRAINING_STEP_ROWS = ["moons step (batch 20) vs pure Python"] + (
    ["moons step (batch 20) vs PyTorch"] if HAS_TORCH else []
)
# --quick runs the demo loop for 150 steps, not 1,000, and compares its last 50 steps
# with its first 50.
DYNAMIC_ENGINE_ROWS = ["dynamic engine over a run, demo loop (batch 100), steps 101-150 vs 1-50"]
TENSOR_ROWS = TENSOR_ENGINE_ROWS + (TENSOR_TORCH_ROWS if HAS_TORCH else [])
COMPILED_ENGINE_ROWS = [
    "compiled demo step, moons (batch 20) vs dynamic Value engine",
    "tape bytes per node, moons loss (batch 20) vs dynamic graph",
]
COMPILED_ROWS = COMPILED_ENGINE_ROWS + (
    [
        "compiled demo step, moons (batch 20) vs PyTorch float64",
        "compiled demo step, moons (batch 20) vs PyTorch float32",
        "compiled README expression vs PyTorch eager scalars",
    ]
    if HAS_TORCH
    else []
)
# Each bench script and the rows it must print (a PyTorch row only when importable);
# run.py prints every script's rows, in this order.
CASE_PREFIXES = {
    "ops.py": OPS_ROWS,
    "memory.py": MEMORY_ROWS,
    "training_step.py": TRAINING_STEP_ROWS,
    "dynamic_engine.py": DYNAMIC_ENGINE_ROWS,
    "tensor.py": TENSOR_ROWS,
    "compiled.py": COMPILED_ROWS,
    "run.py": OPS_ROWS
    + MEMORY_ROWS
    + TRAINING_STEP_ROWS
    + DYNAMIC_ENGINE_ROWS
    + TENSOR_ROWS
    + COMPILED_ROWS,
}
# What each script's header must say of its method: medians, and what is paired with
# what (the two engines interleaved; the demo-loop row pairs two ends of one run, each
# run a fresh process). run.py prints every script's method.
METHOD_WORDS = {script: ["median of", "interleaved"] for script in CASE_PREFIXES}
METHOD_WORDS["dynamic_engine.py"] = ["median of", "of the same run", "fresh process"]
METHOD_WORDS["run.py"] += ["of the same run", "fresh process"]
# Targets pinned by row. Issue 15's "within 15 %" of the early steps is a ratio of
# 1 / 1.15 = 0.8696, printed as 0.87; the selection row's own floor sits between a
# linear backward (0.6 to 1) and the quadratic one it guards against (0.1 at most).
TARGETS = {DYNAMIC_ENGINE_ROWS[0]: ">= 0.87x", SELECTION_ROW: ">= 0.3x"}
FLOAT = r"\d+(?:\.\d+)?"
RATIO_CELL = re.compile(rf"({FLOAT}) \(({FLOAT})-({FLOAT})\)")
RATIO_TARGET = re.compile(rf">= ({FLOAT})x")
# An absolute target bounds our own number (memory per node): "<= 100 B/node".
BYTES_TARGET = re.compile(rf"<= ({FLOAT}) B/node")
BYTES_CELL = re.compile(rf"({FLOAT}) B")
PROGRESS_LINE = re.compile(r"\[ *\d+\.\d s\] (\d+)/(\d+) (.*)")


def load_baseline() -> ModuleType:
    """benches/pure_python_engine.py as a module, without putting benches/ on sys.path."""
    spec = importlib.util.spec_from_file_location(
        "pure_python_engine", BENCHES / "pure_python_engine.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def cells(line: str) -> list[str]:
    return [cell.strip() for cell in line.strip().strip("|").split("|")]


@pytest.fixture(scope="module", params=sorted(CASE_PREFIXES))
def script(request) -> str:
    return request.param


def run_bench(script: str, *arguments: str, env: dict | None = None):
    return subprocess.run(
        [sys.executable, f"benches/{script}", "--quick", *arguments],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def table_of(stdout: str) -> list[list[str]]:
    return [cells(line) for line in stdout.splitlines() if line.startswith("|")]


@pytest.fixture(scope="module")
def quick_run(script: str) -> subprocess.CompletedProcess:
    return run_bench(script)


@pytest.fixture(scope="module")
def table_rows(quick_run: subprocess.CompletedProcess) -> list[list[str]]:
    return table_of(quick_run.stdout)


def test_bench_quick_exits_zero(quick_run):
    assert quick_run.returncode == 0, quick_run.stderr


def test_bench_says_how_it_measures(script, quick_run):
    for words in METHOD_WORDS[script]:
        assert words in quick_run.stdout, words


def test_bench_table_has_header_and_separator(table_rows):
    assert table_rows[0] == COLUMNS
    assert all(re.fullmatch(r":?-{3,}:?", cell) for cell in table_rows[1])
    assert len(table_rows[1]) == len(COLUMNS)


def test_bench_table_has_one_row_per_case(script, table_rows):
    names = [row[0] for row in table_rows[2:]]
    assert len(names) == len(CASE_PREFIXES[script])
    for name, prefix in zip(names, CASE_PREFIXES[script]):
        assert name.startswith(prefix)


def test_bench_rows_hold_ratios_targets_and_verdicts(table_rows):
    for row in table_rows[2:]:
        assert len(row) == len(COLUMNS), row
        ratio_match = RATIO_CELL.fullmatch(row[3])
        assert ratio_match, row
        ratio, low, high = (float(group) for group in ratio_match.groups())
        assert ratio > 0 and 0 < low <= high
        assert row[5] in ("yes", "no")
        # The verdict must agree with the printed numbers, whatever they are.
        if ratio_target := RATIO_TARGET.fullmatch(row[4]):
            assert (row[5] == "yes") == (ratio >= float(ratio_target.group(1)))
        else:
            bytes_target = BYTES_TARGET.fullmatch(row[4])
            ours, baseline = BYTES_CELL.fullmatch(row[1]), BYTES_CELL.fullmatch(row[2])
            assert bytes_target and ours and baseline, row
            assert (row[5] == "yes") == (float(ours.group(1)) <= float(bytes_target.group(1)))


def test_bench_rows_carry_their_pinned_targets(table_rows):
    for row in table_rows[2:]:
        if row[0] in TARGETS:
            assert row[4] == TARGETS[row[0]], row


def test_run_shows_progress_on_stderr_one_line_per_case():
    result = run_bench("run.py", "--only", "moons step (batch 20) vs")
    assert result.returncode == 0, result.stderr
    progress = [m.groups() for m in map(PROGRESS_LINE.fullmatch, result.stderr.splitlines()) if m]
    names = [row[0] for row in table_of(result.stdout)[2:]]
    assert [name for _, _, name in progress] == names == TRAINING_STEP_ROWS
    assert [(int(k), int(n)) for k, n, _ in progress] == [
        (k, len(names)) for k in range(1, len(names) + 1)
    ]
    # stdout keeps the header, the method and the table only.
    assert not any(PROGRESS_LINE.fullmatch(line) for line in result.stdout.splitlines())


def test_run_only_matches_a_substring_of_the_name_ignoring_case():
    result = run_bench("run.py", "--only", "A.RELU")
    assert result.returncode == 0, result.stderr
    assert [row[0] for row in table_of(result.stdout)[2:]] == ["`a.relu()`"]


def test_run_only_without_a_match_fails_and_lists_the_cases():
    result = run_bench("run.py", "--only", "no such case")
    assert result.returncode == 2
    assert "no case name contains 'no such case'" in result.stderr
    for name in (
        "`a + b`",
        "memory per node",
        "moons step (batch 20) vs pure Python",
        "dynamic engine over a run",
    ):
        assert name in result.stderr
    assert "|" not in result.stdout


WITHOUT_TORCH_ROWS = {
    "tensor.py": TENSOR_ENGINE_ROWS,
    "compiled.py": COMPILED_ENGINE_ROWS,
    "run.py": OPS_ROWS
    + MEMORY_ROWS
    + TRAINING_STEP_ROWS[:1]
    + DYNAMIC_ENGINE_ROWS
    + TENSOR_ENGINE_ROWS
    + COMPILED_ENGINE_ROWS,
}


@pytest.mark.parametrize("bench", sorted(WITHOUT_TORCH_ROWS))
def test_bench_without_torch_prints_the_other_rows_and_says_why_once(bench, tmp_path):
    # A package named torch that fails to import hides the real one, if any.
    blocker = tmp_path / "blocked" / "torch"
    blocker.mkdir(parents=True)
    (blocker / "__init__.py").write_text('raise ImportError("torch blocked by the test")\n')
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        filter(None, [str(blocker.parent), os.environ.get("PYTHONPATH")])
    )
    result = run_bench(bench, env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("PyTorch is not importable") == 1
    assert "pip install torch" in result.stdout
    names = [row[0] for row in table_of(result.stdout)[2:]]
    expected = WITHOUT_TORCH_ROWS[bench]
    assert len(names) == len(expected)
    assert all(name.startswith(prefix) for name, prefix in zip(names, expected))


def test_baseline_engine_reproduces_karpathys_readme_example():
    a, b, g = readme_expression(load_baseline().Value)
    g.backward()
    assert g.data == pytest.approx(24.7041, abs=1e-4)
    assert a.grad == pytest.approx(138.8338, abs=1e-4)
    assert b.grad == pytest.approx(645.5773, abs=1e-4)


def test_baseline_mlp_matches_ours_given_the_same_seed():
    # The backward bench compares the two engines on "the same graph"; that holds only if
    # both MLPs draw the same weights in the same order and compute the same function.
    baseline = load_baseline()
    random.seed(7)
    theirs = baseline.MLP(2, [16, 16, 1])
    random.seed(7)
    ours = micrograd.nn.MLP(2, [16, 16, 1])
    assert len(theirs.parameters()) == len(ours.parameters())
    for x in ([0.5, -1.5], [2.0, 0.25], [-0.3, -0.9]):
        assert ours(x).data == pytest.approx(theirs(list(map(baseline.Value, x))).data)
