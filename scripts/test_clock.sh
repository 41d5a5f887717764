#!/usr/bin/env bash
# Runs every test binary of `cargo test --workspace` under libfaketime (Debian's `faketime`)
# at instants where UTC and shop-local dates, years and DST differ, each in a machine zone of
# its own, so no test can depend on the machine's clock or zone (`make test-clock`).
# The clock ticks from each instant (faketime's "@" form), so a test that runs across a
# midnight is caught too. The binaries are built once without faketime (cargo compares file
# times) and run as `cargo test` runs them, from their crate's folder.
#
# usage: scripts/test_clock.sh ["INSTANT|ZONE" ...]   (default: the three below)
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$(pwd)/target}

if ! command -v faketime >/dev/null; then
  echo "installing faketime (Debian's libfaketime)" >&2
  apt-get install -y -qq faketime >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq faketime >/dev/null; }
fi
scripts/bootstrap.sh

runs=("$@")
if [ ${#runs[@]} -eq 0 ]; then
  runs=(
    # 00:30 on 1 January 2027 in Kuala Lumpur while UTC is still in 2026.
    "2026-12-31 16:30:00|UTC"
    # Europe's clocks go forward at 01:00 UTC on the last Sunday of March.
    "2027-03-28 01:30:00|Europe/Berlin"
    # A leap day 30 s before UTC midnight: the UTC date changes while the tests run; the
    # machine's zone is a day ahead of UTC.
    "2028-02-29 23:59:30|Pacific/Kiritimati"
  )
fi

bins=$(cargo test --workspace --no-run --message-format=json 2>/dev/null \
  | .venv/bin/python -c 'import json,os,sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and m.get("executable") and m["profile"]["test"]:
        print(os.path.dirname(m["manifest_path"]) + " " + m["executable"])')
[ -n "$bins" ] || { echo "no test binaries were built" >&2; exit 1; }

mkdir -p .local
failed=0
for run in "${runs[@]}"; do
  at=${run%%|*}
  zone=${run#*|}
  [ "$zone" != "$run" ] || zone=UTC
  echo "== faketime @$at, TZ=$zone"
  while read -r dir bin; do
    out=".local/test-clock.$(basename "$bin").log"
    if (cd "$dir" && TZ=$zone faketime -f "@$at" "$bin" >"$OLDPWD/$out" 2>&1); then
      result=$(grep -a '^test result' "$out" | tail -1)
      case "$result" in *" 0 passed"*) ;; *) echo "ok     $(basename "$bin"): $result" ;; esac
    else
      echo "FAILED $(basename "$bin") (log: $out)"
      grep -a -A3 -E "^---- |panicked" "$out" | head -40
      failed=1
    fi
  done <<<"$bins"
done
exit $failed
