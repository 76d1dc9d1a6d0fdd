# Two commands do all the set-up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)

.PHONY: run test test-fast setup index browser translation lint

# Create .venv and install the project (editable). The CPU torch wheel goes in first, pinned,
# so nothing that depends on torch can pull the CUDA build.
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q torch==2.13.0
	$(BIN)/python -m pip install -q -e '.[test]'
	rm -f $(VENV)/.installed-* && touch $@

setup: $(STAMP)

# Build the index of seeds/ only if there is none yet.
index: setup
	test -f index/CURRENT || $(BIN)/qa index seeds

run: index translation
	$(BIN)/qa serve

# Headless Chromium for the browser tests, from Debian's packages.
browser:
	command -v chromium >/dev/null || (apt-get update -qq && apt-get install -y -qq chromium >/dev/null)

# Offline Spanish<->English translation (apertium), from Debian's packages. Optional: where it cannot be
# installed (no root, not Debian) qa still runs, answers Spanish questions from BM25 and says so.
translation:
	@command -v apertium >/dev/null && test -f /usr/share/apertium/modes/spa-eng.mode || \
	  (apt-get update -qq && apt-get install -y -qq apertium apertium-en-es >/dev/null) || \
	  echo "qa: apertium could not be installed (apt-get install apertium apertium-en-es); Spanish questions use BM25 only"

lint: setup
	$(BIN)/ruff check qa tests

test: setup browser translation lint
	$(BIN)/python -m pytest -q

# The quick loop: everything but the suites marked slow (durability, hostile input, load, browser, bench).
test-fast: setup translation lint
	$(BIN)/python -m pytest -q -m "not slow"
