#!/usr/bin/env bash
# Installs the local tools into .venv (idempotent): moto's server as the local DynamoDB,
# cargo-lambda (from PyPI, it brings zig), cfn-lint, schemathesis (the fuzzer in make test)
# and stripe (the e2e tests sign Stripe events with Stripe's own package). Only the
# registries are needed.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${VENV:-.venv}
stamp="$VENV/.installed-v2"
if [ -f "$stamp" ]; then exit 0; fi
python3 -m venv "$VENV"
"$VENV/bin/pip" install --quiet --disable-pip-version-check \
  'moto[dynamodb,server]>=5.2,<5.3' 'werkzeug>=3,<4' 'cargo-lambda>=1.9,<1.10' 'cfn-lint>=1.20,<2' \
  'schemathesis>=4.3,<5' 'stripe>=11,<14'
touch "$stamp"
