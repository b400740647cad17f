# Set-up and the two everyday commands; every target installs what it needs first.
VENV ?= .venv
SPEC ?= spec/squeezenet_ttfs.yaml
STAMP := $(VENV)/.installed

.PHONY: run test bench

$(STAMP): pyproject.toml
	python3 -m venv $(VENV)
	$(VENV)/bin/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

# The data first: a missing data set with a Debian package is installed (as root or with password-less sudo),
# otherwise it stops at once with the command to run.
run: $(STAMP)
	$(VENV)/bin/python -m runner.data.prepare $(SPEC)
	$(VENV)/bin/runner $(SPEC)

test: $(STAMP)
	$(VENV)/bin/python -m pytest -q

bench: $(STAMP)
	$(VENV)/bin/python -m pytest benchmarks/ --benchmark-only
