"""L-BFGS on one flat parameter vector, one iteration per ``step``.

The quasi-Newton direction is the textbook L-BFGS one (Nocedal & Wright, ch. 7): the
inverse-Hessian approximation built from the last ``history_size`` curvature pairs
(s, y), scaled by ``s'y / y'y``. It is applied in the compact form of Byrd, Nocedal and
Schnabel (1994) — a handful of small matrix products and two triangular solves — rather
than by the two-loop recursion, whose 4m vector operations cost more than the rest of
a step on small KANs. The step length comes from a line search meeting the strong Wolfe
conditions (torch's own, the one ``torch.optim.LBFGS`` uses). Unlike
``torch.optim.LBFGS`` with ``max_iter=1``, the loss and gradient found by the line search
are kept for the next step, so a step costs the line search's evaluations and nothing
more (torch evaluates again the point it already knows at the start of every step).
"""

from __future__ import annotations

import math

import torch
from torch import Tensor
from torch.optim.lbfgs import _strong_wolfe  # present since torch 1.x; what torch.optim.LBFGS uses


class LBFGS:
    """Minimise ``objective`` (see ``kansr.objective.Objective``) from its current point.

    Parameters
    ----------
    objective : callable
        ``objective() -> (loss, gradient)`` at ``objective.theta``, the vector it optimises
        in place.
    lr : float
        Initial step of each line search (the first step is scaled by 1 / |g|_1 as well).
    history_size : int
    """

    def __init__(self, objective, lr: float = 1.0, history_size: int = 10) -> None:
        self.objective, self.theta = objective, objective.theta
        self.lr, self.history_size = lr, history_size
        self.loss, self.grad = objective()
        self.start = self.theta.clone()  # where the last step began (``undo`` returns there)
        self._pairs = self.theta.new_empty(0, 2, self.theta.numel())  # rows (s, y), oldest first
        self._scale = 1.0
        self._last_step: Tensor | None = None
        self._last_grad: Tensor | None = None

    def _direction(self) -> Tensor:
        """-H g, H the L-BFGS inverse-Hessian approximation in compact form:
        H = γI + [S' γY'] [[R⁻ᵀ(D + γ Y Y')R⁻¹, -R⁻ᵀ], [-R⁻¹, 0]] [S; γY] with R = triu(S Y')."""
        g, gamma = self.grad, self._scale
        m = self._pairs.shape[0]
        stacked = self._pairs.transpose(0, 1).reshape(2 * m, -1)  # rows s_1..s_m, y_1..y_m
        gram = stacked @ stacked.T
        r = gram[:m, m:].triu()  # s_i . y_j for i <= j
        yy = gram[m:, m:]
        sg_yg = stacked @ g
        p = torch.linalg.solve_triangular(r, sg_yg[:m, None], upper=True)  # R⁻¹ S g
        inner = (torch.diagonal(r)[:, None] * p + gamma * (yy @ p)) - gamma * sg_yg[m:, None]
        top = torch.linalg.solve_triangular(r.T, inner, upper=False)  # (m, 1)
        coefficients = torch.cat([top, -gamma * p]).squeeze(1)
        return -(gamma * g + coefficients @ stacked)

    def step(self) -> Tensor:
        """One iteration: a direction, a line search, the move. Returns the new loss."""
        grad = self.grad
        if self._last_step is None:
            direction = grad.neg()
            t = min(1.0, 1.0 / float(grad.abs().sum())) * self.lr if bool(grad.any()) else self.lr
        else:
            y = grad - self._last_grad
            ys = float(y.dot(self._last_step))
            if ys > 1e-10:
                pair = torch.stack([self._last_step, y]).unsqueeze(0)
                self._pairs = torch.cat([self._pairs[1 - self.history_size:] if self.history_size > 1
                                         else self._pairs[:0], pair])
                self._scale = ys / float(y.dot(y))
            direction = self._direction() if self._pairs.shape[0] else grad.neg() * self._scale
            t = self.lr
        slope = grad.dot(direction)
        if not float(slope) < -1e-32:  # no descent left (or not a number): stay
            return self.loss
        self.start = self.theta.clone()

        def evaluate(_x, t, d):
            self.theta.copy_(self.start).add_(d, alpha=t)
            loss, g = self.objective()
            return float(loss), g

        loss, grad_new, t, _ = _strong_wolfe(evaluate, None, t, direction, float(self.loss), grad, slope)
        self.theta.copy_(self.start).add_(direction, alpha=t)
        self._last_step, self._last_grad = direction.mul(t), grad
        self.loss, self.grad = torch.as_tensor(loss, dtype=self.theta.dtype), grad_new
        return self.loss

    def finite(self) -> bool:
        """Whether the current point's loss is finite (then so is every parameter it uses)."""
        return math.isfinite(float(self.loss))

    def undo(self) -> None:
        """Back to where the last step began."""
        self.theta.copy_(self.start)
