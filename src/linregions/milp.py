"""The paper's mixed-integer program, solved with Gurobi; a callback collects every pattern.

Serra, Tjandraatmadja & Ramalingam (ICML 2018), Section 4: for every hidden unit i of layer l,

    W_i h^{l-1} + b_i = h_i - hbar_i,   0 <= h_i <= M+_i z_i,   0 <= hbar_i <= M-_i (1 - z_i),
    z_i in {0, 1},   f <= h_i + (1 - z_i) eps          (active units keep a margin f)
                     f <= hbar_i + z_i eps             (inactive units too; margin="both" only)

with h^0 = x in the box. Every feasible z is a pattern with margin >= f. The margin variable f
is fixed at eps: any pattern with margin >= eps has a solution with f = eps, and then eps is
the smallest valid big-M of the margin rows (a tighter relaxation than the paper's M+_i). The
objective is 0. A MIPSOL callback records each new z and cuts it off with a lazy no-good
constraint, so one branch-and-bound tree enumerates every pattern; the tree ends infeasible.

Per-unit big-M values come from valid bounds on the pre-activations: exact over the box for
layer 1, interval propagation for deeper layers. (LP-tightened bounds for layer 2 were tried on
a trained 784-4-18 network: 5929 nodes against 5879 with interval bounds, so no gain, and the
model surgery they need is a risk; they are not offered.)

Tolerances: IntFeasTol and FeasibilityTol are set to 1e-9, so a solution's z rounds
unambiguously and its rows hold to far below eps; every collected pattern is then certified by
the LP of :mod:`linregions.certificate` (HiGHS), and only certified patterns are counted.

Constant units: a unit whose pre-activation is constant on a region asks no margin there (the
region definition). Units with an all-zero weight row are constant everywhere (state fixed by
the sign of the bias). A deeper unit is constant on a region when every input it weighs is
inactive or itself constant there; a binary k_i says so (|supp_i| k_i <= sum of y_j and
k_i >= 1 - |supp_i| + sum of y_j over its inputs j, y_j = max(1 - z_j, k_j)), and its margin rows
are relaxed by eps k_i. Its state is then fixed by the rows W h + b = h - hbar and the big-Ms,
except for a constant of exactly 0, where both states are feasible and the certificate refuses
the active one. A row that vanishes by cancellation of active inputs (dependent rows, as integer
weights make) is constant too: k_i = 1 is allowed wherever the unit's slope along one fixed
direction v is 0 (slopes g = W (z * g_prev), z * g linearised with bounds from |W|), which every
zero row has; the certificate refuses the patterns a zero slope of a nonzero row lets in.
"""

from __future__ import annotations

import logging
import time
from functools import lru_cache

import numpy as np

from .certificate import certify, in_constraints, sure_witness
from .extras import require
from .network import Network
from .options import CountOptions
from .regions import CountResult, pack_patterns, sort_packed

log = logging.getLogger(__name__)

#: Integrality and feasibility tolerances given to Gurobi (its tightest values).
GUROBI_TOL = 1e-9
#: Seed of the direction v along which the MILP measures each unit's slope (constant units).
_SLOPE_SEED = 15
#: A unit may be constant (k = 1) when its slope along v is within this times its bound of 0:
#: the rounding of the canonical weights leaves rows of about 1e-17 where the exact row is 0.
_SLOPE_TOL = 1e-10


class LicenceError(RuntimeError):
    """The MILP is larger than the Gurobi licence in use allows."""


@lru_cache(maxsize=1)
def licence_size_limit() -> int | None:
    """The variable/constraint limit of the Gurobi licence in use (2000 for pip's), None if unlimited.

    Found by optimising an empty model with 2001 variables: a size-limited licence refuses it
    with error 10010 before doing anything.
    """
    gp = require("gurobipy", "milp", "method 'milp' (the paper's MILP)")

    with gp.Env(params={"OutputFlag": 0}) as env, gp.Model(env=env) as m:
        m.addVars(2001)
        try:
            m.optimize()
        except gp.GurobiError as exc:
            if exc.errno == 10010:
                return 2000
            raise
    return None


