"""``method="lp"``: exact region counting by depth-first LP enumeration.

The search fixes the hidden units one at a time, layer by layer, keeping a witness point x in
the box at which every fixed unit has its margin (checked by float64 evaluation from the
witness's layer-1 coordinates W1 x). The side of the next unit that contains the witness needs
no LP. For a layer-1 unit the other side is first tried at the hub's point for that cell (see
:func:`_hub`); otherwise it is decided by small LPs (in the layer-1 space, then column generation
over box corners, then a compiled bounded dual simplex in x space: :mod:`linregions._lpkernel`),
and an infeasible side prunes its subtree. Every leaf is a region certified by its witness. An
LP whose point does not survive re-evaluation falls back to a robust HiGHS solve of the
max-min-margin LP, exactly as :func:`linregions.certificate.certify` does.

The tree is split at a fixed depth into tasks (one per feasible prefix of unit states), which
are what threads share, what ``shard=(i, k)`` distributes (task j belongs to shard j mod k),
and what a checkpoint records as finished. The split depth depends only on the network and k,
so the count and the pattern set do not depend on the thread count.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import signal
import tempfile
import threading
import time
from typing import Any, Callable

import numpy as np
from scipy import sparse
from scipy.optimize import linprog

from . import _lpkernel as K
from .network import Network
from .regions import CountResult, sort_packed

logger = logging.getLogger(__name__)

#: Kernel steps (nodes tried) between returns to Python: bounds the latency of stop requests.
_BUDGET = 2000
#: Rows of the pattern buffer of a worker before it is flushed to Python.
_BUFFER = 8192
#: Minimum number of tasks the tree is split into (more for many shards).
_MIN_TASKS = 256
#: Seconds between progress reports and between periodic checkpoints.
_PROGRESS_EVERY = 2.0
_CHECKPOINT_EVERY = 120.0
_T_CAP = 1e6
#: Most box corners (columns) generated for one side before the x-space LP (at least 1). At 40,
#: 0.6 % of the sides of a trained 784-16-6 went on to the slow x-space LP; at 120, 0.01 %.
_DW_COLUMNS = 120


def _geometry(W1: np.ndarray, lo: float, up: float, hub: tuple) -> tuple:
    """W1, the bounding box of the zonotope {W1 x : x in box} (rounded outward), the box as arrays,
    the image of the box centre (toward which witnesses are moved), and the layer-1 hub (see
    :func:`_hub`): pinv(W1) transposed, the hub's candidate points by depth and its step tau."""
    n1, n0 = W1.shape
    zlo = np.minimum(lo * W1, up * W1).sum(axis=1)
    zhi = np.maximum(lo * W1, up * W1).sum(axis=1)
    pad = 1e-12 * (1.0 + np.abs(W1).sum(axis=1) * max(abs(lo), abs(up)))
    cen = W1 @ np.full(n0, 0.5 * (lo + up))
    P1T, x0, tau = hub
    HX = np.zeros((n1 + 1, n0))
    HX[0] = x0
    return (np.ascontiguousarray(W1), zlo - pad, zhi + pad, np.full(n0, lo), np.full(n0, up), cen,
            P1T, HX, np.array([tau]))


