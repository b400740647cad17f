# Set-up and the two everyday commands; every target installs what it needs first.
VENV ?= .venv
SPEC ?= spec/squeezenet_ttfs.yaml
STAMP := $(VENV)/.installed

.PHONY: run test bench

$(STAMP): pyproject.toml
	python3 -m venv $(VENV)
	$(VENV)/bin/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

run: $(STAMP)
	$(VENV)/bin/runner $(SPEC)

test: $(STAMP)
	$(VENV)/bin/python -m pytest -q

bench: $(STAMP)
	$(VENV)/bin/python -m pytest benchmarks/ --benchmark-only
