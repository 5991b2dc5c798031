"""Tables of figures beside their baselines, printed as they come and kept in bench/results.md."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import platform
import re
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results.md"


@dataclass
class Row:
    """One measurement: what, the figure, what it is compared with, and their ratio."""

    measure: str
    figure: str
    baseline: str = ""
    ratio: str = ""
    note: str = ""


@dataclass
class Table:
    """One section's measurements."""

    title: str
    explanation: str = ""
    rows: list[Row] = field(default_factory=list)

    def add(self, measure: str, figure: str, baseline: str = "", ratio: str = "", note: str = "") -> Row:
        row = Row(measure, figure, baseline, ratio, note)
        self.rows.append(row)
        print(f"  {measure}: {figure}" + (f"  [{baseline}; {ratio}]" if baseline else "")
              + (f"  ({note})" if note else ""), flush=True)
        return row

    def markdown(self) -> str:
        lines = [f"### {self.title}", ""]
        if self.explanation:
            lines += [self.explanation, ""]
        lines += ["| measurement | figure | baseline / target | ratio | notes |", "|---|---|---|---|---|"]
        for row in self.rows:
            cells = (row.measure, row.figure, row.baseline, row.ratio, row.note)
            lines.append("| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |")
        return "\n".join(lines) + "\n"


def ratio(figure: float, baseline: float) -> str:
    """figure ÷ baseline, written so that 0.5x means half the baseline."""
    if not baseline:
        return ""
    value = figure / baseline
    return f"{value:.2f}x" if value >= 0.01 else f"{value:.4f}x"


def seconds(value: float) -> str:
    return f"{value * 1000:.1f} ms" if value < 1 else f"{value:.2f} s"


def median_time(action: Callable[[], object], repeat: int = 3, budget: float = 30.0) -> float:
    """Median wall time of `action` over `repeat` runs; fewer runs if the first takes > budget/repeat."""
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
        if sum(times) * (len(times) + 1) / len(times) > budget:
            break
    return statistics.median(times)


@dataclass
class Capped:
    """Times of an action run in a child process that is stopped once a run passes the cap."""

    times: list[float]
    stopped: bool  # a run passed the cap and was killed
    error: str = ""
    value: object = None  # what the action returned (when it is small: a count, say)

    @property
    def median(self) -> float | None:
        return statistics.median(self.times) if self.times else None

    def text(self, cap: float) -> str:
        if self.error:
            return f"error: {self.error}"
        if not self.times:
            return f"> {cap:.0f} s (stopped)"
        return seconds(self.median)


def _capped_child(make_action: Callable[[], Callable[[], object]], repeat: int, answer) -> None:
    try:
        action = make_action()
        for _ in range(repeat):
            started = time.perf_counter()
            value = action()
            took = time.perf_counter() - started
            answer.send(("time", (took, value if isinstance(value, int | float | str) else None)))
    except Exception as error:
        answer.send(("error", f"{type(error).__name__}: {error}".replace("\n", " ")[:160]))


def capped(make_action: Callable[[], Callable[[], object]], cap: float, repeat: int = 3) -> Capped:
    """Run `make_action()()` up to `repeat` times in a forked child (Python cannot interrupt a
    running query), stopping it when one run passes `cap` seconds, and repeating only while the
    runs together stay under `cap`. `make_action` runs in the child, so it can open its own store
    there."""
    import multiprocessing

    fork = multiprocessing.get_context("fork")
    receive, send = fork.Pipe(duplex=False)
    child = fork.Process(target=_capped_child, args=(make_action, repeat, send), daemon=True)
    child.start()
    send.close()
    result = Capped([], False)
    try:
        while len(result.times) < repeat:
            if not receive.poll(cap):
                result.stopped = True
                break
            try:
                kind, value = receive.recv()
            except EOFError:
                result.error = "the child process died"
                break
            if kind == "error":
                result.error = value
                break
            took, result.value = value
            result.times.append(took)
            if sum(result.times) > cap:  # repeat only while it is cheap
                break
    finally:
        if child.is_alive():
            child.kill()
        child.join()
        receive.close()
    return result


def machine() -> str:
    """The machine the figures come from."""
    memory = ""
    try:
        with open("/proc/meminfo") as meminfo:
            kilobytes = int(re.search(r"MemTotal:\s+(\d+)", meminfo.read()).group(1))
        memory = f", {kilobytes / 1024 / 1024:.0f} GB RAM"
    except (OSError, AttributeError):
        pass
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            found = re.search(r"model name\s*:\s*(.+)", cpuinfo.read())
            cpu = found.group(1).strip() if found else cpu
    except OSError:
        pass
    return (f"{os.cpu_count()} cores ({cpu}){memory}, {platform.system()} {platform.release()}, "
            f"Python {platform.python_version()}")


def versions() -> str:
    import importlib.metadata as metadata

    found = []
    for name in ("pyoxigraph", "rdflib", "oxrdflib", "pyvis"):
        with contextlib.suppress(metadata.PackageNotFoundError):
            found.append(f"{name} {metadata.version(name)}")
    return ", ".join(found)


def load_average() -> str:
    """The 1-minute load average: how busy the shared machine was."""
    try:
        return f"{os.getloadavg()[0]:.1f}"
    except OSError:
        return "unknown"


def write_results(scale: int, tables: list[Table], elapsed: float, load_before: str) -> Path:
    """Write this run's tables into this scale's block of bench/results.md: a table measured in
    this run replaces the one of the same title, tables of earlier runs (other sections) stay,
    and other scales' blocks stay."""
    begin, end = f"<!-- scale {scale} -->", f"<!-- /scale {scale} -->"
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    stamp = f"_Measured in the run of {now} (load average {load_before} at its start)._"
    header = ("# Benchmark results\n\nWritten by `make bench` (`python -m bench`). Each scale has a "
              "block; a table is replaced by the next run that measures it. Baselines are the figures "
              "in `/work/shared/notes/measurements.md` (same kind of machine) or the targets of the "
              "issues; ratio = figure ÷ baseline.\n")
    text = RESULTS.read_text() if RESULTS.exists() else header
    blocks = {int(m.group(1)): m.group(0) for m in
              re.finditer(r"<!-- scale (\d+) -->.*?<!-- /scale \1 -->", text, re.S)}
    sections: dict[str, str] = {}
    if scale in blocks:
        for part in blocks[scale].split("\n### ")[1:]:
            part = part.replace(end, "").rstrip() + "\n"
            sections[part.split("\n", 1)[0]] = "### " + part
    for table in tables:
        title, rest = table.markdown().split("\n", 1)
        sections[title.removeprefix("### ")] = f"{title}\n\n{stamp}\n{rest}"
    for title in [t for t in sections if t.endswith(": failed")]:
        if any(other.lower().startswith(title.split(":")[0]) for other in sections if other != title):
            del sections[title]
    blocks[scale] = "\n".join([
        begin,
        f"## {scale:,} events",
        "",
        f"Latest run {now} on {machine()}; {versions()}. One run; medians of 3 repetitions where "
        f"cheap. That run took {elapsed / 60:.1f} min; load average {load_before} at the start, "
        f"{load_average()} at the end. Figures on a shared 2-core machine are noisy (other work "
        "ran beside these runs): read them as orders of magnitude against the baselines.",
        "",
        *sections.values(),
        end,
    ])
    preamble = re.split(r"<!-- scale \d+ -->", text, maxsplit=1)[0].rstrip() + "\n"
    RESULTS.write_text(preamble + "\n" + "\n\n".join(blocks[key] for key in sorted(blocks)) + "\n")
    return RESULTS