def _hub(net: Network, lo: float, up: float, eps: float) -> tuple:
    """A point x0 of the box where every layer-1 hyperplane passes, as deep in the box as an LP
    finds, and a step tau such that x0 + tau * pinv(W1) s stays in the box for every s in
    {-1, 0, 1}^n1. Its layer-1 pre-activations are then tau * s: one point in every cell of the
    first layer, which the search tries before an LP (and checks like any witness). tau = 0 (no
    hub) when W1 has dependent rows, the hyperplanes do not meet inside the box, or tau would be
    too small to clear eps."""
    W1 = np.asarray(net.layers[0][0], dtype=np.float64)
    b1 = np.asarray(net.layers[0][1], dtype=np.float64)
    n1, n0 = W1.shape
    P1T = np.ascontiguousarray(np.linalg.pinv(W1).T)
    none = (P1T, np.full(n0, 0.5 * (lo + up)), 0.0)
    live = np.abs(W1).sum(axis=1) > 0
    if not live.all() or np.abs(W1 @ P1T.T - np.eye(n1)).max() > 1e-9:
        return none
    # max t  s.t.  W1 x = -b1,  lo + t <= x_j <= up - t
    cost = np.zeros(n0 + 1)
    cost[-1] = -1.0
    eye = sparse.identity(n0, format="csr")
    ones = sparse.csr_matrix(np.ones((n0, 1)))
    A_ub = sparse.vstack([sparse.hstack([-eye, ones]), sparse.hstack([eye, ones])], format="csr")
    b_ub = np.concatenate([np.full(n0, -lo), np.full(n0, up)])
    res = linprog(cost, A_ub=A_ub, b_ub=b_ub, A_eq=np.hstack([W1, np.zeros((n1, 1))]), b_eq=-b1,
                  bounds=[(lo, up)] * n0 + [(0.0, 0.5 * (up - lo))], method="highs")
    if res.status != 0 or res.x is None:
        return none
    x0 = np.clip(res.x[:n0], lo, up)
    slack = np.minimum(x0 - lo, up - x0)
    reach = np.abs(P1T).sum(axis=0)  # max over s of |pinv(W1) s|_j
    tau = 0.5 * float(np.min(slack / np.maximum(reach, 1e-300)))
    resid = float(np.abs(W1 @ x0 + b1).max())
    if not tau > 10.0 * (eps + resid):
        return none
    return P1T, x0, tau


def _workspace(n: int, N: int, with_q: bool) -> tuple:
    """Arrays of the dual simplex for n columns and at most N rows (see _lpkernel.dual_simplex)."""
    m = max(N, 1)
    nt = n + m
    head = (np.zeros(m, dtype=np.int64),) if with_q else ()  # rows (x workspace only)
    return head + (
        np.zeros(n),  # qv / zq
        np.zeros(n),  # x
        np.zeros(n, dtype=np.int8),  # atup
        np.zeros(nt, dtype=np.int64),  # pos
        np.zeros(nt),  # d
        np.zeros(nt),  # alpha
        np.zeros((m, m)),  # Binv
        np.zeros((m, m)),  # B
        np.zeros(m),  # xB
        np.zeros(m, dtype=np.int64),  # head
        np.zeros(nt, dtype=np.int64),  # cand
        np.zeros(nt),  # tval
        np.zeros(m),  # col
        np.zeros(m),  # aF
        np.zeros(m),  # h
        np.zeros(n),  # g
    )


