#!/usr/bin/env bash
# Regenerates dashboards/grafana/*.json and dashboards/prometheus/rules.yml from dashboards/src.
# Compiles only the generator (not the whole project) into dist/, so it works while other
# parts of the tree do not build. Flags go to the generator:
#   bash dashboards/scripts/generate.sh --selector 'job="hypervisors"' --out /tmp/pinwatch-monitoring
set -euo pipefail
cd "$(dirname "$0")/../.."
out=dist/dashboards-generator
rm -rf "$out"
npx tsc --outDir "$out" --rootDir . --module NodeNext --moduleResolution NodeNext --target ES2022 \
  --strict --noUncheckedIndexedAccess --skipLibCheck --types node dashboards/src/generate-main.ts
node "$out/dashboards/src/generate-main.js" "$@"
