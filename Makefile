# Two commands do all the set-up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)

.PHONY: run test test-fast setup index browser translation ocr lint

# Create .venv and install the project (editable). The CPU torch wheel goes in first, pinned,
# so nothing that depends on torch can pull the CUDA build.
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q torch==2.13.0
	$(BIN)/python -m pip install -q -e '.[test,milvus,onnx,train]'  # train: peft, so the training code is tested too
	rm -f $(VENV)/.installed-* && touch $@

setup: $(STAMP)

# Build the index of seeds/ only if there is none yet.
index: setup
	test -f index/CURRENT || $(BIN)/qa index seeds

run: index translation ocr
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

# OCR for scanned PDFs and images (Tesseract with English and Spanish data), from Debian's packages.
# Optional like apertium: without it scanned pages are reported, and the chat's status says OCR is off.
ocr:
	@command -v tesseract >/dev/null && test -n "$$(ls /usr/share/tesseract-ocr/*/tessdata/spa.traineddata 2>/dev/null)" || \
	  (apt-get update -qq && apt-get install -y -qq tesseract-ocr tesseract-ocr-eng tesseract-ocr-spa fonts-dejavu-core >/dev/null) || \
	  echo "qa: Tesseract could not be installed (apt-get install tesseract-ocr tesseract-ocr-eng tesseract-ocr-spa); OCR is off"

# Style, and the layering rule: import-linter's contracts in pyproject.toml (stages import downward, no cycles).
lint: setup
	$(BIN)/ruff check qa tests
	$(BIN)/ruff format --check qa tests
	$(BIN)/lint-imports

# Both cores work (pytest-xdist); a module's tests stay on one worker, so its servers and indexes are built once.
test: setup browser translation ocr lint
	$(BIN)/python -m pytest -q -n 2 --dist loadscope

# The quick loop: everything but the suites marked slow (durability, hostile input, load, browser, bench, live servers).
test-fast: setup translation ocr lint
	$(BIN)/python -m pytest -q -m "not slow" -n 2 --dist loadscope
