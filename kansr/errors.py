"""Exception hierarchy: every error a user can act on derives from KansrError."""

from __future__ import annotations


class KansrError(Exception):
    """Base class of all errors raised on purpose by kansr."""


class DataError(KansrError, ValueError):
    """The input data cannot be used; the message says what and where (also a ValueError,
    as scikit-learn conventions expect for bad input)."""


class TrainingError(KansrError):
    """Training diverged and could not be recovered."""
