# Two commands do all set-up on a fresh machine (Python 3.11 on PATH):
#   make demo   - installs into .venv and opens a chat with the bot in the terminal, on SQLite (no token)
#   make test   - installs into .venv, then ruff, mypy and the whole test suite
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install test demo bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

test: $(STAMP)
	$(BIN)/ruff check bot tests bench
	$(BIN)/ruff format --check bot tests bench
	$(BIN)/mypy bot
	$(BIN)/pytest -q

demo: $(STAMP)
	$(BIN)/partybot console --demo

bench: $(STAMP)
	$(BIN)/python bench/score.py --quick
	$(BIN)/python bench/ledger.py --quick
	$(BIN)/python bench/updates.py --quick
	$(BIN)/python bench/statement.py --n 2000

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
