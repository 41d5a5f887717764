#!/usr/bin/env bash
# End-to-end tests over HTTP: builds the test binary, brings up a private stack
# (scripts/stack.sh on its own ports), runs the tests against it, and stops it.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
PORT=${LOYALTY_E2E_PORT:-9300}
DDB_PORT=${LOYALTY_E2E_DYNAMODB_PORT:-9301}

# Built before the stack starts: the test binary then runs without cargo, so it never
# waits on cargo's lock while `cargo lambda watch` starts function instances.
built=$(cargo test -p loyalty-tests --features e2e --test http --test stall --no-run --message-format=json \
  | .venv/bin/python -c 'import json,sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and m.get("executable") and m["target"]["name"] in ("http", "stall"):
        print(m["target"]["name"], m["executable"])')
bin=$(echo "$built" | awk '$1 == "http" {print $2}')
stall=$(echo "$built" | awk '$1 == "stall" {print $2}')
[ -n "$bin" ] && [ -n "$stall" ] || { echo "could not find the e2e test binaries" >&2; exit 1; }

mkdir -p .local
log=.local/e2e-stack.log
export LOYALTY_NOTIFY_FILE=$ROOT/.local/e2e-notifications.jsonl
rm -f "$LOYALTY_NOTIFY_FILE"
# Always local: never let a developer's LOYALTY_TABLE point the tests at real AWS.
# The storefront tests serve the example page on 9310 (listed) and 9311 (not listed); the
# console's sign-in test runs its OpenID Connect provider on 9320 (tests/console/oidc_provider.py).
env -u LOYALTY_TABLE -u AWS_ENDPOINT_URL LOYALTY_PORT="$PORT" LOYALTY_DYNAMODB_PORT="$DDB_PORT" \
  LOYALTY_STOREFRONT_PORT=9312 LOYALTY_ALLOWED_ORIGINS=http://127.0.0.1:9310 \
  LOYALTY_OIDC_ISSUER=http://127.0.0.1:9320 LOYALTY_OIDC_CLIENT_ID=loyalty-console LOYALTY_OIDC_NAME="Test sign-in" \
  LOYALTY_WATCH_FLAGS=--ignore-changes \
  setsid scripts/stack.sh >"$log" 2>&1 &
stack=$!
stop() { kill -TERM -- "-$stack" 2>/dev/null || true; wait "$stack" 2>/dev/null || true; }
trap stop EXIT

for _ in $(seq 1 1800); do
  grep -aq "Loyalty stack ready" "$log" && break
  kill -0 "$stack" 2>/dev/null || { cat "$log" >&2; echo "the stack exited" >&2; exit 1; }
  sleep 0.5
done
grep -aq "Loyalty stack ready" "$log" || { tail -50 "$log" >&2; echo "the stack did not start" >&2; exit 1; }

export LOYALTY_E2E_URL="http://127.0.0.1:$PORT" LOYALTY_JWT_SECRET=local-dev-secret
"$bin" --test-threads 2
# The console in Debian's Chromium against the same stack (tests/console/conftest.py), and
# the webhook tests, which read the local table's stream and replay a batch into the
# stream consumer through watch's invoke API.
LOYALTY_E2E_DYNAMODB_URL="http://127.0.0.1:$DDB_PORT" LOYALTY_E2E_WATCH_URL="http://127.0.0.1:$((PORT + 1000))" \
  scripts/console_test.sh
# Alone, after the others: it freezes the local DynamoDB they share.
LOYALTY_E2E_DYNAMODB_PID=$(cat ".local/dynamodb.$DDB_PORT.pid") "$stall"

# The fuzzer against the same stack: every operation of openapi.yaml, fixed seed and a
# bounded number of examples, so CI stays inside its limit (scripts/fuzz.sh).
LOYALTY_E2E_URL="http://127.0.0.1:$PORT" scripts/fuzz.sh

# The functions' logs: no personal data (every e-mail address and phone number the tests
# sent stayed out of them), every EMF line well formed, the jobs' lines among them (issue 25).
.venv/bin/python scripts/check_logs.py "$log"
