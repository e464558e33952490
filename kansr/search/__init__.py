"""discover(): the search over transforms and KAN shapes, scoring, selection and stopping."""

from kansr.search.config import DiscoverConfig
from kansr.search.discover import discover
from kansr.search.result import Result

__all__ = ["DiscoverConfig", "Result", "discover"]
