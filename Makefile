# Two commands for a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STORE  ?= demo-store

.PHONY: demo test bench venv browser engines clean docs

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Reinstall when the project's dependencies change.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

venv: $(VENV)/.installed

## Build the bundled example briefings into a fresh store, then show what it holds.
demo: venv
	rm -rf $(STORE)
	$(BIN)/kg build --examples --store $(STORE)
	$(BIN)/kg query stats --store $(STORE)
	$(BIN)/kg query monitors --param code=77013 --store $(STORE)
	$(BIN)/kg query diagnoses-for --param code=47382 --store $(STORE)
	$(BIN)/kg query alternatives --param code=76942 --store $(STORE)
	$(BIN)/kg query provenance --param from=77013 --param to=49405 --store $(STORE)
	$(BIN)/kg query add-ons --param code=99291 --store $(STORE)
	$(BIN)/kg query negated --store $(STORE)

## Debian's Chromium, for the browser tests of the HTML views (never a downloaded browser build).
browser:
	@if [ ! -x /usr/bin/chromium ]; then \
	    SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	    $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	    $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null; \
	fi

## Debian's Virtuoso 7.2 (dba password preseeded through debconf, the packaged server not started),
## Apache Jena 4.5 and OpenJDK 17 (which Spark runs on too; pyspark is in the dev extra), for the tests of
## the scale-out engines (test_virtuoso, test_tdb2, test_check_spark).
engines:
	@if [ ! -x /usr/bin/virtuoso-t ] || [ ! -f /usr/share/java/jena-cmds.jar ] || ! command -v java >/dev/null; then \
	    SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	    printf '%s\n' 'virtuoso-opensource-7 virtuoso-opensource-7/dba-password password dba' \
	                  'virtuoso-opensource-7 virtuoso-opensource-7/dba-password-again password dba' \
	        | $$SUDO debconf-set-selections && \
	    $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	    $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
	        virtuoso-opensource libapache-jena-java openjdk-17-jre-headless >/dev/null; \
	fi

## Run the whole test suite: unit tests, doctests, CLI, HTTP server, browser, engines and notebooks.
test: venv browser engines
	$(BIN)/python -m pytest

## The benchmarks: 10,000 briefings + every code set, named queries, views and the HTTP server.
## Writes bench/RESULTS.md (needs ../shared/data; takes a while).
BENCH_N ?= 10000
bench: venv browser engines
	rm -rf bench-work
	$(BIN)/python bench/build.py -n $(BENCH_N) --workdir bench-work --results bench/RESULTS.md
	$(BIN)/python bench/query.py --store bench-work/store --results bench/RESULTS.md
	$(BIN)/python bench/network_bench.py --store bench-work/store | tee -a bench/RESULTS.md
	$(BIN)/python bench/network_bench.py --store bench-work/store --targets | tee -a bench/RESULTS.md
	$(BIN)/python bench/check_bench.py --store bench-work/store | tee -a bench/RESULTS.md
	$(BIN)/python bench/spark_check_bench.py --store bench-work/store | tee -a bench/RESULTS.md
	$(BIN)/python bench/show_bench.py --store bench-work/store | tee -a bench/RESULTS.md
	$(BIN)/python bench/codesets_load.py | tee -a bench/RESULTS.md
	$(BIN)/python bench/view_bench.py | tee -a bench/RESULTS.md
	$(BIN)/python bench/serve_load.py | tee -a bench/RESULTS.md
	$(BIN)/python bench/serve_load.py --store bench-work/store | tee -a bench/RESULTS.md
	$(BIN)/python bench/stats_bench.py --store bench-work/store --writable bench-work/store | tee -a bench/RESULTS.md
	$(BIN)/python bench/validate_bench.py --store bench-work/store | tee -a bench/RESULTS.md
	$(BIN)/python bench/audit_bench.py --store bench-work/store --writable bench-work/store | tee -a bench/RESULTS.md
	$(BIN)/python bench/interop_bench.py --store bench-work/store | tee -a bench/RESULTS.md
	$(BIN)/python bench/parse_linear.py | tee -a bench/RESULTS.md
	$(MAKE) engines
	$(BIN)/python bench/engines_bench.py --store bench-work/store --workdir bench-work/engines | tee -a bench/RESULTS.md

## docs/ontology.html from ontology/kg.ttl (pyLODE); tests/test_ontology_docs.py fails while it is stale.
docs: venv
	$(BIN)/python docs/ontology_html.py

clean:
	rm -rf $(VENV) $(STORE) .pytest_cache bench-work
