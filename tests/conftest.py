"""Test-suite rules shared by every file.

Skips: `pip install ".[dev]"` installs every Python package the tests import, so a
test may skip for two reasons only, both outside pip's reach: Graphviz's `dot`
program is missing (mark the test `@pytest.mark.needs_dot`), or PyTorch is not
installed (the live check of the stored references). Any other skip fails the run,
so a missing test dependency cannot hide behind a skip.

Layout: the tests are grouped by area in folders (engine, tensor, nn, optim, ...),
and the modules they share live in tests/helpers/, which this file puts on sys.path:
a test imports a helper by its module name (`from gradcheck import numeric_gradient`),
and a helper run as a script in a child process finds its siblings the same way.
Test file names are unique across the folders (pytest's default import mode).
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

HELPERS = Path(__file__).resolve().parent / "helpers"
if str(HELPERS) not in sys.path:
    sys.path.insert(0, str(HELPERS))

DOT_MISSING = (
    "the Graphviz program `dot` is not on PATH: install Graphviz with your system's "
    "package manager (apt-get install graphviz, brew install graphviz, "
    "winget install graphviz), which pip cannot do"
)
ALLOWED_SKIPS = (DOT_MISSING, "PyTorch is not installed")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "needs_dot: the test runs Graphviz's `dot` program")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    if shutil.which("dot") is None:
        for item in items:
            if item.get_closest_marker("needs_dot"):
                item.add_marker(pytest.mark.skip(reason=DOT_MISSING))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> object:
    outcome = yield
    report = outcome.get_result()
    if report.skipped and not hasattr(report, "wasxfail"):
        longrepr = report.longrepr
        reason = longrepr[2] if isinstance(longrepr, tuple) else str(longrepr)
        if not any(allowed in reason for allowed in ALLOWED_SKIPS):
            report.outcome = "failed"
            report.longrepr = (
                f"skipped for a reason the suite does not allow: {reason}\n"
                'pip install ".[dev]" installs every test dependency; a skip may only '
                "mean that Graphviz's dot or PyTorch is missing (tests/conftest.py)"
            )
