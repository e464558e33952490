"""Columns of dates or times of day as numbers: the time since their earliest (``Elapsed``).

A formula needs numbers; a date is read as the time since the column's earliest, in the
unit its span holds three times over, so that a fitted rate reads per day or per year and
an amplitude is the value at the first row, not at year 0."""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

UNITS = {"years": 365.25 * 86400.0, "days": 86400.0, "hours": 3600.0, "minutes": 60.0, "seconds": 1.0}
# dates and times as ISO 8601 writes them (2024-05-01, 2024-05-01 13:45:10.5, ...T13:45Z)
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?$")
# times of a day without a date (9:05, 13:45:10.5), as lab logs write them
_CLOCK = re.compile(r"^\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?$")
# dates written another way (01/05/2024, 1.5.2024): day and month cannot be told apart
OTHER_DATE = re.compile(r"^\d{1,4}[./-]\d{1,2}[./-]\d{1,4}([T ].*)?$")


@dataclass(frozen=True)
class Elapsed:
    """How a column of dates became numbers: the time since ``origin`` (ISO 8601: a date,
    a date and time, or a time of day) in ``unit`` ("years" of 365.25 days, "days",
    "hours", "minutes" or "seconds")."""

    origin: str
    unit: str

    @property
    def kind(self) -> str:
        return "times of day" if _CLOCK.match(self.origin) else "dates"

    def of(self, dates) -> np.ndarray:
        """The time since the origin, in the unit, of dates (or times of day) as strings or datetimes."""
        times = _timestamps(pd.Series(dates).astype(str).str.strip())
        origin = _timestamps(pd.Series([self.origin]))[0]
        return ((times - origin).dt.total_seconds() / UNITS[self.unit]).to_numpy()


def _timestamps(text: pd.Series) -> pd.Series:
    """ISO 8601 strings as timestamps; with a zone (Z, +02:00) in UTC, as a zone only moves
    the clock; times of day on one (arbitrary) day."""
    if len(text) and text.str.match(_CLOCK).all():
        text = "2000-01-01 " + text.str.replace(r"^(\d):", r"0\1:", regex=True)
    zoned = text.str.contains(r"(?:Z|[+-]\d{2}:?\d{2})$", regex=True)
    return pd.to_datetime(text, format="ISO8601", utc=bool(zoned.any())).dt.tz_localize(None)


def is_date(cell: str) -> bool:
    """Whether one cell is an ISO 8601 date (or a time of day) that exists."""
    if not (_ISO_DATE.match(cell) or _CLOCK.match(cell)):
        return False
    try:
        _timestamps(pd.Series([cell]))
    except (ValueError, OverflowError):
        return False
    return True


def as_elapsed(text: pd.Series, missing: np.ndarray) -> tuple[np.ndarray, Elapsed] | None:
    """A column of ISO 8601 dates, or of times of day, (its ``missing`` cells aside) as the
    time since its earliest, in the unit its span holds three times over (years, days,
    hours, minutes, else seconds); None where some cell is no such date."""
    present = text[~missing]
    if not len(present) or not (present.str.match(_ISO_DATE).all() or present.str.match(_CLOCK).all()):
        return None
    try:
        times = _timestamps(present)
    except (ValueError, OverflowError):  # 2024-13-45, 25:70: the shape of a date, not a date
        return None
    first, span = times.min(), (times.max() - times.min()).total_seconds()
    unit = next((name for name, seconds in UNITS.items() if span >= 3 * seconds), "seconds")
    if present.str.match(_CLOCK).all():
        origin = first.time().isoformat()
    else:
        origin = first.isoformat() if times.dt.normalize().ne(times).any() else first.date().isoformat()
    elapsed = Elapsed(origin, unit)
    values = np.full(len(text), np.nan)
    values[~missing] = ((times - first).dt.total_seconds() / UNITS[unit]).to_numpy()  # as ``elapsed.of``
    return values, elapsed
