#!/usr/bin/env bash
# Validate contracts/asyncapi.json with the official AsyncAPI parser.
#   bash contracts/asyncapi-check/run.sh [path]
# Installs the pinned parser from package-lock.json on first use. Install scripts are skipped: the
# parser needs none, and one of its dependencies would otherwise phone home (@scarf/scarf).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
command -v npm >/dev/null || { echo "npm not found: node 20+ and npm are required" >&2; exit 2; }
if [ ! -d node_modules/@asyncapi/parser ]; then
  SCARF_ANALYTICS=false npm ci --silent --ignore-scripts --no-audit --no-fund
fi
exec node validate.mjs "$@"
