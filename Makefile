# ParkCert: `make demo` runs the main job on the shipped examples, `make test` runs the whole suite.
# Both set up everything first: system packages (Debian), .venv, the project.

PYTHON ?= $(shell for p in python3.12 python3.11 python3; do \
	  if command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(not ((3, 11) <= sys.version_info[:2] < (3, 13)))' 2>/dev/null; \
	  then command -v $$p; break; fi; done)
VENV  := .venv
BIN   := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
OUT   := out

.PHONY: setup demo test bench lint clean serve

setup: $(STAMP)

$(STAMP): pyproject.toml scripts/setup-system
	@test -n "$(PYTHON)" || { echo "ParkCert needs Python 3.11 or 3.12 (durable_rules does not import on 3.13)"; exit 1; }
	./scripts/setup-system "$(PYTHON)"
	test -x $(BIN)/python || "$(PYTHON)" -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

demo: $(STAMP)
	@mkdir -p $(OUT)
	@for f in examples/*.json; do \
	  echo "== parkcert check $$f"; \
	  $(BIN)/parkcert check "$$f"; rc=$$?; \
	  [ $$rc -le 1 ] || exit $$rc; \
	  $(BIN)/parkcert check --format json -o "$(OUT)/$$(basename $$f .json).result.json" "$$f"; rc=$$?; \
	  [ $$rc -le 1 ] || exit $$rc; \
	done
	@for f in examples/*.json; do for lang in en zh; do \
	  $(BIN)/parkcert report "$$f" --lang $$lang -o "$(OUT)/$$(basename $$f .json).$$lang.pdf" || exit $$?; \
	done; done
	@echo "== one zone against every program: readiness matrix and crosswalk"
	$(BIN)/parkcert check --program all examples/multi-program-yunxi-2016.json || [ $$? -eq 1 ]
	@echo "== the expert panel's review of the failing example"
	$(BIN)/parkcert check examples/failing-donghai-2016.json --review examples/failing-donghai-2016.review.yaml || [ $$? -eq 1 ]
	@for lang in en zh; do $(BIN)/parkcert report examples/failing-donghai-2016.json --review examples/failing-donghai-2016.review.yaml --date 2016-09-20 --lang $$lang -o "$(OUT)/failing-donghai-2016.reviewed.$$lang.pdf" || exit $$?; done
	@echo "== CTIP subsidies across zones (IISD 2015, Table A1)"
	$(BIN)/parkcert summary examples/ctip-portfolio --pdf $(OUT)/ctip-portfolio-summary.pdf
	$(BIN)/parkcert summary examples/ctip-portfolio --format csv -o $(OUT)/ctip-portfolio-summary.csv
	$(BIN)/parkcert rules test
	@echo "== a pack kept outside ParkCert (ILLUSTRATIVE): groups and a threshold by water region"
	$(BIN)/parkcert rules test examples/packs
	$(BIN)/parkcert check --rules examples/packs examples/packs/provincial-demo-zone-2016.json || [ $$? -eq 1 ]
	$(BIN)/parkcert report --rules examples/packs examples/packs/provincial-demo-zone-2016.json -o "$(OUT)/provincial-demo-zone-2016.en.pdf"
	@echo "== a dossier workbook for a zone office: a blank template, and the Rizhao example filled in, imported and checked"
	$(BIN)/parkcert template --force --lang zh -o $(OUT)/dossier-template.zh.xlsx
	$(BIN)/parkcert template --force --from examples/ctip-rizhao-etdz-2016.json -o $(OUT)/ctip-rizhao-etdz-2016.xlsx
	$(BIN)/parkcert import --force $(OUT)/ctip-rizhao-etdz-2016.xlsx -o $(OUT)/ctip-rizhao-etdz-2016.imported.json
	$(BIN)/parkcert check $(OUT)/ctip-rizhao-etdz-2016.xlsx || [ $$? -eq 1 ]
	@echo "results, PDF reports and workbooks written to $(OUT)/"

serve: $(STAMP)
	@echo "Upload a dossier from examples/ (e.g. examples/failing-donghai-2016.json); the illustrative pack in examples/packs is read too."
	$(BIN)/parkcert serve --rules examples/packs $(SERVE_ARGS)

test: $(STAMP)
	$(BIN)/python -m pytest

bench: $(STAMP)
	$(BIN)/python bench/bench_engine.py
	$(BIN)/python bench/bench_batch.py $(BENCH_ARGS)
	$(BIN)/python bench/bench_packs.py
	$(BIN)/python bench/bench_workbook.py

lint: $(STAMP)
	$(BIN)/ruff check engine tests bench

clean:
	rm -rf $(VENV) $(OUT) build dist *.egg-info
