# The two commands: `make run` (the whole stack locally) and `make test` (everything CI runs).
SHELL := /bin/bash
ROLE ?= admin
SHOP ?= s1
SUB ?= u1

.PHONY: run test tools fmt-check clippy unit local-dynamodb gateway template routes client e2e token bench build-release test-clock

run: tools
	scripts/stack.sh

test: tools fmt-check clippy local-dynamodb gateway unit template routes client e2e

tools:
	scripts/bootstrap.sh

fmt-check:
	cargo fmt --all -- --check

clippy:
	cargo clippy --workspace --all-targets --all-features -- -D warnings

# Unit tests and the handler tests against the local DynamoDB (each test binary starts its own).
unit:
	cargo test --workspace

# The local DynamoDB's query patch answers as moto does (scripts/test_local_dynamodb.py).
local-dynamodb:
	.venv/bin/python -m unittest scripts/test_local_dynamodb.py

# The local gateway forwards only the API's routes, never watch's invoke or runtime API
# (scripts/test_local_gateway.py).
gateway:
	.venv/bin/python -m unittest scripts/test_local_gateway.py

# Every test binary of `cargo test --workspace` under libfaketime at instants where UTC and
# shop-local dates, years and DST differ (not part of `make test`: it runs the suite 3 times).
test-clock: tools
	scripts/test_clock.sh

template:
	.venv/bin/cfn-lint template.yaml
	.venv/bin/python -m unittest scripts/test_template.py

routes:
	.venv/bin/python scripts/check_routes.py

# The TypeScript client in clients/typescript is what openapi.yaml generates, and type-checks.
client:
	scripts/check_client.sh

e2e:
	scripts/e2e.sh

token:
	@python3 scripts/make_token.py --role $(ROLE) --shop $(SHOP) --sub $(SUB)

bench:
	cargo bench -p adjust-balance --bench adjust
	cargo bench -p loyalty-domain --bench rules

build-release:
	PATH="$(CURDIR)/.venv/bin:$$PATH" cargo-lambda lambda build --release --workspace
