#!/usr/bin/env bash
# Runs pinwatch as an unprivileged user holding exactly the capabilities of the systemd
# unit (deploy/pinwatch.service), then asserts from /metrics and /api/v1 that it still does
# its job: eBPF running (bpftrace attached), the kernel log read, VFIO users found.
# Self-contained, for the kernel lab guest (root, the host's userland: setpriv, curl).
#
#   unprivileged-pinwatch.sh PINWATCH_COMMAND...
#       e.g. unprivileged-pinwatch.sh node /repo/dist/cli/main.js serve --path.procfs /proc \
#              --db.path /tmp/pw.db --web.listen-address 127.0.0.1:9477 --ebpf.source bpftrace
#   unprivileged-pinwatch.sh --print-setpriv-args [UNIT_FILE]
#       prints the setpriv arguments built from the unit, one a line (the unit test's view)
#
# The capability list is parsed from the unit's AmbientCapabilities= and
# CapabilityBoundingSet= lines (which must name the same set), so the lab proves what
# the unit grants and the two cannot drift.
# Environment:
#   PINWATCH_UNIT          unit file (default: deploy/pinwatch.service of this checkout)
#   UNPRIV_UID, UNPRIV_GID the ids to run as (default 64123): numeric, so the guest needs
#                          no passwd entry (its /etc is the host's, read-only to it);
#                          --init-groups when the uid has a passwd entry, else --clear-groups
#   UNPRIV_ADDR            where pinwatch listens (default 127.0.0.1:9477)
#   UNPRIV_TIMEOUT_S       how long to wait for every condition (default 120)
#   UNPRIV_EXPECT_VFIO_USERS  minimum pinwatch_vfio_users (default 1)
#   UNPRIV_OUT             directory for the evidence (metrics, vms, log, caps); default mktemp
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
unit_default="$here/../../deploy/pinwatch.service"

die() { echo "unprivileged-pinwatch: $*" >&2; exit 2; }

