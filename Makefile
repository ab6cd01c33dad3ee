# SDA — two commands on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PIP    := $(BIN)/python -m pip --disable-pip-version-check -q

.PHONY: install install-test web-assets demo test bench clean

# The operational picture's browser libraries (CesiumJS, satellite.js), vendored from npm
# into the package's static folder: the page loads nothing from a CDN.
WEB    := src/sda/interfaces/web
VENDOR := $(WEB)/static/vendor

install: $(VENV)/.installed web-assets

web-assets: $(VENDOR)/.installed

$(VENDOR)/.installed: $(WEB)/package.json $(WEB)/package-lock.json
	@command -v npm >/dev/null || { echo "npm is needed to install the picture's browser libraries (Debian: apt-get install npm)" >&2; exit 1; }
	cd $(WEB) && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
	rm -rf $(VENDOR) && mkdir -p $(VENDOR)
	cp -R $(WEB)/node_modules/cesium/Build/Cesium $(VENDOR)/cesium
	cp $(WEB)/node_modules/cesium/LICENSE.md $(VENDOR)/cesium/
	cp -R $(WEB)/node_modules/satellite.js/dist $(VENDOR)/satellite.js
	cp $(WEB)/node_modules/satellite.js/LICENSE.md $(VENDOR)/satellite.js/
	touch $@

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(PIP) install --upgrade pip
	$(PIP) install -e .
	touch $@

install-test: $(VENV)/.installed-test web-assets

$(VENV)/.installed-test: $(VENV)/.installed pyproject.toml
	$(PIP) install -e '.[test]'
	scripts/ensure-postgres
	scripts/ensure-chromium
	touch $@

demo: install
	$(BIN)/sda demo

test: install-test
	$(BIN)/python -m pytest -n 2 -q

bench: install-test
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) build *.egg-info src/*.egg-info .pytest_cache
