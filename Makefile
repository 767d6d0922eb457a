# newscrawl: `make demo` crawls the local replica, `make test` runs the whole suite.
# Both set up a fresh machine first: a .venv with requirements.txt, and Debian's chromium.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
N ?= 200
BENCH_N = $(if $(filter command line,$(origin N)),$(N),5000)

.PHONY: setup system-deps test test-unit demo crawl run dataset browse bench bench-dataset bench-archive bench-scale lint clean

setup: $(VENV)/.installed system-deps

$(VENV)/.installed: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

# Chromium renders the comments that only JavaScript shows (Playwright cannot download its own
# here); redis-server backs the shared state store, and its tests; LibreOffice opens the CSV
# exports in the tests as a spreadsheet user would. Each entry is package:command.
SYSTEM_PACKAGES := chromium:chromium redis-server:redis-server libreoffice-calc-nogui:soffice
system-deps:
	@missing=""; for entry in $(SYSTEM_PACKAGES); do \
		command -v $${entry#*:} >/dev/null || missing="$$missing $${entry%%:*}"; done; \
	if [ -n "$$missing" ]; then \
		echo "Installing Debian packages:$$missing"; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing >/dev/null; \
	fi

test: setup
	$(PY) -m pytest -q -n 3 --dist worksteal

# The tests that start no process (no crawl, no replica, no redis-server): the developer's loop.
test-unit: $(VENV)/.installed
	$(PY) -m pytest -q -p no:xdist -m "not e2e and not server"

demo: setup
	$(PY) -m tests.replica.demo --articles $(N)

# One crawl by hand (polite by default); ARGS adds scrapy crawl options, e.g. ARGS="-a full=1".
# Schedulers call `.venv/bin/python -m newscrawl run` themselves: make turns every failure into its
# own exit status 2, where the run's says what happened (75: locked, 1: unhealthy, …).
crawl: setup
	$(VENV)/bin/scrapy crawl vpk $(ARGS)

run: setup
	$(PY) -m newscrawl run $(ARGS)

# One dataset from every run under EXPORTS_DIR, in DATASET_DIR (default ./dataset).
dataset: setup
	$(PY) -m newscrawl dataset $(ARGS)

# The dataset in a browser (Datasette) on 127.0.0.1:$(PORT): make browse [PORT=8001] [ARGS="-s DATASET_DIR=demo/dataset"]
PORT ?= 8001
browse: setup
	$(PY) -m newscrawl browse --port $(PORT) $(ARGS)

lint: setup
	$(VENV)/bin/ruff check --select E,F,W,I,UP,B --ignore E501 newscrawl spiders tests setup.py

# Speed and memory against bare Scrapy and a plain spider: `make bench N=1000 ROUNDS=3`;
# BENCH_ARGS="--browser" adds the cost of a page through Chromium, "--spiders newscrawl" one spider,
# "--layers" adds newscrawl with its layers (WARC, state, page checks, exports) turned off one after
# another, "--profile" profiles newscrawl's crawl instead (cProfile, by function).
ROUNDS ?= 3
bench: setup
	$(PY) -m bench.run --articles $(BENCH_N) --rounds $(ROUNDS) $(BENCH_ARGS)

# python -m newscrawl dataset at archive scale (50,000 articles, ~1.3 million comments, 3 runs).
bench-dataset: setup
	$(PY) -m bench.dataset --articles $(if $(filter command line,$(origin N)),$(N),50000)

# The real archive's size (600,000 articles, 10 M comments; N= and C= for others): rebuild_state,
# the listing walk; BENCH_ARGS=--dataset also the dataset and its rebuild after a day (~4 GB a million comments).
bench-scale: setup
	$(PY) -m bench.scale --articles $(if $(filter command line,$(origin N)),$(N),600000) --comments $(if $(C),$(C),10000000) $(BENCH_ARGS)

# The WARC archive's size, and a re-extraction's speed against the live crawl (50,000 articles).
bench-archive: setup
	$(PY) -m bench.archive --articles $(if $(filter command line,$(origin N)),$(N),50000)

clean:
	rm -rf $(VENV) .pytest_cache