# Prints the capability names of KEY= in UNIT (one line; later lines of the same key
# would be merged by systemd: refused here so the list has one place).
unit_caps() { # unit key
  local unit=$1 key=$2 lines
  lines=$(grep -nE "^[[:space:]]*$key=" "$unit" || true)
  [ -n "$lines" ] || die "$unit: no $key= line"
  [ "$(printf '%s\n' "$lines" | wc -l)" -eq 1 ] || die "$unit: more than one $key= line (lines $(printf '%s\n' "$lines" | cut -d: -f1 | paste -sd,)); keep the list on one line"
  local lineno=${lines%%:*} value=${lines#*:}
  value=${value#*=}
  local cap out=()
  for cap in $value; do
    [[ $cap =~ ^CAP_[A-Z_]+$ ]] || die "$unit:$lineno: '$cap' in $key= is not a capability name (CAP_...)"
    out+=("$cap")
  done
  [ ${#out[@]} -gt 0 ] || die "$unit:$lineno: $key= is empty"
  printf '%s\n' "${out[@]}" | sort -u
}

# setpriv's spelling: CAP_SYS_PTRACE -> +sys_ptrace, joined by commas.
setpriv_caps() { tr 'A-Z' 'a-z' | sed 's/^cap_/+/' | paste -sd, -; }

setpriv_args() { # unit
  local unit=$1 ambient bounding
  [ -f "$unit" ] || die "unit file $unit not found"
  ambient=$(unit_caps "$unit" AmbientCapabilities) || exit 2
  bounding=$(unit_caps "$unit" CapabilityBoundingSet) || exit 2
  [ "$ambient" = "$bounding" ] || die "$unit: AmbientCapabilities ($(echo $ambient)) and CapabilityBoundingSet ($(echo $bounding)) differ"
  local caps
  caps=$(printf '%s\n' "$ambient" | setpriv_caps)
  printf '%s\n' "--inh-caps=-all,$caps" "--ambient-caps=-all,$caps" "--bounding-set=-all,$caps"
}

if [ "${1:-}" = "--print-setpriv-args" ]; then
  setpriv_args "${2:-${PINWATCH_UNIT:-$unit_default}}"
  exit $?
fi
[ $# -gt 0 ] || die "usage: $0 PINWATCH_COMMAND... | --print-setpriv-args [UNIT]"
[ "$(id -u)" -eq 0 ] || die "must run as root (setpriv drops to the unprivileged user)"
command -v setpriv >/dev/null || die "setpriv not found (util-linux)"
command -v curl >/dev/null || die "curl not found"

unit=${PINWATCH_UNIT:-$unit_default}
mapfile -t cap_args < <(setpriv_args "$unit")
[ ${#cap_args[@]} -eq 3 ] || die "could not build the capability arguments from $unit"
uid=${UNPRIV_UID:-64123}
gid=${UNPRIV_GID:-$uid}
if getent passwd "$uid" >/dev/null; then groups_arg=--init-groups; else groups_arg=--clear-groups; fi
addr=${UNPRIV_ADDR:-127.0.0.1:9477}
timeout_s=${UNPRIV_TIMEOUT_S:-120}
want_vfio=${UNPRIV_EXPECT_VFIO_USERS:-1}
out=${UNPRIV_OUT:-$(mktemp -d /tmp/unprivileged-pinwatch.XXXXXX)}
mkdir -p "$out"

echo "unprivileged-pinwatch: uid $uid gid $gid $groups_arg ${cap_args[*]} -- $*"
setpriv --reuid="$uid" --regid="$gid" "$groups_arg" "${cap_args[@]}" -- "$@" >"$out/pinwatch.log" 2>&1 &
pw_pid=$!
stop() { kill -TERM "$pw_pid" 2>/dev/null && wait "$pw_pid" 2>/dev/null; }
trap stop EXIT

scrape() { curl -sf --max-time 10 "http://$addr$1"; }
ebpf="" kernel_log="" vfio_users="" vms=""
deadline=$(( $(date +%s) + timeout_s ))
while [ "$(date +%s)" -lt "$deadline" ]; do
  kill -0 "$pw_pid" 2>/dev/null || { echo "unprivileged-pinwatch: pinwatch exited: $(tail -n 5 "$out/pinwatch.log")" >&2; exit 1; }
  if scrape /metrics >"$out/metrics.txt" 2>/dev/null; then
    ebpf=$(grep '^pinwatch_ebpf_info{' "$out/metrics.txt" | grep -o 'state="[a-z]*"' | head -n 1)
    kernel_log=$(awk '/^pinwatch_collector_success\{collector="kernel_log"\}/ {print $2}' "$out/metrics.txt")
    vfio_users=$(awk '/^pinwatch_vfio_users / {print $2}' "$out/metrics.txt")
    scrape /api/v1/vms >"$out/vms.json" 2>/dev/null || true
    vms=$(grep -o '"pid":[0-9]*' "$out/vms.json" 2>/dev/null | wc -l)
    if [ "$ebpf" = 'state="running"' ] && [ "$kernel_log" = 1 ] && [ "${vfio_users:-0}" -ge "$want_vfio" ] && [ "$vms" -ge "$want_vfio" ]; then
      break
    fi
  fi
  sleep 1
done

# Evidence: the daemon's and its children's capability sets as the kernel reports them.
for pid in "$pw_pid" $(pgrep -P "$pw_pid" 2>/dev/null) $(for c in $(pgrep -P "$pw_pid" 2>/dev/null); do pgrep -P "$c"; done); do
  printf '%s %s uid=%s %s\n' "$pid" "$(cat "/proc/$pid/comm" 2>/dev/null)" \
    "$(awk '/^Uid:/ {print $2}' "/proc/$pid/status" 2>/dev/null)" \
    "$(grep -E '^Cap(Prm|Eff|Bnd|Amb):' "/proc/$pid/status" 2>/dev/null | paste -sd' ')"
done >"$out/caps.txt"

failures=0
check() { if eval "$2"; then echo "  ok    $1"; else echo "  FAIL  $1"; failures=$((failures + 1)); fi; }
check "eBPF ${ebpf:-absent} (want state=\"running\": bpftrace attached with the unit's caps)" '[ "$ebpf" = "state=\"running\"" ]'
check "kernel log collector success ${kernel_log:-absent} (want 1: /dev/kmsg read)" '[ "$kernel_log" = 1 ]'
check "pinwatch_vfio_users ${vfio_users:-absent} (want >= $want_vfio)" '[ "${vfio_users:-0}" -ge "$want_vfio" ]'
check "/api/v1/vms lists $vms VM(s) (want >= $want_vfio)" '[ "${vms:-0}" -ge "$want_vfio" ]'
check "pinwatch runs as uid $uid" "grep -q ' uid=$uid ' '$out/caps.txt'"
echo "unprivileged-pinwatch: evidence in $out (metrics.txt, vms.json, caps.txt, pinwatch.log)"
[ "$failures" -eq 0 ]
