# Set-up and the two everyday commands; every target installs what it needs first.
VENV ?= .venv
SPEC ?= spec/squeezenet_ttfs.yaml
STAMP := $(VENV)/.installed

.PHONY: run test bench postgresql

$(STAMP): pyproject.toml
	python3 -m venv $(VENV)
	$(VENV)/bin/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

# The data first: a missing data set with a Debian package is installed (as root or with password-less sudo),
# otherwise it stops at once with the command to run.
run: $(STAMP)
	$(VENV)/bin/python -m runner.data.prepare $(SPEC)
	$(VENV)/bin/runner $(SPEC)

# The search tests start a real PostgreSQL server of their own (loopback, an unprivileged user): Debian's package
# brings the binaries and is installed first when missing (as root or with password-less sudo), otherwise it stops
# at once with the command to run.
postgresql:
	@ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -q && apt-get install -y -q postgresql; \
	  elif sudo -n true 2>/dev/null; then sudo apt-get update -q && sudo apt-get install -y -q postgresql; \
	  else echo "the tests need PostgreSQL's server binaries: sudo apt-get install postgresql"; exit 2; fi; }

test: $(STAMP) postgresql
	$(VENV)/bin/python -m pytest -q

bench: $(STAMP)
	$(VENV)/bin/python -m pytest benchmarks/ --benchmark-only
