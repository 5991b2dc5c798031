"""Serve the store: a SPARQL 1.1 Protocol endpoint, Graph Store Protocol reads, a query page.

Safe by default: loopback only, read-only (updates are refused), no federated SERVICE calls, a
row cap and a query timeout. Oxigraph cannot cancel a running query, so queries run in worker
processes that each hold the store open read-only; a worker that overruns the timeout is killed
and replaced while the others go on answering.

Routes live in `routes()`; add entity pages there.
"""

from __future__ import annotations

import contextlib
import pickle
import queue
import select
import struct
import subprocess
import sys
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, JSONResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from kg.errors import KGError, QueryError, StoreError
from kg.query import GRAPH_FORMATS, RESULT_FORMATS, GraphResult, bind, named_queries, named_query

STATIC = Path(__file__).resolve().parent / "static"

RESULT_MEDIA = {
    "json": "application/sparql-results+json",
    "xml": "application/sparql-results+xml",
    "csv": "text/csv",
    "tsv": "text/tab-separated-values",
}
GRAPH_MEDIA = {
    "turtle": "text/turtle",
    "nt": "application/n-triples",
    "jsonld": "application/ld+json",
    "trig": "application/trig",
    "rdfxml": "application/rdf+xml",
}
# Media types clients send that mean one of ours.
MEDIA_ALIASES = {"application/json": "json", "application/xml": "xml", "text/xml": "xml",
                 "text/plain": "nt", "application/x-turtle": "turtle"}


def codemirror_folder() -> Path | None:
    """Where `make web-deps` installed CodeMirror (npm), or KG_WEB_ASSETS/codemirror; None if absent."""
    import os

    candidates = []
    if os.environ.get("KG_WEB_ASSETS"):
        candidates.append(Path(os.environ["KG_WEB_ASSETS"]) / "codemirror")
    candidates.append(Path(__file__).resolve().parent.parent / ".web" / "node_modules" / "codemirror")
    return next((path for path in candidates if (path / "lib" / "codemirror.js").exists()), None)


# --- content negotiation ------------------------------------------------------------------------


def accepted_formats(accept: str, explicit: str | None = None) -> list[str]:
    """Our format keys in the client's order of preference (an explicit `format=` first)."""
    keys: list[str] = []
    if explicit:
        explicit = explicit.lower()
        key = explicit if explicit in RESULT_MEDIA or explicit in GRAPH_MEDIA else _media_key(explicit)
        if key is None:
            raise QueryError(f"unknown format {explicit!r}")
        keys.append(key)
    ranked = []
    for position, part in enumerate(accept.split(",")):
        media, *options = (piece.strip() for piece in part.split(";"))
        weight = 1.0
        for option in options:
            if option.startswith("q="):
                try:
                    weight = float(option[2:])
                except ValueError:
                    weight = 0.0
        ranked.append((-weight, position, media.lower()))
    for _, _, media in sorted(ranked):
        key = _media_key(media)
        if key and key not in keys:
            keys.append(key)
    return keys


def _media_key(media: str) -> str | None:
    for key, value in (*RESULT_MEDIA.items(), *GRAPH_MEDIA.items()):
        if value == media:
            return key
    return MEDIA_ALIASES.get(media)


# --- worker processes -----------------------------------------------------------------------------


@dataclass
class Job:
    """One query for a worker: already bound, with the formats the client accepts."""

    sparql: str
    formats: list[str]
    default_graph: list[str] | None = None
    named_graphs: list[str] | None = None


def _send(stream, message: object) -> None:
    data = pickle.dumps(message)
    stream.write(struct.pack(">Q", len(data)) + data)
    stream.flush()


def _receive(stream) -> Any:
    header = stream.read(8)
    if len(header) < 8:
        raise EOFError
    (size,) = struct.unpack(">Q", header)
    return pickle.loads(stream.read(size))


