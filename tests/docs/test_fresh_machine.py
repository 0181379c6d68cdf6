"""The README's set-up promises, checked against the repository itself: CI runs the
README's test command verbatim, the `dev` extra holds everything the tests import
(but PyTorch), and there is one version number and one licence."""

from __future__ import annotations

import ast
import importlib.metadata
import re
import sys
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # the dev extra installs tomli there
    import tomli as tomllib

import micrograd

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
CARGO = tomllib.loads((ROOT / "Cargo.toml").read_text(encoding="utf-8"))

# Import name -> distribution name, where the two differ.
DISTRIBUTIONS = {
    "sklearn": "scikit-learn",
    "IPython": "ipython",
    "jupyter_client": "jupyter-client",
    "micrograd": "micrograd-rs",
}
# Imported by the fuzzing scripts, which run by hand (fuzz/README.md), never by pytest.
NOT_IMPORTED_BY_TESTS = {"atheris"}


def setup_commands() -> list[str]:
    """The commands of the README's "Set up" bash block, comments left out."""
    section = README.split("## Set up", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```bash\n(.*?)```", section, re.S)
    assert block, "the README's Set up section has no bash block"
    lines = [line.strip() for line in block.group(1).splitlines()]
    return [line for line in lines if line and not line.startswith("#")]


def test_the_readme_names_exactly_two_setup_commands():
    commands = setup_commands()
    assert len(commands) == 2, commands
    assert commands[0] == "pip install . && python examples/moons_adam.py"
    assert commands[1].startswith('pip install ".[dev]"') and "pytest" in commands[1]
    assert "cargo test" in commands[1]


def test_ci_runs_the_readmes_test_command_verbatim_in_a_new_virtualenv():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    test_command = setup_commands()[1]
    assert f"\n{test_command} || exit 1\n" in ci
    assert "python3 -m venv" in ci and "mktemp -d" in ci
    assert "--system-site-packages" not in ci
    venv_made = ci.index("python3 -m venv")
    assert venv_made < ci.index('. "$venv/bin/activate"') < ci.index(test_command)
    for check in ("mypy", "mypy.stubtest", "cargo clippy", "ruff check"):
        assert check in ci, check


def third_party_imports() -> set[str]:
    """Top-level modules that the tests, and the examples and benches they run, import
    and that are neither the standard library nor files of this repository."""
    local = {
        path.stem
        for folder in ("tests", "examples", "benches", "fuzz")
        for path in (ROOT / folder).rglob("*.py")
    }
    found: set[str] = set()
    for folder in ("tests", "examples", "benches"):
        for path in (ROOT / folder).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Import):
                    found.update(alias.name.split(".")[0] for alias in node.names)
                elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                    found.add(node.module.split(".")[0])
                elif (
                    isinstance(node, ast.Call)
                    and getattr(node.func, "attr", None) == "importorskip"
                    and isinstance(node.args[0], ast.Constant)
                ):
                    found.add(node.args[0].value.split(".")[0])
    return found - set(sys.stdlib_module_names) - local - NOT_IMPORTED_BY_TESTS


def installed_by(extra: str) -> set[str]:
    """Distributions that `pip install ".[extra]"` brings, following the extra's
    references to the package's own other extras (`micrograd-rs[plot,viz]`)."""
    extras = PYPROJECT["project"]["optional-dependencies"]
    names = {"micrograd-rs"}
    for requirement in PYPROJECT["project"]["dependencies"] + extras[extra]:
        name = re.split(r"[\[<>=!~; ]", requirement, maxsplit=1)[0].lower()
        names.add(name)
        own_extras = re.match(r"micrograd-rs\[([^\]]*)\]", requirement)
        for other in own_extras.group(1).split(",") if own_extras else []:
            names |= installed_by(other.strip())
    return names


def test_the_dev_extra_holds_every_package_the_tests_import_except_torch():
    provided = installed_by("dev")
    needed = {DISTRIBUTIONS.get(module, module).lower() for module in third_party_imports()}
    assert needed - provided == {"torch"}, f"missing from the dev extra: {needed - provided}"
    assert "torch" not in provided


def test_one_version_number_cargos():
    cargo_version = CARGO["workspace"]["package"]["version"]
    assert "version" in PYPROJECT["project"]["dynamic"]
    assert "version" not in PYPROJECT["project"]
    assert micrograd.__version__ == cargo_version
    assert micrograd._core.__version__ == cargo_version
    assert importlib.metadata.version("micrograd-rs") == cargo_version


def test_the_licence_file_matches_the_mit_claims():
    licence = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert licence.startswith("MIT License")
    assert PYPROJECT["project"]["license"] == {"text": "MIT"}
    assert CARGO["workspace"]["package"]["license"] == "MIT"
    assert PYPROJECT["project"]["authors"]
