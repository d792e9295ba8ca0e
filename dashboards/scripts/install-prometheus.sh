#!/usr/bin/env bash
# Installs Debian's prometheus package (prometheus + promtool) when missing, idempotently.
# The package may start its own service on :9090; the monitoring tests never use it: they run
# their own Prometheus on a free loopback port with their own config and data directory.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
if command -v prometheus >/dev/null 2>&1 && command -v promtool >/dev/null 2>&1; then
  echo "prometheus: present ($(promtool --version 2>&1 | head -1))"
  exit 0
fi
echo "prometheus: installing the Debian package"
apt-get update -qq
apt-get install -y -qq --no-install-recommends prometheus
promtool --version | head -1
