"""Coverage-guided fuzzing of the loaders with atheris (libFuzzer for Python).

    pip install atheris
    python fuzz/fuzz_loaders.py csv fuzz/corpus/csv -max_total_time=300 -timeout=10
    python fuzz/fuzz_loaders.py model fuzz/corpus/model -max_total_time=300 -timeout=10
    python fuzz/fuzz_loaders.py state_dict fuzz/corpus/state_dict -max_total_time=300

The first argument names the target (fuzz/targets.py says what each feeds and allows);
the rest are libFuzzer's: corpus directories (new interesting inputs are added to the
first), ``-max_total_time`` (the budget, seconds), ``-timeout`` (a slower input is a
finding), ``-rss_limit_mb`` (default 2048), ``-runs``. A finding stops the run and
writes the input to ``crash-<sha1>`` (or ``timeout-``, ``oom-``) in the working
directory; copy it to fuzz/findings/<target>/ with a note in fuzz/README.md, and
tests/reliability/test_reliability_loaders.py replays it from then on.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

try:
    import atheris
except ImportError:  # pragma: no cover - a tool, not a test
    sys.exit("atheris is not installed: pip install atheris")

sys.path.insert(0, str(Path(__file__).resolve().parent))

with atheris.instrument_imports(include=["micrograd", "targets", "json", "zipfile", "csv"]):
    import targets


def main() -> None:
    # libFuzzer re-runs this script (for -merge, -fork, -jobs) with its own flags only,
    # through `sh -c`: the target travels in the environment, the interpreter in argv[0].
    args = sys.argv[1:]
    if args and args[0] in targets.TARGETS:
        os.environ["MICROGRAD_FUZZ_TARGET"] = args.pop(0)
    target = os.environ.get("MICROGRAD_FUZZ_TARGET")
    if target not in targets.TARGETS:
        sys.exit(f"usage: {sys.argv[0]} {{{','.join(targets.TARGETS)}}} [libFuzzer flags]")
    command = f"{sys.executable} {Path(__file__).resolve()}"
    atheris.Setup([command, *args], targets.TARGETS[target])
    atheris.Fuzz()


if __name__ == "__main__":
    main()
