# Two commands for a fresh clone (Python 3.10+ is all it needs); both install sbkit with every extra:
#   make demo   set up .venv and run `sbkit run` on the built-in demo catalogue (replacing an earlier runs/demo)
#   make test   set up .venv and run the test suite
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup demo test bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[all,test]'
	touch $(STAMP)

setup: $(STAMP)

demo: $(STAMP)
	$(BIN)/sbkit run --out runs/demo --force

test: $(STAMP)
	$(BIN)/python -m pytest -q

bench: $(STAMP)
	$(BIN)/python benchmarks/run_wall_time.py

clean:
	rm -rf $(VENV) runs .pytest_cache
