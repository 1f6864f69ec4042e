"""`python -m bench`: every figure of docs/performance.md, with its baseline and ratio, from one run.

    python -m bench                    # N = 100, 1,000 and 10,000 at 20 ms latency
    python -m bench --sizes 100 --smoke

Prints one table and writes it as JSON to bench/results/latest.json (`--out` elsewhere). Ratios compare
figures of the same run, so they mean the same on a slow machine as on a fast one; `--smoke` (what CI
runs) makes the slow figures small and checks that everything runs, not how fast.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="100,1000,10000", help="desired-state sizes N (default %(default)s)")
    parser.add_argument("--latency-ms", type=float, default=20.0, help="emulator latency (default %(default)s)")
    parser.add_argument("--apply-max", type=int, default=1000,
                        help="largest N applied (larger sizes are loaded and planned only; default %(default)s)")
    parser.add_argument("--clusters", type=int, default=200,
                        help="OpenDCP clusters (a service each) in the mixed plan of every kind (default %(default)s)")
    parser.add_argument("--loop-size", type=int, default=200,
                        help="tags of the reconcile action vs module loop figure (default %(default)s)")
    parser.add_argument("--runs", type=int, default=3, help="timings per figure, the least kept (default %(default)s)")
    parser.add_argument("--smoke", action="store_true", help="small figures, one run each: that it works")
    parser.add_argument("--out", default=str(ROOT / "bench" / "results" / "latest.json"))
    return parser.parse_args(argv)


def collect(args: argparse.Namespace) -> list:
    """Every figure, smallest sizes first."""
    from . import figures, importing, mixed, ownership, watching

    sizes = [int(size) for size in args.sizes.split(",") if size.strip()]
    runs = 1 if args.smoke else args.runs
    rows = []
    for size in sizes:
        if size <= args.apply_max:
            rows += figures.plan_and_apply(size, args.latency_ms, runs)
        rows += figures.load_and_validate(size)
    rows += figures.peak_rss_plan(max(sizes), args.latency_ms)
    rows += figures.startup(runs)
    rows += figures.job_latency((0.05, 0.2, 0.5) if args.smoke else (0.05, 0.2, 0.5, 1.0, 1.5, 2.0, 3.0, 5.0))
    rows += figures.rendering(200 if args.smoke else 5000)
    rows += mixed.mixed_plan(10 if args.smoke else args.clusters, args.latency_ms, runs)
    rows += importing.import_figures(max(sizes), 10 if args.smoke else args.clusters, args.latency_ms, runs)
    rows += mixed.action_vs_module_loop(5 if args.smoke else args.loop_size,
                                        lambda: figures.zstack_url(args.latency_ms))
    rows += ownership.ownership_figures(10 if args.smoke else min(max(sizes), args.apply_max), args.latency_ms, runs)
    rows += watching.watch_figures(min(max(sizes), args.apply_max), args.latency_ms, args.smoke)
    rows += figures.emulator_costs((1000, 10000) if args.smoke else (1000, 100000), 100 if args.smoke else 1000)
    return rows


def table(rows: list) -> str:
    """The figures as a Markdown table."""
    lines = ["| figure | N | value | baseline | ratio | target | met |", "|---|---|---|---|---|---|---|"]
    for row in rows:
        baseline = f"{row.baseline:.4g} ({row.baseline_name})" if row.baseline is not None else ""
        ratio = f"{row.ratio:.2f}x" if row.ratio is not None else ""
        target = "" if row.target is None else (f"<= {row.target}x" if row.better == "lower" else f">= {row.target}x")
        met = {True: "yes", False: "no", None: ""}[row.met]
        lines.append(f"| {row.name} | {row.size:,} | {row.value:.4g} {row.unit} | {baseline} | {ratio} | {target} "
                     f"| {met} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = _arguments(argv)
    sys.path.insert(0, str(ROOT))
    from tests.support import collections_dir

    sys.path.insert(0, str(collections_dir()))
    started = time.time()
    rows = collect(args)
    print(table(rows))
    result = {"machine": {"python": platform.python_version(), "system": platform.platform(),
                          "cpus": __import__("os").cpu_count()},
              "latency_ms": args.latency_ms, "smoke": args.smoke, "seconds": round(time.time() - started, 1),
              "figures": [row.as_dict() for row in rows]}
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2, default=str) + "\n", encoding="utf-8")
    print(f"\nwritten to {out} ({result['seconds']} s)")
    failed = [row for row in rows if row.extra.get("failed")]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
