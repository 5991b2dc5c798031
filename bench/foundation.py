"""Foundation: extraction throughput on one core, and `kg ingest` of 100 digests into a new store."""

from __future__ import annotations

import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.context import ROOT, Context
from bench.report import Table, ratio, seconds

SHARED = Path("/work/shared")
CORPUS_FOLDERS = (SHARED / "corpus", SHARED / "seeds")
EXTRACT_TARGET = 200.0  # digests per second
INGEST_TARGET = 5.0  # seconds for 100 digests, validation off
INGEST_DIGESTS = 100


def corpus_files() -> list[Path]:
    """The real digest files the benchmarks read (the shared corpus and seed)."""
    files = sorted(path for folder in CORPUS_FOLDERS if folder.is_dir() for path in folder.glob("*.txt"))
    if not files:
        raise FileNotFoundError(f"no digest files in {', '.join(map(str, CORPUS_FOLDERS))}")
    return files


def extraction_rate(minimum_seconds: float = 5.0) -> tuple[float, int, float, float]:
    """Digests per second of `kg.extract.extract` over the corpus, repeated for at least
    `minimum_seconds` (reading is done once, outside the timing). Returns (rate, digests,
    events/s, digests per CPU-second): on a shared machine the CPU rate is what one whole core
    would do."""
    from kg.extract import extract
    from kg.read import read_digest

    digests = [read_digest(path) for path in corpus_files()]
    extract(digests[0])  # vocabularies and automata load once, on first use: not the steady rate
    rates, done, events = [], 0, 0
    started, cpu_started = time.perf_counter(), time.process_time()
    while time.perf_counter() - started < minimum_seconds or len(rates) < 3:
        lap = time.perf_counter()
        for digest in digests:
            events += len(extract(digest).events)
        rates.append(len(digests) / (time.perf_counter() - lap))
        done += len(digests)
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    return statistics.median(rates), done, events / elapsed, done / cpu


def first_extraction_seconds() -> float:
    """Reading and extracting one digest in a fresh interpreter: what a first `kg extract` waits."""
    code = ("import time; t = time.perf_counter(); from kg.read import read_digest; "
            "from kg.extract import extract; "
            f"extract(read_digest({str(corpus_files()[0])!r})); print(time.perf_counter() - t)")
    output = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                            cwd=ROOT)
    return float(output.stdout.strip().splitlines()[-1])


_VOLUME = re.compile(r"(Vol(?:ume)?\.?\s*)(\d+)\.(\d+)", re.IGNORECASE)


def hundred_digests(folder: Path, count: int = INGEST_DIGESTS) -> list[Path]:
    """`count` digest files made from the corpus with distinct volumes: the same major volume,
    a new issue number in the file name and title (where the page prints one), and the original's
    publication date on a `published:` line."""
    from kg.read import read_digest

    sources = corpus_files()
    written = []
    for i in range(count):
        source = sources[i % len(sources)]
        original = read_digest(source)
        published = original.published
        text = source.read_text(encoding="utf-8")
        volume = f"{original.volume.split('.')[0]}.{100 + i}"
        text = _VOLUME.sub(lambda m, volume=volume: m.group(1) + volume, text)
        path = folder / f"us-japan-alliance-digest-vol-{volume}.txt"
        path.write_text(f"published: {published}\n{text}", encoding="utf-8")
        written.append(path)
    return written


def ingest_seconds(count: int = INGEST_DIGESTS) -> tuple[float, int, list[str], float, float]:
    """Time `kg.ingest.ingest` of `count` digest files into a new store, validation off, in a
    fresh interpreter (as `kg ingest` runs). Returns (seconds in ingest, digests stored, failures,
    seconds of the whole command, CPU seconds of the whole command)."""
    workdir = Path(tempfile.mkdtemp(prefix="kg-bench-ingest-"))
    try:
        sources = workdir / "digests"
        sources.mkdir()
        hundred_digests(sources, count)
        code = (
            "import json, sys, time\n"
            "t = time.perf_counter()\n"
            "from kg.ingest import ingest\n"
            "from kg.store import Store\n"
            f"with Store.open({str(workdir / 'store')!r}, create=True) as store:\n"
            f"    report = ingest(store, [{str(sources)!r}], validate=False)\n"
            "print(json.dumps({'seconds': report.seconds, 'digests': len(report.digests),\n"
            "                  'failures': report.failures, 'total': time.perf_counter() - t,\n"
            "                  'cpu': time.process_time()}))\n"
        )
        output = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                                check=True, cwd=ROOT)
        import json

        result = json.loads(output.stdout.strip().splitlines()[-1])
        return result["seconds"], result["digests"], result["failures"], result["total"], result["cpu"]
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def run(context: Context) -> list[Table]:
    table = Table(
        "Foundation: extraction and ingest",
        f"Extraction: `kg.extract.extract` over the {len(corpus_files())} real digests of "
        "/work/shared/corpus and /work/shared/seeds, repeated for 5 s in one process (one core), "
        f"median of the laps; target >= {EXTRACT_TARGET:.0f} digests/s. Ingest: `kg.ingest.ingest` of "
        f"{INGEST_DIGESTS} corpus files copied with distinct volumes into a new store, validation "
        f"off, in a fresh interpreter; target < {INGEST_TARGET:.0f} s; median of 3 when under 20 s.")
    rate, done, events_rate, cpu_rate = extraction_rate()
    table.add("extraction (wall clock)", f"{rate:,.0f} digests/s", f">= {EXTRACT_TARGET:.0f}/s",
              ratio(rate, EXTRACT_TARGET), f"{events_rate:,.0f} events/s; {done} digests extracted")
    table.add("extraction (per CPU-second: one whole core)", f"{cpu_rate:,.0f} digests/s",
              f">= {EXTRACT_TARGET:.0f}/s", ratio(cpu_rate, EXTRACT_TARGET),
              "wall clock over process CPU time, so other work on the machine does not count")
    first = first_extraction_seconds()
    table.add("first digest in a fresh interpreter (imports + vocabularies + read + extract)",
              seconds(first))
    runs = [ingest_seconds()]
    if runs[0][3] < 20:  # repeat only while it is cheap
        runs += [ingest_seconds() for _ in range(2)]
    ingest_time = statistics.median(run[0] for run in runs)
    total = statistics.median(run[3] for run in runs)
    stored, failures = runs[0][1], runs[0][2]
    cpu = statistics.median(run[4] for run in runs)
    note = (f"{stored} digests stored; with imports {seconds(total)}, of which CPU {seconds(cpu)} "
            f"(the rest is waiting for a shared core or the disk); {len(runs)} run(s)")
    if failures:
        note += f"; {len(failures)} failed, first: {failures[0][:100]}"
    table.add(f"ingest {INGEST_DIGESTS} digests (validation off)", seconds(ingest_time),
              f"< {INGEST_TARGET:.0f} s", ratio(ingest_time, INGEST_TARGET), note)
    return [table]
