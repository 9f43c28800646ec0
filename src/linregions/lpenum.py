"""``method="lp"``: exact region counting by depth-first LP enumeration (the driver: tasks,
threads, shards, checkpoints).

The search fixes the hidden units one at a time, layer by layer, keeping a witness point x in
the box at which every fixed unit has its margin (checked by float64 evaluation from the
witness's layer-1 coordinates W1 x). The side of the next unit that contains the witness needs
no LP. For a layer-1 unit the other side is first tried at the hub's point for that cell (see
:func:`linregions.search.hub`); otherwise it is decided by small LPs (in the layer-1 space, then
column generation over box corners, then a bounded dual simplex in x space). The search is
compiled in :mod:`linregions.search`, its LP solver in :mod:`linregions.simplex`. An infeasible
side prunes its subtree. Every leaf is a region certified by its witness. An LP whose point does
not survive re-evaluation falls back to a robust HiGHS solve of the max-min-margin LP, exactly as
:func:`linregions.certificate.certify` does.

The tree is split at a fixed depth into tasks (one per feasible prefix of unit states), which
are what threads share, what ``shard=(i, k)`` distributes (task j belongs to shard j mod k),
and what a checkpoint records as finished. The split depth depends only on the network and k,
so the count and the pattern set do not depend on the thread count. The tasks are taken in a
fixed pseudo-random order (the same for every run of a count), so that the finished tasks are a
random sample of all: a stopped count's rough estimate of the total (below) extrapolates from
them.

A stopped count keeps every region it has certified, those of its unfinished tasks too: the
result's ``regions`` (still a lower bound, ``complete`` false) is the finished tasks' counts plus
the regions the unfinished ones have emitted so far, and with ``return_patterns`` its patterns
are exactly those regions. The checkpoint stores the unfinished tasks' partial records beside the
finished tasks. On resume an unfinished task restarts from its root, and its partial record is
superseded when it finishes (never added twice); while it runs, the lower bound reported counts
the larger of its saved record and its new progress, so it never falls below what was saved, and
if it is stopped again the records are merged (the union of the patterns, or the larger count).
Restarting, rather than saving the kernel's DFS stack, was chosen because that stack also holds
the task's pool of box corners and the hub's points, whose exact restoration would have to be
kept in step with every change of the kernel; a restart loses at most the work of the tasks
running when the count stopped (``threads`` of the 256 or more tasks), and the search of a
task is deterministic, so it emits the same regions again.

A stopped count also reports a rough estimate of the total and of the seconds left
(``estimated_total``, ``estimated_seconds_left``; logged with the progress and passed to a
``progress`` callback that takes an ``estimate`` keyword): each finished task counts its regions,
each running task its regions so far divided by the fraction of its subtree the DFS has passed
(assuming the two sides of a node equally large), each task not started the mean of the started
ones. It is labelled an estimate everywhere and carries no interval; for an estimate with a 95 %
confidence interval use ``method="estimate"`` (:mod:`linregions.estimate`).

A checkpoint records the library version beside the count's definition (network, box, eps,
margin, split); a resume by a different version is refused with one line naming both versions.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import signal
import threading
import time
from typing import Any, Callable

import numpy as np

from . import search as S
from ._version import __version__
from .atomic import atomic_path
from .certificate import exact_layer, max_margin
from .network import Network, array_digest, box_arrays
from .options import CountOptions
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
#: The work a count reports and a checkpoint keeps: search nodes, LPs, patterns the fallback
#: rejected, and the kernel's diagnostics (:data:`linregions.search.DIAGNOSTICS`).
COUNTERS = ("nodes", "lps", "rejected", *S.DIAGNOSTICS)


class _Work:
    """One search (one per thread): the kernel's arrays (a :class:`linregions.search.Worker`)
    and the patterns it has emitted. ``given`` is ``net`` as the user wrote it (``net`` may be
    its canonical form): a row or constant the kernel cannot tell from 0 is decided exactly on it.
    ``fresh_pool=False`` keeps column generation's corners from one task to the next (the
    estimator's probes, whose tasks follow each other in a seeded order on one worker): a corner
    only warm-starts an LP, so the nodes found are the same, and 784-32-32's probes take 0.77x
    the time."""

    def __init__(self, net: Network, lower, upper, eps: float, margin: str, record: bool, witnesses: bool,
                 geo: S.Geometry | None = None, buffer: int = _BUFFER, given: Network | None = None,
                 fresh_pool: bool = True):
        self.given = net if given is None else given
        self.fresh_pool = fresh_pool
        self.n0 = net.n0
        self.lo, self.up = box_arrays(lower, upper, net.n0)
        self.eps = float(eps)
        self.margin = margin
        if geo is None:
            geo = S.make_geometry(net, self.lo, self.up, eps)
        self.w = S.make_worker(net, geo, margin, record, witnesses, buffer)
        self.st = self.w.st
        self.ist = self.st.ist
        self.chunks: list[np.ndarray] = []
        self.witness_chunks: list[np.ndarray] = []
        self.rejected = 0

    def start(self, prefix: np.ndarray, witness: np.ndarray, stop: int) -> None:
        """Start the task at the node of the unit states ``prefix`` with its witness; emit nodes at
        depth ``stop``. Resets the counters (:meth:`counters`)."""
        for i in (S.I_COUNT, S.I_NOUT, S.I_NODES, S.I_LPS, *S.DIAGNOSTICS.values()):
            self.ist[i] = 0
        self.rejected = 0
        if self.fresh_pool:  # each task starts with an empty corner pool: its search is the same on any worker
            self.w.cg.pool[:] = 0
        self.chunks = []
        self.witness_chunks = []
        prefix = np.asarray(prefix, dtype=np.int8)
        witness = np.asarray(witness, dtype=np.float64)
        k = S.init_task(prefix, witness, stop, self.eps, self.w, 0)
        while k >= 0:
            self._decide(k)
            k = S.init_task(prefix, witness, stop, self.eps, self.w, k)

    def counters(self) -> dict[str, int]:
        """The work of the current task so far: nodes, lps, rejected and the diagnostics."""
        ist = self.ist
        return {"nodes": int(ist[S.I_NODES]), "lps": int(ist[S.I_LPS]), "rejected": self.rejected,
                **{k: int(ist[i]) for k, i in S.DIAGNOSTICS.items()}}

    def step(self, budget: int = _BUDGET) -> bool:
        """Run the kernel for up to ``budget`` steps; True when the task is finished."""
        st = S.run(budget, self.eps, self.w)
        if st == S.ST_FALLBACK:
            self._fallback()
        elif st == S.ST_EXACT:
            k = int(self.ist[S.I_DEPTH])
            self._decide(k)
            S.open_node(k, self.st)
        elif st == S.ST_FLUSH or (st == S.ST_DONE and self.ist[S.I_NOUT] > 0):
            self._flush()
        return st == S.ST_DONE

    def _flush(self) -> None:
        k = int(self.ist[S.I_NOUT])
        if k:
            self.chunks.append(self.st.outpat[:k].copy())
            if self.st.outwit.shape[0]:
                self.witness_chunks.append(self.st.outwit[:k].copy())
        self.ist[S.I_NOUT] = 0

    def _decide(self, k: int) -> None:
        """The exact decision of the layer starting at depth k (:func:`linregions.search.decide_layer`)."""
        zero, sign = exact_layer(self.given, self.st.S[:k] == 1, int(self.w.net.layer_of[k]))
        S.decide_layer(k, np.array(zero), np.array(sign), self.w)

    def _fallback(self) -> None:
        """Robust solve of the side the fast LP could not settle: the max-min-margin LP of
        :func:`linregions.certificate.max_margin` (the certificate's own), whose point is kept if
        every row clears its threshold there."""
        dep = int(self.ist[S.I_FB_DEPTH])
        side = int(self.ist[S.I_FB_SIDE])
        st = self.st
        units = [j for j in range(dep) if st.nonconst[j]] + [dep]
        s = np.array([st.S[j] for j in units[:-1]] + [side], dtype=bool)
        A = st.Araw[units]
        c = st.craw[units]
        geo = self.w.geo
        dom = (geo.DA, geo.Dc) if geo.Dc.size else (None, None)
        try:
            _, x = max_margin(A, c, s, self.margin, self.lo, self.up, *dom)
        except RuntimeError:  # HiGHS failed: the side counts as infeasible, and is reported
            x = None
        ok = False
        if x is not None:
            vals = np.where(s, 1.0, -1.0) * (A @ x + c)
            need = np.where(s | (self.margin == "both"), self.eps, 0.0)
            if np.all(vals >= need) and np.all(geo.DA @ x <= geo.Dc):
                st.xfb[:] = x
                ok = True
        if not ok:
            self.rejected += 1
        self.ist[S.I_FB_REPLY] = 1 if ok else 2


def _check_options(shard: Any, checkpoint: Any, progress: Any, options: dict):
    """The LP search's own options (the shared ones are checked by CountOptions)."""
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
    return (int(shard[0]), int(shard[1]))


def _split(net: Network, lower, upper, eps: float, margin: str, target: int, geo: S.Geometry | None = None,
           given: Network | None = None):
    """Feasible prefixes (states of the first D units) with their witnesses, D the smallest depth
    at which there are at least ``target`` of them (or D = N). Deterministic: depends only on the
    network, the box, eps, margin and target."""
    N = net.n_units
    work = _Work(net, lower, upper, eps, margin, record=True, witnesses=True, geo=geo, given=given)
    prefixes = np.zeros((1, 0), dtype=np.int8)
    wits = work.w.geo.cen[None, :].copy()  # the box centre (a polytope's interior point)
    totals = dict.fromkeys(COUNTERS, 0)
    for D in range(1, N + 1):  # expand one level at a time: the children of each prefix, in order
        pats, ws = [], []
        for p, w in zip(prefixes, wits):
            work.start(p, w, D)
            while not work.step(10**9):
                pass
            for k, v in work.counters().items():
                totals[k] += v
            pats += work.chunks
            ws += work.witness_chunks
        packed = np.concatenate(pats) if pats else np.zeros((0, (N + 7) // 8), np.uint8)
        prefixes = np.unpackbits(packed, axis=1, count=D).astype(np.int8)
        wits = np.concatenate(ws) if ws else np.zeros((0, net.n0))
        if len(prefixes) >= target or D == N:
            return D, prefixes, wits, totals
    raise AssertionError("unreachable")


#: Seed of the fixed pseudo-random order in which a count takes its tasks.
_ORDER_SEED = 20240601


def _dfs_fraction(work: _Work) -> float:
    """The fraction of the current task's subtree the DFS has passed, if the two sides of every
    node were equally large (for the rough estimate of the total only)."""
    ist, nxt, nside = work.ist, work.st.nxt, work.st.nside
    base, dep = int(ist[S.I_BASE]), int(ist[S.I_DEPTH])
    if dep < base:
        return 1.0
    f, w = 0.0, 1.0
    for d in range(base, dep + 1):
        ns = max(int(nside[d]), 1)
        done = int(nxt[d]) - (1 if d < dep else 0)
        f += w * max(done, 0) / ns
        w /= ns
    return min(f, 1.0)


class _Checkpoint:
    """Finished tasks, their counts and patterns, and the partial records of unfinished tasks
    (the regions they had emitted when the count stopped), saved atomically to an .npz file."""

    def __init__(self, path: str | None, meta: dict):
        self.path = os.fspath(path) if path is not None else None
        self.meta = meta
        self.done: dict[int, tuple[int, np.ndarray | None]] = {}
        self.partial: dict[int, tuple[int, np.ndarray | None]] = {}
        self.stats = {**dict.fromkeys(COUNTERS, 0), "seconds": 0.0}

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
                part = [z[k] for k in ("partial_ids", "partial_counts", "partial_lens", "partial_patterns")] \
                    if "partial_ids" in z.files else None
        except Exception as exc:  # a truncated or foreign file
            raise ValueError(f"checkpoint {self.path!r} is unreadable ({exc}); delete it to start over") from None
        if meta.get("version") != self.meta.get("version"):
            raise ValueError(
                f"checkpoint {self.path!r} was written by linregions {meta.get('version', 'an earlier version (unrecorded)')}, "
                f"this is linregions {self.meta.get('version')}; delete it to count with this version")
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
        if part is not None:
            off = 0
            for t, cnt, ln in zip(part[0].tolist(), part[1].tolist(), part[2].tolist()):
                self.partial[int(t)] = (int(cnt), part[3][off: off + ln] if self.meta["return_patterns"] else None)
                off += ln
        self.stats = {**dict.fromkeys(COUNTERS, 0), "seconds": 0.0, **stats}
        logger.info("resuming from checkpoint %s: %d tasks already finished, %d partial (%d regions)", self.path,
                    len(self.done), len(self.partial), sum(c for c, _ in self.partial.values()))

    def keep_partial(self, t: int, count: int, pats: np.ndarray | None) -> None:
        """Merge the regions an unfinished task has emitted into its partial record: the union of
        the patterns (when recorded), else the larger count (both are lower bounds of the task)."""
        old = self.partial.get(t)
        if pats is not None:
            if old is not None and old[1] is not None and len(old[1]):
                pats = np.unique(np.concatenate([old[1], pats]), axis=0)
            self.partial[t] = (len(pats), pats)
        elif old is None or count > old[0]:
            self.partial[t] = (count, None)

    def finish(self, t: int, count: int, pats: np.ndarray | None) -> None:
        """A finished task: its exact record supersedes its partial one."""
        self.done[t] = (count, pats)
        self.partial.pop(t, None)

    def _arrays(self, records: dict) -> tuple[np.ndarray, ...]:
        ids = sorted(records)
        counts = np.array([records[t][0] for t in ids], dtype=np.int64)
        nb = self.meta["bytes"]
        if self.meta["return_patterns"]:
            parts = [records[t][1] for t in ids]
            lens = np.array([len(p) for p in parts], dtype=np.int64)
            pats = np.concatenate(parts) if parts else np.zeros((0, nb), np.uint8)
        else:
            lens = np.zeros(len(ids), dtype=np.int64)
            pats = np.zeros((0, nb), np.uint8)
        return np.array(ids, dtype=np.int64), counts, lens, pats

    def save(self, totals: dict[str, int], seconds: float) -> None:
        """Write the finished tasks, the partial records of unfinished ones, and the work so far
        (``totals``, the COUNTERS, and seconds)."""
        if self.path is None:
            return
        ids, counts, lens, pats = self._arrays(self.done)
        pids, pcounts, plens, ppats = self._arrays(self.partial)
        stats = {**{k: int(totals[k]) for k in COUNTERS}, "seconds": float(seconds)}
        with atomic_path(self.path) as tmp, open(tmp, "wb") as f:
            np.savez(f, meta=np.frombuffer(json.dumps(self.meta, sort_keys=True).encode(), np.uint8),
                     ids=ids, counts=counts, lens=lens, patterns=pats,
                     partial_ids=pids, partial_counts=pcounts, partial_lens=plens, partial_patterns=ppats,
                     stats=np.frombuffer(json.dumps(stats).encode(), np.uint8))

    def remove(self) -> None:
        if self.path is not None and os.path.exists(self.path):
            os.unlink(self.path)


def count_lp(
    net: Network,
    lower: float | np.ndarray,
    upper: float | np.ndarray,
    opts: CountOptions,
    *,
    shard: tuple[int, int] = (0, 1),
    checkpoint: str | os.PathLike | None = None,
    progress: Callable[[int, float, float], Any] | None = None,
    given: Network | None = None,
    A_dom: np.ndarray | None = None,
    c_dom: np.ndarray | None = None,
    **options: Any,
) -> CountResult:
    """Count the regions of ``net`` on the box lower <= x <= upper by depth-first LP enumeration,
    or on the polytope ``A_dom x <= c_dom`` in it (path "lp-x", :func:`linregions.search.lp_path`).

    ``given`` is the network as written when ``net`` is its canonical form: a row or constant
    that float64 cannot tell from 0 is decided exactly on its weights (default: ``net``'s).

    ``lower`` and ``upper`` are numbers (the box [lower, upper]^{n0}) or float arrays of shape
    (n0,), one interval per coordinate. The result's ``lower`` and ``upper`` are the smallest
    lower and the largest upper bound.

    ``shard=(i, k)`` counts the tasks j with j mod k == i (the shard counts of i = 0..k-1 sum to
    the full count). ``checkpoint`` is an .npz path: a run stopped by ``time_limit``, SIGINT or
    SIGTERM saves its finished tasks there, and a call with the same path resumes; the file is
    removed when the count completes. ``progress(regions, seconds, fraction)`` is called every
    few seconds. Like the regions, nodes and LPs, ``seconds`` (in the result and in progress)
    includes the runs a call resumes; ``time_limit`` applies to the call alone.
    """
    t0 = time.perf_counter()
    i_shard, k_shard = _check_options(shard, checkpoint, progress, options)
    eps, margin, threads, time_limit = opts.eps, opts.margin, opts.threads, opts.time_limit
    return_patterns = opts.return_patterns
    N, n0 = net.n_units, net.n0
    lo, up = box_arrays(lower, upper, n0)
    nbytes = (N + 7) // 8
    deadline = None if time_limit is None else t0 + float(time_limit)

    # once per count (the hub is an LP), shared by every search
    geo = S.make_geometry(net, lo, up, eps, A_dom, c_dom)
    D, prefixes, wits, split_totals = _split(net, lo, up, eps, margin, max(_MIN_TASKS, 16 * k_shard), geo, given)
    mine = [t for t in range(len(prefixes)) if t % k_shard == i_shard]
    domain = (lo, up) if A_dom is None else (lo, up, A_dom, c_dom)
    meta = {
        "network": array_digest(*(a for layer in net.layers for a in layer)), "box": array_digest(*domain),
        "eps": eps, "margin": margin,
        "shard": [i_shard, k_shard], "split_depth": D, "tasks": len(prefixes),
        "prefixes": hashlib.sha256(np.packbits(prefixes, axis=1).tobytes()).hexdigest() if len(prefixes) else "",
        "return_patterns": bool(return_patterns), "bytes": nbytes, "version": __version__,
    }
    ckpt = _Checkpoint(checkpoint, meta)
    ckpt.load()
    order = np.random.default_rng(_ORDER_SEED).permutation(len(prefixes))
    todo = [int(t) for t in order if t % k_shard == i_shard and t not in ckpt.done]
    logger.info("lp count: network %d-%s, %d tasks at depth %d (%d in this shard, %d to do), %d threads",
                n0, "-".join(map(str, net.widths)), len(prefixes), D, len(mine), len(todo), threads)

    lock = threading.Lock()
    stop = threading.Event()
    reason = {"status": "complete"}
    before = float(ckpt.stats["seconds"])  # counting time of the runs this call resumes
    totals = {k: split_totals[k] + int(ckpt.stats[k]) for k in COUNTERS}
    running: dict[int, tuple[int, int, float]] = {}  # worker -> (task, its regions so far, DFS fraction)
    found0 = _found(ckpt, running, mine)  # the lower bound this call starts from
    stopped_at: dict[int, float] = {}  # task -> DFS fraction where this call stopped it
    queue = list(reversed(todo))
    errors: list[BaseException] = []

    def worker(wid: int) -> None:
        try:
            work = _Work(net, lo, up, eps, margin, record=return_patterns, witnesses=False, geo=geo, given=given)
            while not stop.is_set():
                with lock:
                    if not queue:
                        return
                    t = queue.pop()
                if D == N:  # the prefix is itself a leaf, a certified region
                    pats = np.packbits(prefixes[t].astype(bool))[None, :] if return_patterns else None
                    with lock:
                        ckpt.finish(t, 1, pats)
                        totals["nodes"] += 1
                    continue
                work.start(prefixes[t], wits[t], N)
                seen = dict.fromkeys(COUNTERS, 0)  # the task's counters already added to totals
                finished = False
                while not stop.is_set():
                    finished = work.step(_BUDGET)
                    now_counts = work.counters()
                    with lock:
                        for k, v in now_counts.items():
                            totals[k] += v - seen[k]
                        seen = now_counts
                        running[wid] = (t, int(work.ist[S.I_COUNT]), _dfs_fraction(work))
                    if finished:
                        break
                    if deadline is not None and time.perf_counter() >= deadline:
                        reason["status"] = "time_limit"
                        stop.set()
                if not finished:
                    work._flush()  # the patterns still in the kernel's buffer
                pats = None
                if return_patterns:
                    pats = np.concatenate(work.chunks) if work.chunks else np.zeros((0, nbytes), np.uint8)
                with lock:
                    running.pop(wid, None)
                    if finished:
                        ckpt.finish(t, int(work.ist[S.I_COUNT]), pats)
                    else:  # stopped: keep what it found, and run it again from its root on resume
                        ckpt.keep_partial(t, int(work.ist[S.I_COUNT]), pats)
                        stopped_at[t] = _dfs_fraction(work)
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
                    found = _found(ckpt, running, mine)
                    frac = sum(1 for t in mine if t in ckpt.done) / max(len(mine), 1)
                    guess = _rough_total(ckpt, running, mine)
                left = _seconds_left(guess, found, found0, now - t0)
                logger.info("lp count: %d regions so far, %.0f s, ~%.1f%% of the tree; rough estimate (not a count): "
                            "~%.0f regions in all, %s", found, before + now - t0, 100 * frac, guess,
                            "time left unknown" if left is None else f"~{left:.0f} s left")
                if progress is not None:
                    _call_progress(progress, found, before + now - t0, frac, (guess, left))
            if checkpoint is not None and now - last_ckpt >= _CHECKPOINT_EVERY:
                last_ckpt = now
                with lock:
                    ckpt.save(totals, before + now - t0)
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
    regions = _found(ckpt, {}, mine)
    guess = _rough_total(ckpt, {t: (t, int(work_count), f) for t, f in stopped_at.items()
                                for work_count in [ckpt.partial.get(t, (0, None))[0]] if t not in ckpt.done}, mine)
    left = _seconds_left(guess, regions, found0, time.perf_counter() - t0)
    if complete:
        ckpt.remove()
    else:
        ckpt.save(totals, before + time.perf_counter() - t0)
    patterns = None
    if return_patterns:
        parts = [ckpt.done[t][1] for t in mine if t in ckpt.done]
        parts += [ckpt.partial[t][1] for t in mine if t in ckpt.partial and t not in ckpt.done]
        patterns = sort_packed(np.concatenate(parts)) if parts else np.zeros((0, nbytes), np.uint8)
    seconds = before + time.perf_counter() - t0
    if progress is not None:
        _call_progress(progress, regions, seconds,
                       1.0 if complete else sum(1 for t in mine if t in ckpt.done) / max(len(mine), 1),
                       None if complete else (guess, left))
    return CountResult(
        regions=regions, complete=complete, method="lp", eps=eps, margin=margin, seconds=seconds,
        widths=net.widths, n0=n0, lower=float(lo.min()), upper=float(up.max()), rejected=totals["rejected"],
        nodes=totals["nodes"], lps=totals["lps"], status=status, threads=threads,
        diagnostics={k: totals[k] for k in S.DIAGNOSTICS},
        shard=(i_shard, k_shard), patterns=patterns,
        estimated_total=None if complete else guess, estimated_seconds_left=None if complete else left,
    )


def _found(ckpt: _Checkpoint, running: dict, mine: list[int]) -> int:
    """The certified regions so far: finished tasks, plus for each unfinished one the larger of
    its saved partial record and its progress in this run (a lower bound, never counted twice)."""
    now = {t: c for t, c, _ in running.values()}
    total = 0
    for t in mine:
        if t in ckpt.done:
            total += ckpt.done[t][0]
        else:
            total += max(ckpt.partial[t][0] if t in ckpt.partial else 0, now.get(t, 0))
    return total


def _rough_total(ckpt: _Checkpoint, running: dict, mine: list[int]) -> float:
    """The rough estimate of the shard's regions: see the module docstring."""
    frac = {t: (c, f) for t, c, f in running.values()}
    sizes, unstarted = [], []
    for t in mine:
        saved = float(ckpt.partial[t][0]) if t in ckpt.partial else 0.0
        if t in ckpt.done:
            sizes.append(float(ckpt.done[t][0]))
        elif t in frac and frac[t][1] > 0:
            c, f = frac[t]
            sizes.append(max(c / f, saved))
        else:
            unstarted.append(saved)
    mean = float(np.mean(sizes)) if sizes else 0.0
    return float(sum(sizes)) + sum(max(mean, saved) for saved in unstarted)


def _seconds_left(guess: float, found: int, found0: int, seconds: float) -> float | None:
    """Seconds left at this call's rate of new regions (None before any)."""
    rate = (found - found0) / seconds if seconds > 0 else 0.0
    if rate <= 0:
        return None
    return max(guess - found, 0.0) / rate


def _call_progress(progress: Callable, found: int, seconds: float, frac: float, estimate) -> None:
    """progress(regions, seconds, fraction), with estimate=(total, seconds left) if it takes that keyword."""
    import inspect

    try:
        params = inspect.signature(progress).parameters
        takes = "estimate" in params or any(p.kind is p.VAR_KEYWORD for p in params.values())
    except (TypeError, ValueError):
        takes = False
    if takes:
        progress(found, seconds, frac, estimate=estimate)
    else:
        progress(found, seconds, frac)
