"""Physical units of a table's columns: parsing unit strings and units tables.

A unit is a vector of exponents over the base dimensions ``BASE`` (length, time, mass,
temperature, electric potential: the basis of the AI Feynman database's units, in which
charge is kg m² s⁻² V⁻¹; and amount of substance, for chemistry's moles and molar
concentrations). Only dimensions matter for dimensional analysis, so a unit string may use
any unit of a dimension (``g``, ``cm``, ``min``, ``kPa``, ``atm``, ``mM``): its scale goes
into the formula's constants.

Unit strings: tokens separated by spaces, ``*`` or ``·``, each a unit name with an
optional exponent (``m^2``, ``s**-1``, ``s-1``), and at most one ``/`` after which every
exponent is negated: ``kg m^2 s^-2``, ``m/s^2``, ``W/m^2 K``; ``1`` (or an empty
string) for a dimensionless column.

Units tables (``read_units``): a CSV with a column naming the variable (``Variable``,
``name`` or ``column``) and either one column per base dimension (``m, s, kg, K, V``, and ``mol``
where any has moles; ``T`` is read as kelvin, as in the AI Feynman table) or a ``Units``
column of unit strings. Exponents given in Python may likewise leave out the last, ``mol``.
"""

from __future__ import annotations

import re
from fractions import Fraction
from pathlib import Path

import pandas as pd

from kansr.errors import DataError

BASE = ("m", "s", "kg", "K", "V", "mol")
# the AI Feynman database's basis, without moles: exponents of these alone leave mol at 0
_FEYNMAN_BASE = len(BASE) - 1
Dimension = tuple[Fraction, ...]


def _vector(m=0, s=0, kg=0, K=0, V=0, mol=0) -> Dimension:
    return tuple(Fraction(e) for e in (m, s, kg, K, V, mol))


_AMPERE = _vector(m=2, s=-3, kg=1, V=-1)  # W / V
_LENGTH, _TIME, _MASS = _vector(m=1), _vector(s=1), _vector(kg=1)
_ENERGY, _POWER, _PRESSURE = _vector(m=2, s=-2, kg=1), _vector(m=2, s=-3, kg=1), _vector(m=-1, s=-2, kg=1)
_MOLAR = _vector(m=-3, mol=1)  # mol per litre
UNITS: dict[str, Dimension] = {
    "1": _vector(),
    "m": _vector(m=1), "cm": _vector(m=1), "mm": _vector(m=1), "km": _vector(m=1), "um": _vector(m=1),
    "nm": _vector(m=1),
    "s": _vector(s=1), "ms": _vector(s=1), "min": _vector(s=1), "h": _vector(s=1), "d": _vector(s=1),
    "kg": _vector(kg=1), "g": _vector(kg=1), "mg": _vector(kg=1),
    "K": _vector(K=1), "degC": _vector(K=1), "degF": _vector(K=1),  # °C and °F: a temperature's dimension
    "V": _vector(V=1), "mV": _vector(V=1), "kV": _vector(V=1),
    "Hz": _vector(s=-1),
    "N": _vector(m=1, s=-2, kg=1),
    "J": _vector(m=2, s=-2, kg=1), "kJ": _vector(m=2, s=-2, kg=1), "eV": _vector(m=2, s=-2, kg=1),
    "W": _vector(m=2, s=-3, kg=1), "kW": _vector(m=2, s=-3, kg=1),
    "Pa": _vector(m=-1, s=-2, kg=1), "kPa": _vector(m=-1, s=-2, kg=1),
    "hPa": _PRESSURE, "MPa": _PRESSURE, "bar": _PRESSURE, "mbar": _PRESSURE, "atm": _PRESSURE, "Torr": _PRESSURE,
    "mmHg": _PRESSURE,
    "ft": _LENGTH, "in": _LENGTH, "mi": _LENGTH, "yr": _TIME, "lb": _MASS,
    "cal": _ENERGY, "kcal": _ENERGY, "kWh": _ENERGY, "mW": _POWER, "MW": _POWER, "kN": _vector(m=1, s=-2, kg=1),
    "kHz": _vector(s=-1), "MHz": _vector(s=-1),
    "mL": _vector(m=3), "ml": _vector(m=3),
    "rad": _vector(), "deg": _vector(), "sr": _vector(),
    "%": _vector(), "percent": _vector(), "ppm": _vector(),
    "mol": _vector(mol=1), "mmol": _vector(mol=1), "umol": _vector(mol=1),
    "M": _MOLAR, "mM": _MOLAR, "uM": _MOLAR,
    "A": _AMPERE, "mA": _AMPERE,
    "C": _vector(m=2, s=-2, kg=1, V=-1),
    "Ohm": _vector(V=2, m=-2, s=3, kg=-1),
    "T": _vector(m=-2, s=1, V=1),  # tesla: V s / m²
    "L": _vector(m=3),
}
_TOKEN = re.compile(r"^([A-Za-z]+|1|%)(?:(?:\^|\*\*)?\(?([-+]?\d+(?:\.\d+)?(?:/\d+)?)\)?)?$")


def parse_unit(text: str, where: str = "unit") -> Dimension:
    """The dimension of a unit string (module doc); ``DataError`` naming ``where`` when
    some part of it is not a unit this module knows."""
    total = [Fraction(0)] * len(BASE)
    for name, exponent in unit_powers(text, where).items():
        for i, e in enumerate(UNITS[name]):
            total[i] += exponent * e
    return tuple(total)


def unit_powers(text: str, where: str = "unit") -> dict[str, Fraction]:
    """The units a unit string is made of, each with its exponent (``m/s^2``: m 1, s -2;
    none for a dimensionless string); ``DataError`` as ``parse_unit``."""
    text = str(text).strip()
    if text in ("", "1", "-", "dimensionless"):
        return {}
    parts = text.split("/")
    if len(parts) > 2:
        raise DataError(f"{where}: unit {text!r} has more than one '/'")
    powers: dict[str, Fraction] = {}
    for sign, part in zip((1, -1), parts):
        tokens = [t for t in re.split(r"[\s*·]+", part.replace("**", "^").strip()) if t]
        if sign == -1 and not tokens:
            raise DataError(f"{where}: unit {text!r} has nothing after '/'")
        for token in tokens:
            match = _TOKEN.match(token)
            if not match or match.group(1) not in UNITS:
                known = ", ".join(sorted(k for k in UNITS if k != "1"))
                raise DataError(f"{where}: unknown unit {token!r} in {text!r} (known: {known})")
            exponent = Fraction(match.group(2)) if match.group(2) else Fraction(1)
            if match.group(1) != "1":
                powers[match.group(1)] = powers.get(match.group(1), Fraction(0)) + sign * exponent
    return {name: exponent for name, exponent in powers.items() if exponent != 0}


def format_unit(dimension: Dimension) -> str:
    """A unit string of ``dimension`` in the base units ("1" for none)."""
    display = {name: exponent for name, exponent in zip(BASE, dimension)}
    return format_powers([(n, display[n]) for n in ("kg", "m", "s", "K", "V", "mol")])


def format_powers(powers: list[tuple[str, Fraction]]) -> str:
    """A unit string of units raised to powers, in this order ("1" for none)."""
    parts = []
    for name, exponent in powers:
        if exponent == 1:
            parts.append(name)
        elif exponent != 0:  # a fitted exponent's share (kg^-0.7498), in decimals
            shown = exponent if Fraction(exponent).denominator <= 12 else f"{float(exponent):.4g}"
            parts.append(f"{name}^{shown}")
    return " ".join(parts) or "1"


def _column(table: pd.DataFrame, options: tuple[str, ...]) -> str | None:
    lowered = {str(c).strip().lower(): c for c in table.columns}
    return next((lowered[o] for o in options if o in lowered), None)


