"""`python -m bench` (`make bench`): every benchmark, printed and written to bench/results.md.

    python -m bench                      # 10k events (or BENCH_SCALE)
    python -m bench --scale 100000       # the 100k figures
    python -m bench --scale 500 --only synthetic,foundation   # a quick look
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import traceback

from bench.context import Context
from bench.report import Table, load_average, write_results

SECTIONS = ("synthetic", "foundation", "stores", "queries", "endpoint", "viz")


def _section(name: str):
    """The `run(context) -> list[Table]` of one section (imported late: each needs other modules)."""
    if name == "synthetic":
        from bench.synthetic import run
    elif name == "foundation":
        from bench.foundation import run
    elif name == "stores":
        from bench.stores import run
    elif name == "queries":
        from bench.queries import run
    elif name == "endpoint":
        from bench.endpoint import run
    else:
        from bench.viz import run
    return run


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=int(os.environ.get("BENCH_SCALE", "10000")),
                        help="events in the synthetic graph (default 10000, or BENCH_SCALE)")
    parser.add_argument("--only", default=os.environ.get("BENCH_ONLY", ""),
                        help=f"comma-separated sections to run: {', '.join(SECTIONS)}")
    parser.add_argument("--endpoint-seconds", type=float, default=30.0,
                        help="how long the 8 endpoint clients run (default 30)")
    parser.add_argument("--reuse-store", action="store_true",
                        help="reuse the cached store of this scale even if kg/store.py or kg/ingest.py "
                             "changed since it was loaded (saves the load at 100k)")
    parser.add_argument("--no-write", action="store_true", help="print only; leave bench/results.md alone")
    args = parser.parse_args(argv)
    chosen = [name.strip() for name in args.only.split(",") if name.strip()] or list(SECTIONS)
    unknown = sorted(set(chosen) - set(SECTIONS))
    if unknown:
        parser.error(f"unknown section {', '.join(unknown)}; sections: {', '.join(SECTIONS)}")

    context = Context(scale=args.scale, endpoint_seconds=args.endpoint_seconds,
                      reuse_store=args.reuse_store)
    started = time.perf_counter()
    load_before = load_average()
    print(f"Benchmarks at {args.scale:,} events; load average {load_before}", flush=True)
    tables: list[Table] = []
    failed = []
    for name in SECTIONS:
        if name not in chosen:
            continue
        print(f"== {name} ({args.scale:,} events)", flush=True)
        try:
            tables += _section(name)(context)
        except Exception as error:  # one broken section must not hide the others' figures
            traceback.print_exc()
            failed.append(name)
            failure = Table(f"{name}: failed")
            failure.add("error", f"{type(error).__name__}: {error}".replace("\n", " ")[:300])
            tables.append(failure)
        if not args.no_write:  # after every section, so an interrupted run keeps what it measured
            path = write_results(args.scale, tables, time.perf_counter() - started, load_before)
    elapsed = time.perf_counter() - started
    if not args.no_write:
        print(f"Wrote {path} ({elapsed / 60:.1f} min)")
    if failed:
        print(f"Failed sections: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