def worker_loop(store_path: str, max_rows: int) -> None:
    """A worker process (`python -m kg.serve STORE MAX_ROWS`): open the store read-only once,
    then answer jobs from stdin on stdout until stdin closes."""
    from kg.query import open_graph

    requests, replies = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr  # nothing else may write into the reply stream
    graph = open_graph(store_path, read_only=True)
    while True:
        try:
            job = _receive(requests)
        except EOFError:
            return
        try:
            result = graph.run(job.sparql, max_rows=max_rows, default_graph=job.default_graph,
                               named_graphs=job.named_graphs)
            if isinstance(result, GraphResult):
                key = next((k for k in job.formats if k in GRAPH_FORMATS), "turtle")
                media = GRAPH_MEDIA[key]
            else:
                key = next((k for k in job.formats if k in RESULT_FORMATS), "json")
                media = RESULT_MEDIA[key]
            truncated = bool(getattr(result, "truncated", False))
            _send(replies, ("ok", media, result.serialize(key), truncated))
        except KGError as error:
            _send(replies, ("error", type(error).__name__, str(error), error.http_status))
        except Exception as error:  # a worker must survive any one bad query
            _send(replies, ("error", "QueryError", f"query failed: {error}", 500))


class QueryTimeout(KGError):
    http_status = 503


class _Worker:
    """A worker process; plain subprocess pipes, so it works from scripts and notebooks alike."""

    def __init__(self, store_path: str, max_rows: int) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "kg.serve", store_path, str(max_rows)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        )

    def ask(self, job: Job, timeout: float) -> tuple | None:
        """The worker's answer, or None if it did not come within `timeout` seconds."""
        _send(self.process.stdin, job)
        ready, _, _ = select.select([self.process.stdout], [], [], timeout)
        if not ready:
            return None
        return _receive(self.process.stdout)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(timeout=5)
        for stream in (self.process.stdin, self.process.stdout):
            with contextlib.suppress(OSError):
                stream.close()


class QueryPool:
    """A few worker processes that run queries with a timeout."""

    def __init__(self, store_path: str | Path, size: int = 2, timeout: float = 30.0,
                 max_rows: int = 10_000) -> None:
        from kg.store import Store

        Store.open(store_path, read_only=True)  # a missing store fails here, not in each worker
        self.store_path = str(store_path)
        self.timeout = timeout
        self.max_rows = max_rows
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._all: list[_Worker] = []
        self._lock = threading.Lock()
        for _ in range(size):
            self._idle.put(self._start())

    def _start(self) -> _Worker:
        worker = _Worker(self.store_path, self.max_rows)
        with self._lock:
            self._all.append(worker)
        return worker

    def _replace(self, worker: _Worker) -> None:
        worker.stop()
        with self._lock:
            self._all.remove(worker)
        self._idle.put(self._start())

    def run(self, job: Job) -> tuple:
        """Run a job in an idle worker; QueryTimeout if it takes longer than the timeout."""
        try:
            worker = self._idle.get(timeout=self.timeout)
        except queue.Empty:
            raise QueryTimeout(f"the server is busy: no query slot came free in {self.timeout:g} s") from None
        try:
            answer = worker.ask(job, self.timeout)
        except (EOFError, OSError, pickle.UnpicklingError):
            self._replace(worker)
            raise StoreError("the query worker stopped unexpectedly") from None
        if answer is None:
            self._replace(worker)
            raise QueryTimeout(f"the query did not finish in {self.timeout:g} s and was stopped")
        self._idle.put(worker)
        return answer

    def close(self) -> None:
        with self._lock:
            workers, self._all = self._all, []
        for worker in workers:
            worker.stop()


# --- the app --------------------------------------------------------------------------------------


def _error(status: int, message: str) -> PlainTextResponse:
    return PlainTextResponse(message + "\n", status_code=status)