class _Work:
    """All the arrays of one search (one per thread): the DFS stack and the LP workspace."""

    def __init__(self, net: Network, lower: float, upper: float, eps: float, margin: str,
                 record: bool, witnesses: bool, hub: tuple | None = None):
        W = [np.ascontiguousarray(Wl, dtype=np.float64) for Wl, _ in net.layers]
        self.N = N = net.n_units
        self.n0 = n0 = net.n0
        self.lo, self.up, self.eps = float(lower), float(upper), float(eps)
        self.Wflat = np.concatenate([w.ravel() for w in W])
        self.Woff = np.cumsum([0] + [w.size for w in W])[:-1].astype(np.int64)
        self.bflat = np.concatenate([np.asarray(b, dtype=np.float64) for _, b in net.layers])
        self.lstart = np.cumsum([0] + list(net.widths)).astype(np.int64)
        self.layer_of = np.repeat(np.arange(len(net.widths)), net.widths).astype(np.int64)
        self.n1 = n1 = int(net.widths[0])
        self.netd = (self.Wflat, self.Woff, self.bflat, self.lstart, self.layer_of)
        self.X = np.zeros((N + 1, n0))
        self.S = np.zeros(N, dtype=np.int8)
        self.Araw = np.zeros((N, n0))
        self.Az = np.zeros((N, n1))
        self.craw = np.zeros(N)
        self.nonconst = np.zeros(N, dtype=np.int8)
        self.R = np.zeros((N, n0))
        self.Rz = np.zeros((N, n1))
        self.rc = np.zeros(N)
        self.eth = np.zeros(N)
        self.nside = np.zeros(N + 1, dtype=np.int64)
        self.sides = np.zeros((N + 1, 2), dtype=np.int8)
        self.nxt = np.zeros(N + 1, dtype=np.int64)
        self.ist = np.zeros(K.I_NST, dtype=np.int64)
        self.ist[K.I_MODE] = 1 if margin == "active" else 0
        self.ist[K.I_RECORD] = 1 if record else 0
        self.margin = margin
        self.xfb = np.zeros(n0)
        nb = (N + 7) // 8
        self.outpat = np.zeros((_BUFFER if record else 1, nb), dtype=np.uint8)
        self.outwit = np.zeros((_BUFFER if witnesses else 0, n0))
        self.geo = _geometry(W[0], self.lo, self.up, hub if hub is not None else _hub(net, lower, upper, eps))
        self.wsx = _workspace(n0, N, with_q=True)
        self.wsz = _workspace(n1, N, with_q=False) + (np.zeros((N + 1, n1)),)  # last: W1 X, zeta of the witnesses
        kd = _DW_COLUMNS + K.POOL
        ring = kd + K.POOL  # corners: this side's columns never overwrite each other
        self.pool = np.zeros(2, dtype=np.int64)  # ring position, corners held
        self.wsd = (np.zeros((ring, n0)), np.zeros((ring, n1)), self.pool, np.zeros(kd, dtype=np.int64),
                    np.zeros((kd, n1)), np.zeros((kd, N)), np.zeros(N), np.zeros(N),
                    np.zeros(n0), np.zeros(n1), np.zeros(kd), np.zeros((N + 1, N + 1)), np.zeros(N + 1, dtype=np.int64),
                    np.zeros(kd + N + 1, dtype=np.int64), np.zeros(N + 1), np.zeros(N + 1), np.zeros(N + 1),
                    np.zeros(N), np.zeros(N))
        self.chunks: list[np.ndarray] = []
        self.witness_chunks: list[np.ndarray] = []
        self.rejected = 0

    def start(self, prefix: np.ndarray, witness: np.ndarray, stop: int) -> None:
        self.ist[K.I_COUNT] = 0
        self.ist[K.I_NOUT] = 0
        self.ist[K.I_NODES] = 0
        self.ist[K.I_LPS] = 0
        self.pool[:] = 0  # each task starts with an empty corner pool: its search is the same on any worker
        self.chunks = []
        self.witness_chunks = []
        HX, tau = self.geo[7], self.geo[8][0]
        P1T = self.geo[6]
        for d in range(min(len(prefix), self.n1)):  # the hub's candidate points along the prefix
            HX[d + 1] = HX[d] + (tau if prefix[d] else -tau) * P1T[d]
        K.init_task(np.asarray(prefix, dtype=np.int8), len(prefix), np.asarray(witness, dtype=np.float64),
                    stop, self.netd, self.N, self.n0, self.n1, self.eps, int(self.ist[K.I_MODE]), self.X,
                    self.wsz[-1], self.S, self.Araw, self.Az, self.craw, self.nonconst, self.R, self.Rz, self.rc,
                    self.eth, self.nside, self.sides, self.nxt, self.ist)

    def step(self, budget: int = _BUDGET) -> bool:
        """Run the kernel for up to ``budget`` steps; True when the task is finished."""
        st = K.run(budget, self.netd, self.N, self.n0, self.n1, self.lo, self.up, self.eps, self.X, self.S,
                   self.Araw, self.Az, self.craw, self.nonconst, self.R, self.Rz, self.rc, self.eth, self.nside,
                   self.sides, self.nxt, self.ist, self.xfb, self.outpat, self.outwit, self.geo, self.wsx, self.wsz,
                   self.wsd)
        if st == K.ST_FALLBACK:
            self._fallback()
        elif st == K.ST_FLUSH or (st == K.ST_DONE and self.ist[K.I_NOUT] > 0):
            self._flush()
        return st == K.ST_DONE

    def _flush(self) -> None:
        k = int(self.ist[K.I_NOUT])
        if k:
            self.chunks.append(self.outpat[:k].copy())
            if self.outwit.shape[0]:
                self.witness_chunks.append(self.outwit[:k].copy())
        self.ist[K.I_NOUT] = 0

    def _fallback(self) -> None:
        """Robust solve of the side the fast LP could not settle: max-min margin with HiGHS."""
        dep = int(self.ist[K.I_FB_DEPTH])
        side = int(self.ist[K.I_FB_SIDE])
        units = [j for j in range(dep) if self.nonconst[j]] + [dep]
        s = np.array([self.S[j] for j in units[:-1]] + [side], dtype=bool)
        A = self.Araw[units]
        c = self.craw[units]
        sign = np.where(s, 1.0, -1.0)
        with_t = s.astype(float) if self.margin == "active" else np.ones(len(units))
        A_ub = np.hstack([-sign[:, None] * A, with_t[:, None]])
        cost = np.zeros(self.n0 + 1)
        cost[-1] = -1.0
        res = linprog(cost, A_ub=A_ub, b_ub=sign * c, bounds=[(self.lo, self.up)] * self.n0 + [(None, _T_CAP)],
                      method="highs",
                      options={"primal_feasibility_tolerance": 1e-10, "dual_feasibility_tolerance": 1e-10})
        ok = False
        if res.status == 0 and res.x is not None:
            x = np.clip(res.x[: self.n0], self.lo, self.up)
            vals = sign * (A @ x + c)
            need = np.where(s | (self.margin == "both"), self.eps, 0.0)
            if np.all(vals >= need):
                self.xfb[:] = x
                ok = True
        if not ok:
            self.rejected += 1
        self.ist[K.I_FB_REPLY] = 1 if ok else 2


