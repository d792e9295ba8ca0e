#!/usr/bin/env bash
# Fails when systemd's own exposure score of the shipped unit is above 3.0:
#   systemd-analyze security --offline=yes --threshold=30 UNIT
# (--threshold is the score x10; systemd 252, Debian 12, has both options). Prints the
# score and, on failure, every setting that costs exposure.
set -euo pipefail
unit=${1:-deploy/pinwatch.service}
max_score_x10=30
command -v systemd-analyze >/dev/null || { echo "check-unit-security: systemd-analyze not found (apt-get install systemd)" >&2; exit 1; }
[ -f "$unit" ] || { echo "check-unit-security: $unit not found" >&2; exit 1; }
report=$(mktemp)
trap 'rm -f "$report"' EXIT
status=0
systemd-analyze security --offline=yes --threshold=$max_score_x10 "$unit" >"$report" 2>&1 || status=$?
overall=$(grep -F 'Overall exposure level' "$report" || true)
if [ -z "$overall" ]; then
  cat "$report" >&2
  echo "check-unit-security: systemd-analyze gave no score for $unit" >&2
  exit 1
fi
echo "$unit: ${overall#→ }"
if [ "$status" -ne 0 ]; then
  grep -F '✗' "$report" >&2 || true
  echo "check-unit-security: $unit scores above 3.0 (the limit); settings above cost exposure" >&2
  exit 1
fi
