# skillcert — two commands on a fresh machine: `make run` and `make test`.
# Needs only python3 (3.11) and make; uv is bootstrapped into .tools/ when it is not on PATH.

SHELL := /bin/bash
PY_SYS ?= python3
UV := $(shell command -v uv 2>/dev/null || echo .tools/bin/uv)
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=
PYTEST_WORKERS ?= auto
PYTEST_XDIST = -n $(PYTEST_WORKERS) --dist worksteal
# Links printed by the demo and sent in mails point at the address actually served.
export SKILLCERT_SITE_URL ?= http://$(HOST):$(PORT)

.PHONY: fonts run install migrate demo serve test test-e2e lint fmt bench messages check-deploy totp clean

$(UV):
	@echo "==> bootstrapping uv into .tools/"
	$(PY_SYS) -m venv .tools
	.tools/bin/pip install --quiet --disable-pip-version-check uv

$(VENV)/.installed: pyproject.toml uv.lock | $(UV)
	@echo "==> installing dependencies (uv sync --frozen)"
	$(UV) sync --frozen --python $(PY_SYS)
	@touch $@

FONT := var/fonts/wqy-microhei.ttc
SYS_FONT := /usr/share/fonts/truetype/wqy/wqy-microhei.ttc

# The CJK font embedded in PDFs (tickets, sign-in sheets, certificates), from Debian's archive.
# `apt-get download` needs no root; elsewhere set SKILLCERT_PDF_FONT to any TrueType CJK font.
$(FONT):
	@mkdir -p var/fonts
	@if [ -f $(SYS_FONT) ]; then cp $(SYS_FONT) $@; \
	elif command -v apt-get >/dev/null 2>&1; then \
	  echo "==> fetching the PDF font (Debian package fonts-wqy-microhei)"; \
	  tmp=$$(mktemp -d) && (cd $$tmp && apt-get download -q fonts-wqy-microhei >/dev/null 2>&1) \
	  && dpkg-deb -x $$tmp/fonts-wqy-microhei_*.deb $$tmp/x && cp $$tmp/x$(SYS_FONT) $@; rm -rf $$tmp; \
	fi; [ -f $@ ] || echo "warning: no CJK TrueType font; PDFs fall back to a non-embedded font (set SKILLCERT_PDF_FONT)"

fonts: $(FONT)

install: $(VENV)/.installed
	@$(MAKE) --no-print-directory fonts || true

migrate: install
	$(PY) manage.py migrate --noinput

demo: migrate
	$(PY) manage.py seed_demo

serve: install
	$(PY) manage.py runserver $(HOST):$(PORT)

run: demo serve

# pytest-xdist: one worker per core (PYTEST_WORKERS=0 runs in this process); a worker takes the next test
# when it is free (worksteal). Each worker has its own test database (pytest-django suffixes _gw0, _gw1, …).
test: install
	$(PY) -m pytest $(PYTEST_XDIST) $(PYTEST_ARGS)

test-e2e: install
	$(PY) -m pytest -m e2e $(PYTEST_XDIST) $(PYTEST_ARGS)

# ruff, then the import contracts of pyproject.toml [tool.importlinter] (issue #21 item 4: one direction of
# dependencies — layers, independent faces, no import cycle inside a package, private modules stay private).
lint: install
	$(VENV)/bin/ruff check src tests bench
	$(VENV)/bin/lint-imports

fmt: install
	$(VENV)/bin/ruff check --fix src tests bench

bench: install
	$(PY) bench/run.py
	$(PY) bench/registration_import.py
	$(PY) bench/scheduling.py
	$(PY) bench/itembank.py
	$(PY) bench/assembly.py
	$(PY) bench/delivery.py
	$(PY) bench/grading.py

messages: install
	cd src/skillcert && ../../$(PY) ../../manage.py makemessages -l en --no-location --no-obsolete
	cd src/skillcert && ../../$(PY) ../../manage.py compilemessages -l en

check-deploy: install
	SKILLCERT_DEBUG=0 SKILLCERT_SECRET_KEY=$$($(PY) -c 'import secrets;print(secrets.token_urlsafe(64))') \
	SKILLCERT_ALLOWED_HOSTS=skillcert.example.org $(PY) manage.py check --deploy --fail-level WARNING

totp: install
	@$(PY) manage.py totp_code $(USER)

clean:
	rm -rf .venv .tools var/static .pytest_cache
