"""linregions: count the linear regions of ReLU networks exactly, and bound them."""

from ._version import __version__  # noqa: F401

from .network import SCALES, BoxError, ModelError, Network, canonical, from_arrays, load_network  # noqa: E402
from .regions import DEFAULT_EPS, CountResult  # noqa: E402
from .domain import Domain, DomainError, affine_slice, around, box, plane, polytope  # noqa: E402
from .certificate import ScaleError  # noqa: E402
from .count import count_regions  # noqa: E402

__all__ = [
    "BoxError",
    "CountResult",
    "DEFAULT_EPS",
    "Domain",
    "DomainError",
    "ModelError",
    "Network",
    "SCALES",
    "ScaleError",
    "affine_slice",
    "around",
    "box",
    "canonical",
    "count_regions",
    "from_arrays",
    "load_network",
    "plane",
    "polytope",
]
