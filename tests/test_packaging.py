"""The library works without its extras: numpy, scipy, numba and highspy are all `import linregions` and
an lp or brute count need; a feature whose extra is missing says which extra to install."""

import subprocess
import sys

import numpy as np
import pytest

import linregions as lr
from linregions.extras import MissingExtra

#: Every optional dependency, blocked (an entry None in sys.modules makes its import fail).
BLOCK = ["torch", "torchvision", "gurobipy", "snakemake", "pandas", "matplotlib", "yaml"]


def test_counting_needs_no_extra(tmp_path):
    # Proves the core install suffices: in a fresh interpreter where every extra's package fails to
    # import, the package imports and lp and brute count an .npz network (5 lines in general
    # position in the plane: 16 regions, Zaslavsky), and asking for the MILP names its extra.
    rng = np.random.default_rng(1)
    W = rng.normal(size=(5, 2))
    b = -(W * rng.uniform(-0.1, 0.1, size=(5, 2))).sum(axis=1)  # lines through points near 0
    np.savez(tmp_path / "m.npz", W1=W, b1=b)
    model = str(tmp_path / "m.npz")
    code = (
        f"import sys\nfor m in {BLOCK!r}: sys.modules[m] = None\n"
        "import linregions as lr\n"
        f"lp = lr.count_regions({model!r}, -1, 1)\n"
        f"brute = lr.count_regions({model!r}, -1, 1, method='brute')\n"
        "print(lp.method, lp.regions, brute.regions)\n"
        f"try:\n    lr.count_regions({model!r}, -1, 1, method='milp')\n"
        "except Exception as exc:\n    print(type(exc).__name__, exc)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    first, second = proc.stdout.strip().splitlines()
    assert first == "lp 16 16", proc.stdout
    assert second.startswith("MissingExtra ") and "pip install 'linregions[milp]'" in second, second


def test_missing_gurobi_names_the_extra(monkeypatch):
    # Proves the MILP without gurobipy stops with one line that names the extra, not a traceback
    # of an ImportError deep in the solver code.
    from linregions import milp

    monkeypatch.setitem(sys.modules, "gurobipy", None)
    milp.licence_size_limit.cache_clear()
    try:
        with pytest.raises(MissingExtra, match=r"pip install 'linregions\[milp\]'") as exc:
            lr.count_regions([(np.eye(2), np.zeros(2))], -1, 1, method="milp")
        assert "\n" not in str(exc.value)
    finally:
        milp.licence_size_limit.cache_clear()


def test_warmup_compiles_every_kernel_a_count_starts_with():
    # Proves that `python -m linregions.warmup` (run by make after installing) goes through each
    # path of count_regions that runs a kernel, and leaves the kernels those paths enter compiled:
    # in a fresh interpreter (nothing compiled beforehand) the LP search's two entry points and the
    # planar split's have a signature afterwards. A path renamed or rerouted fails in compile_kernels.
    code = (
        "import linregions.search as S, linregions.planar as P\n"
        "from linregions.warmup import compile_kernels\n"
        "before = [bool(f.signatures) for f in (S.run, S.init_task, P._search)]\n"
        "paths = compile_kernels()\n"
        "after = [bool(f.signatures) for f in (S.run, S.init_task, P._search)]\n"
        "print(before, after, sorted(paths))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split("] [")[0] == "[False, False, False"
    assert "[True, True, True]" in out
    for path in ("interval (lp)", "planar (lp)", "lp-x (lp)", "lp-zeta (lp)", "lp-zeta (estimate)"):
        assert path in out
