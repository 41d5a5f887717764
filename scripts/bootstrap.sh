#!/usr/bin/env bash
# Installs the local tools into .venv (idempotent): moto's server as the local DynamoDB,
# cargo-lambda (from PyPI, it brings zig), cfn-lint, schemathesis (the fuzzer in make test),
# stripe (the e2e tests sign Stripe events with Stripe's own package), and for the console
# tests Debian's Chromium with Playwright for Python (which drives it; `playwright install`
# would download a browser), pytest and zxing-cpp (reads the QR codes back). Only the
# registries are needed.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${VENV:-.venv}
# A CJK font too: without one the zh-CN console renders boxes in screenshots.
CHROMIUM=${LOYALTY_CHROMIUM:-/usr/lib/chromium/chromium}
CJK_FONT=/usr/share/fonts/truetype/wqy/wqy-microhei.ttc
if [ ! -x "$CHROMIUM" ] || [ ! -f "$CJK_FONT" ]; then
  echo "installing Debian's chromium and a CJK font (the console tests' browser)" >&2
  SUDO=; [ "$(id -u)" = 0 ] || SUDO=sudo
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get install -y -qq chromium fonts-wqy-microhei >/dev/null 2>&1 \
    || { $SUDO apt-get update -qq && $SUDO apt-get install -y -qq chromium fonts-wqy-microhei >/dev/null; }
fi
stamp="$VENV/.installed-v4"
if [ -f "$stamp" ]; then exit 0; fi
python3 -m venv "$VENV"
"$VENV/bin/pip" install --quiet --disable-pip-version-check \
  'moto[dynamodb,server]>=5.2,<5.3' 'werkzeug>=3,<4' 'cargo-lambda>=1.9,<1.10' 'cfn-lint>=1.20,<2' \
  'schemathesis>=4.3,<5' 'stripe>=11,<14' \
  'playwright>=1.50,<2' 'pytest>=8,<10' 'zxing-cpp>=2.2,<3' 'pillow>=10,<13' \
  'standardwebhooks>=1.3,<2'
touch "$stamp"
