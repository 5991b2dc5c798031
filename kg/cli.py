"""The `kg` command. It only parses options, calls the library and prints."""

from __future__ import annotations

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


# --- query: query, queries, serve, push ------------------------------------------------


# --- selection: export, viz ----------------------------------------------------------------


def main() -> None:
    cli(prog_name="kg")