async def _answer(request: Request, sparql: str, explicit_format: str | None = None,
                  default_graph: list[str] | None = None, named_graphs: list[str] | None = None) -> Response:
    pool: QueryPool = request.app.state.pool
    try:
        formats = accepted_formats(request.headers.get("accept", ""), explicit_format)
        job = Job(sparql, formats, default_graph or None, named_graphs or None)
        answer = await run_in_threadpool(pool.run, job)
    except KGError as error:
        return _error(error.http_status, str(error))
    if answer[0] == "error":
        _, _kind, message, status = answer
        return _error(status, message)
    _, media, body, truncated = answer
    headers = {"X-KG-Truncated": "true"} if truncated else {}
    return Response(body, media_type=media, headers=headers)


async def sparql_endpoint(request: Request) -> Response:
    """SPARQL 1.1 Protocol: GET ?query=, POST form, POST application/sparql-query."""
    params = request.query_params
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    query = params.get("query")
    default_graph = params.getlist("default-graph-uri")
    named_graph = params.getlist("named-graph-uri")
    if request.method == "POST":
        if content_type == "application/sparql-update":
            return _error(403, "this endpoint is read-only: SPARQL Update is not accepted")
        if content_type == "application/sparql-query":
            query = (await request.body()).decode("utf-8", errors="replace")
        elif content_type == "application/x-www-form-urlencoded":
            form = parse_qs((await request.body()).decode("utf-8", errors="replace"), keep_blank_values=True)
            if "update" in form:
                return _error(403, "this endpoint is read-only: SPARQL Update is not accepted")
            query = form.get("query", [query])[0]
            default_graph += form.get("default-graph-uri", [])
            named_graph += form.get("named-graph-uri", [])
        else:
            return _error(415, f"unsupported content type {content_type!r}: "
                               "send application/x-www-form-urlencoded or application/sparql-query")
    if "update" in params:
        return _error(403, "this endpoint is read-only: SPARQL Update is not accepted")
    if not query:
        return _error(400, "missing the 'query' parameter")
    return await _answer(request, str(query), params.get("format"), default_graph, named_graph)


async def named_endpoint(request: Request) -> Response:
    """`/queries/NAME?param=value`: a bundled named query with its parameters bound."""
    name = request.path_params["name"]
    values = {k: v for k, v in request.query_params.items() if k != "format"}
    try:
        query = named_query(name)
        sparql = bind(query.text, query.bindings(values))
    except QueryError as error:
        status = 404 if "no named query" in str(error) else 400
        return _error(status, str(error))
    return await _answer(request, sparql, request.query_params.get("format"))


async def named_list(request: Request) -> JSONResponse:
    """The named queries, their descriptions, parameters and text (the page's examples)."""
    return JSONResponse([
        {"name": q.name, "description": q.description, "text": q.text,
         "params": [{"name": p.name, "type": p.type, "optional": p.optional, "doc": p.doc} for p in q.params]}
        for q in named_queries().values()
    ])


async def graph_store(request: Request) -> Response:
    """Graph Store Protocol, reads only: `?graph=IRI` (one named graph) or `?default` (the union)."""
    if request.method != "GET" and request.method != "HEAD":
        return _error(405, "this endpoint is read-only: the Graph Store Protocol answers GET only")
    params = request.query_params
    if "default" in params:
        sparql = "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }"
    elif params.get("graph"):
        iri = params["graph"]
        parts = urlsplit(iri)
        if not parts.scheme or any(c in iri for c in '<>"{}|^`\\ '):
            return _error(400, f"not an IRI: {iri!r}")
        sparql = f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{iri}> {{ ?s ?p ?o }} }}"
    else:
        return _error(400, "give ?graph=IRI or ?default")
    response = await _answer(request, sparql, params.get("format"))
    if response.status_code == 200 and "graph" in params and not response.body.strip(b" \n"):
        return _error(404, f"no graph {params['graph']} in this store")
    media = response.headers.get("content-type", "")
    if response.status_code == 200 and media.startswith("application/sparql"):
        return _error(406, "ask for an RDF format (Turtle, N-Triples, JSON-LD, TriG)")
    return response


