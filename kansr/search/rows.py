"""The rows of one search: ``split_rows`` divides the data once, into held-out rows
(``val``) for scoring formulas and seeded subsamples of the rest for training KANs
(``kan``) and refitting constants (``refit``). Tables of fewer than ``SMALL_TABLE`` rows
are not split: no row is held out, and formulas are scored by cross-validation instead
(leave-one-out up to ``LEAVE_ONE_OUT`` rows, else ``FOLDS``-fold), so that every row is
used for fitting.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from kansr import data as data_module


@dataclass(frozen=True)
class Rows:
    """Row indices of one search: held-out rows, and subsamples of the training rows."""

    train: np.ndarray
    val: np.ndarray
    kan: np.ndarray  # seeded subsample of train for the KAN
    refit: np.ndarray  # seeded subsample of train for the constant refits

    def within(self, keep: np.ndarray) -> Rows:
        """The same rows of the data restricted to ``keep`` (a boolean mask over its rows),
        numbered as rows of that restricted data."""
        number = np.cumsum(keep) - 1  # each kept row's index among the kept ones
        return Rows(*(number[part[keep[part]]] for part in (self.train, self.val, self.kan, self.refit)))


# below this many rows a held-out fifth (under 20 rows) is too few to choose between
# formulas: its error differs more from one draw of the split to the next than two
# plausible laws differ (a power law and a line through the origin on 50 animals)
SMALL_TABLE = 100
LEAVE_ONE_OUT = 20
FOLDS = 10


def split_rows(n_rows: int, val_fraction: float, seed: int, max_train_rows: int, max_refit_rows: int) -> Rows:
    """Seeded held-out split (none for small tables), and seeded subsamples of the training rows."""
    train, val = data_module.split_rows(n_rows, val_fraction if n_rows >= SMALL_TABLE else 0.0, seed)
    rng = np.random.default_rng(seed)
    kan = np.sort(rng.permutation(train)[:max_train_rows])
    refit_rows = np.sort(rng.permutation(train)[:max_refit_rows])
    return Rows(train, val, kan, refit_rows)
