"""KANRegressor: the trained KAN itself as a scikit-learn regressor, with continual learning."""

from __future__ import annotations

import copy

import numpy as np
import sympy
import torch
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.utils.validation import check_is_fitted, validate_data

from kansr.estimator import seed_of
from kansr.kan import KAN, KANConfig, Memory, TrainConfig, learn_locally, prune, train
from kansr.symbolic import auto_symbolic, get_library, kan_to_sympy, polish

# rows of the data kept for pruning and symbolic extraction (attribution and edge fits
# need samples of each edge's inputs, not every row)
_SAMPLE_ROWS = 2000


class KANRegressor(RegressorMixin, BaseEstimator):
    """A Kolmogorov-Arnold network as a scikit-learn regressor.

    Every edge carries a learnable 1-D function (a B-spline plus a SiLU term) and nodes sum
    their edges (Liu et al. 2024). ``fit`` trains with L-BFGS, optionally with the KAN
    paper's L1 + entropy sparsity and pruning, through a schedule of ever finer grids
    (grid extension: each grid's spline refit to the coarser one's function).
    ``partial_fit`` learns new rows without forgetting: see ``partial_fit``.

    Parameters
    ----------
    hidden_layer_sizes : tuple of int, default=(5,)
        Hidden nodes per layer; the network's width is
        ``[n_features, *hidden_layer_sizes, n_outputs]``. ``()`` gives a one-layer KAN
        (a sum of one-input functions).
    grid_size : int, default=5
        Grid intervals per edge to start with (and the only grid when ``grid_schedule``
        is empty).
    grid_schedule : tuple of int, default=(5, 10, 20)
        Grid sizes trained at in turn by ``fit`` (grid extension); ``()``: ``grid_size`` only.
    spline_order : int, default=3
        B-spline order (3: cubic).
    steps : int, default=200
        Optimiser iterations per grid of ``fit``, and per call of ``partial_fit``.
    optimizer : {"lbfgs", "adam"}, default="lbfgs"
        L-BFGS with a strong-Wolfe line search, or Adam.
    learning_rate : float or None, default=None
        Step size; None: 1.0 for L-BFGS (its line search scales the step), 0.01 for Adam.
    lamb : float, default=0.0
        Weight of the sparsity regularisation (0: none).
    lamb_l1 : float, default=1.0
        Weight of the L1 term inside the regularisation.
    lamb_entropy : float, default=2.0
        Weight of the entropy term inside the regularisation.
    prune_threshold : float or None, default=None
        When set, ``fit`` prunes edges and nodes whose attribution is at most this
        (``prune``) after training, then trains the smaller KAN again without
        regularisation on the last grid.
    device : str, default="cpu"
        Torch device, e.g. "cuda".
    random_state : int, RandomState instance or None, default=0
        Seeds the initial parameters and training: the same data and the same int give
        the same network.
    verbose : bool, default=False
        Training progress on stderr.

    Attributes
    ----------
    model_ : kansr.KAN
        The trained network.
    memory_ : kansr.kan.Memory
        The hidden ranges of the rows learned so far (what ``partial_fit`` holds).
    n_features_in_ : int
    feature_names_in_ : ndarray of str
        Only when X was a DataFrame with string column names.
    n_outputs_ : int
    single_output_ : bool
        y was one-dimensional: ``predict`` returns one dimension too.
    X_sample_, y_sample_ : ndarray
        A seeded sample (at most 2,000) of the rows learned, which ``prune`` and
        ``to_symbolic`` use.

    Examples
    --------
    >>> import numpy as np
    >>> from kansr import KANRegressor
    >>> X = np.random.default_rng(0).uniform(-1, 1, size=(300, 2))
    >>> y = np.sin(np.pi * X[:, 0]) + X[:, 1] ** 2
    >>> model = KANRegressor(hidden_layer_sizes=(), random_state=0).fit(X, y)
    >>> model.score(X, y) > 0.9999
    True
    """

    def __init__(self, *, hidden_layer_sizes=(5,), grid_size=5, grid_schedule=(5, 10, 20), spline_order=3,
                 steps=200, optimizer="lbfgs", learning_rate=None, lamb=0.0, lamb_l1=1.0, lamb_entropy=2.0,
                 prune_threshold=None, device="cpu", random_state=0, verbose=False):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.grid_size = grid_size
        self.grid_schedule = grid_schedule
        self.spline_order = spline_order
        self.steps = steps
        self.optimizer = optimizer
        self.learning_rate = learning_rate
        self.lamb = lamb
        self.lamb_l1 = lamb_l1
        self.lamb_entropy = lamb_entropy
        self.prune_threshold = prune_threshold
        self.device = device
        self.random_state = random_state
        self.verbose = verbose

    # -- helpers ----------------------------------------------------------------------

    def _seed(self) -> int:
        return seed_of(self.random_state)

    def _tensors(self, X, y=None):
        x = torch.tensor(np.asarray(X, dtype=np.float64), device=self.device)
        if y is None:
            return x
        y = np.asarray(y, dtype=np.float64)
        return x, torch.tensor(y.reshape(len(y), -1), device=self.device)

    def _validate(self, X, y, reset: bool):
        X, y = validate_data(self, X, y, reset=reset, y_numeric=True, multi_output=True, dtype=np.float64)
        if X.shape[0] < 2:
            raise ValueError(f"n_samples = {X.shape[0]}: a KAN needs at least 2 samples")
        return X, y

    def _new_model(self, n_features: int, n_outputs: int, grid_size: int) -> KAN:
        config = KANConfig(width=[n_features, *(int(h) for h in self.hidden_layer_sizes), n_outputs],
                           grid_size=int(grid_size), spline_order=int(self.spline_order), device=self.device,
                           seed=self._seed())
        return KAN(config)

    def _lr(self) -> float:
        if self.learning_rate is not None:
            return float(self.learning_rate)
        return 1.0 if self.optimizer == "lbfgs" else 0.01

    def _train_config(self, **changes) -> TrainConfig:
        settings = dict(steps=int(self.steps), optimizer=self.optimizer, lr=self._lr(), lamb=float(self.lamb),
                        lamb_l1=float(self.lamb_l1),
                        lamb_entropy=float(self.lamb_entropy), grid_schedule=tuple(self.grid_schedule),
                        val_fraction=0.0, seed=self._seed(), progress=bool(self.verbose))
        return TrainConfig(**{**settings, **changes})

    def _remember(self, X, y) -> None:
        """Keep a seeded sample of the rows seen (for ``prune`` and ``to_symbolic``)."""
        X_seen = np.concatenate([self.X_sample_, X]) if hasattr(self, "X_sample_") else X
        y_seen = np.concatenate([self.y_sample_, y]) if hasattr(self, "y_sample_") else y
        if len(X_seen) > _SAMPLE_ROWS:
            keep = np.sort(np.random.default_rng(self._seed()).permutation(len(X_seen))[:_SAMPLE_ROWS])
            X_seen, y_seen = X_seen[keep], y_seen[keep]
        self.X_sample_, self.y_sample_ = X_seen, y_seen

    # -- scikit-learn API ---------------------------------------------------------------

    def fit(self, X, y):
        """Train a new KAN on (X, y).

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)

        Returns
        -------
        self : KANRegressor
        """
        X, y = self._validate(X, y, reset=True)
        for name in ("X_sample_", "y_sample_"):
            self.__dict__.pop(name, None)
        x, target = self._tensors(X, y)
        schedule = tuple(self.grid_schedule) or (int(self.grid_size),)
        model = self._new_model(X.shape[1], target.shape[1], schedule[0])
        train(model, x, target, self._train_config(grid_schedule=schedule))
        self.memory_ = Memory()
        self.memory_.add(model, x)
        if self.prune_threshold is not None:
            model = self._pruned(model, x, target, self.prune_threshold)
        self.model_, self.n_outputs_, self.single_output_ = model, target.shape[1], np.ndim(y) == 1
        self._remember(X, y)
        return self

    def partial_fit(self, X, y):
        """Learn the rows (X, y) and keep what was learned where they are not.

        The first call trains a new KAN on grids spread uniformly over these rows (all
        parameters, ``steps`` iterations, the first grid of the schedule). Every later
        call extends the grids to cover the new rows without moving a knot and trains
        the spline coefficients alone, holding the SiLU weights, spline scales, biases
        and every hidden coefficient whose basis reaches into the range of hidden values
        of earlier rows (``kansr.kan.continual``). Guaranteed exactly: an earlier row that
        lies, in every input, more than ``spline_order + 1`` grid intervals from the new
        rows' values of that input keeps its prediction to the last bit, at any depth (each
        input has its own edges: new rows spread over one input's whole range move that
        input's edges everywhere). Approximately only: rows closer than that, and points
        never trained on, whose hidden values may lie outside the recorded ranges. For a
        one-layer KAN (``hidden_layer_sizes=()``) no hidden values are involved: every
        point that far from the new rows keeps its prediction exactly.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)

        Returns
        -------
        self : KANRegressor
        """
        first = not hasattr(self, "model_")
        X, y = self._validate(X, y, reset=first)
        x, target = self._tensors(X, y)
        if first:
            model = self._new_model(X.shape[1], target.shape[1], (tuple(self.grid_schedule) or (self.grid_size,))[0])
            with torch.no_grad():  # uniform grids over the rows: later calls extend them at the same spacing
                h = x
                for layer in model.layers:
                    layer.update_grid(h, uniform_fraction=1.0)
                    h = layer(h)
            train(model, x, target, self._train_config(grid_schedule=(), grid_update_every=0))
            self.model_, self.n_outputs_, self.single_output_ = model, target.shape[1], np.ndim(y) == 1
            self.memory_ = Memory()
            self.memory_.add(model, x)
        else:
            if target.shape[1] != self.n_outputs_:
                raise ValueError(f"y has {target.shape[1]} outputs; this KAN was fitted with {self.n_outputs_}")
            learn_locally(self.model_, x, target, self.memory_, steps=int(self.steps), optimizer=self.optimizer,
                          lr=self._lr())
        self._remember(X, y)
        return self

    def predict(self, X) -> np.ndarray:
        """The network's output.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples,) or (n_samples, n_outputs)
        """
        check_is_fitted(self, "model_")
        X = validate_data(self, X, reset=False, dtype=np.float64)
        with torch.no_grad():
            out = self.model_(self._tensors(X)).cpu().numpy()
        return out[:, 0] if self.single_output_ else out

    def prune(self, threshold: float = 0.01) -> "KANRegressor":
        """Remove edges and nodes whose attribution (the KAN paper's edge and node scores, on
        the rows seen) is at most ``threshold``, then train the smaller KAN again
        (``steps`` iterations, no regularisation), as the paper does; returns self."""
        check_is_fitted(self, "model_")
        x, target = self._tensors(self.X_sample_, self.y_sample_)
        self.model_ = self._pruned(self.model_, x, target, threshold)
        return self

    def _pruned(self, model: KAN, x: torch.Tensor, target: torch.Tensor, threshold: float) -> KAN:
        model = prune(model, x, float(threshold))
        train(model, x, target, self._train_config(grid_schedule=(), lamb=0.0))
        self.memory_ = Memory()
        self.memory_.add(model, x)
        return model

    def _names(self) -> list[str]:
        return (list(self.feature_names_in_) if hasattr(self, "feature_names_in_")
                else [f"x{i}" for i in range(self.n_features_in_)])

    def to_symbolic(self, library: list[str] | None = None, polish_constants: bool = True):
        """The network as a formula: every edge matched to a library function by an affine
        fit c·f(a·x + b) + d (``kansr.symbolic.auto_symbolic``), the network written as one
        sympy expression in the feature names, and its constants refit jointly on the rows
        seen, snapped where that shortens the description, and simplified
        (``kansr.symbolic.polish``). The fitted spline network itself is left as it is.

        Parameters
        ----------
        library : list of str, optional
            Function names (``kansr.get_library``); default: the default library.
        polish_constants : bool, default=True
            False: the formula as the edge fits give it.

        Returns
        -------
        sympy.Expr, or a list of them (one per output) for several outputs.
        """
        check_is_fitted(self, "model_")
        functions = get_library(library)
        model = copy.deepcopy(self.model_)
        x = self._tensors(self.X_sample_)
        auto_symbolic(model, x, functions)
        symbols = [sympy.Symbol(name) for name in self._names()]
        formulas = kan_to_sympy(model, symbols, functions)
        if polish_constants:
            targets = np.asarray(self.y_sample_).reshape(len(self.y_sample_), -1)
            formulas = [polish(f, symbols, self.X_sample_, targets[:, i]).expr for i, f in enumerate(formulas)]
        return formulas[0] if len(formulas) == 1 else formulas

    def plot(self, path=None):
        """The network's diagram (``kansr.plot_kan``): every edge a panel with its learned
        function; returns the matplotlib Figure (and saves it to ``path`` when given)."""
        from kansr.plot import plot_kan

        check_is_fitted(self, "model_")
        return plot_kan(self.model_, path, names=self._names())

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags
