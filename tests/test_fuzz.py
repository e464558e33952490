"""Property-based fuzzing of the CSV loader: load correctly or raise DataError, nothing else."""

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kansr import data
from kansr.errors import DataError

cells = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.integers(-10**30, 10**30).map(str),
    st.text(max_size=6),
    st.sampled_from(["", " ", '"1,5"', '"', "1e400", "-0", "nan", "1;2", "\t", "ä", "1 2"]),
    # values with their uncertainties, and what only looks like them
    st.sampled_from(["1 ± 0.1", "2±0.2", "3 +/- 0.5", "± 1", "1 ±", "1 ± x", "1 ± -2", "1 ± 1e400", "1 ± nan",
                     "−1 ± 0,5"]),
)
rows = st.lists(st.lists(cells, min_size=1, max_size=5), min_size=0, max_size=14)
separators = st.sampled_from([",", ";", "\t"])


def _check(tmp_path_factory, raw: bytes):
    path = tmp_path_factory.mktemp("fuzz") / "data.csv"
    path.write_bytes(raw)
    try:
        dataset = data.load(str(path))
    except DataError as error:
        assert str(error)  # a message a user can read
        return
    assert np.all(np.isfinite(dataset.X)) and np.all(np.isfinite(dataset.y))
    for sigma in ([] if dataset.sigma is None else [dataset.sigma]) + list(dataset.input_sigma.values()):
        assert sigma.shape == dataset.y.shape and np.all(np.isfinite(sigma)) and np.all(sigma >= 0)
    assert dataset.X.shape[0] == dataset.y.shape[0] >= data.MIN_ROWS


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=rows, separator=separators, bom=st.booleans(), blank=st.booleans())
def test_structured_csv_fuzz(tmp_path_factory, rows, separator, bom, blank):
    lines = [separator.join(row) for row in [["a", "b", "y"], *rows]]
    if blank:
        lines.insert(len(lines) // 2, "")
    text = ("\ufeff" if bom else "") + "\n".join(lines) + "\n"
    _check(tmp_path_factory, text.encode("utf-8"))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(raw=st.binary(max_size=300))
def test_random_bytes_fuzz(tmp_path_factory, raw):
    _check(tmp_path_factory, raw)


def test_valid_file_with_quoted_fields_loads(tmp_path):
    text = 'a,b,y\n' + "".join(f'"{i}",{i % 4},{i * (i % 4) + 1}\n' for i in range(1, 30))
    path = tmp_path / "q.csv"
    path.write_text(text)
    dataset = data.load(str(path))
    assert dataset.X.shape == (29, 2)


def test_cells_with_uncertainties_in_rows_longer_than_the_header(tmp_path_factory):
    # (found by the fuzz above: pandas reads such rows with an index of repeated labels)
    rows = [["0.0", "0.0", "1 ± 0.1", "0.0"], ["0.0"], ["0.0", "0.0", "1 ± 0.1"]] * 3
    _check(tmp_path_factory, "\n".join(",".join(row) for row in [["a", "b", "y"], *rows]).encode("utf-8"))
