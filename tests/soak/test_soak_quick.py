"""The quick soak run (tests/soak/soak.py --quick): both engines train for a few
hundred steps while graphs are dropped mid-step, kept across steps and share
parameters, and the memory the program controls stays flat after warm-up: the
extension's live Rust bytes exactly, Python's allocated blocks within the interpreter's
cache warm-up. Neither count depends on the machine's speed or load.

The full run, 10,000 steps per engine, is
``python tests/soak/soak.py`` (a few minutes; its numbers are in docs/reliability.md).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

SOAK = Path(__file__).resolve().parent / "soak.py"


def test_quick_soak_keeps_memory_flat_and_every_check_holds():
    run = subprocess.run(
        [sys.executable, str(SOAK), "--quick", "--json"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.stdout.strip(), run.stderr[-3000:]
    report = json.loads(run.stdout.strip().splitlines()[-1])
    assert report["failures"] == [], report["failures"]
    assert run.returncode == 0, run.stderr[-3000:]
    assert [r["engine"] for r in report["results"]] == ["value", "tensor"]
    for result in report["results"]:  # the counts were really taken
        assert result["rust_bytes_after_warmup"] > 0 and result["python_blocks_end"] > 0


def test_the_soak_catches_a_leak_of_one_small_graph_per_step():
    # The harness itself must be sensitive: keeping every step's Tensor loss alive (a
    # graph of about 40 nodes, some kilobytes) has to fail both counts.
    run = subprocess.run(
        [sys.executable, str(SOAK), "--quick", "--engine", "tensor", "--json", "--leak-for-test"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    report = json.loads(run.stdout.strip().splitlines()[-1])
    assert run.returncode == 1
    failures = report["failures"]
    assert any("the extension's live memory grew" in failure for failure in failures), report
    assert any("Python's allocated blocks grew" in failure for failure in failures), report
