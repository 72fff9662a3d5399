# Two commands on a fresh machine: `make report` (default report) and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
SPEC   ?= specs/cs671-a2-task3.yaml

# Offline machines: use the MNIST files beside the checkout when the user gave none.
SHARED_MNIST := $(abspath ../shared/data/mnist)
ifeq ($(origin NETVIZ_MNIST_DIR), undefined)
  ifneq ($(wildcard $(SHARED_MNIST)/*),)
    export NETVIZ_MNIST_DIR := $(SHARED_MNIST)
  endif
endif

.PHONY: report quick test test-fast sysdeps bench clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e ".[test]"
	touch $@

# System libraries: Pango for WeasyPrint, poppler-utils for the PDF tests.
sysdeps:
	@bash .ci/sysdeps

report: $(BIN)/.installed sysdeps
	$(BIN)/netviz build $(SPEC)

quick: $(BIN)/.installed sysdeps
	$(BIN)/netviz build specs/quick.yaml

# Every test, on every core; the tests of one shared build stay on one worker (tests/conftest.py).
test: $(BIN)/.installed sysdeps
	$(BIN)/python -m pytest -q -n auto --dist loadgroup

# While you work: everything that needs no real build, training beyond tiny models or whole reports.
test-fast: $(BIN)/.installed sysdeps
	$(BIN)/python -m pytest -q -n auto --dist loadgroup -m "not slow"

bench: $(BIN)/.installed
	$(BIN)/python bench/train.py
	$(BIN)/python bench/visualize.py
	$(BIN)/pip install -q -e ".[bench]"
	$(BIN)/python bench/cam.py

clean:
	rm -rf build
