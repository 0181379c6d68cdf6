"""Every script in examples/ runs, prints what it promises, and meets its goal.

The quick runs cover each example found by glob, so a new example is tested as soon
as it exists. The full runs pin what each training example is for (100 % on the
moons, >= 95 % on iris, housing well below the variance): a change that makes
training worse fails here even when every unit test still passes. The tensor_*
examples are held to the same goals as their scalar twins.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

# What a learner must see in each example's quick run. An example missing here is
# still run; it only has to exit cleanly and print something.
EXPECTED_OUTPUT = {
    "readme.py": ["24.7041", "138.8338", "645.5773"],
    "neuron.py": ["0.7071", "-1.5000", "finite differences"],
    "basic_training.py": ["train MSE", "final test MSE:", "predicted"],
    "moons_adam.py": ["loss", "accuracy", "final accuracy:", "score > 0"],
    "moons_sgd.py": [
        "step 0 loss 0.8958441028683222, accuracy 50.0%",
        "matches his notebook exactly",
        "final accuracy:",
        "score > 0",
    ],
    "moons_compiled.py": [
        "step 0 loss 0.8958441028683222, accuracy 50.0%",
        "recorded 1 time(s)",
        "final accuracy:",
    ],
    "housing.py": ["variance of MEDV:", "final train MSE:", "final test MSE:", "steps; last"],
    "iris.py": ["loss", "final training accuracy:", "setosa", "versicolor", "virginica"],
    "computation_graph.py": [
        "forward (grads are still 0)",
        "│   │   ├── data = 2.0000, grad = 6.0000 ← a",
        "module  shape   activation  parameters",
        "│       └── data = 2.0000, grad = -1.5000 ← x0",
        "digraph {",
    ],
}


def example_scripts() -> list[Path]:
    return sorted(EXAMPLES.glob("*.py"))


def run_example(
    name: str, *args: str, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess:
    # Run from a scratch directory: an example must not depend on the current directory.
    return subprocess.run(
        [sys.executable, str(EXAMPLES / name), *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def assert_clean_exit(result: subprocess.CompletedProcess) -> None:
    assert result.returncode == 0, f"exit code {result.returncode}\n{result.stderr}"
    assert "Traceback" not in result.stderr, result.stderr


def number_after(label: str, output: str) -> float:
    """The number printed right after ``label`` at the start of a line."""
    match = re.search(rf"^{re.escape(label)}\s*(-?\d+(?:\.\d+)?)", output, re.MULTILINE)
    assert match, f"no line starting with {label!r} in:\n{output}"
    return float(match.group(1))


# ---------------------------------------------------------------- quick runs


def test_examples_directory_holds_the_promised_scripts():
    names = {path.name for path in example_scripts()}
    assert set(EXPECTED_OUTPUT) <= names


@pytest.mark.parametrize("script", example_scripts(), ids=lambda path: path.name)
def test_example_quick_run_exits_cleanly_and_prints_its_story(script, tmp_path):
    # Scripts with a --quick flag use it; the rest (readme.py, neuron.py) are quick as is.
    args = ["--quick"] if "--quick" in script.read_text(encoding="utf-8") else []
    result = run_example(script.name, *args, cwd=tmp_path)
    assert_clean_exit(result)
    assert result.stdout.strip(), "printed nothing"
    for expected in EXPECTED_OUTPUT.get(script.name, []):
        assert expected in result.stdout, f"{expected!r} missing from:\n{result.stdout}"
    assert list(tmp_path.iterdir()) == [], "an example wrote files without being asked"


# ---------------------------------------------------------------- full runs


def test_moons_adam_default_run_reaches_full_training_accuracy(tmp_path):
    result = run_example("moons_adam.py", cwd=tmp_path)
    assert_clean_exit(result)
    assert number_after("final accuracy:", result.stdout) == 100.0
    assert "step  99" in result.stdout


def test_moons_sgd_default_run_retraces_karpathys_demo_to_full_accuracy(tmp_path):
    result = run_example("moons_sgd.py", cwd=tmp_path)
    assert_clean_exit(result)
    assert "step 0 loss 0.8958441028683222, accuracy 50.0%" in result.stdout
    assert "step 99 loss" in result.stdout
    assert number_after("final accuracy:", result.stdout) == 100.0


def test_moons_compiled_default_run_reaches_full_accuracy_recording_once(tmp_path):
    result = run_example("moons_compiled.py", cwd=tmp_path)
    assert_clean_exit(result)
    assert "step 0 loss 0.8958441028683222, accuracy 50.0%" in result.stdout
    assert "recorded 1 time(s)" in result.stdout
    assert number_after("final accuracy:", result.stdout) == 100.0


def test_iris_default_run_reaches_95_percent_training_accuracy(tmp_path):
    result = run_example("iris.py", cwd=tmp_path)
    assert_clean_exit(result)
    assert number_after("final training accuracy:", result.stdout) >= 95.0


def test_housing_default_run_ends_well_below_the_variance_of_medv(tmp_path):
    result = run_example("housing.py", cwd=tmp_path)
    assert_clean_exit(result)
    variance = number_after("variance of MEDV:", result.stdout)
    assert 80 < variance < 90  # MEDV's variance is 84.42: the parse read the right number
    assert number_after("final train MSE:", result.stdout) < variance / 4
    assert number_after("final test MSE:", result.stdout) < variance / 4


def test_tensor_moons_default_run_reaches_full_training_accuracy(tmp_path):
    result = run_example("tensor_moons.py", cwd=tmp_path)
    assert_clean_exit(result)
    assert "step  99" in result.stdout
    assert number_after("final accuracy:", result.stdout) == 100.0


def test_tensor_iris_default_run_reaches_95_percent_training_accuracy(tmp_path):
    result = run_example("tensor_iris.py", cwd=tmp_path)
    assert_clean_exit(result)
    assert number_after("final training accuracy:", result.stdout) >= 95.0


def test_tensor_housing_default_run_ends_well_below_the_variance_of_medv(tmp_path):
    result = run_example("tensor_housing.py", cwd=tmp_path)
    assert_clean_exit(result)
    assert "step  999" in result.stdout  # the default is 1000 full-batch steps
    variance = number_after("variance of MEDV:", result.stdout)
    assert 80 < variance < 90
    assert number_after("final train MSE:", result.stdout) < variance / 4
    assert number_after("final test MSE:", result.stdout) < variance / 4


def test_basic_training_default_run_learns_the_sum_on_unseen_points(tmp_path):
    result = run_example("basic_training.py", cwd=tmp_path)
    assert_clean_exit(result)
    assert number_after("final test MSE:", result.stdout) < 1e-3


def test_neuron_gradients_agree_with_finite_differences(tmp_path):
    result = run_example("neuron.py", cwd=tmp_path)
    assert_clean_exit(result)
    table = result.stdout.split("finite differences", 1)[1]
    rows = re.findall(r"^\s*(x1|x2|w1|w2|b)\s+(\S+)\s+(\S+)$", table, re.MULTILINE)
    assert [name for name, _, _ in rows] == ["x1", "x2", "w1", "w2", "b"]
    for name, backward, numerical in rows:
        assert float(backward) == pytest.approx(float(numerical), abs=1e-6), name
    # Karpathy's lecture numbers.
    assert {name: float(grad) for name, grad, _ in rows} == {
        "x1": -1.5,
        "x2": 0.5,
        "w1": 1.0,
        "w2": 0.0,
        "b": 0.5,
    }


# ---------------------------------------------------------------- moons_adam --png


def test_moons_adam_png_option_writes_a_png(tmp_path):
    pytest.importorskip("matplotlib")
    path = tmp_path / "boundary.png"
    result = run_example("moons_adam.py", "--quick", "--png", str(path), cwd=tmp_path)
    assert_clean_exit(result)
    assert path.read_bytes().startswith(PNG_SIGNATURE)
    assert f"saved the decision boundary to {path}" in result.stdout


def test_moons_adam_png_without_matplotlib_says_what_to_install(tmp_path):
    # A package named matplotlib that fails to import hides the real one, if any.
    blocker = tmp_path / "blocked" / "matplotlib"
    blocker.mkdir(parents=True)
    (blocker / "__init__.py").write_text('raise ImportError("matplotlib blocked by the test")\n')
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        filter(None, [str(blocker.parent), os.environ.get("PYTHONPATH")])
    )
    path = tmp_path / "boundary.png"
    result = run_example("moons_adam.py", "--quick", "--png", str(path), cwd=tmp_path, env=env)
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert "pip install" in result.stderr
    assert "final accuracy:" in result.stdout  # the training and ASCII plot still ran
    assert not path.exists()


# ---------------------------------------------------------------- computation_graph --svg


@pytest.mark.needs_dot
def test_computation_graph_svg_option_draws_the_neuron(tmp_path):
    path = tmp_path / "graph.svg"
    result = run_example("computation_graph.py", "--svg", str(path), cwd=tmp_path)
    assert_clean_exit(result)
    svg = path.read_text(encoding="utf-8")
    assert "<svg" in svg and "grad &#45;1.5000" in svg  # x0's gradient, as dot writes it
    assert f"drew the neuron's graph into {path}" in result.stdout


def test_computation_graph_svg_without_dot_says_what_to_install(tmp_path):
    env = dict(os.environ, PATH=str(tmp_path))  # a PATH on which no `dot` can be found
    path = tmp_path / "graph.svg"
    result = run_example("computation_graph.py", "--svg", str(path), cwd=tmp_path, env=env)
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert "install graphviz" in result.stderr
    assert "← x0" in result.stdout  # the trees still printed
    assert not path.exists()