def read_units(path: str | Path) -> dict[str, Dimension]:
    """Variable name -> dimension, from a units table (module doc)."""
    return _read_table(path)[0]


def _read_table(path: str | Path) -> tuple[dict[str, Dimension], dict[str, str]]:
    """``read_units``'s table, and the unit strings of a table that gives them (else {})."""
    path = Path(path)
    if not path.exists():
        raise DataError(f"{path}: no such units file")
    try:
        table = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (ValueError, pd.errors.ParserError) as error:
        raise DataError(f"{path}: not a readable units table ({str(error).splitlines()[0][:80]})") from None
    name_column = _column(table, ("variable", "name", "column"))
    if name_column is None:
        raise DataError(f"{path}: a units table needs a 'Variable' column naming each variable")
    exponent_columns = [_column(table, (b.lower(),) + (("t",) if b == "K" else ())) for b in BASE]
    unit_column = _column(table, ("units", "unit"))
    if unit_column is None and None in exponent_columns[:_FEYNMAN_BASE]:
        raise DataError(f"{path}: a units table needs a 'Units' column or one column per base unit "
                        f"({', '.join(BASE)}; mol may be left out)")
    units, texts = {}, {}
    for row_number, row in enumerate(table.to_dict("records"), start=2):
        name = str(row[name_column]).strip()
        where = f"{path}, row {row_number} ({name})"
        if None not in exponent_columns[:_FEYNMAN_BASE]:
            try:
                units[name] = tuple(Fraction(str(row[c]).strip() or "0") if c is not None else Fraction(0)
                                    for c in exponent_columns)
            except ValueError:
                raise DataError(f"{where}: exponents must be numbers") from None
        else:
            units[name] = parse_unit(row[unit_column], where)
            texts[name] = str(row[unit_column]).strip()
    return units, texts


def resolve(units, names: list[str], target: str, partial: bool = False) -> tuple[list[Dimension], Dimension]:
    """The dimensions of the input columns ``names`` and of ``target`` from ``units`` (a path
    to a units table, or a dict of name -> unit string or exponents). Every column needs
    one unless ``partial``, which takes undeclared columns as dimensionless."""
    dims, _ = resolve_with_texts(units, names, target, partial)
    return dims


def resolve_with_texts(units, names: list[str], target: str, partial: bool = False
                       ) -> tuple[tuple[list[Dimension], Dimension], tuple[list[str | None], str | None]]:
    """``resolve``'s dimensions, and the unit strings of the columns and target as the user
    wrote them (None for those given as exponents, or not at all), which the constants'
    units are stated in where they can be (a rate per ``yr``, not per second)."""
    texts: dict[str, str] = {}
    if isinstance(units, (str, Path)):
        table, texts = _read_table(units)
    else:
        table = {}
        for name, unit in dict(units).items():
            if isinstance(unit, str):
                table[str(name)] = parse_unit(unit, f"units of {name!r}")
                texts[str(name)] = unit.strip()
            else:
                values = tuple(Fraction(e) for e in unit)
                if len(values) == _FEYNMAN_BASE:
                    values += (Fraction(0),)
                if len(values) != len(BASE):
                    raise DataError(f"units of {name!r}: {len(values)} exponents, expected {len(BASE)} "
                                    f"({', '.join(BASE)}; mol may be left out)")
                table[str(name)] = values
    missing = [n for n in [*names, target] if n not in table and n.rstrip("_") not in table]
    if missing and not partial:
        raise DataError(f"no units for column(s) {', '.join(map(repr, missing))}; declare them, or allow "
                        "undeclared columns as dimensionless (--partial-units)")

    def look_up(name: str) -> Dimension:
        return table.get(name, table.get(name.rstrip("_"), _vector()))

    def text(name: str) -> str | None:
        return texts.get(name, texts.get(name.rstrip("_")))

    return ([look_up(n) for n in names], look_up(target)), ([text(n) for n in names], text(target))
