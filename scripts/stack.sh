#!/usr/bin/env bash
# Brings up the whole stack locally: the local DynamoDB (moto, single-threaded), the table
# as template.yaml defines it, and every function under `cargo lambda watch` on the real
# routes. Prints the URL and an admin token when ready; Ctrl-C stops everything it started.
#
# Real AWS instead: set LOYALTY_TABLE (an existing table) and leave AWS_ENDPOINT_URL unset.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)

PORT=${LOYALTY_PORT:-9000}
DDB_PORT=${LOYALTY_DYNAMODB_PORT:-8000}
# Instances per function: 10 concurrent requests to one function each get their own, as
# Lambda would scale out (the e2e stall test sends 10 at once).
CONCURRENCY=${LOYALTY_CONCURRENCY:-10}
# The example storefront (examples/storefront) is served on its own origin, which is the one
# CORS lets call the API unless LOYALTY_ALLOWED_ORIGINS says otherwise (template.yaml's
# AllowedOrigins; scripts/local_gateway.py answers as API Gateway would).
STOREFRONT_PORT=${LOYALTY_STOREFRONT_PORT:-9100}
export LOYALTY_ALLOWED_ORIGINS=${LOYALTY_ALLOWED_ORIGINS-http://127.0.0.1:$STOREFRONT_PORT}
# The notifier writes member notifications here locally (no SES): one JSON line each.
export LOYALTY_NOTIFY_FILE=${LOYALTY_NOTIFY_FILE:-$ROOT/.local/notifications.jsonl}
# The local stack (and only it) may use the public default secret: see shared/api auth.rs.
export LOYALTY_LOCAL=1
export LOYALTY_JWT_SECRET=${LOYALTY_JWT_SECRET:-local-dev-secret}
# The webhook sender sweeps the due index for most of each minute (template.yaml gives 55 s;
# locally the schedule runner starts the next invocation only when one ends).
export LOYALTY_SWEEP_SECONDS=${LOYALTY_SWEEP_SECONDS:-58}
# The same DynamoDB timeouts as template.yaml (shared/store).
export LOYALTY_DDB_ATTEMPT_TIMEOUT_MS=${LOYALTY_DDB_ATTEMPT_TIMEOUT_MS:-3000}
export LOYALTY_DDB_TIMEOUT_MS=${LOYALTY_DDB_TIMEOUT_MS:-6000}
export AWS_REGION=${AWS_REGION:-us-east-1}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}

scripts/bootstrap.sh
PY="$ROOT/.venv/bin/python"
export PATH="$ROOT/.venv/bin:$PATH"

pids=()
cleanup() {
  trap - INT TERM EXIT
  for pid in "${pids[@]}"; do
    pkill -TERM -P "$pid" 2>/dev/null || true
    kill -TERM "$pid" 2>/dev/null || true
  done
  wait 2>/dev/null || true
}
trap cleanup INT TERM EXIT

if [ -z "${LOYALTY_TABLE:-}" ] || [ -n "${AWS_ENDPOINT_URL:-}" ]; then
  export LOYALTY_TABLE=${LOYALTY_TABLE:-loyalty-local}
  export AWS_ACCESS_KEY_ID=${AWS_ACCESS_KEY_ID:-test}
  export AWS_SECRET_ACCESS_KEY=${AWS_SECRET_ACCESS_KEY:-test}
  if [ -z "${AWS_ENDPOINT_URL:-}" ]; then
    export AWS_ENDPOINT_URL="http://127.0.0.1:$DDB_PORT"
    mkdir -p .local
    "$PY" scripts/local_dynamodb.py 127.0.0.1 "$DDB_PORT" >.local/dynamodb.log 2>&1 &
    pids+=($!)
    # The e2e stall test freezes this process (SIGSTOP) to play a stalled database.
    echo $! >".local/dynamodb.$DDB_PORT.pid"
    for _ in $(seq 1 100); do
      "$PY" -c "import socket,sys; socket.create_connection(('127.0.0.1', $DDB_PORT), 0.2)" 2>/dev/null && break
      sleep 0.1
    done
  fi
  "$PY" scripts/local_table.py --endpoint "$AWS_ENDPOINT_URL" --table "$LOYALTY_TABLE"
  echo "DynamoDB: $AWS_ENDPOINT_URL, table $LOYALTY_TABLE"
