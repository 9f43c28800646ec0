"""The options every counting method shares, validated once.

:func:`linregions.count_regions` takes them as keywords and builds one :class:`CountOptions`;
the counters it dispatches to (:func:`linregions.lpenum.count_lp`,
:func:`linregions.milp.count_milp`, and count_regions' planar/interval and estimate branches)
take that object instead of repeating the parameter list, each with its own method options
(``shard``, ``seed``, ...) as keywords beside it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .network import check_scale
from .regions import DEFAULT_EPS, as_number, check_eps, check_margin


@dataclass(frozen=True)
class CountOptions:
    """What a count is of and how it may run.

    ``eps`` and ``margin`` define a region (:mod:`linregions.regions`); ``scale`` says on which
    form of the network eps is measured (``"row"``: the canonical form, ``"absolute"``: the
    weights as written). count_regions prepares the network in that form; the counters it
    calls take the prepared network and do not read ``scale``. ``threads`` (>= 1) and ``time_limit`` (seconds >= 0,
    or None for none) bound the run; ``return_patterns`` asks for the packed pattern set.
    Invalid values raise ValueError when the object is made, so no counter checks them again.
    """

    eps: float = DEFAULT_EPS
    margin: str = "both"
    scale: str = "row"
    threads: int = 1
    time_limit: float | None = None
    return_patterns: bool = False

    def __post_init__(self) -> None:
        put = object.__setattr__  # frozen: the checked, normalised values are stored once here
        put(self, "eps", check_eps(self.eps))
        put(self, "margin", check_margin(self.margin))
        put(self, "scale", check_scale(self.scale))
        t = self.threads
        if isinstance(t, bool) or not isinstance(t, (int, np.integer)) or t < 1:
            raise ValueError(f"threads must be an integer >= 1, got {t!r}")
        put(self, "threads", int(t))
        if self.time_limit is not None:
            tl = as_number(self.time_limit)
            if not (tl >= 0):
                raise ValueError(f"time_limit must be a number of seconds >= 0 or None, got {self.time_limit!r}")
            put(self, "time_limit", tl)
        put(self, "return_patterns", bool(self.return_patterns))