def model_size(net: Network, margin: str = "both", domain_rows: int = 0) -> tuple[int, int]:
    """(variables, linear constraints) of the MILP for ``net`` on a domain of ``domain_rows``
    linear constraints A x <= c beyond the box (lazy no-goods excluded). Exact when every unit of
    layers >= 2 can take both states with a margin on the box; a unit that cannot adds one row
    (``z <= k`` or ``z >= 1 - k``), which :func:`count_milp` counts in the model it builds."""
    N = net.n_units
    per_unit = 5 if margin == "both" else 4
    deep = N - net.widths[0]  # units of layers >= 2: an indicator k, a slope g and 4 rows each
    middle = deep - (net.widths[-1] if len(net.widths) > 1 else 0)  # layers 2..L-1: y and 3 rows
    sloped = N - net.widths[-1]  # units whose slope p = z * g feeds the next layer: 1 var, 4 rows
    return (net.n0 + 3 * N + 1 + deep + middle + deep + sloped,
            per_unit * N + 4 * deep + 3 * middle + 4 * sloped + int(domain_rows))


def check_licence(net: Network, margin: str = "both", domain_rows: int = 0) -> None:
    """Fail before solving, in one line, if the model (with ``domain_rows`` rows of the domain's
    A x <= c) exceeds the licence in use."""
    _refuse_beyond_licence(net, *model_size(net, margin, domain_rows), domain_rows)


def _refuse_beyond_licence(net: Network, n_vars: int, n_cons: int, domain_rows: int) -> None:
    limit = licence_size_limit()
    if limit is not None and (n_vars > limit or n_cons > limit):
        domain = f" ({domain_rows} of them the domain's)" if domain_rows else ""
        raise LicenceError(
            f"the MILP for network {net.n0}-{'-'.join(map(str, net.widths))} has {n_vars} variables "
            f"and {n_cons} linear constraints{domain}, but the Gurobi licence in use is size-limited to "
            f"{limit} of each; count with method='lp' (no solver licence needed) or install a full "
            "Gurobi licence (GRB_LICENSE_FILE)"
        )


def interval_bounds(net: Network, lower, upper) -> list[tuple[np.ndarray, np.ndarray]]:
    """Pre-activation bounds (lo, hi) of every layer over the box [lower, upper] (scalars or
    per-coordinate arrays): exact for layer 1, interval arithmetic after."""
    out = []
    lo_in = np.full(net.n0, lower)
    hi_in = np.full(net.n0, upper)
    for W, b in net.layers:
        Wp, Wn = np.maximum(W, 0), np.minimum(W, 0)
        lo = Wp @ lo_in + Wn @ hi_in + b
        hi = Wp @ hi_in + Wn @ lo_in + b
        out.append((lo, hi))
        lo_in, hi_in = np.maximum(lo, 0), np.maximum(hi, 0)
    return out


def _pad(v: np.ndarray) -> np.ndarray:
    """Widen a bound slightly so floating-point rounding never makes a big-M too small."""
    return v + 1e-9 * np.maximum(1.0, np.abs(v))