else
  echo "DynamoDB: AWS ($AWS_REGION), table $LOYALTY_TABLE"
fi

# Build every function first, each as watch will run it (`cargo run --bin <function>`, its
# own features: the webhook sender's HTTP client adds features to crates the others share,
# so one build of them all would leave the others to be rebuilt by their first instance),
# so N instances starting at once never queue on cargo's lock.
functions=$(ls functions)
for f in $functions; do
  cargo build --quiet --bin "$f"
done

# watch listens on an inner port behind scripts/local_gateway.py, which keeps fewer than
# 100 requests inside it at once (cargo-lambda 1.9 deadlocks past that; see the script).
INNER_PORT=${LOYALTY_WATCH_PORT:-$((PORT + 1000))}
# LOYALTY_WATCH_FLAGS: e.g. --ignore-changes (e2e and benchmarks: an edit made meanwhile
# must not restart the instances under test).
# shellcheck disable=SC2086
cargo lambda watch -A 127.0.0.1 -P "$INNER_PORT" --concurrency "$CONCURRENCY" ${LOYALTY_WATCH_FLAGS:-} &
pids+=($!)
"$PY" scripts/local_gateway.py "$PORT" "$INNER_PORT" 64 &
pids+=($!)
"$PY" -m http.server "$STOREFRONT_PORT" --bind 127.0.0.1 --directory examples/storefront >/dev/null 2>&1 &
pids+=($!)

URL="http://127.0.0.1:$PORT"
TOKEN=$("$PY" scripts/make_token.py --role admin --shop s1 --sub admin)
CUSTOMER=$("$PY" scripts/make_token.py --role customer --shop s1 --sub m1)
for _ in $(seq 1 600); do
  code=$("$PY" - "$URL" "$TOKEN" <<'PY' 2>/dev/null || true
import sys, urllib.request, urllib.error
req = urllib.request.Request(sys.argv[1] + "/members/readiness-probe",
                             headers={"Authorization": "Bearer " + sys.argv[2]})
try:
    print(urllib.request.urlopen(req, timeout=60).status)
except urllib.error.HTTPError as e:
    print(e.code)
PY
)
  [ "$code" = "200" ] && break
  sleep 0.5
done
[ "$code" = "200" ] || { echo "the stack did not become ready" >&2; exit 1; }

# What AWS runs beside the API: the table's stream feeds its consumers (the notifier) the
# way the event source mapping would, and the scheduled functions run on their rates
# (scripts/local_events.py). Only against the local DynamoDB.
if [ -n "${AWS_ENDPOINT_URL:-}" ]; then
  "$PY" scripts/local_events.py "http://127.0.0.1:$INNER_PORT" "$AWS_ENDPOINT_URL" "$LOYALTY_TABLE" \
    >".local/events.$PORT.log" 2>&1 &
  pids+=($!)
fi

cat <<MSG

Loyalty stack ready at $URL
Console (signs in as the local admin of shop s1):
  $URL/console/#token=$TOKEN
Example storefront with the member widget (member m1 of shop s1; CORS origins: ${LOYALTY_ALLOWED_ORIGINS:-none}):
  http://127.0.0.1:$STOREFRONT_PORT/#api=$URL&token=$CUSTOMER
Admin token (shop s1, 24 h):
  export TOKEN=$TOKEN
  curl -s $URL/members/m1 -H "Authorization: Bearer \$TOKEN"
Member notifications (the stream consumer, fed locally by scripts/local_events.py): $LOYALTY_NOTIFY_FILE
Ctrl-C stops everything.
MSG
wait "${pids[@]}"
