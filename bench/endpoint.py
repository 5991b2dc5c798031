"""Endpoint load: 8 clients on loopback against `kg serve`, and a slow query stopped by the timeout."""

from __future__ import annotations

import itertools
import socket
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

from bench.context import ROOT, Context, stop
from bench.queries import SLOW_FOR_ENDPOINT, default_params
from bench.report import Table, seconds

CLIENTS = 8
SERVER_TIMEOUT = 5.0  # the short timeout the server runs with here (`kg serve --timeout`)
# A cross product no index helps with: runs far past the timeout at any scale.
SLOW_QUERY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?p ?b . ?c ?q ?d . ?e ?r ?f }"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Tally:
    """What the clients saw: latency of each answered request, failures by kind."""

    latencies: list[float] = field(default_factory=list)
    answered_at: list[float] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def ok(self, latency: float) -> None:
        with self.lock:
            self.latencies.append(latency)
            self.answered_at.append(time.monotonic())

    def error(self, kind: str) -> None:
        with self.lock:
            self.errors[kind] = self.errors.get(kind, 0) + 1


def _client(base: str, paths: list[str], offset: int, until: float, tally: Tally) -> None:
    import httpx

    with httpx.Client(base_url=base, timeout=SERVER_TIMEOUT * 4) as client:
        for path in itertools.islice(itertools.cycle(paths), offset, None):
            if time.monotonic() >= until:
                return
            started = time.perf_counter()
            try:
                response = client.get(path, headers={"Accept": "application/sparql-results+json"})
            except httpx.HTTPError as error:
                tally.error(type(error).__name__)
                continue
            if response.status_code == 200:
                tally.ok(time.perf_counter() - started)
            else:
                tally.error(f"HTTP {response.status_code}")


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def start_server(folder, port: int) -> subprocess.Popen:
    """`kg serve` on 127.0.0.1:port, waited for until it answers."""
    import httpx

    command = [str(Path(sys.executable).parent / "kg"), "--store", str(folder), "serve",
               "--host", "127.0.0.1", "--port", str(port), "--timeout", str(SERVER_TIMEOUT)]
    server = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"kg serve exited: {server.stderr.read().decode()[-300:]}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/queries", timeout=2).status_code == 200:
                return server
        except httpx.HTTPError:
            time.sleep(0.3)
    server.kill()
    raise RuntimeError("kg serve did not answer within 60 s")


def run(context: Context) -> list[Table]:
    import httpx
    import pyoxigraph as ox

    from kg.query import named_queries

    loaded = context.store(context.scale)
    store = ox.Store.read_only(str(loaded.folder))
    params = default_params(store)
    del store
    slow_named = context.slow_named_queries or set()
    chosen = ("all the named queries (the query section did not run)" if context.slow_named_queries is None
              else f"the named queries that ran under {SLOW_FOR_ENDPOINT:g} s in the query section")
    paths = [f"/queries/{name}?" + "&".join(f"{k}={quote(v)}" for k, v in params[name].items())
             for name in named_queries() if name not in slow_named]
    table = Table(
        f"Endpoint at {context.scale:,} events: {CLIENTS} clients for {context.endpoint_seconds:.0f} s",
        f"`kg serve --timeout {SERVER_TIMEOUT:g}` (default 2 query workers) on 127.0.0.1; {CLIENTS} "
        f"threads with an httpx client each, looping over {chosen} ({len(paths)}), as "
        "`/queries/NAME?params`, JSON results. "
        f"Meanwhile a cross-product query is sent to /sparql three times: it must be stopped at the "
        "timeout while the other clients keep being answered.")
    port = free_port()
    server = start_server(loaded.folder, port)
    base = f"http://127.0.0.1:{port}"
    try:
        tally = Tally()
        started = time.monotonic()
        until = started + context.endpoint_seconds
        clients = [threading.Thread(target=_client, args=(base, paths, i, until, tally))
                   for i in range(CLIENTS)]
        for client in clients:
            client.start()
        # The slow query, three times, spread over the run.
        slow: list[tuple[float, int, float, float]] = []  # (seconds, status, sent at, answered at)
        with httpx.Client(base_url=base, timeout=SERVER_TIMEOUT * 6) as slow_client:
            for _ in range(3):
                time.sleep(min(3.0, context.endpoint_seconds / 6))
                sent = time.monotonic()
                try:
                    response = slow_client.get("/sparql", params={"query": SLOW_QUERY})
                    status = response.status_code
                except httpx.HTTPError:
                    status = 0
                slow.append((time.monotonic() - sent, status, sent, time.monotonic()))
                if time.monotonic() > until - SERVER_TIMEOUT:
                    break
        for client in clients:
            client.join()
        elapsed = time.monotonic() - started
    finally:
        stop(server)

    answered = len(tally.latencies)
    errors = sum(tally.errors.values())
    table.add("requests answered per second", f"{answered / elapsed:,.1f}/s",
              note=f"{answered:,} answered in {elapsed:.1f} s")
    if tally.latencies:
        table.add("latency p50", seconds(statistics.median(tally.latencies)))
        table.add("latency p99", seconds(_percentile(tally.latencies, 0.99)))
    table.add("errors", str(errors), "0",
              note=", ".join(f"{kind}: {count}" for kind, count in sorted(tally.errors.items())) or "none")
    for i, (took, status, sent, done) in enumerate(slow, 1):
        during = sum(1 for t in tally.answered_at if sent <= t <= done)
        verdict = "stopped" if status in (503, 504) else f"HTTP {status}"
        table.add(f"slow query {i}: {verdict}", seconds(took), f"~{SERVER_TIMEOUT:g} s timeout",
                  f"{took / SERVER_TIMEOUT:.2f}x",
                  f"{during} other requests answered meanwhile ({during / took:,.1f}/s)")
    return [table]