def count_milp(
    net: Network,
    lower,
    upper,
    opts: CountOptions,
    *,
    seed: int = 0,
    gurobi_log: str | None = None,
    A_dom: np.ndarray | None = None,
    c_dom: np.ndarray | None = None,
    given: Network | None = None,
) -> CountResult:
    """Count regions with the paper's MILP; see the module docstring.

    The domain is the box [lower, upper] (scalars or per-coordinate arrays of shape (n0,)) and,
    if given, the linear constraints ``A_dom x <= c_dom`` on the input. The big-M values come
    from the box, which contains the domain, so they stay valid."""
    gp = require("gurobipy", "milp", "method 'milp' (the paper's MILP)")
    GRB = gp.GRB
    eps, margin, threads, time_limit = opts.eps, opts.margin, opts.threads, opts.time_limit
    return_patterns = opts.return_patterns

    check_licence(net, margin, 0 if A_dom is None else len(A_dom))
    t0 = time.perf_counter()
    params = {"OutputFlag": 1 if gurobi_log else 0, "Threads": int(threads), "Seed": int(seed)}
    if gurobi_log:
        params.update(LogFile=str(gurobi_log), LogToConsole=0)
    env = gp.Env(params=params)
    m = gp.Model("linregions", env=env)
    try:
        m.Params.LazyConstraints = 1
        m.Params.IntFeasTol = GUROBI_TOL
        m.Params.FeasibilityTol = GUROBI_TOL
        if time_limit is not None:
            m.Params.TimeLimit = float(time_limit)

        lower = np.broadcast_to(np.asarray(lower, dtype=np.float64), (net.n0,)).copy()
        upper = np.broadcast_to(np.asarray(upper, dtype=np.float64), (net.n0,)).copy()
        x = m.addMVar(net.n0, lb=lower, ub=upper, name="x")
        if A_dom is not None:
            m.addConstr(A_dom @ x <= c_dom, name="domain")
        f = m.addVar(lb=eps, ub=eps, name="f")
        prev = x
        zs = []
        lps = 0
        ibounds = interval_bounds(net, lower, upper)
        prev_z = prev_y = None
        # the slope of every unit along one fixed direction v (g = W1 v in layer 1; deeper, the
        # pre-activation's slope g_i = W_i (z * g) of the previous layer, with p = z * g linearised
        # by its bounds G): a row that is exactly 0 on the region has slope 0, so k_i = 1 asks only
        # that, and also covers rows that cancel among active inputs. A row that is not 0 but has
        # slope 0 along v can only make the relaxation looser: the certificate refuses what it adds.
        v = np.random.default_rng(_SLOPE_SEED).standard_normal(net.n0)
        G_prev = p_prev = None
        for l, (W, b) in enumerate(net.layers):
            n = W.shape[0]
            lo, hi = ibounds[l]
            Mp = np.maximum(_pad(hi), 0.0)
            Mn = np.maximum(_pad(-lo), 0.0)
            const = ~W.any(axis=1)
            h = m.addMVar(n, lb=0.0, name=f"h{l + 1}")
            hb = m.addMVar(n, lb=0.0, name=f"hbar{l + 1}")
            z = m.addMVar(n, vtype=GRB.BINARY, name=f"z{l + 1}")
            m.addConstr(W @ prev + b == h - hb)
            m.addConstr(h <= Mp * z)
            m.addConstr(hb + Mn * z <= Mn)
            ask = ~const
            for i in np.flatnonzero(const):  # constant everywhere: state by the sign of the bias
                z[i].lb = z[i].ub = 1.0 if b[i] > 0 else 0.0
            # k[i] = 1 iff unit i is constant on the region: every input it weighs is inactive or
            # itself constant. ys[j] = max(1 - z[j], k[j]) of the previous layer's units (1 - z[j]
            # in layer 1, where k is fixed); k[i] binary with |supp| k[i] <= sum of its ys.
            k = None
            if prev_z is not None:
                k = m.addMVar(n, vtype=GRB.BINARY, name=f"k{l + 1}")
                G = np.abs(W) @ G_prev
                g = m.addMVar(n, lb=-G, ub=G, name=f"g{l + 1}")
                m.addConstr(g == W @ p_prev)
                slack = _SLOPE_TOL * G
                m.addConstr(g <= G - G * k + slack)
                m.addConstr(-g <= G - G * k + slack)
                for i in range(n):
                    supp = np.flatnonzero(W[i]).tolist()
                    if not supp:
                        k[i].lb = 1.0
                        continue
                    total = gp.quicksum(prev_y[j] for j in supp)
                    m.addConstr(k[i] >= 1 - len(supp) + total)
            else:
                g = W @ v
                G = np.abs(g)
            for i in np.flatnonzero(ask):
                # the margin rows, void where the unit is constant (its sign decides its state, and
                # a constant of 0 the certificate refuses as active)
                slack = eps * k[i] if k is not None else 0.0
                m.addConstr(f <= h[i] + eps - eps * z[i] + slack)
                if margin == "both":
                    m.addConstr(f <= hb[i] + eps * z[i] + slack)
                if Mp[i] < eps:  # can never be active with a margin (only as a constant)
                    if k is None:
                        z[i].ub = 0.0
                    else:
                        m.addConstr(z[i] <= k[i])
                if margin == "both" and Mn[i] < eps:  # can never be inactive with a margin
                    if k is None:
                        z[i].lb = 1.0
                    else:
                        m.addConstr(z[i] >= 1 - k[i])
            zs.append(z)
            prev = h
            if l + 1 < len(net.layers):  # p = z * g, the slopes of the active units
                p_prev = m.addMVar(n, lb=-G, ub=G, name=f"p{l + 1}")
                m.addConstr(p_prev <= G * z)
                m.addConstr(-p_prev <= G * z)
                m.addConstr(p_prev - g <= G - G * z)
                m.addConstr(g - p_prev <= G - G * z)
            G_prev = G
            if k is None:  # layer 1: constant iff its row is zero
                prev_y = [1.0 if const[i] else 1 - z[i] for i in range(n)]
            elif l + 1 < len(net.layers):
                y = m.addMVar(n, lb=0.0, ub=1.0, name=f"y{l + 1}")  # integral: z and k are
                m.addConstr(y >= 1 - z)
                m.addConstr(y >= k)
                m.addConstr(y <= 1 - z + k)
                prev_y = [y[i] for i in range(n)]
            prev_z = z
        zall = [zi for z in zs for zi in z.tolist()]
        m.update()
        log.info("MILP: %d variables, %d constraints, %d binaries", m.NumVars, m.NumConstrs, len(zall))
        # the model as built, with the rows model_size cannot know without the box
        _refuse_beyond_licence(net, m.NumVars, m.NumConstrs, 0 if A_dom is None else len(A_dom))

        seen: set[bytes] = set()
        certified: list[np.ndarray] = []  # kept only when the patterns are asked for
        state = {"callbacks": 0, "regions": 0, "rejected": 0, "lps": 0}

        def check(vals: np.ndarray, point: np.ndarray) -> bool:
            """The solver's own point is a witness when its evaluated margin is >= eps; otherwise
            the certificate LP decides (it finds the largest margin, so it never loses a region)."""
            point = np.clip(point, lower, upper)
            if in_constraints(point, A_dom, c_dom) and sure_witness(net, vals, point, eps, margin):
                return True
            state["lps"] += 1
            return certify(net, vals, lower, upper, margin, A_dom, c_dom, eps=eps, scale="absolute",
                           given=given).certifies(eps)

        def callback(model, where):
            if where != GRB.Callback.MIPSOL:
                return
            state["callbacks"] += 1
            vals = np.array(model.cbGetSolution(zall)) > 0.5
            key = np.packbits(vals).tobytes()
            if key not in seen:
                # Certified here, inside the search, so that a time limit bounds both.
                seen.add(key)
                if check(vals, np.asarray(model.cbGetSolution(x))):
                    state["regions"] += 1
                    if return_patterns:
                        certified.append(vals)
                else:
                    state["rejected"] += 1
                if len(seen) % 1000 == 0:
                    log.info("MILP: %d patterns after %.1f s", len(seen), time.perf_counter() - t0)
            ones = [v for v, s in zip(zall, vals) if s]
            zeros = [v for v, s in zip(zall, vals) if not s]
            model.cbLazy(gp.quicksum(1 - v for v in ones) + gp.quicksum(zeros) >= 1)

        try:
            m.optimize(callback)
        except gp.GurobiError as exc:
            if exc.errno == 10010:  # the licence probe said unlimited, but Gurobi disagrees
                raise LicenceError(
                    f"Gurobi refused the model as too large for the licence in use ({m.NumVars} "
                    f"variables, {m.NumConstrs} constraints); count with method='lp'"
                ) from None
            raise
        status = m.Status
        nodes = int(m.NodeCount)
    finally:
        m.dispose()
        env.dispose()

    complete = status == GRB.INFEASIBLE
    status_name = {
        GRB.INFEASIBLE: "complete",
        GRB.TIME_LIMIT: "time_limit",
        GRB.INTERRUPTED: "interrupted",
    }.get(status, f"gurobi_status_{status}")
    rejected = state["rejected"]
    lps += state["lps"]
    if rejected:
        log.warning("MILP: the certificate rejected %d of %d patterns", rejected, len(seen))
    patterns = None
    if return_patterns:
        patterns = sort_packed(pack_patterns(np.array(certified, dtype=bool).reshape(-1, net.n_units)))
    return CountResult(
        regions=state["regions"], complete=complete, method="milp", eps=eps, margin=margin,
        seconds=time.perf_counter() - t0, widths=net.widths, n0=net.n0, lower=float(np.min(lower)),
        upper=float(np.max(upper)), rejected=rejected, nodes=nodes, callbacks=state["callbacks"], lps=lps, status=status_name,
        threads=threads, patterns=patterns,
    )
