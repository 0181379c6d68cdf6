"""Running a call on another thread, and the refusal every Rust-backed object owes it.

Values, Tensors, models and optimizers hold ``Rc``s, which only their creating thread
may touch; a use from another thread must raise a plain ``RuntimeError`` (not pyo3's
``PanicException``, a ``BaseException`` that ``except Exception`` misses).
"""

from __future__ import annotations

import threading
from collections.abc import Callable


def run_in_thread(function: Callable[[], object]) -> dict:
    """function() on a new thread: {'result': ...} or {'error': the BaseException}."""
    outcome: dict = {}

    def target() -> None:
        try:
            outcome["result"] = function()
        except BaseException as error:  # noqa: BLE001 - a PanicException is one
            outcome["error"] = error

    thread = threading.Thread(target=target)
    thread.start()
    thread.join()
    return outcome


def assert_refused(outcome: dict, what: str) -> None:
    error = outcome.get("error")
    assert error is not None, f"{what} worked from another thread: {outcome}"
    assert type(error) is RuntimeError, f"{what}: {type(error).__mro__} {error}"
    assert "thread" in str(error), f"{what}: {error}"
