#!/usr/bin/env bash
# The console's browser tests (pytest + Playwright driving Debian's Chromium) against a
# running stack: LOYALTY_E2E_URL, else `make run`'s. scripts/e2e.sh runs them on its own
# stack; by hand: `make run` in one terminal, `scripts/console_test.sh` in another.
# LOYALTY_CONSOLE_SHOTS=docs/console also saves the screenshots of every screen.
set -euo pipefail
cd "$(dirname "$0")/.."
export LOYALTY_E2E_URL=${LOYALTY_E2E_URL:-http://127.0.0.1:${LOYALTY_PORT:-9000}}
scripts/bootstrap.sh
exec .venv/bin/python -m pytest -q -p no:cacheprovider tests/console "$@"