def _check_options(shard: Any, checkpoint: Any, progress: Any, time_limit: Any, threads: Any, options: dict):
    if options:
        name = sorted(options)[0]
        raise ValueError(f"unknown option {name!r} for method 'lp'; it takes shard, checkpoint and progress")
    try:
        i, k = shard
        ok = int(i) == i and int(k) == k and int(k) >= 1 and 0 <= int(i) < int(k)
    except (TypeError, ValueError):
        ok = False
    if not ok:
        raise ValueError(f"shard must be a pair (i, k) of integers with 0 <= i < k, got {shard!r}")
    if checkpoint is not None and not isinstance(checkpoint, (str, os.PathLike)):
        raise ValueError(f"checkpoint must be a file path or None, got {checkpoint!r}")
    if progress is not None and not callable(progress):
        raise ValueError(f"progress must be a callable (regions, seconds, fraction) or None, got {progress!r}")
    if time_limit is not None:
        try:
            tl = float(time_limit)
        except (TypeError, ValueError):
            tl = float("nan")
        if not (tl >= 0):
            raise ValueError(f"time_limit must be a number of seconds >= 0 or None, got {time_limit!r}")
    if isinstance(threads, bool) or not isinstance(threads, (int, np.integer)) or threads < 1:
        raise ValueError(f"threads must be an integer >= 1, got {threads!r}")
    return (int(shard[0]), int(shard[1]))


def _net_digest(net: Network) -> str:
    h = hashlib.sha256()
    for W, b in net.layers:
        h.update(np.ascontiguousarray(W).tobytes())
        h.update(np.ascontiguousarray(b).tobytes())
    return h.hexdigest()


