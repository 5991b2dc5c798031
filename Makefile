# `make demo` and `make test` do all set-up on a fresh machine.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STORE ?= kg-data

.PHONY: demo test lint bench system-deps clean

$(BIN)/kg: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $(BIN)/kg

# Debian packages the tests drive: headless Chromium and a Virtuoso SPARQL server.
system-deps:
	@command -v chromium >/dev/null && command -v virtuoso-t >/dev/null || { \
	  apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
	    chromium chromium-driver virtuoso-opensource; }

# The query page's editor (CodeMirror 5, from npm), served by `kg serve` from .web/.
WEB := .web/node_modules/codemirror/lib/codemirror.js
$(WEB):
	npm install --no-save --no-audit --no-fund --prefix .web codemirror@5.65.21

demo: $(BIN)/kg $(WEB)
	rm -rf demo-store
	$(BIN)/kg --store demo-store ingest data/digests
	$(BIN)/kg --store demo-store stats
	$(BIN)/kg --store demo-store validate
	$(BIN)/kg --store demo-store query "SELECT ?country (COUNT(DISTINCT ?event) AS ?events) WHERE { ?event <https://alliance-kg.org/ontology#involvesCountry> ?c . ?c <http://www.w3.org/2000/01/rdf-schema#label> ?country } GROUP BY ?country ORDER BY DESC(?events) LIMIT 8"
	$(BIN)/kg --store demo-store export --format turtle --output demo-graph.ttl
	@echo "Wrote demo-graph.ttl; the store is in demo-store/"

lint: $(BIN)/kg
	$(BIN)/ruff check .

test: $(BIN)/kg $(WEB) system-deps lint
	$(BIN)/pytest -q

# Benchmarks at 10k events by default; `make bench BENCH_SCALE=100000` for the 100k figures.
bench: $(BIN)/kg
	$(BIN)/python -m bench $(if $(BENCH_SCALE),--scale $(BENCH_SCALE))

clean:
	rm -rf $(VENV) demo-store demo-graph.ttl .pytest_cache
