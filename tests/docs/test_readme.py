"""Every ```python block in the README runs, and prints exactly the ```text block
shown after it (where one is): the README shows what works."""

import contextlib
import io
from pathlib import Path

import pytest

from markdown_blocks import python_blocks_with_output

README = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
BLOCKS = python_blocks_with_output(README)


@pytest.mark.parametrize("code, output", BLOCKS, ids=[f"block-{i}" for i in range(len(BLOCKS))])
def test_the_readme_block_runs_and_prints_what_the_readme_shows(code, output):
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(code, {})
    if output is not None:
        assert printed.getvalue() == output


def test_the_readme_shows_output_for_the_graph_and_for_from_numpy():
    with_output = [code for code, output in BLOCKS if output is not None]
    assert any("print_tree" in code or "tree(" in code for code in with_output)
    assert any("from_numpy" in code for code in with_output)
