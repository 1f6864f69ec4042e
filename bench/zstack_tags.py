"""Benchmark: plan and apply N ZStack tags through the reconciler against the emulator.

Prints figures and ratios: wall time, HTTP requests, requests per resource for plan and apply,
and the time of a no-change plan. Run by hand:

    python bench/zstack_tags.py --count 2000 --latency-ms 2

CI runs it only as a smoke run with a small count.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def desired_file(directory: Path, url: str, count: int) -> Path:
    lines = ["version: 1", "endpoints:", "  zstack:", f"    url: {url}", "    password: {env: BENCH_ZSTACK_PASSWORD}",
             "settings: {concurrency: 8}", "resources:", "  zstack_user_tag:"]
    for index in range(count):
        lines.append("    - {resource_uuid: a1d6f0bbd21f4b3c8e7a2b9c4d5e6f70, resource_type: VmInstanceVO, "
                     f"tag: 'bench::{index:06d}'}}")
    path = directory / "bench.yml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def timed(label: str, handle, func):
    handle.clear_requests()
    started = time.perf_counter()
    result = func()
    seconds = time.perf_counter() - started
    return label, seconds, len(handle.requests), result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--latency-ms", type=float, default=0.0)
    args = parser.parse_args(argv)

    import os

    import emulators
    from reconciler.document import load
    from reconciler.executor import apply_plan
    from reconciler.planner import make_plan
    from reconciler.session import Session

    os.environ["BENCH_ZSTACK_PASSWORD"] = "password"
    with emulators.start("zstack", port=0, latency_ms=args.latency_ms, job_delay=0) as handle, \
            tempfile.TemporaryDirectory() as tmp:
        desired = load([str(desired_file(Path(tmp), handle.url, args.count))])
        rows = []
        with Session(desired) as session:
            rows.append(timed("plan (all missing)", handle, lambda: make_plan(desired, session)))
            plan = rows[-1][3]
            rows.append(timed("apply", handle, lambda: apply_plan(plan, session, 8)))
            rows.append(timed("plan (no changes)", handle, lambda: make_plan(desired, session)))
        failed = len(rows[1][3].failed)
        pending_after = len(rows[2][3].pending)

    print(f"resources: {args.count}   emulator latency: {args.latency_ms} ms")
    print(f"{'step':22} {'seconds':>9} {'requests':>9} {'req/resource':>13} {'resources/s':>12}")
    for label, seconds, requests, _result in rows:
        print(f"{label:22} {seconds:9.3f} {requests:9d} {requests / args.count:13.3f} {args.count / seconds:12.1f}")
    print(f"apply failures: {failed}   changes left after apply: {pending_after}")
    return 0 if failed == 0 and pending_after == 0 else 1


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    sys.exit(main())
