#!/usr/bin/env bash
# Lints the committed OpenAPI snapshot with Spectral (spectral:oas + .spectral.yaml) and Redocly (recommended):
# exits non-zero on any error or warning from either. Run `npm ci` in this folder first.
set -euo pipefail
cd "$(dirname "$0")"
spec=../../src/MlCustomer.Api/OpenApi/openapi.v1.json
# No telemetry or update checks from the closed CI network.
export REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true
status=0
echo "== Spectral (spectral:oas + .spectral.yaml) on $spec"
npx --no-install spectral lint --ruleset .spectral.yaml --fail-severity=hint "$spec" || status=1
echo "== Redocly (recommended) on $spec"
npx --no-install redocly lint --config redocly.yaml --max-problems 200 "$spec" || status=1
# Redocly exits 0 on warnings alone: count them from its summary so a warning fails too.
if npx --no-install redocly lint --config redocly.yaml --format=summary "$spec" 2>&1 | grep -Eq '^warning '; then
  echo "Redocly reported warnings" >&2
  status=1
fi
exit $status
