"""Reading Markdown for the tests that run what the README and the notes show."""

from __future__ import annotations

import re

FENCE = re.compile(r"^```(\w*)\n(.*?)^```$", re.MULTILINE | re.DOTALL)


def fenced_blocks(markdown: str) -> list[tuple[str, str]]:
    """Every fenced block as (language, text), in order."""
    return FENCE.findall(markdown)


def python_blocks_with_output(markdown: str) -> list[tuple[str, str | None]]:
    """Each ```python block, with the ```text block right after it (nothing but blank
    lines between), which shows what the code prints, or None."""
    blocks = []
    matches = list(FENCE.finditer(markdown))
    for this, after in zip(matches, [*matches[1:], None]):
        if this.group(1) != "python":
            continue
        output = None
        if after and after.group(1) == "text" and not markdown[this.end() : after.start()].strip():
            output = after.group(2)
        blocks.append((this.group(2), output))
    return blocks
