"""Training: MSE plus the KAN paper's sparsity regularisation (``kansr.kan.regularization``),
grid updates and grid extension."""

from __future__ import annotations

import copy
import math
import sys
from dataclasses import dataclass

import pandas as pd
import torch
from torch import Tensor

from kansr.budget import Budget, charge, cost, expired
from kansr.data import split_rows
from kansr.errors import TrainingError
from kansr.kan.lbfgs import LBFGS
from kansr.kan.model import KAN
from kansr.kan.objective import Objective


@dataclass(frozen=True)
class TrainConfig:
    """How to train.

    Attributes
    ----------
    steps : int
        Optimiser steps per grid stage (one LBFGS iteration or one Adam step each).
    optimizer : {"lbfgs", "adam"}
    lr : float
        Learning rate (LBFGS uses a strong-Wolfe line search, so 1.0 is right for it).
    lamb : float
        Overall weight λ of the regularisation; 0 disables it.
    lamb_l1, lamb_entropy : float
        Weights of the L1 term and of the entropy term (μ) inside the regularisation.
    grid_schedule : tuple of int
        Grid sizes to train at in turn; the function is carried over at each extension.
        Empty: keep the model's grid.
    grid_update_every : int
        During the first half of each stage, move the grids to the data every this many steps.
    val_fraction : float
        Share of rows held out for validation and early stopping.
    patience : int
        Stop a stage after this many steps without validation improvement (0: never).
    time_budget : float or None
        Seconds; training stops cleanly when spent.
    seed : int
    progress : bool
        Print a line on stderr every ``progress_every`` steps.
    """

    steps: int = 100
    optimizer: str = "lbfgs"
    lr: float = 1.0
    lamb: float = 0.0
    lamb_l1: float = 1.0
    lamb_entropy: float = 2.0
    grid_schedule: tuple[int, ...] = ()
    grid_update_every: int = 10
    val_fraction: float = 0.2
    patience: int = 0
    time_budget: float | None = None
    seed: int = 0
    progress: bool = False
    progress_every: int = 50


@dataclass(frozen=True)
class TrainReport:
    """Outcome of ``train``: per-stage table and final errors."""

    history: pd.DataFrame
    train_rmse: float
    val_rmse: float
    steps: int
    stopped: str | None


def _rmse(model: KAN, x: Tensor, y: Tensor) -> float:
    with torch.no_grad():
        return float(torch.sqrt(torch.mean((model(x) - y) ** 2)))


def train(model: KAN, x: Tensor, y: Tensor, config: TrainConfig = TrainConfig(),
          budget: Budget | None = None) -> TrainReport:
    """Train ``model`` in place on (x, y).

    Parameters
    ----------
    x : Tensor, shape (n_samples, n_data_inputs)
    y : Tensor, shape (n_samples, n_outputs)
    config : TrainConfig
    budget : Budget, optional
        Stops training when spent (as ``config.time_budget`` does), and is charged every
        loss-and-gradient evaluation (``kansr.budget``).
    """
    torch.manual_seed(config.seed)
    train_idx, val_idx = split_rows(x.shape[0], config.val_fraction, config.seed)
    x_train, y_train = x[train_idx], y[train_idx]
    x_val, y_val = (x[val_idx], y[val_idx]) if len(val_idx) else (x_train, y_train)
    schedule = config.grid_schedule or (model.layers[0].grid_size,)
    if config.time_budget is not None:
        budget = Budget(config.time_budget, "time", parent=budget)
    rows, total_steps, stopped = [], 0, None
    for stage, grid_size in enumerate(schedule):
        if stage > 0 or grid_size != model.layers[0].grid_size:
            model.update_grid(x_train, grid_size)
        steps, stopped = _train_stage(model, x_train, y_train, x_val, y_val, config, budget, total_steps)
        total_steps += steps
        rows.append({"grid_size": grid_size, "steps": steps,
                     "train_rmse": _rmse(model, x_train, y_train), "val_rmse": _rmse(model, x_val, y_val)})
        if stopped:
            break
    history = pd.DataFrame(rows)
    return TrainReport(history, float(history.train_rmse.iloc[-1]), float(history.val_rmse.iloc[-1]),
                     total_steps, stopped)


class _Optimizer:
    """One optimiser over the model's parameters as one flat vector (``Objective.theta``).

    LBFGS: ``kansr.lbfgs.LBFGS``; Adam: ``torch.optim.Adam`` fed the same gradients.
    Built again whenever the parameters change shape or place (grid updates, rollbacks).
    """

    def __init__(self, model: KAN, x: Tensor, y: Tensor, config: TrainConfig, lr: float) -> None:
        self.objective = Objective(model, x, y, config.lamb, config.lamb_l1, config.lamb_entropy)
        self.adam = torch.optim.Adam(self.objective.params, lr=lr) if config.optimizer == "adam" else None
        self.lbfgs = LBFGS(self.objective, lr=lr, history_size=10) if self.adam is None else None
        self.charged = 0

    def charge(self, budget: Budget | None) -> None:
        """Charge ``budget`` with the evaluations made since the last charge."""
        evaluations = self.objective.evaluations - self.charged
        self.charged += evaluations
        charge(budget, evaluations * cost.training_evaluation(self.objective.x.shape[0], self.objective.theta.numel(),
                                                              autograd=not self.objective.fast))

    def step(self) -> tuple[float, bool]:
        """One optimiser step, undone when it left a non-finite loss or parameter.
        Returns (a loss for progress lines, whether the step was kept)."""
        if self.lbfgs is not None:
            loss = self.lbfgs.step()
            if self.lbfgs.finite():
                return loss, True
            self.lbfgs.undo()
            return loss, False
        theta = self.objective.theta
        previous = theta.clone()
        loss, grad = self.objective()
        self.objective.set_grads(grad)
        self.adam.step()
        if math.isfinite(loss) and bool(torch.isfinite(theta).all()):
            return loss, True
        theta.copy_(previous)
        return loss, False


def _train_stage(model, x_train, y_train, x_val, y_val, config, budget, step_offset):
    """One grid stage. Returns (steps done, reason stopped or None)."""
    lr = config.lr
    if config.optimizer not in ("lbfgs", "adam"):
        raise ValueError(f"unknown optimizer {config.optimizer!r}; use 'lbfgs' or 'adam'")
    update_until = config.steps // 2 if config.grid_update_every else 0
    best_val, best_state, since_best, retries = math.inf, None, 0, 0
    optimizer = None
    step = 0
    while step < config.steps:
        if expired(budget):
            return step, budget.label
        if update_until and step < update_until and step % config.grid_update_every == 0:
            model.update_grid(x_train)
            optimizer = None
        if optimizer is None:
            optimizer = _Optimizer(model, x_train, y_train, config, lr)
        loss, kept = optimizer.step()
        optimizer.charge(budget)
        if not kept:
            retries += 1
            if retries > 3:
                raise TrainingError("training diverged (non-finite loss) even with smaller steps")
            lr *= 0.1
            optimizer = None
            continue
        step += 1
        if config.patience or config.progress:
            val = _rmse(model, x_val, y_val)
            if val < best_val * (1 - 1e-6):
                best_val, since_best = val, 0
                best_state = copy.deepcopy(model.state_dict()) if config.patience else None
            else:
                since_best += 1
            if config.progress and step % config.progress_every == 0:
                print(f"[kansr] step {step_offset + step}: loss {float(loss):.3e} val rmse {val:.3e}",
                      file=sys.stderr)
            if config.patience and since_best >= config.patience and step >= update_until:
                model.load_state_dict(best_state)
                return step, None
    return step, None
