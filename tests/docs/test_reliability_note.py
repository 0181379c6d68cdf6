"""docs/reliability.md names the test proving each promise, mostly by path and name
(`tests/reliability/test_reliability_round2.py::test_...`, then `::test_...` for more
in the same file): every name, every path, and every test at its path must stay true."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
NOTE = (ROOT / "docs" / "reliability.md").read_text(encoding="utf-8")
PATH = r"(?:tests|rust)/[\w/]+\.(?:py|rs)"


def named_file(named: str) -> Path:
    """A test file the note names by path, or by its name alone (names are unique)."""
    if "/" in named:
        return ROOT / named
    (found,) = (ROOT / "tests").rglob(named)
    return found


def misplaced_tests() -> list[str]:
    """`path::name` (or `file.py::name`), and a bare `::name` after it on the same line
    or in the next rows of the same table, name a test of that file: those that are not
    there."""
    misplaced = []
    path = None
    for line in NOTE.splitlines():
        if not line.startswith("|"):
            path = None
        for named_path, name in re.findall(r"`([\w/]+\.(?:py|rs))?::(\w+)", line):
            path = named_path or path
            if path is None or not path.endswith(".py"):
                continue
            if f"def {name}(" not in named_file(path).read_text(encoding="utf-8"):
                misplaced.append(f"{path}::{name}")
    return misplaced


def test_every_test_named_in_the_reliability_note_exists():
    sources = "".join(p.read_text(encoding="utf-8") for p in (ROOT / "tests").rglob("*.py"))
    sources += "".join(p.read_text(encoding="utf-8") for p in (ROOT / "rust").rglob("*.rs"))
    named = set(re.findall(r"\b(test_[a-z0-9_]+)\b(?!\.py)", NOTE))
    missing = sorted(n for n in named if f"def {n}(" not in sources)
    assert not missing, f"docs/reliability.md names tests that do not exist: {missing}"
    rust_tests = re.findall(r"\.rs::([a-z][a-z0-9_]+)`", NOTE)
    assert rust_tests and all(f"fn {name}(" in sources for name in rust_tests), rust_tests

    paths = set(re.findall(PATH, NOTE))
    assert any(path.startswith("tests/") for path in paths), paths
    absent = sorted(path for path in paths if not (ROOT / path).is_file())
    assert not absent, f"docs/reliability.md names files that do not exist: {absent}"
    misplaced = misplaced_tests()
    assert not misplaced, f"docs/reliability.md places tests in the wrong file: {misplaced}"
