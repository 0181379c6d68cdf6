"""examples/lecture.ipynb, Karpathy's lecture walked on this package, runs as stored.

The notebook is kept executed, so GitHub shows its outputs. These tests execute it
again, top to bottom, in a new Jupyter kernel running this interpreter (nbclient and
ipykernel, from the dev extra), and check that no cell fails, that the graph pictures
display inline as SVG, that the training loop prints the losses the same loop gives
in this process, and that the stored outputs are the ones a run gives now.

After editing the notebook, store its new outputs with ``python tests/docs/test_notebooks.py``.
"""

from __future__ import annotations

import copy
import json
import math
import random
import re
import sys
from pathlib import Path
from typing import Any

import nbformat
import pytest
from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.manager import KernelManager
from nbclient import NotebookClient

from lecture_cells import SEED, cells, run
from micrograd.nn import MLP

NOTEBOOK = Path(__file__).resolve().parents[2] / "examples" / "lecture.ipynb"
SVG = "image/svg+xml"
NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:e[-+]?\d+)?")


def execute(notebook: Any, workdir: Path) -> Any:
    """``notebook`` executed in place by a new kernel that runs ``sys.executable``.

    The kernel spec is written into ``workdir`` and is the only one searched, so a
    ``python3`` kernel installed elsewhere on the machine (another Python, another
    virtualenv) cannot be picked up instead of this one.
    """
    spec = workdir / "kernels" / "python3"
    spec.mkdir(parents=True)
    argv = [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    kernel = {"argv": argv, "display_name": "Python 3", "language": "python"}
    (spec / "kernel.json").write_text(json.dumps(kernel), encoding="utf-8")
    specs = KernelSpecManager(kernel_dirs=[str(spec.parent)], ensure_native_kernel=False)
    manager = KernelManager(kernel_name="python3", kernel_spec_manager=specs)
    client = NotebookClient(
        notebook,
        km=manager,
        timeout=120,
        record_timing=False,
        coalesce_streams=True,  # one output per stream, however the kernel chunks it
        resources={"metadata": {"path": str(workdir)}},
    )
    return client.execute()


@pytest.fixture(scope="module")
def stored() -> Any:
    return nbformat.read(NOTEBOOK, as_version=4)


@pytest.fixture(scope="module")
def executed(stored: Any, tmp_path_factory: pytest.TempPathFactory) -> Any:
    notebook = copy.deepcopy(stored)
    # One more cell reports which interpreter the kernel runs; removed after the run.
    notebook.cells.append(nbformat.v4.new_code_cell("import sys\nprint(sys.executable)"))
    execute(notebook, tmp_path_factory.mktemp("notebook"))
    return notebook


def code_cells(notebook: Any) -> list[Any]:
    return [cell for cell in notebook.cells if cell.cell_type == "code"]


def text_of(cell: Any) -> str:
    """What a cell printed and displayed as text, in order; a picture's plain-text
    stand-in (``<graphviz.graphs.Digraph at 0x...>``, an address) left out."""
    parts = []
    for output in cell.outputs:
        if output.output_type == "stream":
            parts.append(output.text)
        elif "text/plain" in output.get("data", {}) and SVG not in output.data:
            parts.append(output.data["text/plain"] + "\n")
    return "".join(parts)


def drop_addresses(notebook: Any) -> None:
    """Removes the plain-text stand-in of each picture, whose address changes every
    run, so that storing the outputs again changes only what changed."""
    for cell in code_cells(notebook):
        for output in cell.outputs:
            if SVG in output.get("data", {}):
                output.data.pop("text/plain", None)


def training_cell(notebook: Any) -> Any:
    (cell,) = [c for c in code_cells(notebook) if "loss.backward()" in c.source]
    return cell


def lecture_losses() -> list[float]:
    """The lecture's training loop, run here on the notebook's network."""
    random.seed(SEED)
    n = MLP.lecture(3, [4, 4, 1])
    xs = [[2.0, 3.0, -1.0], [3.0, -1.0, 0.5], [0.5, 1.0, 1.0], [1.0, 1.0, -1.0]]
    ys = [1.0, -1.0, -1.0, 1.0]
    losses = []
    for _ in range(20):
        ypred = [n(x) for x in xs]
        loss = sum((yout - ygt) ** 2 for ygt, yout in zip(ys, ypred))
        for p in n.parameters():
            p.grad = 0.0
        loss.backward()
        for p in n.parameters():
            p.data += -0.1 * p.grad
        losses.append(loss.data)
    return losses


@pytest.mark.needs_dot
def test_the_kernel_runs_this_interpreter(executed: Any) -> None:
    assert text_of(executed.cells[-1]).strip() == sys.executable


@pytest.mark.needs_dot
def test_every_cell_runs_without_an_error(executed: Any) -> None:
    cells = code_cells(executed)
    assert len(cells) >= 10
    for cell in cells:
        assert cell.execution_count is not None, cell.source
        errors = [o for o in cell.outputs if o.output_type == "error"]
        assert not errors, f"{cell.source}\n{errors}"


@pytest.mark.needs_dot
def test_the_graph_pictures_display_inline_as_svg(executed: Any) -> None:
    showing = [cell for cell in code_cells(executed) if ".show()" in cell.source]
    assert len(showing) >= 4  # the expression before and after backward, two neurons
    for cell in showing:
        pictures = [o.data[SVG] for o in cell.outputs if SVG in o.get("data", {})]
        assert len(pictures) == 1, cell.source
        assert "<svg" in pictures[0]
        # The records show the labels, data and grads (dot writes "-" as &#45;).
        assert "data" in pictures[0] and "grad" in pictures[0]
    neuron = next(c for c in showing if "o = n.tanh()" in c.source)
    picture = next(o.data[SVG] for o in neuron.outputs if SVG in o.get("data", {}))
    assert "x1" in picture and "grad &#45;1.5000" in picture  # x1's gradient


@pytest.mark.needs_dot
def test_the_training_loop_prints_the_losses_this_process_computes(executed: Any) -> None:
    printed = text_of(training_cell(executed)).splitlines()
    assert [line.split()[0] for line in printed] == [str(k) for k in range(20)]
    losses = [float(line.split()[1]) for line in printed]
    expected = lecture_losses()
    assert losses == expected  # printed with repr: the very same floats
    assert losses[-1] < losses[0] / 10  # and training worked


@pytest.mark.needs_dot
def test_the_stored_outputs_are_what_a_run_prints(stored: Any, executed: Any) -> None:
    fresh = code_cells(executed)[:-1]  # without the interpreter cell
    assert [c.source for c in code_cells(stored)] == [c.source for c in fresh]
    for old, new in zip(code_cells(stored), fresh):
        assert old.execution_count is not None, f"stored unexecuted: {old.source}"
        assert len(old.outputs) == len(new.outputs), old.source
        # The same text, numbers equal to rounding (another platform's libm may differ
        # in the last bit); a picture where the run draws one.
        old_text, new_text = text_of(old), text_of(new)
        assert NUMBER.sub("#", old_text) == NUMBER.sub("#", new_text), old.source
        for a, b in zip(NUMBER.findall(old_text), NUMBER.findall(new_text)):
            assert math.isclose(float(a), float(b), rel_tol=1e-12, abs_tol=1e-15), old.source
        assert any(SVG in o.get("data", {}) for o in old.outputs) == any(
            SVG in o.get("data", {}) for o in new.outputs
        ), old.source


def stored_losses(notebook: Any) -> list[float]:
    printed = text_of(training_cell(notebook)).splitlines()
    return [float(line.split()[1]) for line in printed]


def test_the_stored_losses_are_this_process_loops(stored: Any) -> None:
    # Needs no kernel and no dot: the stored output against the loop run here.
    assert stored_losses(stored) == pytest.approx(lecture_losses(), rel=1e-12)


def test_the_stored_losses_are_what_the_lectures_own_classes_print(stored: Any) -> None:
    # The lecture's second notebook, its own Value/Neuron/Layer/MLP classes, after
    # random.seed(42): the cell with the training loop prints "k loss" per step.
    records = run("second_half_roughly", replaced=False)
    (cell,) = [r for r, s in zip(records, cells("second_half_roughly")) if "loss.backward()" in s]
    printed = cell["printed"]
    assert printed[0::2] == list(range(20))
    assert stored_losses(stored) == pytest.approx(printed[1::2], rel=1e-12)


if __name__ == "__main__":
    # Re-execute the notebook and store its outputs.
    import tempfile

    notebook = nbformat.read(NOTEBOOK, as_version=4)
    with tempfile.TemporaryDirectory() as workdir:
        execute(notebook, Path(workdir))
    drop_addresses(notebook)
    nbformat.write(notebook, NOTEBOOK)
    print(f"stored the outputs of {NOTEBOOK}")
