# Emergency Compliance Portal: two commands set everything up on a fresh machine.
#   make demo   the portal on the embedded default (SQLite, Celery in-process) at http://127.0.0.1:8000
#   make test   the whole test suite (set DATABASE_URL / REDIS_URL to run it on PostgreSQL + Redis)
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
# Debian packages: WeasyPrint's Pango, a CJK font (without one PDFs print boxes), poppler for PDF
# checks, qpdf for the PDF structure check, Chromium for the browser tests, gettext for the
# translation catalog, docker-compose to validate docker-compose.yml without a Docker engine.
DEB_RUNTIME := python3-venv libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-noto-cjk gettext
DEB_TEST := $(DEB_RUNTIME) chromium poppler-utils qpdf docker-compose
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: demo test test-parallel messages lint system-deps system-deps-test venv migrate serve worker beat clean bench bench-web

define apt_install
	@missing=""; for p in $(1); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "Installing Debian packages:$$missing"; \
		SUDO=""; [ "$$(id -u)" -eq 0 ] || SUDO="sudo"; \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi
endef

system-deps:
	$(call apt_install,$(DEB_RUNTIME))

system-deps-test:
	$(call apt_install,$(DEB_TEST))

$(VENV)/.installed: requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	$(PIP) install -q -r requirements-dev.txt
	touch $@

venv: $(VENV)/.installed

migrate: venv
	$(PY) manage.py migrate --noinput

# `make demo PORT=8080`: links printed in PDFs and e-mails (the scorecard QR code) use the address
# the demo is served at, not a fixed :8000.
DEMO_ENV := DEBUG=true PORTAL_BASE_URL=http://$(HOST):$(PORT)
demo: system-deps venv
	@echo "[1/4] 编译界面翻译 compiling translations"
	@if [ -f locale/zh_Hans/LC_MESSAGES/django.po ]; then $(PY) manage.py compilemessages -l zh_Hans >/dev/null; fi
	@echo "[2/4] 建立数据库 migrating the database"
	@$(DEMO_ENV) $(PY) manage.py migrate --noinput >/dev/null
	@echo "[3/4] 导入行政区划、规则库、演示数据和一年的月末评估（约需一两分钟） loading demo data"
	@set -o pipefail; $(DEMO_ENV) $(PY) manage.py load_demo | grep --line-buffered -E "历史评估|演示数据已就绪"
	@echo "[4/4] 启动 starting the server"
	@echo ""
	@echo "============================================================"
	@echo " 应急合规演示已就绪： http://$(HOST):$(PORT)/"
	@echo " 演示账号 county_demo / township_demo / auditor_demo / admin_demo"
	@echo " 密码 Demo-2026!        停止：Ctrl+C"
	@echo "============================================================"
	@$(DEMO_ENV) $(PY) manage.py runserver $(HOST):$(PORT)

# The suite runs in parallel (pytest-xdist, TEST_WORKERS processes, each with its own test
# database). Tests that start a browser or a Celery worker, or fuzz the API at length (markers
# browser, worker, fuzz; tests/conftest.py marks them by folder) then run one at a time: `make test`
# runs both parts, `make test-parallel` the parallel part alone (CI's SQLite pass).
# pytest exits 5 when it collected no tests: that is not a failure of the suite itself.
TEST_WORKERS ?= auto
SERIAL_TESTS := browser or worker or fuzz
PYTEST_PARALLEL = $(PY) -m pytest -n $(TEST_WORKERS) -m "not ($(SERIAL_TESTS))" $(PYTEST_ARGS)
PYTEST_SERIAL = $(PY) -m pytest -m "$(SERIAL_TESTS)" $(PYTEST_ARGS)

messages:
	@if [ -f locale/zh_Hans/LC_MESSAGES/django.po ]; then $(PY) manage.py compilemessages -l zh_Hans >/dev/null; fi

test: system-deps-test venv messages
	$(PYTEST_PARALLEL); a=$$?; $(PYTEST_SERIAL); b=$$?; \
	for rc in $$a $$b; do [ $$rc -eq 0 ] || [ $$rc -eq 5 ] || exit $$rc; done

test-parallel: system-deps-test venv messages
	$(PYTEST_PARALLEL); rc=$$?; if [ $$rc -eq 5 ]; then echo "no tests collected"; rc=0; fi; exit $$rc

lint: venv
	$(VENV)/bin/ruff check .

worker: venv
	$(VENV)/bin/celery -A config worker -l info

beat: venv
	$(VENV)/bin/celery -A config beat -l info

# Benchmarks (PostgreSQL: set DATABASE_URL to a postgres:// URL; see docs/performance.md).
bench: venv
	$(PY) -m benchmarks.nightly --recreate --counties 10 --townships 20 --villages 20 --workers 2

bench-web: venv
	$(call apt_install,wrk)
	$(PY) -m benchmarks.web_load

clean:
	rm -rf $(VENV) db.sqlite3 db.sqlite3-* staticfiles .pytest_cache test-artifacts
