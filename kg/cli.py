"""The `kg` command. It only parses options, calls the library and prints."""

from __future__ import annotations

import contextlib
import os
import sys

import click

from kg.errors import KGError


class _Group(click.Group):
    """Turns every KGError into one line on stderr and a non-zero exit, never a traceback."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except KGError as error:
            click.echo(f"Error: {error}", err=True)
            sys.exit(error.exit_code)


@click.group(cls=_Group)
@click.option("--store", "store_path", envvar="KG_STORE", default="kg-data", show_default=True,
              type=click.Path(file_okay=False), help="Store folder (or set KG_STORE).")
@click.option("--base", envvar="KG_BASE", default=None,
              help="Base IRI for the data (or set KG_BASE); default https://alliance-kg.org/id/.")
@click.version_option(package_name="alliance-kg")
@click.pass_context
def cli(ctx: click.Context, store_path: str, base: str | None) -> None:
    """Alliance KG: the US-Japan Alliance Digest as an RDF knowledge graph."""
    if base:
        os.environ["KG_BASE"] = base
    ctx.obj = {"store": store_path}


# --- foundation: ingest, extract, evaluate, validate, stats --------------------------------

@cli.command("ingest")
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option("--volume", help="Volume of the digest, where a single file's page does not print it.")
@click.option("--published", help="Publication date (YYYY-MM-DD, YYYY-MM or YYYY) of a single file.")
@click.option("--no-validate", "skip_validation", is_flag=True,
              help="Store digests without checking them against the SHACL shapes.")
@click.pass_obj
def ingest_command(obj: dict, paths: tuple[str, ...], volume: str | None, published: str | None,
                   skip_validation: bool) -> None:
    """Read, extract and store digest files (txt, html, pdf) or folders of them."""
    from kg.ingest import ingest
    from kg.store import Store

    with contextlib.ExitStack() as stack:
        bars = []

        def progress(done: int, total: int, path: object) -> None:
            if total >= 4 and sys.stderr.isatty():  # a bar only for runs long enough to wait on
                if not bars:
                    bars.append(stack.enter_context(
                        click.progressbar(length=total, label="Ingesting digests", file=sys.stderr)))
                bars[0].update(1)

        store = stack.enter_context(Store.open(obj["store"], create=True))
        report = ingest(store, paths, volume=volume, published=published,
                        validate=not skip_validation, progress=progress)
    for digest in report.digests:
        c = digest.counts
        click.echo(f"{digest.title} ({digest.published}): {c['events']} events, {c['persons']} persons, "
                   f"{c['organizations']} orgs, {c['places']} places, {c['countries']} countries, "
                   f"{c['triples']} triples" + (" (replaced)" if digest.replaced else ""))
        for warning in digest.warnings:
            click.echo(f"  warning: {warning}")
    for warning in report.warnings:
        click.echo(f"warning: {warning}", err=True)
    for failure in report.failures:
        click.echo(f"failed: {failure}", err=True)
    triples = sum(d.counts["triples"] for d in report.digests)
    click.echo(f"Stored {len(report.digests)} digest{'s' * (len(report.digests) != 1)} ({triples} triples, "
               f"entities graph {report.entity_triples}, summary graph {report.summary_triples} triples) "
               f"in {obj['store']} in {report.seconds:.1f} s"
               + (f"; {len(report.failures)} file(s) failed" if report.failures else ""))
    if not report.ok:
        sys.exit(1)


@cli.command("extract")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--format", "fmt", type=click.Choice(["json", "turtle"]), default="json", show_default=True,
              help="json: the SCHEMA.md extraction record; turtle: the digest's RDF graph.")
@click.option("--volume", help="Volume of the digest, where the page does not print it.")
@click.option("--published", help="Publication date (YYYY-MM-DD, YYYY-MM or YYYY), where the page lacks it.")
def extract_command(file: str, fmt: str, volume: str | None, published: str | None) -> None:
    """Extract one digest file and print what it names, without storing anything."""
    import json

    from kg.extract import extract
    from kg.read import read_digest

    extraction = extract(read_digest(file, volume=volume, published=published))
    if fmt == "turtle":
        from kg.build import build_graph

        click.echo(build_graph(extraction).serialize(format="turtle"))
    else:
        click.echo(json.dumps(extraction.to_record(), ensure_ascii=False, indent=2))


@cli.command("evaluate")
@click.argument("gold_dir", type=click.Path(file_okay=False))
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.option("--misses", is_flag=True, help="List every missed and spurious item with file and position.")
def evaluate_command(gold_dir: str, paths: tuple[str, ...], as_json: bool, misses: bool) -> None:
    """Score extraction of the digests at PATHS against the gold records in GOLD_DIR."""
    import json

    from kg.evaluate import evaluate, format_report
    from kg.extract import extract
    from kg.read import iter_sources, read_digest

    sources = list(iter_sources(paths))
    if not sources:
        raise click.UsageError("no digest files found at " + ", ".join(paths))
    report = evaluate(gold_dir, [extract(read_digest(path)).to_record() for path in sources])
    if as_json:
        click.echo(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
    else:
        click.echo(format_report(report, misses=misses))


@cli.command("validate")
@click.pass_obj
def validate_command(obj: dict) -> None:
    """Check every stored digest graph (and the summary graph) against the SHACL shapes."""
    from kg.ingest import check_store
    from kg.store import Store

    with Store.open(obj["store"]) as store:
        checked = check_store(store)
    failing = [(name, report) for name, report in checked if not report.conforms]
    for name, report in failing:
        for violation in report.violations:
            click.echo(f"{name}: {violation}")
    if failing:
        count = sum(len(report.violations) for _, report in failing)
        click.echo(f"{count} violation(s) in {len(failing)} of {len(checked)} graphs", err=True)
        sys.exit(1)
    click.echo(f"All {len(checked)} graphs conform to the shapes.")


@cli.command("stats")
@click.pass_obj
def stats_command(obj: dict) -> None:
    """Counts per digest and in total: events, persons, organizations, countries, places, ..."""
    from kg.store import COUNTED, Store

    with Store.open(obj["store"]) as store:
        stats = store.stats()
    header = ["digest", "published", *COUNTED]
    rows = [[d.title, d.published, *(str(d.counts[k]) for k in COUNTED)] for d in stats.digests]
    rows.append([f"total ({len(stats.digests)})", "", *(str(stats.totals[k]) for k in COUNTED)])
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    for row in [header, *rows]:
        click.echo("  ".join(cell.ljust(w) if i < 2 else cell.rjust(w)
                             for i, (cell, w) in enumerate(zip(row, widths, strict=True))).rstrip())
    click.echo(f"Totals count distinct entities; entities graph: {stats.entity_triples} triples; "
               f"summary graph: {stats.summary_triples} triples; "
               f"store: {stats.quads} quads.")



# --- query: query, queries, serve, push ------------------------------------------------

def _params(pairs: tuple[str, ...]) -> dict[str, str]:
    params = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise click.BadParameter(f"{pair!r} is not NAME=VALUE", param_hint="--param")
        params[key.strip()] = value
    return params


@cli.command("query")
@click.argument("sparql", required=False)
@click.option("-f", "--file", "file", type=click.Path(dir_okay=False), help="Read the query from a .rq file.")
@click.option("-n", "--name", help="Run a named query (`kg queries` lists them).")
@click.option("-p", "--param", "params", multiple=True, metavar="NAME=VALUE",
              help="Bind a query variable, e.g. --param person=Kishida (repeatable).")
@click.option("--format", "fmt", default=None,
              type=click.Choice(["table", "csv", "tsv", "json", "xml",
                                 "turtle", "nt", "jsonld", "trig", "rdfxml"]),
              help="Output format; default: a table for SELECT, Turtle for CONSTRUCT/DESCRIBE.")
@click.option("--endpoint", help="Run against a remote SPARQL endpoint instead of the store.")
@click.option("--user", help="User name for the endpoint.")
@click.option("--password", help="Password for the endpoint.")
@click.option("--max-rows", type=int, default=None, help="Stop after this many rows.")
@click.pass_obj
def query_command(obj: dict, sparql: str | None, file: str | None, name: str | None, params: tuple[str, ...],
                  fmt: str | None, endpoint: str | None, user: str | None, password: str | None,
                  max_rows: int | None) -> None:
    """Run a SPARQL query (text, -f FILE.rq, or --name NAME) over the store or an endpoint."""
    from kg import query as q

    graph = q.open_remote(endpoint, user, password) if endpoint else q.open_graph(obj["store"])
    result = q.run_text(graph, sparql, file=file, name=name, params=_params(params), max_rows=max_rows)
    click.echo(q.render(graph, result, fmt), nl=False)


@cli.command("queries")
@click.argument("name", required=False)
def queries_command(name: str | None) -> None:
    """List the named queries, or show one (its text) with NAME."""
    from kg import query as q

    if name:
        click.echo(q.named_query(name).text, nl=False)
        return
    for item in q.named_queries().values():
        click.echo(f"{item.name}\n    {item.description}")
        for param in item.params:
            flag = "optional" if param.optional else "required"
            click.echo(f"    --param {param.name}=...  ({param.type}, {flag}) {param.doc}")


@cli.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Interface to listen on (loopback by default).")
@click.option("--port", default=7878, show_default=True, type=int)
@click.option("--timeout", default=30.0, show_default=True, type=float, help="Seconds a query may run.")
@click.option("--max-rows", default=10_000, show_default=True, type=int, help="Rows (or triples) per answer.")
@click.option("--workers", default=2, show_default=True, type=int, help="Queries answered at once.")
@click.option("--get", "get_path", metavar="PATH",
              help="Answer one GET request (e.g. /sparql?query=...) and exit.")
@click.option("--accept", default=None, help="Accept header for --get.")
@click.pass_obj
def serve_command(obj: dict, host: str, port: int, timeout: float, max_rows: int, workers: int,
                  get_path: str | None, accept: str | None) -> None:
    """Serve the store: SPARQL endpoint at /sparql, query page at /."""
    from kg import serve as s

    if get_path:
        app = s.create_app(obj["store"], timeout=timeout, max_rows=max_rows, workers=1)
        try:
            status, _, body = s.get(app, get_path, {"Accept": accept} if accept else None)
        finally:
            app.state.pool.close()
        click.echo(body, nl=False)
        if status >= 400:
            sys.exit(1)
        return
    click.echo(f"Serving {obj['store']} at http://{host}:{port}/ (SPARQL endpoint: /sparql)", err=True)
    s.serve(obj["store"], host, port, timeout=timeout, max_rows=max_rows, workers=workers)


@cli.command("push")
@click.option("--endpoint", help="SPARQL 1.1 Update endpoint of the remote store.")
@click.option("--graph-store", help="Graph Store Protocol URL (PUT per graph) instead of SPARQL Update.")
@click.option("--user", help="User name for the remote store.")
@click.option("--password", help="Password for the remote store.")
@click.option("--digest", "volumes", multiple=True, metavar="VOL",
              help="Push only this digest volume (repeatable).")
@click.pass_obj
def push_command(obj: dict, endpoint: str | None, graph_store: str | None, user: str | None,
                 password: str | None, volumes: tuple[str, ...]) -> None:
    """Upload the digest graphs (and the summary graph) to a SPARQL store, replacing them there."""
    from kg.push import push

    sent = push(obj["store"], endpoint, graph_store=graph_store, user=user, password=password,
                volumes=list(volumes) or None)
    for item in sent:
        click.echo(f"{item.triples:>8} triples  {item.graph}")
    click.echo(f"Pushed {len(sent)} graphs, {sum(i.triples for i in sent)} triples.")


# --- selection: export, viz ----------------------------------------------------------------

def _selection_options(command):
    """The selection criteria shared by `kg export` and `kg viz` (they combine with AND)."""
    options = [
        click.option("-e", "--entity", "entities", multiple=True,
                     help="An entity by IRI, label or alias, e.g. Kishida, INDOPACOM (repeatable)."),
        click.option("--hops", type=int, default=2, show_default=True,
                     help="Steps out from --entity: 1 its events, 2 what they link, 3-4 further."),
        click.option("--country", "countries", multiple=True, help="Events involving this country."),
        click.option("--topic", "topics", multiple=True, help="Events on this topic."),
        click.option("--event-type", "event_types", multiple=True, help="Events of this type."),
        click.option("--digest", "digests", multiple=True, help="Events of this digest (its volume)."),
        click.option("--from", "date_from", help="Events dated on or after (YYYY, YYYY-MM, YYYY-MM-DD)."),
        click.option("--to", "date_to", help="Events dated on or before."),
        click.option("--query", "sparql", help="A SPARQL SELECT (its IRIs are seeds) or CONSTRUCT, "
                                               "or a .rq file holding one."),
        click.option("--no-provenance", is_flag=True, help="Leave out the mention nodes."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def _criteria(entities, hops, countries, topics, event_types, digests, date_from, date_to, sparql,
              no_provenance):
    from pathlib import Path

    from kg.select import Criteria

    if sparql and sparql.endswith(".rq"):
        path = Path(sparql)
        if not path.is_file():
            raise KGError(f"{sparql}: no such query file")
        sparql = path.read_text(encoding="utf-8")
    return Criteria(entities=list(entities), hops=hops, countries=list(countries), topics=list(topics),
                    event_types=list(event_types), digests=list(digests), date_from=date_from,
                    date_to=date_to, sparql=sparql, provenance=not no_provenance)


@contextlib.contextmanager
def _reading_store(obj: dict):
    """The store, closed afterwards, and released even when a KGError's traceback outlives it
    (its frames would otherwise keep the store, and its lock, alive)."""
    import traceback

    from kg.store import Store

    store = Store.open(obj["store"], read_only=True)  # export and viz never write
    try:
        yield store
    except KGError as error:
        traceback.clear_frames(error.__traceback__)
        raise
    finally:
        store.close()


@cli.command("export")
@_selection_options
@click.option("--format", "fmt", help="turtle, trig, nt, nquads, jsonld, rdfxml, graphml, gexf or csv "
                                      "(default: from the output suffix, else turtle).")
@click.option("-o", "--output", type=click.Path(), help="File (or for csv a folder or .zip); default stdout.")
@click.pass_obj
def export_command(obj: dict, fmt: str | None, output: str | None, **criteria) -> None:
    """Export a selection (everything by default) as RDF, GraphML, GEXF or CSV tables."""
    from kg.export import export, export_store, format_for
    from kg.select import select

    chosen = format_for(fmt, output)
    wanted = _criteria(**criteria)
    with _reading_store(obj) as store:
        if wanted.describe() == "everything" and chosen.rdf is not None and wanted.provenance:
            data = export_store(store, chosen, output)  # the whole store, graphs and all
        else:
            data = export(select(store, wanted), chosen, output)
    if data is not None:
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
    else:
        click.echo(f"Wrote {output} ({chosen.name}).", err=True)


@cli.command("viz")
@_selection_options
@click.option("--view", type=click.Choice(["selection", "cooccurrence", "entity"]), default="selection",
              show_default=True, help="The selection as it is, who-appears-with-whom, or an entity page.")
@click.option("--category", type=click.Choice(["person", "country"]), default="person", show_default=True,
              help="For --view cooccurrence: persons with persons or countries with countries.")
@click.option("--min-weight", type=int, default=1, show_default=True,
              help="For --view cooccurrence: leave out pairs sharing fewer events.")
@click.option("-o", "--output", type=click.Path(dir_okay=False), default="network.html", show_default=True,
              help="The HTML page to write.")
@click.pass_obj
def viz_command(obj: dict, view: str, category: str, min_weight: int, output: str, **criteria) -> None:
    """Draw a selection as an interactive network page (one HTML file that works offline)."""
    from kg import render

    chosen = _criteria(**criteria)
    with _reading_store(obj) as store:
        if view == "entity":
            if len(chosen.entities) != 1:
                raise KGError("--view entity draws one entity: give exactly one --entity")
            page = render.entity_page(store, chosen.entities[0], hops=chosen.hops)
        elif view == "cooccurrence":
            narrowed = chosen.describe() != "everything"
            page = render.cooccurrence_page(store, category, chosen if narrowed else None, min_weight)
        elif len(chosen.entities) == 1 and chosen.describe() == f"entity {chosen.entities[0]!r}":
            page = render.ego_page(store, chosen.entities[0], hops=chosen.hops)
        else:
            page = render.criteria_page(store, chosen)
    render.write_page(page, output)
    click.echo(f"Wrote {output}.", err=True)


def main() -> None:
    cli(prog_name="kg")
