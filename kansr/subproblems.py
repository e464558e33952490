"""The "reduce" alternative of the search: merge inputs or split f by tests on a surrogate
KAN (``kansr.reduce``), solve the smaller problems with the same search, and score the
recombined formulas on the real data.

``Reductions`` is a mixin of ``kansr.pipeline._Search``: it uses the search's data, rows,
config and scoring, and runs a smaller search of the same class for each smaller problem.
"""

from __future__ import annotations

import time
from dataclasses import replace

import numpy as np
import sympy

from kansr import data as data_module
from kansr import reduce
from kansr.attempt import StageTimer
from kansr.result import _choose, _pareto
from kansr.symbolic import compose


def _fresh_symbols(names: list[str], count: int) -> list[sympy.Symbol]:
    """``count`` symbols z1, z2, ... whose names no input has."""
    fresh, k = [], 1
    while len(fresh) < count:
        if f"z{k}" not in names:
            fresh.append(sympy.Symbol(f"z{k}"))
        k += 1
    return fresh


class Reductions:
    """The reduction methods of the search (see the module doc)."""

    def _reduce(self, timer: StageTimer, log: list) -> tuple:
        """Merge inputs, or split f into two factors or terms, by tests on a surrogate KAN;
        solve the smaller problem(s) with the same search; rescore on the real data."""
        X, y, rows = self.dataset.X, self.dataset.y, self.rows
        now = time.monotonic()
        deadline = None if self.deadline is None else now + self.config.reduce_share * (self.deadline - now)
        with timer.stage("surrogate"):
            surrogate = reduce.Surrogate(X[rows.kan], y[rows.kan], self.seed,
                                         time_budget=None if deadline is None else deadline - now)
            merges = reduce.find_merges(surrogate, X[rows.kan], self.seed)
            split = None if merges else reduce.find_split(surrogate, X[rows.kan], self.seed)
        if merges:
            return self._merged(merges, deadline, timer, log)
        if split is not None:
            return self._separated(split, surrogate, deadline, timer, log)
        return None, []

    def _merged(self, merges: list, deadline, timer: StageTimer, log: list) -> tuple:
        """Solve the problem with each merged pair as one input (real data), then substitute back."""
        X, y = self.dataset.X, self.dataset.y
        used = {k for m in merges for k in (m.i, m.j)}
        kept = [k for k in range(X.shape[1]) if k not in used]
        fresh = _fresh_symbols(self.dataset.names, len(merges))
        names = [str(s) for s in fresh] + [self.dataset.names[k] for k in kept]
        columns = np.column_stack([m.values(X) for m in merges] + [X[:, k] for k in kept])
        meaning = {z: m.expr(self.symbols) for z, m in zip(fresh, merges)}
        factor = sympy.Mul(*[m.factor_expr(self.symbols) for m in merges])
        target = y / np.prod([m.factor_values(X) for m in merges], axis=0)
        label = "reduce[" + ", ".join(str(e) for e in meaning.values()) + (f"; {factor}" if factor != 1 else "") + "]"
        log.append(f"{label}: solving with {len(names)} inputs instead of {X.shape[1]}")
        sub = self._solve(columns, target, names, deadline, self.good_enough, timer, input_names=meaning)
        if not sub:
            return None, []
        model, formula, attempt_label = sub[0]
        return model, self._score(factor * formula.xreplace(meaning), f"{label}/{attempt_label}", timer, log)

    def _separated(self, split, surrogate, deadline, timer: StageTimer, log: list) -> tuple:
        """Solve g(one input) on surrogate data, then the rest on the real data with g divided
        out (subtracted for a sum); every pairing of the parts' formulas is scored."""
        X, y, rows = self.dataset.X, self.dataset.y, self.rows
        g_values, h_values, reference = reduce.split_data(surrogate, X, split)
        surrogate_error = float(np.mean((surrogate(X[rows.val]) - y[rows.val]) ** 2) / (np.var(y[rows.val]) or 1.0)) \
            if len(rows.val) else 0.0
        good_enough = max(self.good_enough, 3 * surrogate_error)
        names = self.dataset.names
        label = f"reduce[{' '.join(names[k] for k in split.left)} {split.kind} rest]"
        log.append(f"{label}: solving the two parts separately")
        left, right = list(split.left), list(split.right)
        now = time.monotonic()
        pieces = [self._solve(X[:, left], g_values, [names[k] for k in left],
                              None if deadline is None else now + (deadline - now) / 3, good_enough, timer)]
        if not pieces[0]:
            return None, []
        # the surrogate's errors let over-flexible formulas win on its data, so the rest is
        # solved on the real data with the first part divided out (subtracted for a sum):
        # exact data whenever that part is right up to its constants
        derived = self._divide_out(pieces[0][0][1], left, split.kind)
        usable = derived is not None
        pieces.append(self._solve(X[:, right], derived if usable else h_values, [names[k] for k in right],
                                  deadline, self.good_enough if usable else good_enough, timer, alternatives=2))
        if not pieces[1]:
            return None, []
        candidates = self._pairings(pieces[0], pieces[1], split.kind, usable, reference, label, timer, log)
        if usable and min((c["val_nmse"] for c in candidates), default=np.inf) > self.good_enough:
            # the first part came from the surrogate's data, where a wrong formula can fit within
            # its error (an atan for u/sqrt(1 - u²) in I.15.1); the rest, solved on real data,
            # is often right even so, and then dividing it out gives exact data for the first
            # part: solve that again, with time beyond this reduction's share (one input: cheap)
            again = self._divide_out(pieces[1][0][1], right, split.kind)
            if again is not None:
                retried = self._solve(X[:, left], again, [names[k] for k in left], self.deadline,
                                      self.good_enough, timer)
                retried = [(model, formula, f"{attempt} again") for model, formula, attempt in retried]
                candidates += self._pairings(retried, pieces[1][:1], split.kind, usable, reference, label,
                                             timer, log)
        return pieces[0][0][0], candidates

    def _divide_out(self, part, columns: list[int], kind: str) -> np.ndarray | None:
        """y with one part's formula (in the inputs ``columns``) divided out, or subtracted for a
        sum; None where that is not finite or the part comes near zero."""
        values = compose.predict(part, [self.symbols[k] for k in columns], self.dataset.X[:, columns])
        with np.errstate(all="ignore"):
            rest = self.dataset.y / values if kind == "*" else self.dataset.y - values
        if not np.all(np.isfinite(rest)):
            return None
        if kind == "*" and np.min(np.abs(values)) <= 1e-9 * np.max(np.abs(values)):
            return None
        return rest

    def _pairings(self, lefts: list, rights: list, kind: str, usable: bool, reference: float, label: str,
                  timer: StageTimer, log: list) -> list[dict]:
        """Every pairing of the two parts' formulas, combined and scored on the real data."""
        candidates = []
        for _, g, g_label in lefts:
            for _, h, h_label in rights:
                formula = g * h if kind == "*" else g + h
                if not usable:  # both parts from the surrogate, each taken at the reference point
                    formula = formula / sympy.Float(reference) if kind == "*" else formula - sympy.Float(reference)
                candidates += self._score(formula, f"{label}/{g_label}|{h_label}", timer, log)
        return candidates

    def _solve(self, X: np.ndarray, y: np.ndarray, names: list[str], deadline, good_enough: float,
               timer: StageTimer, input_names: dict | None = None, alternatives: int = 0) -> list[tuple]:
        """The same search on a smaller problem: [(model, formula, attempt)], its chosen formula
        first, then up to ``alternatives`` more from its Pareto front (the simplest of those
        within 100× the best held-out error)."""
        dataset = data_module.Dataset(X=X, y=y, names=names, target=self.dataset.target)
        # a reduced problem is tried for further reduction first: each step makes it smaller,
        # down to one input, which "nested" searches exhaustively
        first = tuple(a for a in ("nested", "reduce") if a in self.config.architectures)
        order = first + tuple(a for a in self.config.architectures if a not in first)
        sub = type(self)(dataset, replace(self.config, workers=1, architectures=order), self.rows, self.seed,
                      deadline, False, good_enough=good_enough, guaranteed=False)
        sub.run()
        for stage, seconds in sub.timer.seconds.items():
            timer.seconds[stage] = timer.seconds.get(stage, 0.0) + seconds
        if not sub.candidates:
            return []
        front = _pareto(sub.candidates)
        # on a surrogate's data (good_enough: 3 × its error), errors below that tie: a more
        # flexible formula fits the surrogate's own errors (tanh(tan(m/8)) for m in III.10.19)
        chosen = _choose(front, slack=max(1e-14, good_enough))
        close = front[front.val_nmse <= 100 * front.val_nmse.min() + 1e-14].sort_values("complexity")
        rows = [chosen] + [row for _, row in close.iterrows() if row.key != chosen.key][:alternatives]
        found = []
        for row in rows:
            model = sub.models[int(row.key)]
            if model is not None and model.input_names and input_names:  # label plots in the user's names
                symbols = {name: sympy.Symbol(name) for name in names}
                model.input_names = [str(sympy.sympify(name, locals=symbols).xreplace(input_names))
                                     for name in model.input_names]
            found.append((model, row.formula, str(row.attempt)))
        return found