async def entity(request: Request) -> Response:
    """`/entity/person/fumio-kishida` (a key path), `/entity/Kishida` (a label or alias) or
    `/entity/{IRI}`: the entity page of kg.render (its events in time order, its ego network)."""
    from kg.render import entity_page_in

    try:
        html = await run_in_threadpool(entity_page_in, request.app.state.store_path,
                                       request.path_params["reference"])
    except KGError as error:
        return _error(error.http_status, str(error))
    return HTMLResponse(html)


async def page(request: Request) -> Response:
    return FileResponse(STATIC / "index.html", media_type="text/html")


def routes(codemirror: Path | None = None) -> list[BaseRoute]:
    """The route table; entity pages and other views append to it."""
    table: list[BaseRoute] = [
        Route("/", page),
        Route("/sparql", sparql_endpoint, methods=["GET", "POST"]),
        Route("/queries", named_list),
        Route("/queries/{name}", named_endpoint),
        Route("/rdf-graphs", graph_store, methods=["GET", "HEAD", "PUT", "POST", "DELETE"]),
        Route("/entity/{reference:path}", entity),
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
    ]
    if codemirror is not None:
        table.append(Mount("/vendor/codemirror", StaticFiles(directory=codemirror), name="codemirror"))
    return table


def _closing(pool: QueryPool):
    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette):
        yield
        pool.close()

    return lifespan


def create_app(store_path: str | Path, *, timeout: float = 30.0, max_rows: int = 10_000,
               workers: int = 2, extra_routes: list[BaseRoute] | None = None) -> Starlette:
    """The ASGI app serving the store in `store_path`."""
    pool = QueryPool(store_path, size=workers, timeout=timeout, max_rows=max_rows)
    app = Starlette(
        routes=[*routes(codemirror_folder()), *(extra_routes or [])],
        middleware=[Middleware(CORSMiddleware, allow_origins=["*"], allow_methods=["GET", "POST"],
                               allow_headers=["*"], expose_headers=["X-KG-Truncated"])],
        lifespan=_closing(pool),
    )
    app.state.pool = pool
    app.state.store_path = str(store_path)
    return app


def get(app: Starlette, path: str,
        headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    """Answer one GET request in-process, without a socket: (status, headers, body)."""
    import asyncio

    target = urlsplit(path)
    scope: dict[str, Any] = {
        "type": "http", "http_version": "1.1", "method": "GET", "scheme": "http",
        "path": target.path or "/", "raw_path": (target.path or "/").encode(),
        "query_string": target.query.encode(), "root_path": "",
        "headers": [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()],
        "client": ("127.0.0.1", 0), "server": ("127.0.0.1", 0),
    }
    status = 500
    response_headers: dict[str, str] = {}
    chunks: list[bytes] = []

    async def answer() -> None:
        finished = asyncio.Event()
        requested = False

        async def receive() -> dict:
            nonlocal requested
            if not requested:
                requested = True
                return {"type": "http.request", "body": b"", "more_body": False}
            await finished.wait()  # the client "disconnects" once the response is complete
            return {"type": "http.disconnect"}

        async def send(message: dict) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                response_headers.update((k.decode(), v.decode()) for k, v in message.get("headers", []))
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
                if not message.get("more_body"):
                    finished.set()

        await app(scope, receive, send)

    asyncio.run(answer())
    return status, response_headers, b"".join(chunks)


def serve(store_path: str | Path, host: str = "127.0.0.1", port: int = 7878, *, timeout: float = 30.0,
          max_rows: int = 10_000, workers: int = 2) -> None:
    """Run the server until interrupted."""
    import uvicorn

    app = create_app(store_path, timeout=timeout, max_rows=max_rows, workers=workers)
    try:
        uvicorn.run(app, host=host, port=port, log_level="warning")
    finally:
        app.state.pool.close()


if __name__ == "__main__":
    worker_loop(sys.argv[1], int(sys.argv[2]))
