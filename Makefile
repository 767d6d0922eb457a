# newscrawl: `make demo` crawls the local replica, `make test` runs the whole suite.
# Both set up a fresh machine first: a .venv with requirements.txt, and Debian's chromium.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
N ?= 200

.PHONY: setup system-deps test demo crawl bench clean

setup: $(VENV)/.installed system-deps

$(VENV)/.installed: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

# Chromium renders the comments that only JavaScript shows (Playwright cannot download its own here).
system-deps:
	@if ! command -v chromium >/dev/null; then \
		echo "Installing Debian's chromium (the browser tests and JS-only comments need it)"; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium >/dev/null; \
	fi

test: setup
	$(PY) -m pytest -q

demo: setup
	$(PY) -m tests.replica.demo --articles $(N)

crawl: setup
	$(VENV)/bin/scrapy crawl vpk -s AUTOTHROTTLE_ENABLED=1 -s CONCURRENT_REQUESTS_PER_DOMAIN=4

clean:
	rm -rf $(VENV) .pytest_cache
