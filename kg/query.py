"""SPARQL over the store or a remote endpoint: parameters, named queries, result formats.

Parameters are bound by a VALUES block that this module writes into the query's WHERE group
from escaped RDF terms, never by pasting user text into the query, so the same bound query runs
locally (pyoxigraph) and on any SPARQL 1.1 endpoint.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from kg.errors import QueryError, StoreError
from kg.iri import PREFIXES
from kg.resources import resource

XSD = "http://www.w3.org/2001/XMLSchema#"
# What names a node in a table: entities have rdfs:label, concepts skos:prefLabel, digests a title.
LABEL_PROPERTIES = ("<http://www.w3.org/2000/01/rdf-schema#label>|<http://www.w3.org/2004/02/skos/core#prefLabel>"
                    "|<http://purl.org/dc/terms/title>")

RESULT_FORMATS: dict[str, ox.QueryResultsFormat] = {
    "json": ox.QueryResultsFormat.JSON,
    "xml": ox.QueryResultsFormat.XML,
    "csv": ox.QueryResultsFormat.CSV,
    "tsv": ox.QueryResultsFormat.TSV,
}
GRAPH_FORMATS: dict[str, ox.RdfFormat] = {
    "turtle": ox.RdfFormat.TURTLE,
    "nt": ox.RdfFormat.N_TRIPLES,
    "jsonld": ox.RdfFormat.JSON_LD,
    "trig": ox.RdfFormat.TRIG,
    "rdfxml": ox.RdfFormat.RDF_XML,
}
PREFIX_IRIS = {name: str(namespace) for name, namespace in PREFIXES.items()}


# --- a small SPARQL lexer: enough to find the WHERE group and SERVICE keywords ---------------

_LEXEMES = re.compile(
    r"""(?P<comment>\#[^\n]*)
      | (?P<string>'''(?:[^'\\]|\\.|'(?!''))*'''|\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"
                   |'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*")
      | (?P<iri><[^<>"{}|^`\\\s]*>)
      | (?P<var>[?$][A-Za-z0-9_\u00b7\u00c0-\uffff]+)
      | (?P<word>[A-Za-z_][A-Za-z0-9_\-]*(?::[^\s{}()<>,;]*)?)
      | (?P<brace>[{}])
      | (?P<other>\S)""",
    re.VERBOSE,
)


@dataclass(frozen=True)
class _Token:
    kind: str
    text: str
    start: int


def _tokens(sparql: str) -> Iterator[_Token]:
    for match in _LEXEMES.finditer(sparql):
        kind = match.lastgroup or "other"
        if kind != "comment":
            yield _Token(kind, match.group(), match.start())


def uses_service(sparql: str) -> bool:
    """True if the query asks for a federated SERVICE call (outside strings and comments)."""
    return any(t.kind == "word" and t.text.upper() == "SERVICE" for t in _tokens(sparql))


def _where_braces(sparql: str) -> list[int]:
    """Offsets just after each '{' that opens a WHERE group (the query's and its subqueries')."""
    tokens = list(_tokens(sparql))
    after_where = [
        token.start + 1 for previous, token in itertools.pairwise(tokens)
        if token.text == "{" and previous.kind == "word" and previous.text.upper() == "WHERE"
    ]
    if after_where:
        return after_where
    # `SELECT * { ... }` and `ASK { ... }` may leave out the keyword: the first group is the WHERE.
    if any(t.kind == "word" and t.text.upper() in ("CONSTRUCT", "DESCRIBE") for t in tokens):
        raise QueryError("cannot bind parameters: the query has no WHERE group")
    first = next((t.start + 1 for t in tokens if t.text == "{"), None)
    if first is None:
        raise QueryError("cannot bind parameters: the query has no WHERE group")
    return [first]


def with_prefixes(sparql: str) -> str:
    """The query with the project's usual prefixes declared first (the local store predeclares
    them; a remote endpoint may not). A declaration in the query itself still wins."""
    declarations = "".join(f"PREFIX {name}: <{iri}>\n" for name, iri in PREFIX_IRIS.items())
    return declarations + sparql


def term_sparql(term: ox.NamedNode | ox.Literal) -> str:
    """The term in SPARQL syntax; pyoxigraph writes N-Triples, whose escapes SPARQL accepts."""
    return str(term)


def bind(sparql: str, bindings: Mapping[str, ox.NamedNode | ox.Literal]) -> str:
    """The query with `VALUES (?a ?b) { (ta tb) }` opening its WHERE group and those of its
    subqueries, so a parameter means the same value everywhere in the query (as SEP-0007
    substitution would), on any SPARQL 1.1 store."""
    if not bindings:
        return sparql
    for name in bindings:
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
            raise QueryError(f"not a SPARQL variable name: {name!r}")
    variables = " ".join(f"?{name}" for name in bindings)
    values = " ".join(term_sparql(term) for term in bindings.values())
    block = f" VALUES ({variables}) {{ ({values}) }}"
    for at in reversed(_where_braces(sparql)):
        sparql = sparql[:at] + block + sparql[at:]
    return sparql


# --- named queries ----------------------------------------------------------------------------

PARAM_TYPES = ("string", "date", "month", "integer", "iri")


@dataclass(frozen=True)
class Param:
    """A parameter a named query declares: `# param NAME (TYPE[, optional]): what it means`."""

    name: str
    type: str = "string"
    optional: bool = False
    doc: str = ""

    def term(self, value: Any) -> ox.NamedNode | ox.Literal:
        """The value as an RDF term of this parameter's type; QueryError if it is not one."""
        text = str(value).strip()
        problem = f"parameter {self.name}={text!r}"
        if self.type == "string":
            return ox.Literal(str(value))
        if self.type == "iri":
            if not re.fullmatch(r"[A-Za-z][A-Za-z0-9+.\-]*:[^<>\"{}|^`\\\s]+", text):
                raise QueryError(f"{problem} is not an absolute IRI")
            return ox.NamedNode(text)
        if self.type == "integer":
            if not re.fullmatch(r"[+-]?\d+", text):
                raise QueryError(f"{problem} is not an integer")
            return ox.Literal(str(int(text)), datatype=ox.NamedNode(XSD + "integer"))
        if self.type == "date":
            try:
                dt.date.fromisoformat(text)
            except ValueError:
                raise QueryError(f"{problem} is not a date (YYYY-MM-DD)") from None
            return ox.Literal(text, datatype=ox.NamedNode(XSD + "date"))
        if self.type == "month":
            if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", text):
                raise QueryError(f"{problem} is not a month (YYYY-MM)")
            return ox.Literal(text, datatype=ox.NamedNode(XSD + "gYearMonth"))
        raise QueryError(f"{problem}: unknown parameter type {self.type!r}")


@dataclass(frozen=True)
class NamedQuery:
    """A bundled researcher question: `data/queries/NAME.rq`."""

    name: str
    description: str
    text: str
    params: tuple[Param, ...] = field(default_factory=tuple)

    def bindings(self, values: Mapping[str, Any]) -> dict[str, ox.NamedNode | ox.Literal]:
        """Check the given values against the declared parameters and make them terms."""
        declared = {p.name: p for p in self.params}
        unknown = sorted(set(values) - set(declared))
        if unknown:
            known = ", ".join(declared) or "none"
            raise QueryError(f"query {self.name} has no parameter {', '.join(unknown)} (parameters: {known})")
        missing = [p.name for p in self.params if not p.optional and values.get(p.name) in (None, "")]
        if missing:
            raise QueryError(f"query {self.name} needs --param {missing[0]}=... ({declared[missing[0]].doc})")
        return {
            name: declared[name].term(value) for name, value in values.items() if value not in (None, "")
        }


_PARAM_LINE = re.compile(r"#\s*param\s+([A-Za-z_]\w*)\s*\(([^)]*)\)\s*:?\s*(.*)")


def parse_named(name: str, text: str, source: str = "") -> NamedQuery:
    """Read a named query file: a `# description` first line, then `# param` lines."""
    lines = text.splitlines()
    if not lines or not lines[0].startswith("#"):
        raise QueryError(f"{source or name}: a named query starts with a '# description' line")
    description = lines[0].lstrip("#").strip()
    params = []
    for line in lines[1:]:
        if not line.startswith("#"):
            break
        match = _PARAM_LINE.match(line)
        if match:
            options = [part.strip() for part in match.group(2).split(",")]
            kind = options[0] or "string"
            if kind not in PARAM_TYPES:
                raise QueryError(f"{source or name}: parameter {match.group(1)} has unknown type {kind!r}")
            params.append(Param(match.group(1), kind, "optional" in options[1:], match.group(3).strip()))
    return NamedQuery(name, description, text, tuple(params))


@cache
def named_queries() -> dict[str, NamedQuery]:
    """The bundled named queries by name."""
    folder = resource("data", "queries")
    return {
        path.stem: parse_named(path.stem, path.read_text(encoding="utf-8"), str(path))
        for path in sorted(folder.glob("*.rq"))
    }


def named_query(name: str) -> NamedQuery:
    """One bundled named query; QueryError listing the names if there is no such query."""
    queries = named_queries()
    if name not in queries:
        raise QueryError(f"no named query {name!r}; `kg queries` lists them: {', '.join(queries)}")
    return queries[name]


# --- results ----------------------------------------------------------------------------------

Term = ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple


def python_value(term: Term | None) -> Any:
    """A result term as a Python value: IRIs as plain strings, typed literals as numbers/dates."""
    if term is None:
        return None
    if isinstance(term, ox.NamedNode):
        return term.value
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    if isinstance(term, ox.Triple):
        return str(term)
    datatype = term.datatype.value if term.datatype else ""
    text = term.value
    try:
        if datatype in (XSD + "integer", XSD + "int", XSD + "long", XSD + "nonNegativeInteger"):
            return int(text)
        if datatype == XSD + "decimal":
            return Decimal(text)
        if datatype in (XSD + "double", XSD + "float"):
            return float(text)
        if datatype == XSD + "boolean":
            return text in ("true", "1")
        if datatype == XSD + "date":
            return dt.date.fromisoformat(text)
        if datatype == XSD + "dateTime":
            return dt.datetime.fromisoformat(text)
    except ValueError:
        pass
    return text


class Row(tuple):
    """One result row: a tuple of Python values that also answers `row.name` and `row["name"]`."""

    variables: tuple[str, ...] = ()

    def __new__(cls, variables: tuple[str, ...], values: Iterable[Any]) -> Row:
        row = super().__new__(cls, values)
        row.variables = variables
        return row

    def __getattr__(self, name: str) -> Any:
        try:
            return self[self.variables.index(name)]
        except ValueError:
            raise AttributeError(name) from None

    def __getitem__(self, key):  # type: ignore[override]
        if isinstance(key, str):
            try:
                return tuple.__getitem__(self, self.variables.index(key))
            except ValueError:
                raise KeyError(key) from None
        return tuple.__getitem__(self, key)

    def asdict(self) -> dict[str, Any]:
        return dict(zip(self.variables, self, strict=True))

    def __repr__(self) -> str:
        return "Row(" + ", ".join(f"{k}={v!r}" for k, v in zip(self.variables, self, strict=True)) + ")"


def _term_json(term: Term) -> dict:
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, ox.Triple):
        return {"type": "triple", "value": {
            "subject": _term_json(term.subject), "predicate": _term_json(term.predicate),
            "object": _term_json(term.object)}}
    value: dict[str, str] = {"type": "literal", "value": term.value}
    if term.language:
        value["xml:lang"] = term.language
    elif term.datatype and term.datatype.value != XSD + "string":
        value["datatype"] = term.datatype.value
    return value


class SelectResult:
    """The rows of a SELECT query (materialized), in every W3C result format."""

    def __init__(self, variables: list[str], rows: list[tuple[Term | None, ...]], truncated: bool = False):
        self.variables = tuple(variables)
        self.terms = rows
        self.truncated = truncated

    @classmethod
    def from_solutions(cls, solutions: ox.QuerySolutions, max_rows: int | None = None) -> SelectResult:
        variables = [v.value for v in solutions.variables]
        rows = []
        truncated = False
        for solution in solutions:
            if max_rows is not None and len(rows) >= max_rows:
                truncated = True
                break
            rows.append(tuple(solution[name] for name in variables))
        return cls(variables, rows, truncated)

    def __len__(self) -> int:
        return len(self.terms)

    def __iter__(self) -> Iterator[Row]:
        for terms in self.terms:
            yield Row(self.variables, (python_value(t) for t in terms))

    @property
    def rows(self) -> list[Row]:
        return list(self)

    def __repr__(self) -> str:
        return f"<SelectResult {len(self)} rows: {', '.join(self.variables)}>"

    def to_json(self) -> dict:
        bindings = [
            {name: _term_json(term) for name, term in zip(self.variables, row, strict=True)
             if term is not None}
            for row in self.terms
        ]
        return {"head": {"vars": list(self.variables)}, "results": {"bindings": bindings}}

    def serialize(self, format: str = "json") -> bytes:
        """The rows in a W3C SPARQL results format (json, xml, csv, tsv), as pyoxigraph writes it."""
        if format not in RESULT_FORMATS:
            raise QueryError(f"unknown result format {format!r}; use one of {', '.join(RESULT_FORMATS)}")
        document = json.dumps(self.to_json()).encode()
        solutions = ox.parse_query_results(document, ox.QueryResultsFormat.JSON)
        return solutions.serialize(format=RESULT_FORMATS[format])

    def to_dataframe(self):
        """The rows as a pandas DataFrame (needs the `pandas` extra)."""
        try:
            import pandas as pd
        except ImportError as error:
            raise QueryError("to_dataframe needs pandas: pip install 'alliance-kg[pandas]'") from error
        return pd.DataFrame([tuple(row) for row in self], columns=list(self.variables))


class AskResult:
    def __init__(self, answer: bool):
        self.answer = bool(answer)

    def __bool__(self) -> bool:
        return self.answer

    def __repr__(self) -> str:
        return f"<AskResult {self.answer}>"

    def serialize(self, format: str = "json") -> bytes:
        if format not in RESULT_FORMATS:
            raise QueryError(f"unknown result format {format!r}; use one of {', '.join(RESULT_FORMATS)}")
        document = json.dumps({"head": {}, "boolean": self.answer}).encode()
        return ox.parse_query_results(document, ox.QueryResultsFormat.JSON).serialize(
            format=RESULT_FORMATS[format])


class GraphResult:
    """The triples of a CONSTRUCT or DESCRIBE query."""

    def __init__(self, triples: list[ox.Triple], truncated: bool = False):
        self.triples = triples
        self.truncated = truncated

    def __len__(self) -> int:
        return len(self.triples)

    def __iter__(self) -> Iterator[ox.Triple]:
        return iter(self.triples)

    def __repr__(self) -> str:
        return f"<GraphResult {len(self)} triples>"

    def serialize(self, format: str = "turtle") -> bytes:
        """The triples as turtle, nt, jsonld, trig or rdfxml."""
        if format not in GRAPH_FORMATS:
            raise QueryError(f"unknown graph format {format!r}; use one of {', '.join(GRAPH_FORMATS)}")
        rdf_format = GRAPH_FORMATS[format]
        prefixes = PREFIX_IRIS if rdf_format in (ox.RdfFormat.TURTLE, ox.RdfFormat.TRIG) else None
        if rdf_format == ox.RdfFormat.TRIG:  # TriG writes quads: the triples in the default graph
            triples: Iterable = (ox.Quad(t.subject, t.predicate, t.object, ox.DefaultGraph()) for t in self)
        else:
            triples = self.triples
        return ox.serialize(triples, format=rdf_format, prefixes=prefixes)

    def to_rdflib(self):
        """The triples as an rdflib Graph."""
        import rdflib

        graph = rdflib.Graph()
        for prefix, namespace in PREFIX_IRIS.items():
            graph.bind(prefix, namespace)
        graph.parse(data=self.serialize("nt").decode(), format="nt")
        return graph


Result = SelectResult | AskResult | GraphResult


def _syntax_error(error: Exception, sparql: str) -> QueryError:
    message = str(error)
    match = re.search(r"(\d+):(\d+)", message)
    if match:
        # Oxigraph reports the column just past the offending character; point at the character.
        line, column = int(match.group(1)), max(1, int(match.group(2)) - 1)
        return QueryError(f"SPARQL syntax error at line {line}, column {column}: "
                          f"{message.split(': ', 1)[-1]}", line, column)
    return QueryError(f"SPARQL syntax error: {message}")


def _label_query(iris: list[str]) -> str:
    values = " ".join(f"<{iri}>" for iri in iris)
    return (
        "SELECT ?s (SAMPLE(?l) AS ?label) WHERE { VALUES ?s { " + values + " } "
        f"?s {LABEL_PROPERTIES} ?l }} GROUP BY ?s"
    )


class _Queryable:
    """What a local store and a remote endpoint share: named queries, labels."""

    def run(self, sparql: str, *, max_rows: int | None = None) -> Result:
        raise NotImplementedError

    def query(self, sparql: str, params: Mapping[str, Any] | None = None, *,
              max_rows: int | None = None, **named_params: Any) -> Result:
        """Run a SPARQL query; keyword arguments bind variables of the same name (as strings,
        or pass pyoxigraph terms)."""
        values = {**(params or {}), **named_params}
        bindings = {
            name: value if isinstance(value, (ox.NamedNode, ox.Literal)) else _python_term(value)
            for name, value in values.items() if value is not None
        }
        return self.run(bind(sparql, bindings), max_rows=max_rows)

    def named(self, name: str, *, max_rows: int | None = None, **params: Any) -> Result:
        """Run a bundled named query with its declared parameters, e.g.
        `g.named("timeline-of-person", person="Kishida")`."""
        query = named_query(name)
        return self.run(bind(query.text, query.bindings(params)), max_rows=max_rows)

    def labels(self, iris: Iterable[str]) -> dict[str, str]:
        """rdfs:label (or skos:prefLabel) of each IRI that has one."""
        wanted = sorted({str(iri) for iri in iris if _is_plain_iri(str(iri))})
        found: dict[str, str] = {}
        for start in range(0, len(wanted), 500):
            result = self.run(_label_query(wanted[start:start + 500]))
            assert isinstance(result, SelectResult)
            for subject, label in result.terms:
                if subject is not None and label is not None:
                    found[subject.value] = label.value
        return found

    def table(self, result: Result) -> str:
        """The result as an aligned text table, labels in place of IRIs."""
        if not isinstance(result, SelectResult):
            raise QueryError("only SELECT results make a table")
        iris = [t.value for row in result.terms for t in row if isinstance(t, ox.NamedNode)]
        return format_table(result, self.labels(iris))

    def to_networkx(self, result: Result | Any, **options: Any):
        """A networkx graph from a SELECT result or a selection; labels looked up here."""
        return to_networkx(result, labeler=self.labels, **options)


def _first_unique(items: Iterable, count: int) -> dict:
    seen: dict = {}
    for item in items:
        seen.setdefault(item, None)
        if len(seen) >= count:
            break
    return seen


def _is_plain_iri(value: str) -> bool:
    return re.fullmatch(r"[A-Za-z][A-Za-z0-9+.\-]*:[^<>\"{}|^`\\\s]*", value) is not None


def _python_term(value: Any) -> ox.NamedNode | ox.Literal:
    from rdflib import URIRef

    if isinstance(value, URIRef):
        return ox.NamedNode(str(value))
    if isinstance(value, bool):
        return ox.Literal(str(value).lower(), datatype=ox.NamedNode(XSD + "boolean"))
    if isinstance(value, int):
        return ox.Literal(str(value), datatype=ox.NamedNode(XSD + "integer"))
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return ox.Literal(value.isoformat(), datatype=ox.NamedNode(XSD + "date"))
    return ox.Literal(str(value))


class KnowledgeGraph(_Queryable):
    """SPARQL over a pyoxigraph store whose default graph is the union of the digest graphs."""

    def __init__(self, store: Any, path: str | Path | None = None):
        """`store`: a `kg.store.Store` or a bare `pyoxigraph.Store`."""
        self.store = store
        self.oxigraph: ox.Store = getattr(store, "oxigraph", store)
        self.path = Path(path) if path else getattr(store, "path", None)

    def __repr__(self) -> str:
        return f"<KnowledgeGraph {self.path or 'in memory'}>"

    def run(self, sparql: str, *, max_rows: int | None = None, default_graph: list[str] | None = None,
            named_graphs: list[str] | None = None) -> Result:
        """Run a query as written; `default_graph` / `named_graphs` narrow the dataset (IRIs)."""
        if uses_service(sparql):
            raise QueryError("federated queries (SERVICE) are not allowed")
        options: dict[str, Any] = {"use_default_graph_as_union": not default_graph, "prefixes": PREFIX_IRIS}
        if default_graph:
            options["default_graph"] = [ox.NamedNode(iri) for iri in default_graph]
        if named_graphs:
            options["named_graphs"] = [ox.NamedNode(iri) for iri in named_graphs]
        try:
            answer = self.oxigraph.query(sparql, **options)
            if isinstance(answer, ox.QuerySolutions):
                return SelectResult.from_solutions(answer, max_rows)
            if isinstance(answer, ox.QueryTriples):
                # An RDF graph is a set; Oxigraph's CONSTRUCT repeats triples the union repeats.
                unique = dict.fromkeys(answer) if max_rows is None else _first_unique(answer, max_rows + 1)
                triples = list(unique)
                truncated = max_rows is not None and len(triples) > max_rows
                return GraphResult(triples[:max_rows] if truncated else triples, truncated)
            return AskResult(bool(answer))
        except SyntaxError as error:
            raise _syntax_error(error, sparql) from None
        except OSError as error:
            raise StoreError(f"store read failed: {error}") from None
        except (ValueError, RuntimeError) as error:
            raise QueryError(f"query failed: {error}") from None

    def close(self) -> None:
        """Release the store (the underlying `kg.store.Store` too, if it came with one)."""
        if not isinstance(self.store, ox.Store):
            self.store.close()
        self.oxigraph = None  # type: ignore[assignment]

    def __enter__(self) -> KnowledgeGraph:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


class RemoteGraph(_Queryable):
    """The same queries against a remote SPARQL 1.1 endpoint (SPARQL Protocol over httpx)."""

    def __init__(self, endpoint: str, user: str | None = None, password: str | None = None,
                 timeout: float = 60.0):
        self.endpoint = endpoint
        self.auth = (user, password or "") if user else None
        self.timeout = timeout

    def __repr__(self) -> str:
        return f"<RemoteGraph {self.endpoint}>"

    def run(self, sparql: str, *, max_rows: int | None = None) -> Result:
        import httpx

        sparql = with_prefixes(sparql)
        accept = ("application/sparql-results+json, application/sparql-results+xml;q=0.9, "
                  "application/n-triples, text/turtle;q=0.9")
        try:
            response = httpx.post(self.endpoint, data={"query": sparql}, auth=self.auth,
                                  timeout=self.timeout, headers={"Accept": accept})
            if response.status_code == 401 and self.auth is not None:  # Basic refused: try Digest
                digest = httpx.DigestAuth(*self.auth)
                response = httpx.post(self.endpoint, data={"query": sparql}, auth=digest,
                                      timeout=self.timeout, headers={"Accept": accept})
        except httpx.HTTPError as error:
            raise QueryError(f"{self.endpoint}: {error}") from None
        if response.status_code >= 400:
            detail = " ".join(response.text.split())[:300]
            raise QueryError(f"{self.endpoint} answered {response.status_code}: {detail}")
        media = response.headers.get("content-type", "").split(";")[0].strip().lower()
        results_formats = {"application/sparql-results+json": ox.QueryResultsFormat.JSON,
                           "application/json": ox.QueryResultsFormat.JSON,
                           "application/sparql-results+xml": ox.QueryResultsFormat.XML,
                           "text/tab-separated-values": ox.QueryResultsFormat.TSV}
        try:
            if media in results_formats:
                answer = ox.parse_query_results(response.content, results_formats[media])
                if isinstance(answer, ox.QuerySolutions):
                    return SelectResult.from_solutions(answer, max_rows)
                return AskResult(bool(answer))
            rdf_format = ox.RdfFormat.from_media_type(media)
            if rdf_format is None:
                raise QueryError(f"{self.endpoint} answered with unsupported media type {media!r}")
            return GraphResult([q.triple for q in ox.parse(response.content, format=rdf_format)])
        except SyntaxError as error:
            raise QueryError(f"{self.endpoint} sent an unreadable answer: {error}") from None


# --- presentation -----------------------------------------------------------------------------


def compact(iri: str) -> str:
    """An IRI with a known prefix as `prefix:local`, else `<iri>`."""
    for prefix, namespace in PREFIX_IRIS.items():
        if iri.startswith(namespace) and re.fullmatch(r"[\w\-.]*", iri[len(namespace):]):
            return f"{prefix}:{iri[len(namespace):]}"
    return f"<{iri}>"


def cell_text(term: Term | None, labels: Mapping[str, str]) -> str:
    if term is None:
        return ""
    if isinstance(term, ox.NamedNode):
        return labels.get(term.value) or compact(term.value)
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    if isinstance(term, ox.Triple):
        return str(term)
    return " ".join(term.value.split())


def format_table(result: SelectResult, labels: Mapping[str, str] | None = None, width: int = 60) -> str:
    """An aligned text table; IRIs shown by label where one is known, long cells cut at `width`."""
    labels = labels or {}

    def cut(text: str) -> str:
        return text if len(text) <= width else text[: width - 1] + "…"

    cells = [[cut(cell_text(t, labels)) for t in row] for row in result.terms]
    header = list(result.variables)
    widths = [max([len(header[i])] + [len(r[i]) for r in cells]) for i in range(len(header))]
    numeric = [bool(cells) and all(re.fullmatch(r"-?[\d.]+", r[i] or "0") for r in cells)
               for i in range(len(header))]

    def line(values: list[str]) -> str:
        parts = [v.rjust(w) if num else v.ljust(w) for v, w, num in zip(values, widths, numeric, strict=True)]
        return "  ".join(parts).rstrip()

    out = [line(header), "  ".join("-" * w for w in widths)]
    out += [line(r) for r in cells]
    count = f"{len(cells)} row{'s' if len(cells) != 1 else ''}"
    out.append(f"({count}{', truncated' if result.truncated else ''})")
    return "\n".join(out)


def to_networkx(data: Any, source: str | None = None, target: str | None = None,
                weight: str | None = None, labeler=None):
    """A networkx Graph from a SELECT result (one edge per row between the `source` and `target`
    columns, by default the first two IRI columns; other columns become edge attributes, a
    `weight` column is summed over repeated pairs) or from an rdflib Graph selection (one edge per
    triple linking two IRIs). Nodes carry a `label` attribute when one is known."""
    import networkx as nx

    graph = nx.Graph()
    if isinstance(data, SelectResult):
        columns = list(data.variables)
        if source is None or target is None:
            iri_columns = [c for i, c in enumerate(columns)
                           if any(isinstance(row[i], ox.NamedNode) for row in data.terms)]
            if len(iri_columns) < 2:
                raise QueryError("a network needs two IRI columns: name them with source= and target=")
            source, target = source or iri_columns[0], target or iri_columns[1]
        for name in (source, target, weight):
            if name is not None and name not in columns:
                raise QueryError(f"no column {name!r} in the result ({', '.join(columns)})")
        for row in data:
            a, b = row[source], row[target]
            if a is None or b is None or a == b:
                continue
            attributes = {k: v for k, v in row.asdict().items() if k not in (source, target)}
            amount = row[weight] if weight else 1
            if graph.has_edge(a, b):
                graph[a][b]["weight"] = graph[a][b].get("weight", 0) + (amount or 0)
            else:
                graph.add_edge(a, b, **{**attributes, "weight": amount or 0})
    else:
        from rdflib import URIRef
        from rdflib.namespace import RDF, RDFS

        for s, p, o in data:
            if isinstance(s, URIRef) and isinstance(o, URIRef) and p != RDF.type:
                graph.add_edge(str(s), str(o), predicate=str(p), weight=1)
        for node in graph.nodes:
            label = data.value(URIRef(node), RDFS.label)
            if label is not None:
                graph.nodes[node]["label"] = str(label)
    if labeler is not None:
        missing = [n for n in graph.nodes if isinstance(n, str) and "label" not in graph.nodes[n]]
        for node, label in labeler(missing).items():
            graph.nodes[node]["label"] = label
    return graph


def open_graph(path: str | Path = "kg-data", *, read_only: bool = True) -> KnowledgeGraph:
    """Open a store folder for querying (`kg.open`); read-only by default, so several readers
    (a notebook, `kg serve`) can share one store."""
    from kg.store import Store

    return KnowledgeGraph(Store.open(path, read_only=read_only))


def open_remote(endpoint: str, user: str | None = None, password: str | None = None) -> RemoteGraph:
    """A remote SPARQL 1.1 endpoint that answers the same queries as a local store."""
    if not re.match(r"https?://", endpoint):
        raise QueryError(f"endpoint {endpoint!r} is not an http(s) URL")
    return RemoteGraph(endpoint, user, password)


def render(graph: _Queryable, result: Result, format: str | None = None) -> bytes:
    """A result as the CLI prints it: a labelled table (SELECT) or yes/no (ASK) by default, Turtle
    for graphs by default, else the named W3C result format or RDF format."""
    if isinstance(result, GraphResult):
        return result.serialize(format or "turtle")
    if format in (None, "table"):
        if isinstance(result, AskResult):
            return b"yes\n" if result else b"no\n"
        return (graph.table(result) + "\n").encode()
    if format in GRAPH_FORMATS:
        raise QueryError(f"--format {format} is for CONSTRUCT/DESCRIBE results; use table, "
                         f"{', '.join(RESULT_FORMATS)}")
    return result.serialize(format)


def run_text(graph: _Queryable, sparql: str | None = None, *, file: str | Path | None = None,
             name: str | None = None, params: Mapping[str, str] | None = None,
             max_rows: int | None = None) -> Result:
    """Run a query given as text, as a `.rq` file, or by name, binding `params`."""
    given = [x for x in (sparql, file, name) if x]
    if len(given) != 1:
        raise QueryError("give exactly one of: a query, -f FILE.rq, --name NAME")
    if name:
        return graph.named(name, max_rows=max_rows, **(params or {}))
    if file:
        path = Path(file)
        try:
            sparql = path.read_text(encoding="utf-8")
        except OSError as error:
            raise QueryError(f"{path}: cannot read the query: {error.strerror}") from None
    assert sparql is not None
    bindings = {key: _cli_term(value) for key, value in (params or {}).items()}
    return graph.run(bind(sparql, bindings), max_rows=max_rows)


def _cli_term(value: str) -> ox.NamedNode | ox.Literal:
    """A --param value for a free query: `<iri>` is an IRI, anything else a plain string."""
    if value.startswith("<") and value.endswith(">"):
        return Param("value", "iri").term(value[1:-1])
    return ox.Literal(value)
