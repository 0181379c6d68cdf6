"""Deep and wide graphs backpropagate and free without touching the call stack, each
in a child process (tests/helpers/deep_graphs.py) so that a stack overflow or an abort is a
failed test rather than a dead pytest.

Sizes are the issue's (10^6) except the two widest Tensor and Value fan-ins, which
CI runs at a fifth of that to keep memory low; ``MICROGRAD_RELIABILITY_FULL=1`` runs
them at 10^6 too. Already elsewhere: a 500,000-step chain of seven op kinds
(test_engine.py), a 20,000-deep Tensor chain (test_tensor_api.py), graph walks for
printing deeper than Python's stack (test_viz.py), and in Rust a 10^7-deep drop
(backward_tests.rs) and a 10^7-op chain through every op (reliability_tests.rs).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[1] / "helpers" / "deep_graphs.py"
FULL = os.environ.get("MICROGRAD_RELIABILITY_FULL") == "1"
MILLION = 1_000_000
WIDE = MILLION if FULL else 200_000
# Only a guard against a hung child: every scenario takes a few seconds at most, so no
# machine is slow enough to reach it, and no check here depends on the clock.
HANG_GUARD_S = 300


def run(scenario: str, size: int) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(SCRIPT), scenario, str(size)],
        capture_output=True,
        text=True,
        timeout=HANG_GUARD_S,
    )


def measured(scenario: str, size: int) -> dict:
    """The scenario's JSON line, after checking that the child exited 0."""
    result = run(scenario, size)
    assert result.returncode == 0, (
        f"{scenario} exited with {result.returncode} "
        f"(negative: killed by signal {-result.returncode})\n{result.stderr[-3000:]}"
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_a_million_op_value_chain_through_every_op_backprops_and_frees():
    # Every Op variant and every dunder (reflected ones too), 10^6 ops deep.
    result = measured("value-chain", MILLION)
    assert abs(result["data"] - 0.5) < 1e-9 and abs(result["dy_dx"] - 1.0) < 1e-6


def test_a_value_with_a_million_parents_gets_every_contribution():
    # x * 1.0 a million times, summed with Python's sum(): also a 10^6-deep chain of +.
    assert measured("value-fan-out", MILLION)["dtotal_dx"] == MILLION


def test_wide_penalties_over_many_leaves_backprop_and_free():
    assert measured("value-fan-in", WIDE)["grad"] == 5.0


def test_a_ladder_with_two_to_the_million_paths_backprops_in_linear_time():
    # y = (y + y) * 0.5: each node reaches the previous one by two paths. A walk that
    # followed paths rather than nodes would never finish, so finishing at all is the
    # check; the usual hang guard of run() bounds the wait, not a timing.
    assert measured("value-ladder-backward", MILLION)["dy_dx"] == 1.0


def test_a_signal_during_backward_leaves_complete_gradients_and_a_working_engine():
    result = measured("interrupted-backward", MILLION)
    assert result["alarm_during_backward"] is True  # the alarm did land mid-backward
    assert result["dy_dx_after_interrupt"] == 1.0


def test_a_million_op_tensor_chain_through_every_op_kind_backprops_and_frees():
    # Elementwise, unary, reductions, softmax, reshape/transpose/rows/concat, matmul,
    # linear and every fused loss, 10^6 ops deep.
    result = measured("tensor-chain", MILLION)
    assert abs(result["data"] - 0.5) < 1e-9 and abs(result["dy_dx"] - 1.0) < 1e-6


def test_a_tensor_with_many_parents_joined_by_a_node_with_as_many_operands():
    result = measured("tensor-fan-in", WIDE)
    assert result["dloss_dx"] == 4.0 * sum((i % 10) ** 2 for i in range(WIDE))


def test_a_two_million_deep_ladder_of_self_products_frees_without_a_crash():
    # y = y * y: one node holding its operand twice. Freeing such a chain recursed
    # once per level in the release build and died with SIGSEGV at about 10^6 levels.
    measured("value-ladder-free", 2 * MILLION)


def test_a_two_million_deep_tensor_ladder_of_self_products_frees_without_a_crash():
    measured("tensor-ladder-free", MILLION)  # t * t, and concatenate([t, t])


def test_backward_through_one_selection_per_row_is_linear_in_the_rows():
    # Each x[i] used to send back a zero array of x's whole shape, added to all of
    # x.grad: a whole gradient of work per selection, O(n^2), about a minute for
    # 200,000 rows (fixed in b9aaaa8: the rows are added in place). Counted rather than
    # timed: one backward through 100,000 selections of a 200,000-row x must write
    # exactly the 100,000 rows selected (the helper tells written rows by the sign of
    # zero), so its work is one row per selection. The time per row at two sizes is a
    # ratio in benches/tensor.py.
    result = measured("tensor-rows-backward", 200_000)
    assert result["selections"] == 100_000 and result["rows"] == 200_000, result
    assert result["rows_written"] == result["selections"], result
