# Seteli — everyday commands. `make help` lists them.
SHELL := /bin/bash
CARGO ?= cargo
# Where cargo puts the debug binaries `make run` builds.
BIN ?= $(or $(CARGO_TARGET_DIR),target)/debug
# PostgreSQL server used by `make test-postgres`; each test creates its own fresh database on it.
SETELI_TEST_POSTGRES ?= postgres://postgres@127.0.0.1:5432/postgres
# PostgreSQL server `make bench` also measures billing on (a fresh database it drops); empty: SQLite only.
SETELI_BENCH_POSTGRES ?=

.PHONY: help run demo token test test-sqlite test-postgres lint fmt bench k8s-check proto-check einvoice-schemas web portal ci

help: ## List the commands
	@grep -E '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'

run: ## Start every service locally on SQLite with dev keys (Ctrl-C stops them)
	@deploy/scripts/run-local.sh

demo: einvoice-schemas ## Walk one month of the journey against the running `make run` (files under ./data/demo/), then check its e-invoices with the official schemas and EN 16931 / Peppol rules
	@# The binaries `make run` built (same command, same features): no second compile.
	@$(CARGO) build --quiet --bins
	@$(BIN)/seteli demo --out data/demo
	@files=$$(find data/demo -name '*.xml' | sort); \
	  echo "The demo's e-invoices against the official Finvoice 3.0 / UBL 2.1 schemas and EN 16931 / Peppol BIS 3.0 rules:"; \
	  .venv/bin/python deploy/scripts/validate-einvoice.py $$files && .venv/bin/python deploy/scripts/einvoice-rules.py $$files

token: ## Mint a dev token: make token ROLE=county_admin [PROVIDER=<id>] (a client: ROLE=client HETU=<identity code>)
	@$(CARGO) build --quiet --bins
	@$(BIN)/seteli-dev token --role $(ROLE) $(if $(PROVIDER),--provider $(PROVIDER),) $(if $(HETU),--identity-code $(HETU),)

test: test-sqlite test-postgres ## Run every test on SQLite and on PostgreSQL

test-sqlite: einvoice-schemas web ## Run every test on SQLite only
	$(CARGO) nextest run --workspace --no-fail-fast

test-postgres: einvoice-schemas web ## Run every test on PostgreSQL only (needs a server: SETELI_TEST_POSTGRES)
	@# Each test makes its own seteli_test_* databases (the templates too); drop those left by earlier runs.
	@psql "$(SETELI_TEST_POSTGRES)" -Atqc "SELECT 'DROP DATABASE IF EXISTS ' || datname || ' WITH (FORCE);' FROM pg_database WHERE datname LIKE 'seteli\_test\_%'" 2>/dev/null | psql "$(SETELI_TEST_POSTGRES)" -q >/dev/null 2>&1 || true
	SETELI_TEST_POSTGRES=$(SETELI_TEST_POSTGRES) $(CARGO) nextest run --workspace --no-fail-fast

lint: ## rustfmt check, clippy with warnings denied, and the crates' structure (no module cycle, no file past 800 lines)
	$(CARGO) fmt --all --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings
	python3 deploy/scripts/structure-check.py

fmt: ## Format the code
	$(CARGO) fmt --all

bench: ## Run the benchmarks (release build; each fails when over its budget)
	$(CARGO) bench -p seteli-platform --bench auth
	@# billing: a month's invoicing and 10,000 exports; PostgreSQL too when SETELI_BENCH_POSTGRES is set.
	SETELI_BENCH_POSTGRES=$(SETELI_BENCH_POSTGRES) $(CARGO) bench -p seteli-billing --bench invoicing
	@# load: registry, vouchers, attendance as processes beside bare tonic (echo, one insert); SQLite, PostgreSQL too when set; ~2½ min.
	SETELI_BENCH_POSTGRES=$(SETELI_BENCH_POSTGRES) $(CARGO) run --release -q -p seteli-loadbench

k8s-check: ## Render both kustomize overlays and validate them offline against the Kubernetes schemas
	@deploy/scripts/k8s-check.sh

einvoice-schemas: ## Fetch the official Finvoice 3.0 / UBL 2.1 schemas and EN 16931 / Peppol rules (pinned, sha256), lxml and saxonche, for the billing tests
	@deploy/scripts/einvoice-schemas.sh

web: ## Build the browser portals (web/: the social worker's and the provider's, over gRPC-Web) into web/dist; npm ci from web/package-lock.json
	@web/build.sh

portal: web ## Serve the browser portals (web/dist) on http://127.0.0.1:3000, an origin `make run` allows
	@u="http://127.0.0.1:3000/?vouchers=http://127.0.0.1:50052&providers=http://127.0.0.1:50051&attendance=http://127.0.0.1:50053&reporting=http://127.0.0.1:50054&billing=http://127.0.0.1:50055"; \
	  echo "Social worker: $$u#token=$$($(BIN)/seteli token --role social_worker 2>/dev/null || echo '<make token ROLE=social_worker>')"; \
	  echo "Provider:      $$u#token=<make token ROLE=provider_user PROVIDER=<provider id>>"; \
	  echo "Client:        $$u#token=<make token ROLE=client HETU=<identity code>>"; \
	  echo "Comparison:    $$u#/vertailu (no sign-in)"
	@python3 -m http.server --bind 127.0.0.1 --directory web/dist 3000

proto-check: ## buf lint (STANDARD) and buf breaking against main
	@deploy/scripts/proto-check.sh

ci: lint proto-check k8s-check test ## What CI runs
