"""The certificate's LP (``certificate.max_margin``, which builds its model for HiGHS itself)
against the same LP written for SciPy's ``linprog`` and against closed forms."""

import numpy as np
import pytest
from scipy.optimize import linprog

from linregions.certificate import _T_CAP, max_margin


def _linprog_margin(A, c, signs, margin, lo, up, A_dom=None, c_dom=None):
    """max t s.t. s_i (A_i x + c_i) >= t (margin rows) or >= 0 (sign-only rows), x in the box
    and A_dom x <= c_dom, written independently as linprog's (A_ub, b_ub, bounds)."""
    k, n0 = A.shape
    sign = np.where(signs, 1.0, -1.0)
    with_t = np.ones(k) if margin == "both" else signs.astype(float)
    A_ub = np.column_stack([-sign[:, None] * A, with_t])
    b_ub = sign * c
    if A_dom is not None:
        A_ub = np.vstack([A_ub, np.column_stack([A_dom, np.zeros(len(A_dom))])])
        b_ub = np.r_[b_ub, c_dom]
    cap = None if with_t.any() else _T_CAP  # a row bounds t, or t is at max_margin's cap
    res = linprog(np.r_[np.zeros(n0), -1.0], A_ub=A_ub, b_ub=b_ub,
                  bounds=[(lo, up)] * n0 + [(None, cap)], method="highs")
    return -np.inf if res.status == 2 else -res.fun


@pytest.mark.parametrize("seed", range(40))
def test_max_margin_agrees_with_linprog_on_random_lps(seed):
    # Proves the model handed to HiGHS is the documented LP: on random rows (with repeated rows,
    # rows with zero entries, the sign-only rows of margin "active", rows of 1e6 or 1e-5 that
    # max_margin normalises, and domain rows that can make it infeasible) the optimal t equals
    # that of the same LP written for linprog, infeasibility included, and the returned point is
    # in the box and attains t.
    rng = np.random.default_rng(seed)
    n0, k = int(rng.integers(1, 6)), int(rng.integers(1, 9))
    A = rng.normal(size=(k, n0)) * rng.choice([1.0, 1e6, 1e-5])
    A[rng.random((k, n0)) < 0.3] = 0.0
    A[A.any(axis=1) == 0, 0] = 1.0  # max_margin takes non-constant rows only
    if k > 1 and seed % 3 == 0:
        A[1] = A[0]
    c = rng.normal(size=k) * np.abs(A).max()
    signs = rng.random(k) < 0.5
    margin = "both" if seed % 2 else "active"
    A_dom = c_dom = None
    if seed % 4 == 1:
        A_dom, c_dom = rng.normal(size=(3, n0)), rng.normal(size=3) - 0.5
    t, x = max_margin(A, c, signs, margin, -1.0, 1.0, A_dom, c_dom)
    ref = _linprog_margin(A, c, signs, margin, -1.0, 1.0, A_dom, c_dom)
    if ref == -np.inf:
        assert t == -np.inf and x is None
        return
    scale = max(1.0, abs(ref))
    vals = np.where(signs, A @ x + c, -(A @ x + c))
    ask = signs | (margin == "both")
    if ask.any():
        assert t == pytest.approx(ref, abs=1e-7 * scale)
    else:  # no row bounds t: both are at their cap (max_margin's is on its normalised rows)
        assert t >= _T_CAP * min(1.0, np.abs(A).max()) and ref == _T_CAP
    assert np.all(np.abs(x) <= 1.0)
    assert vals[ask].min(initial=np.inf) >= min(t, _T_CAP) - 1e-6 * scale
    assert vals[~ask].min(initial=np.inf) >= -1e-6 * scale


def test_max_margin_closed_forms():
    # Proves the optimum on cases solved by hand: the unit x >= t on [-1, 1] has t = 1 at x = 1;
    # the two rows x >= t and -x >= t have t = 0 at x = 0; with margin "active" the row x <= 0
    # of an inactive unit leaves nothing of the domain x >= 0.5; no rows at all give t = inf at
    # the box centre.
    t, x = max_margin(np.array([[1.0]]), np.zeros(1), np.array([True]), "both", -1.0, 1.0)
    assert (t, x[0]) == pytest.approx((1.0, 1.0))
    t, x = max_margin(np.array([[1.0], [-1.0]]), np.zeros(2), np.array([True, True]), "both", -1.0, 1.0)
    assert (t, x[0]) == pytest.approx((0.0, 0.0), abs=1e-12)
    t, x = max_margin(np.array([[1.0]]), np.zeros(1), np.array([False]), "active", -1.0, 1.0,
                      np.array([[-1.0]]), np.array([-0.5]))
    assert t == -np.inf and x is None
    t, x = max_margin(np.zeros((0, 2)), np.zeros(0), np.zeros(0, bool), "both", [0.0, 2.0], [1.0, 4.0])
    assert t == np.inf and list(x) == [0.5, 3.0]
