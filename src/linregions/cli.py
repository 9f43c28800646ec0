"""The command line: ``linregions count``, ``slice``, ``bounds`` and ``construct``."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys

from .extras import MissingExtra
from .network import BoxError, ModelError
from .regions import DEFAULT_EPS


def _count(args: argparse.Namespace) -> int:
    from .count import count_regions

    options = {}
    if args.shard:
        i, k = (int(v) for v in args.shard.split("/"))
        options["shard"] = (i, k)
    if args.checkpoint:
        options["checkpoint"] = args.checkpoint
    if args.method == "lp" and not args.json:
        options["progress"] = _progress
    if args.method == "estimate":
        options["seed"] = args.seed
        if args.half_width is not None:
            options["half_width"] = args.half_width
        if not args.json:
            options["progress"] = _estimate_progress
    elif args.half_width is not None:
        raise ValueError("--half-width is an option of --method estimate")
    res = count_regions(
        _model(args),
        domain=_domain(args),
        method=args.method,
        eps=args.eps,
        threads=args.threads,
        time_limit=args.time_limit,
        margin=args.margin,
        scale=args.scale,
        return_patterns=bool(args.patterns),
        **options,
    )
    if args.patterns:
        import numpy as np

        np.save(args.patterns, res.patterns)
    if args.json:
        print(json.dumps(res.to_dict(), indent=2))
    else:
        print(res.summary())
    return 0 if res.complete or res.estimate else 3


def _model(args: argparse.Namespace):
    """The model file, loaded with --input-shape when given (convolutional and pooling layers need it)."""
    if not args.input_shape:
        return args.model
    from .network import load_network

    try:
        shape = tuple(int(v) for v in args.input_shape.split(","))
    except ValueError:
        raise ValueError(f"--input-shape {args.input_shape!r} must be integers separated by commas, e.g. 1,28,28") from None
    return load_network(args.model, input_shape=shape)


def _number_or_npy(value: str, flag: str):
    """A float, or the array in a .npy file (for per-coordinate bounds and points)."""
    import numpy as np

    try:
        return float(value)
    except ValueError:
        pass
    try:
        return np.load(value, allow_pickle=False)
    except (OSError, ValueError) as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ValueError(f"{flag} {value!r} is neither a number nor a readable .npy file ({reason})") from None


def _domain(args: argparse.Namespace):
    """The Domain of the count flags: the box --lower/--upper, --around X --radius R in it, or --plane A B C."""
    from . import domain as D

    lower = _number_or_npy(args.lower, "--lower")
    upper = _number_or_npy(args.upper, "--upper")
    if args.around is not None and args.plane is not None:
        raise ValueError("give --around or --plane, not both")
    if (args.around is None) != (args.radius is None):
        raise ValueError("--around X.npy needs --radius R (and --radius needs --around)")
    if args.around is not None:
        return D.around(_number_or_npy(args.around, "--around"), args.radius, lower, upper)
    if args.plane is not None:
        a, b, c = (_number_or_npy(p, "--plane") for p in args.plane)
        return D.plane(a, b, c, lower, upper)
    return D.box(lower, upper)


def _slice(args: argparse.Namespace) -> int:
    from .planes import draw_plane, plane_picture

    a, b, c = (_number_or_npy(p, "--plane") for p in args.plane)
    pic = plane_picture(_model(args), a, b, c, _number_or_npy(args.lower, "--lower"),
                        _number_or_npy(args.upper, "--upper"), eps=args.eps)
    marks = [os.path.splitext(os.path.basename(p))[0] for p in args.plane]
    draw_plane(pic, args.output, marks=marks, n0=len(a))
    kind = "regions" if pic.complete else "regions at least (stopped)"
    print(f"{pic.regions} {kind} on the plane through {', '.join(args.plane)} ({pic.path} path, "
          f"{pic.seconds:.2f} s); picture written to {args.output}")
    return 0 if pic.complete else 3


def _progress(regions: int, seconds: float, fraction: float, estimate=None) -> None:
    rate = regions / seconds if seconds > 0 else 0.0
    guess = ""
    if estimate is not None:
        total, left = estimate
        guess = (f"; rough estimate (not a count): ~{total:,.0f} regions in all, "
                 + ("time left unknown" if left is None else f"~{left:,.0f} s left"))
    print(f"  {regions} regions found, {rate:.0f}/s, {100 * fraction:.1f}% of the tasks finished{guess}", file=sys.stderr)


def _estimate_progress(estimate: float, seconds: float, half: float, samples: int) -> None:
    print(f"  estimated regions: {estimate:,.0f} +- {half:,.0f} (95%), {samples} samples, {seconds:.0f} s",
          file=sys.stderr)


def _bounds(args: argparse.Namespace) -> int:
    from .bounds import bound_table

    n0, *widths = args.widths
    if not widths:
        raise ValueError("give n0 and at least one hidden width, e.g. linregions bounds 784 11 11")
    rows = bound_table(n0, widths)
    if args.json:
        print(json.dumps([{**vars(b), "value": str(b.value) if (b.value or 0) > 2**53 else b.value}
                          for b in rows], indent=2))
        return 0
    name_w = max(len(b.name) for b in rows)
    val_w = max(len(f"{b.value:,}") for b in rows if b.applies)
    print(f"bounds on the number of linear regions of a {'-'.join(map(str, args.widths))} ReLU network")
    for b in rows:
        value = f"{b.value:,}" if b.applies else "-"
        where = b.source if b.applies else f"does not apply: needs {b.condition} ({b.source})"
        print(f"  {b.kind:5s}  {b.name:{name_w}s}  {value:>{val_w}s}  {where}")
    return 0


def _construct(args: argparse.Namespace) -> int:
    import torch

    from .constructions import build

    con = build(args.name, n0=args.n0, widths=args.widths, seed=args.seed)
    torch.save(con.as_sequential(), args.output)
    print(
        f"{con.name}: network {con.network.n0}-{'-'.join(map(str, con.network.widths))} written to "
        f"{args.output}; exact count {con.count:,} on [{con.lower:g}, {con.upper:g}]^{con.network.n0} "
        f"({con.source}). Count it with: linregions count {args.output} --lower {con.lower:g} "
        f"--upper {con.upper:g} --method lp --scale absolute (the count is proven for margins in the "
        f"construction's own units, eps = 1e-6 below its smallest margin {con.min_margin:.2g}; the default "
        f"scale row can count fewer on deep constructions)"
    )
    return 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="linregions", description="Count and bound the linear regions of ReLU networks.")
    p.add_argument("-v", "--verbose", action="store_true", help="log progress to stderr")
    sub = p.add_subparsers(dest="command", required=True)

    c = sub.add_parser("count", help="count the linear regions of a network on a box, around a point or on a plane")
    c.add_argument("model", help="a torch.save'd nn.Sequential or state_dict, or an .npz of W1, b1, ...")
    c.add_argument("--input-shape", default=None, metavar="C,H,W",
                   help="shape of one input, e.g. 1,28,28; needed for Conv2d, AvgPool2d and BatchNorm2d")
    c.add_argument("--lower", default="0", help="lower end of the input box: a number or a FILE.npy of shape (n0,) (default 0)")
    c.add_argument("--upper", default="1", help="upper end of the input box: a number or a FILE.npy of shape (n0,) (default 1)")
    c.add_argument("--around", default=None, metavar="X.npy",
                   help="count on the box [X - R, X + R] within the input box (needs --radius)")
    c.add_argument("--radius", type=float, default=None, metavar="R", help="radius of --around")
    c.add_argument("--plane", nargs=3, default=None, metavar=("A.npy", "B.npy", "C.npy"),
                   help="count on the plane through three inputs, cut by the input box (method lp: exact planar path)")
    c.add_argument("--method", choices=("lp", "milp", "brute", "estimate"), default="lp",
                   help="lp (default: exact, fast, no licence), milp (the paper's program, Gurobi), brute, or "
                        "estimate (not a count: an estimate with a 95%% confidence interval; needs --time-limit "
                        "and/or --half-width)")
    c.add_argument("--eps", type=float, default=DEFAULT_EPS, help=f"region margin (default {DEFAULT_EPS:g})")
    c.add_argument("--margin", choices=("both", "active"), default="both",
                   help="'both' (default) or the paper's one-sided 'active'")
    c.add_argument("--scale", choices=("row", "absolute"), default="row",
                   help="how eps is measured: 'row' (default: on each unit's pre-activation divided by its row's "
                        "norm, a distance, invariant under rescaling a unit) or 'absolute' (on the weights as written)")
    c.add_argument("--threads", type=int, default=1)
    c.add_argument("--time-limit", type=float, default=None, help="seconds; a stopped count is a lower bound")
    c.add_argument("--half-width", type=float, default=None, metavar="H",
                   help="estimate only: stop at a 95%% interval of relative half-width H (e.g. 0.05)")
    c.add_argument("--seed", type=int, default=0, help="estimate only: seed of the probes (default 0)")
    c.add_argument("--shard", default=None, help="lp only: I/K counts shard I of K")
    c.add_argument("--checkpoint", default=None, help="lp only: file to save and resume the search state")
    c.add_argument("--patterns", default=None, help="write the bit-packed patterns to this .npy file")
    c.add_argument("--json", action="store_true", help="print the result as JSON")
    c.set_defaults(func=_count)

    s = sub.add_parser("slice", help="draw the regions on the plane through three inputs, with the exact count")
    s.add_argument("model", help="a torch.save'd nn.Sequential or state_dict, or an .npz of W1, b1, ...")
    s.add_argument("--input-shape", default=None, metavar="C,H,W",
                   help="shape of one input, e.g. 1,28,28; needed for Conv2d, AvgPool2d and BatchNorm2d")
    s.add_argument("--plane", nargs=3, required=True, metavar=("A.npy", "B.npy", "C.npy"),
                   help="three inputs (arrays of shape (n0,)); the plane is A + t1 (B - A) + t2 (C - A)")
    s.add_argument("--lower", default="0", help="lower end of the input box: a number or a FILE.npy (default 0)")
    s.add_argument("--upper", default="1", help="upper end of the input box: a number or a FILE.npy (default 1)")
    s.add_argument("--eps", type=float, default=DEFAULT_EPS, help=f"region margin (default {DEFAULT_EPS:g})")
    s.add_argument("-o", "--output", required=True, help="the picture (PNG, PDF or SVG by its extension)")
    s.set_defaults(func=_slice)

    b = sub.add_parser("bounds", help="print every bound for the widths n0 n1 ... nL")
    b.add_argument("widths", type=int, nargs="+", metavar="N", help="n0 n1 ... nL")
    b.add_argument("--json", action="store_true")
    b.set_defaults(func=_bounds)

    k = sub.add_parser("construct", help="write a network whose exact count is known")
    k.add_argument("name", help="zaslavsky, pascanu2014, montufar2014 or serra2018")
    k.add_argument("--n0", type=int, default=2)
    k.add_argument("--widths", type=int, nargs="+", required=True)
    k.add_argument("--seed", type=int, default=0)
    k.add_argument("-o", "--output", required=True, help="where to torch.save the nn.Sequential")
    k.set_defaults(func=_construct)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(asctime)s %(name)s: %(message)s", stream=sys.stderr)
    from .milp import LicenceError

    try:
        return args.func(args)
    except (ModelError, BoxError, LicenceError, MissingExtra, ValueError) as exc:
        print(f"linregions: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("linregions: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
