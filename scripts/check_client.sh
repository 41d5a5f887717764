#!/usr/bin/env bash
# The TypeScript client (clients/typescript) is current and type-checks: installs the locked
# devDependencies (npm ci), regenerates schema.d.ts from openapi.yaml into a temp file and fails
# if the committed one differs, then runs tsc --noEmit over index.ts and example.ts.
# Needs Node >= 20 and npm (the npm registry, or a warm npm cache, for `npm ci`).
set -euo pipefail
cd "$(dirname "$0")/../clients/typescript"
npm ci --no-audit --no-fund --silent
npm run --silent check
