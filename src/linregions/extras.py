"""Optional dependencies: the library needs numpy, scipy, numba and highspy; PyTorch, Gurobi and the
workflow's packages come with the extras ``[torch]``, ``[milp]`` and ``[workflow]``."""

from __future__ import annotations

import importlib
from types import ModuleType


class MissingExtra(ImportError):
    """A feature was asked for whose optional dependency is not installed."""


def require(module: str, extra: str, feature: str) -> ModuleType:
    """Import ``module``, or fail with one line naming the extra that installs it."""
    try:
        return importlib.import_module(module)
    except ImportError:
        raise MissingExtra(
            f"{feature} needs the package {module.split('.')[0]!r}, which is not installed; "
            f"install it with: pip install 'linregions[{extra}]'"
        ) from None
