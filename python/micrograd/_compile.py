"""``micrograd.compile``: record a function's scalar graph once, replay it from a tape.

Named after ``torch.compile`` rather than ``jax.jit``: nothing is compiled to machine
code *just in time*; the graph is recorded on the first call and replayed after, which
is what PyTorch users know as compiling a function, and ``micrograd.compile(fn)``
reads as plain English. The semantics are jax.jit's: explicit, and frozen at
recording (see docs/compiled-graphs.md).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Hashable
from typing import TYPE_CHECKING, Any, Generic, TypeVar, cast, overload

import numpy as np

from micrograd._core import Value, _CompiledCall, _Recording, _Tape

__all__ = ["Compiled", "GraphChangedError", "compile"]

R = TypeVar("R")


class GraphChangedError(RuntimeError):
    """In check mode: the function built a different graph than the one recorded."""


def _is_number(x: object) -> bool:
    return isinstance(x, (int, float, np.integer, np.floating)) and not isinstance(
        x, (bool, np.bool_)
    )


def _flatten(obj: object, parts: list[Any]) -> Hashable:
    """The signature of an argument, appending its numbers and arrays to ``parts``.

    Numbers and numeric numpy arrays are inputs (their values change from call to
    call; an array's shape is in the signature); lists and tuples are walked;
    a Value is a parameter (its identity is in the signature); anything else is
    static, part of the signature by value (a change re-records).
    """
    if isinstance(obj, Value):
        return ("v", obj._node_id)
    if isinstance(obj, np.ndarray) and obj.dtype.kind in "biuf":
        parts.append(obj)
        return ("a", obj.shape)
    if _is_number(obj):
        parts.append(obj)
        return "n"
    if type(obj) is list or type(obj) is tuple:
        return (type(obj).__name__, tuple(_flatten(item, parts) for item in obj))
    try:
        hash(obj)
    except TypeError:
        raise TypeError(
            "a compiled function's arguments must be numbers, numpy arrays, Values, lists"
            f" or tuples of them, or hashable constants; got {type(obj).__name__}"
        ) from None
    return ("s", type(obj), obj)


def _as_inputs(obj: object, inputs: list[Value]) -> object:
    """The argument as the recording sees it: every input number a new Value leaf
    (listed in ``inputs``, in ``_flatten``'s order), arrays as nested lists."""
    if isinstance(obj, Value):
        return obj
    if isinstance(obj, np.ndarray) and obj.dtype.kind in "biuf":
        return _as_inputs(np.asarray(obj, dtype=np.float64).tolist(), inputs)
    if _is_number(obj):
        value = Value(float(obj))  # type: ignore[arg-type]
        inputs.append(value)
        return value
    if type(obj) is list or type(obj) is tuple:
        return type(obj)(_as_inputs(item, inputs) for item in obj)
    return obj


def _outputs(result: object, found: list[Value]) -> object:
    """The structure of ``fn``'s result, with each Value replaced by its index."""
    if isinstance(result, Value):
        found.append(result)
        return len(found) - 1
    if type(result) is list or type(result) is tuple:
        return (type(result), [_outputs(item, found) for item in result])
    raise TypeError(
        "a compiled function must return a Value, or a list or tuple of Values; got"
        f" {type(result).__name__}. A number computed from .data would be frozen at"
        " its recorded value: return the Values and read their .data outside"
    )


def _rebuild(structure: object, values: list[Value]) -> Any:
    if isinstance(structure, int):
        return values[structure]
    kind, items = cast("tuple[type[list[Any]], list[object]]", structure)
    return kind(_rebuild(item, values) for item in items)


class Compiled(_CompiledCall, Generic[R]):
    """A function whose scalar graph is recorded on the first call and replayed after.

    Made by :func:`compile`. ``tape`` is the tape of the last call, ``recordings``
    counts how often ``fn`` has been run to record.

    Calling one is a C call (``_CompiledCall.__call__``): a call with no arguments of
    a function returning one Value, once recorded and not in check mode, replays its
    tape there without a Python frame; every other call runs ``_call``.
    """

    def __init__(self, fn: Callable[..., R], check: bool = False) -> None:
        if not callable(fn):
            raise TypeError(f"compile() needs a function, got {type(fn).__name__}")
        self.fn = fn
        self._check = check
        self.recordings = 0
        self._tapes: dict[Hashable, tuple[_Tape, object]] = {}
        # The entry of the last call that went through ``_call``. While the fast path
        # is set, that call had no arguments and every later call replayed the same
        # entry, so this is the last call's in every case.
        self._last: tuple[_Tape, object] | None = None
        functools.update_wrapper(self, fn)

    if TYPE_CHECKING:
        # At run time the call is _CompiledCall's (a Python __call__ would replace it).
        def __call__(self, *args: Any, **kwargs: Any) -> R: ...

    @property
    def check(self) -> bool:
        """Check mode: record on every call and compare with the first recording."""
        return self._check

    @check.setter
    def check(self, check: bool) -> None:
        self._check = check
        self._set_fast(None)  # every call goes through ``_call``, which checks

    @property
    def tape(self) -> _Tape:
        """The tape the last call replayed (call the function once first)."""
        if self._last is None:
            raise RuntimeError("not recorded yet: call the compiled function once first")
        return self._last[0]

    def _record(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[_Tape, object]:
        inputs: list[Value] = []
        call_args = _as_inputs(args, inputs)
        call_kwargs = {name: _as_inputs(kwargs[name], inputs) for name in sorted(kwargs)}
        recording = _Recording()
        try:
            result = self.fn(*call_args, **call_kwargs)  # type: ignore[misc]
        finally:
            recording.stop()
        self.recordings += 1
        found: list[Value] = []
        structure = _outputs(result, found)
        return recording.tape(found, inputs), structure

    def _call(self, *args: Any, **kwargs: Any) -> R:
        """A call the C fast path does not take: records or replays, as the signature
        of the arguments and check mode say."""
        parts: list[Any] = []
        if args or kwargs:
            key = _flatten((args, tuple(sorted(kwargs.items()))), parts)
        else:
            key = ()
        entry = self._tapes.get(key)
        if entry is None or self._check:
            recorded = self._record(args, kwargs)
            if entry is None:
                entry = self._tapes[key] = recorded
            else:
                difference = entry[0].difference(recorded[0])
                if difference is not None:
                    raise GraphChangedError(
                        f"{getattr(self.fn, '__name__', 'the function')} built a different"
                        f" graph than the one recorded: {difference}. Control flow on"
                        " .data is frozen at recording; compute such branches outside the"
                        " compiled function (or without compile)"
                    )
        tape, structure = entry
        # Set together with ``_last``: the fast path replays the entry ``_last`` names.
        self._last = entry
        fast = key == () and structure == 0 and not self._check
        self._set_fast(tape if fast else None)
        return _rebuild(structure, tape.replay(parts))


@overload
def compile(fn: Callable[..., R], *, check: bool = False) -> Compiled[R]: ...
@overload
def compile(*, check: bool = False) -> Callable[[Callable[..., R]], Compiled[R]]: ...
def compile(
    fn: Callable[..., R] | None = None, *, check: bool = False
) -> Compiled[R] | Callable[[Callable[..., R]], Compiled[R]]:
    """Records ``fn``'s scalar graph on its first call and replays it from a tape in
    Rust on later calls: the same results and gradients, without rebuilding the graph.

    - Numbers and numpy arrays among the arguments are the tape's inputs; a change of
      their shapes (or of any other argument) records again.
    - Values that existed before the call and that ``fn`` reaches, such as a model's
      parameters, are read before each replay; ``backward()`` on a returned Value adds
      their gradients into them, so optimizers work unchanged.
    - Leaves made inside ``fn`` are constants; Python control flow on ``.data`` inside
      ``fn`` is frozen at recording. ``check=True`` records every call and raises
      :class:`GraphChangedError`, naming the first differing node, when the graph
      changes.
    - ``fn`` returns a Value or a list or tuple of Values.

    Usable as ``compile(fn)``, ``@compile`` or ``@compile(check=True)``.
    """
    if fn is None:
        return lambda fn: Compiled(fn, check=check)
    return Compiled(fn, check=check)