def _split(net: Network, lower: float, upper: float, eps: float, margin: str, target: int,
           hub: tuple | None = None):
    """Feasible prefixes (states of the first D units) with their witnesses, D the smallest depth
    at which there are at least ``target`` of them (or D = N). Deterministic: depends only on the
    network, the box, eps, margin and target."""
    N = net.n_units
    work = _Work(net, lower, upper, eps, margin, record=True, witnesses=True, hub=hub)
    prefixes = np.zeros((1, 0), dtype=np.int8)
    wits = np.full((1, net.n0), 0.5 * (lower + upper))
    nodes = lps = 0
    for D in range(1, N + 1):  # expand one level at a time: the children of each prefix, in order
        pats, ws = [], []
        for p, w in zip(prefixes, wits):
            work.start(p, w, D)
            while not work.step(10**9):
                pass
            nodes += int(work.ist[K.I_NODES])
            lps += int(work.ist[K.I_LPS])
            work.ist[K.I_NODES] = work.ist[K.I_LPS] = 0
            pats += work.chunks
            ws += work.witness_chunks
        packed = np.concatenate(pats) if pats else np.zeros((0, (N + 7) // 8), np.uint8)
        prefixes = np.unpackbits(packed, axis=1, count=D).astype(np.int8)
        wits = np.concatenate(ws) if ws else np.zeros((0, net.n0))
        if len(prefixes) >= target or D == N:
            return D, prefixes, wits, nodes, lps, work.rejected
    raise AssertionError("unreachable")


class _Checkpoint:
    """Finished tasks, their counts and patterns, saved atomically to an .npz file."""

    def __init__(self, path: str | None, meta: dict):
        self.path = os.fspath(path) if path is not None else None
        self.meta = meta
        self.done: dict[int, tuple[int, np.ndarray | None]] = {}
        self.stats = {"nodes": 0, "lps": 0, "rejected": 0, "seconds": 0.0}

    def load(self) -> None:
        if self.path is None or not os.path.exists(self.path):
            return
        try:
            with np.load(self.path, allow_pickle=False) as z:
                meta = json.loads(bytes(z["meta"]).decode())
                ids = z["ids"].tolist()
                counts = z["counts"].tolist()
                lens = z["lens"].tolist()
                pats = z["patterns"]
                stats = json.loads(bytes(z["stats"]).decode())
        except Exception as exc:  # a truncated or foreign file
            raise ValueError(f"checkpoint {self.path!r} is unreadable ({exc}); delete it to start over") from None
        if meta != self.meta:
            diff = sorted(k for k in set(meta) | set(self.meta) if meta.get(k) != self.meta.get(k))
            raise ValueError(
                f"checkpoint {self.path!r} belongs to a different count (differs in {', '.join(diff)}); "
                "delete it or choose another checkpoint path"
            )
        off = 0
        for t, cnt, ln in zip(ids, counts, lens):
            self.done[int(t)] = (int(cnt), pats[off: off + ln] if self.meta["return_patterns"] else None)
            off += ln
        self.stats = {"seconds": 0.0, **stats}  # older checkpoints have no seconds
        logger.info("resuming from checkpoint %s: %d tasks already finished", self.path, len(self.done))

    def save(self, nodes: int, lps: int, rejected: int, seconds: float) -> None:
        if self.path is None:
            return
        ids = sorted(self.done)
        counts = np.array([self.done[t][0] for t in ids], dtype=np.int64)
        nb = self.meta["bytes"]
        if self.meta["return_patterns"]:
            parts = [self.done[t][1] for t in ids]
            lens = np.array([len(p) for p in parts], dtype=np.int64)
            pats = np.concatenate(parts) if parts else np.zeros((0, nb), np.uint8)
        else:
            lens = np.zeros(len(ids), dtype=np.int64)
            pats = np.zeros((0, nb), np.uint8)
        stats = {"nodes": int(nodes), "lps": int(lps), "rejected": int(rejected), "seconds": float(seconds)}
        d = os.path.dirname(os.path.abspath(self.path))
        os.makedirs(d, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".ckpt-", suffix=".npz", dir=d)
        try:
            with os.fdopen(fd, "wb") as f:
                np.savez(f, meta=np.frombuffer(json.dumps(self.meta, sort_keys=True).encode(), np.uint8),
                         ids=np.array(ids, dtype=np.int64), counts=counts, lens=lens, patterns=pats,
                         stats=np.frombuffer(json.dumps(stats).encode(), np.uint8))
            os.replace(tmp, self.path)
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise

    def remove(self) -> None:
        if self.path is not None and os.path.exists(self.path):
            os.unlink(self.path)


def count_lp(
    net: Network,
    lower: float,
    upper: float,
    eps: float,
    margin: str = "both",
    threads: int = 1,
    time_limit: float | None = None,
    return_patterns: bool = False,
    shard: tuple[int, int] = (0, 1),
    checkpoint: str | os.PathLike | None = None,
    progress: Callable[[int, float, float], Any] | None = None,
    **options: Any,
) -> CountResult:
    """Count the regions of ``net`` on [lower, upper]^{n0} by depth-first LP enumeration.

    ``shard=(i, k)`` counts the tasks j with j mod k == i (the shard counts of i = 0..k-1 sum to
    the full count). ``checkpoint`` is an .npz path: a run stopped by ``time_limit``, SIGINT or
    SIGTERM saves its finished tasks there, and a call with the same path resumes; the file is
    removed when the count completes. ``progress(regions, seconds, fraction)`` is called every
    few seconds. Like the regions, nodes and LPs, ``seconds`` (in the result and in progress)
    includes the runs a call resumes; ``time_limit`` applies to the call alone.
    """
    t0 = time.perf_counter()
    i_shard, k_shard = _check_options(shard, checkpoint, progress, time_limit, threads, options)
    N, n0 = net.n_units, net.n0
    nbytes = (N + 7) // 8
    deadline = None if time_limit is None else t0 + float(time_limit)

    hub = _hub(net, lower, upper, eps)  # once per count, shared by every search
    D, prefixes, wits, nodes0, lps0, rej0 = _split(net, lower, upper, eps, margin, max(_MIN_TASKS, 16 * k_shard),
                                                   hub)
    mine = [t for t in range(len(prefixes)) if t % k_shard == i_shard]
    meta = {
        "network": _net_digest(net), "lower": lower, "upper": upper, "eps": eps, "margin": margin,
        "shard": [i_shard, k_shard], "split_depth": D, "tasks": len(prefixes),
        "prefixes": hashlib.sha256(np.packbits(prefixes, axis=1).tobytes()).hexdigest() if len(prefixes) else "",
        "return_patterns": bool(return_patterns), "bytes": nbytes,
    }
    ckpt = _Checkpoint(checkpoint, meta)
    ckpt.load()
    todo = [t for t in mine if t not in ckpt.done]
    logger.info("lp count: network %d-%s, %d tasks at depth %d (%d in this shard, %d to do), %d threads",
                n0, "-".join(map(str, net.widths)), len(prefixes), D, len(mine), len(todo), threads)

    lock = threading.Lock()
    stop = threading.Event()
    reason = {"status": "complete"}
    before = float(ckpt.stats["seconds"])  # counting time of the runs this call resumes
    totals = {"nodes": nodes0 + ckpt.stats["nodes"], "lps": lps0 + ckpt.stats["lps"],
              "rejected": rej0 + ckpt.stats["rejected"]}
    running: dict[int, int] = {}  # worker -> regions of its unfinished task so far
    queue = list(reversed(todo))
    errors: list[BaseException] = []

    def worker(wid: int) -> None:
        try:
            work = _Work(net, lower, upper, eps, margin, record=return_patterns, witnesses=False, hub=hub)
            while not stop.is_set():
                with lock:
                    if not queue:
                        return
                    t = queue.pop()
                if D == N:  # the prefix is itself a leaf, a certified region
                    pats = np.packbits(prefixes[t].astype(bool))[None, :] if return_patterns else None
                    with lock:
                        ckpt.done[t] = (1, pats)
                        totals["nodes"] += 1
                    continue
                work.start(prefixes[t], wits[t], N)
                n_before, l_before, r_before = 0, 0, work.rejected
                finished = False
                while not stop.is_set():
                    finished = work.step()
                    with lock:
                        totals["nodes"] += int(work.ist[K.I_NODES]) - n_before
                        totals["lps"] += int(work.ist[K.I_LPS]) - l_before
                        totals["rejected"] += work.rejected - r_before
                        n_before, l_before, r_before = int(work.ist[K.I_NODES]), int(work.ist[K.I_LPS]), work.rejected
                        running[wid] = int(work.ist[K.I_COUNT])
                    if finished:
                        break
                    if deadline is not None and time.perf_counter() >= deadline:
                        reason["status"] = "time_limit"
                        stop.set()
                with lock:
                    running.pop(wid, None)
                    if finished:
                        pats = None
                        if return_patterns:
                            pats = np.concatenate(work.chunks) if work.chunks else np.zeros((0, nbytes), np.uint8)
                        ckpt.done[t] = (int(work.ist[K.I_COUNT]), pats)
                    else:
                        queue.append(t)
        except BaseException as exc:  # surfaced in the calling thread
            errors.append(exc)
            stop.set()

    def on_signal(signum, frame):
        reason["status"] = "interrupted"
        logger.warning("signal %d: stopping the lp count%s", signum,
                       f" and saving checkpoint {checkpoint}" if checkpoint else "")
        stop.set()

    old_handlers = {}
    pool: list[threading.Thread] = []
    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGINT, signal.SIGTERM):
            old_handlers[sig] = signal.signal(sig, on_signal)
    try:
        if deadline is not None and time.perf_counter() >= deadline and todo:
            reason["status"] = "time_limit"
            stop.set()
        pool = [threading.Thread(target=worker, args=(w,), daemon=True) for w in range(min(threads, max(len(todo), 1)))]
        for th in pool:
            th.start()
        last_report = last_ckpt = time.perf_counter()
        while any(th.is_alive() for th in pool):
            for th in pool:
                th.join(timeout=0.05)
            now = time.perf_counter()
            if deadline is not None and now >= deadline and not stop.is_set():
                reason["status"] = "time_limit"
                stop.set()
            if now - last_report >= _PROGRESS_EVERY:
                last_report = now
                with lock:
                    found = sum(c for c, _ in ckpt.done.values()) + sum(running.values())
                    frac = sum(1 for t in mine if t in ckpt.done) / max(len(mine), 1)
                logger.info("lp count: %d regions so far, %.0f s, ~%.1f%% of the tree", found, before + now - t0, 100 * frac)
                if progress is not None:
                    progress(found, before + now - t0, frac)
            if checkpoint is not None and now - last_ckpt >= _CHECKPOINT_EVERY:
                last_ckpt = now
                with lock:
                    ckpt.save(totals["nodes"], totals["lps"], totals["rejected"], before + now - t0)
    finally:
        stop.set()
        for th in pool:
            th.join()
        for sig, h in old_handlers.items():
            signal.signal(sig, h if h is not None else signal.SIG_DFL)
    if errors:
        raise errors[0]

    complete = all(t in ckpt.done for t in mine)
    status = "complete" if complete else reason["status"]
    if status == "complete":
        complete = True
    regions = sum(ckpt.done[t][0] for t in mine if t in ckpt.done)
    if complete:
        ckpt.remove()
    else:
        ckpt.save(totals["nodes"], totals["lps"], totals["rejected"], before + time.perf_counter() - t0)
    patterns = None
    if return_patterns:
        parts = [ckpt.done[t][1] for t in mine if t in ckpt.done]
        patterns = sort_packed(np.concatenate(parts)) if parts else np.zeros((0, nbytes), np.uint8)
    seconds = before + time.perf_counter() - t0
    if progress is not None:
        progress(regions, seconds, 1.0 if complete else sum(1 for t in mine if t in ckpt.done) / max(len(mine), 1))
    return CountResult(
        regions=regions, complete=complete, method="lp", eps=eps, margin=margin, seconds=seconds,
        widths=net.widths, n0=n0, lower=lower, upper=upper, rejected=totals["rejected"],
        nodes=totals["nodes"], lps=totals["lps"], status=status, threads=threads,
        shard=(i_shard, k_shard), patterns=patterns,
    )
