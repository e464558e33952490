"""Candidate functions for symbolic edges, as small frozen objects.

Each candidate ``f`` is used as ``c * f(a * x + b) + d``. Two flags say which of the
inner constants the candidate makes redundant, so the fitter does not chase them:
``fixed_scale`` (``a`` can be taken as ±1: a scale factor moves into ``c``, e.g. for
powers) and ``fixed_shift`` (``b`` can be taken as 0: a shift moves into ``c``, e.g.
for exp).
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType
from typing import Callable, Mapping

import numpy as np
import sympy
import torch

from kansr.errors import KansrError

_EPS = 1e-6


@dataclass(frozen=True)
class SymbolicFunction:
    """One candidate: name, three implementations, complexity and what it makes redundant.

    ``symmetry`` is +1 for even and -1 for odd functions (0: neither) and ``period`` the
    period (0: none); the fitter uses them to write every fit in one canonical form.
    ``torch`` must be finite everywhere (it is used in training, where inputs can stray
    out of the domain), ``numpy`` returns NaN/inf outside the domain (the fitter skips
    those), ``sympy`` builds the formula.
    """

    name: str
    torch: Callable
    numpy: Callable
    sympy: Callable
    complexity: int
    fixed_scale: bool = False
    fixed_shift: bool = False
    symmetry: int = 0
    period: float = 0.0

    def __repr__(self) -> str:
        return f"SymbolicFunction({self.name!r}, complexity={self.complexity})"


def make_function(
    name: str,
    torch_fn: Callable,
    numpy_fn: Callable,
    sympy_fn: Callable,
    complexity: int,
    fixed_scale: bool = False,
    fixed_shift: bool = False,
    symmetry: int = 0,
    period: float = 0.0,
) -> SymbolicFunction:
    """Build a candidate after checking that its three implementations agree.

    Raises ``KansrError`` when the numpy and torch versions disagree on test points in
    the domain, when the output shape differs from the input's, or when the sympy
    version does not build an expression.
    """
    if not name or not isinstance(complexity, int) or complexity < 0:
        raise KansrError(f"function {name!r}: needs a name and a non-negative integer complexity")
    probe = np.array([-2.3, -0.7, -0.1, 0.3, 0.9, 1.7, 2.9])
    with np.errstate(all="ignore"):
        values = np.asarray(numpy_fn(probe), dtype=float)
    if values.shape != probe.shape:
        raise KansrError(f"function {name!r}: numpy version returns shape {values.shape}, not {probe.shape}")
    ok = np.isfinite(values)
    if not ok.any():
        raise KansrError(f"function {name!r}: numpy version is undefined on every test point")
    torch_values = torch_fn(torch.tensor(probe, dtype=torch.float64)).numpy()
    if not np.all(np.isfinite(torch_values)):
        raise KansrError(f"function {name!r}: torch version must be finite everywhere")
    if not np.allclose(torch_values[ok], values[ok], rtol=1e-6, atol=1e-6):
        raise KansrError(f"function {name!r}: torch and numpy versions disagree")
    symbol = sympy.Symbol("x")
    expression = sympy.sympify(sympy_fn(symbol))
    lambdified = sympy.lambdify(symbol, expression, "numpy")
    with np.errstate(all="ignore"):
        sym_values = np.broadcast_to(np.asarray(lambdified(probe), dtype=complex), probe.shape)
    if not np.allclose(sym_values[ok].real, values[ok], rtol=1e-6, atol=1e-6):
        raise KansrError(f"function {name!r}: sympy and numpy versions disagree")
    if symmetry:
        with np.errstate(all="ignore"):
            mirrored = np.asarray(numpy_fn(-probe), dtype=float)
        both = ok & np.isfinite(mirrored)
        if not np.allclose(mirrored[both], symmetry * values[both], rtol=1e-6, atol=1e-9):
            raise KansrError(f"function {name!r}: is not {'even' if symmetry > 0 else 'odd'}")
    return SymbolicFunction(name, torch_fn, numpy_fn, sympy_fn, complexity, fixed_scale, fixed_shift,
                            symmetry, period)


def _safe_reciprocal(x: torch.Tensor) -> torch.Tensor:
    sign = torch.where(x >= 0, 1.0, -1.0).to(x.dtype)
    return 1 / (sign * torch.clamp(x.abs(), min=_EPS))


def _default_library() -> dict[str, SymbolicFunction]:
    t, n, s = torch, np, sympy
    specs = [
        ("x", lambda x: x, lambda x: x, lambda x: x, 1, True, True, -1),
        ("x^2", lambda x: x**2, lambda x: x**2, lambda x: x**2, 2, True, False, 1),
        ("x^3", lambda x: x**3, lambda x: x**3, lambda x: x**3, 3, True, False, -1),
        ("x^4", lambda x: x**4, lambda x: x**4, lambda x: x**4, 4, True, False, 1),
        ("1/x", _safe_reciprocal, lambda x: 1 / x, lambda x: 1 / x, 2, True, False),
        ("1/x^2", lambda x: _safe_reciprocal(x) ** 2, lambda x: 1 / x**2, lambda x: x**-2, 3, True, False),
        ("sqrt", lambda x: t.sqrt(t.clamp(x, min=0)), n.sqrt, s.sqrt, 2, True, False),
        ("1/sqrt", lambda x: t.rsqrt(t.clamp(x, min=_EPS)), lambda x: 1 / n.sqrt(x),
         lambda x: 1 / s.sqrt(x), 3, True, False),
        ("exp", lambda x: t.exp(t.clamp(x, max=50)), n.exp, s.exp, 3, False, True),
        ("log", lambda x: t.log(t.clamp(x, min=_EPS)), n.log, s.log, 3, True, False),
        ("sin", t.sin, n.sin, s.sin, 3, False, False, -1, 2 * np.pi),
        ("cos", t.cos, n.cos, s.cos, 3, False, False, 1, 2 * np.pi),
        ("tan", lambda x: t.tan(t.clamp(x, -1.5, 1.5)), lambda x: n.where(n.abs(x) < 1.5, n.tan(x), n.nan),
         s.tan, 4, False, False, -1),
        ("tanh", t.tanh, n.tanh, s.tanh, 4, False, False, -1),
        ("cosh", lambda x: t.cosh(t.clamp(x, -50, 50)), n.cosh, s.cosh, 4, False, False, 1),
        ("arcsin", lambda x: t.asin(t.clamp(x, -1, 1)), n.arcsin, s.asin, 5, False, False, -1),
        ("arccos", lambda x: t.acos(t.clamp(x, -1, 1)), n.arccos, s.acos, 5, False, False),
        ("arctan", t.atan, n.arctan, s.atan, 5, False, False, -1),
        ("abs", t.abs, n.abs, s.Abs, 4, True, False, 1),
        ("gaussian", lambda x: t.exp(-(x**2)), lambda x: n.exp(-(x**2)), lambda x: s.exp(-(x**2)),
         4, False, False, 1),
    ]
    return {spec[0]: make_function(spec[0], _DefaultTorch(spec[0], spec[1]), *spec[2:]) for spec in specs}


class _DefaultTorch:
    """The torch version of a default function. Unlike the lambda it wraps it pickles (by name),
    so KANs with symbolic edges cross process boundaries."""

    def __init__(self, name: str, fn: Callable) -> None:
        self.name, self.fn = name, fn

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        return self.fn(x)

    def __reduce__(self):
        return _default_torch, (self.name,)


def _default_torch(name: str) -> Callable:
    return DEFAULT_LIBRARY[name].torch


DEFAULT_LIBRARY: Mapping[str, SymbolicFunction] = MappingProxyType(_default_library())  # read-only


def get_library(names: list[str] | None = None) -> dict[str, SymbolicFunction]:
    """The default candidates, or the named subset of them."""
    if names is None:
        return dict(DEFAULT_LIBRARY)
    unknown = [name for name in names if name not in DEFAULT_LIBRARY]
    if unknown:
        raise KansrError(f"unknown function(s) {unknown}; known: {sorted(DEFAULT_LIBRARY)}")
    return {name: DEFAULT_LIBRARY[name] for name in names}
