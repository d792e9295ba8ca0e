#!/usr/bin/env bash
# Runs inside the lab guest (the host's userland over 9p, see guest/init.sh), as root.
# Drives every VFIO case with vfio-cases and a real QEMU, while the ground-truth bpftrace
# script and pinwatch (when built) watch; at each hold point of a case it snapshots the
# kernel's own view (/proc/PID/status, dmesg) and pinwatch's (/metrics, /api/v1/vms,
# /api/v1/events) into $LAB_OUT for the host-side assertions (lab/kernel-lab.lab.test.ts).
#
# Environment (set by lab/run-lab.sh through job.sh):
#   LAB_OUT            results directory (the writable 9p share)
#   LAB_BIN            the vfio-cases binary
#   LAB_BT             ground-truth bpftrace script; empty (default): generated for the running
#                      kernel from /proc/kallsyms by guest/ground-truth-bt.sh
#   LAB_PINWATCH       pinwatch's dist/cli/main.js, empty to run without pinwatch
#   LAB_PINWATCH_FLAGS extra serve flags (optional)
#   LAB_CASE_MIB       size of each case's buffer (default 64)
#   LAB_COST_MIB       size of the probe-cost MAP_DMA (default 256)
#   LAB_COST_ROUNDS    attach/detach rounds of the probe-cost measurement (default 3)
#   LAB_COST_GROUND_TRUTH=1  also measure the ground-truth script's cost (for comparison)
set -uo pipefail
# A write to QEMU's monitor fifo after QEMU died must not kill the runner.
trap '' PIPE

OUT="${LAB_OUT:?}"
BIN="${LAB_BIN:?}"
BT="${LAB_BT:-}"
PINWATCH="${LAB_PINWATCH:-}"
CASE_MIB="${LAB_CASE_MIB:-64}"
COST_MIB="${LAB_COST_MIB:-256}"
COST_ROUNDS="${LAB_COST_ROUNDS:-3}"
PW_ADDR=127.0.0.1:9477
SYNC="$OUT/sync"
THP=/sys/kernel/mm/transparent_hugepage/enabled
mkdir -p "$OUT/cases" "$OUT/cost" "$SYNC"
: > "$OUT/timing.jsonl"
: > "$OUT/runner-errors.txt"

log() { printf '[guest %6.1fs] %s\n' "$(cut -d' ' -f1 /proc/uptime)" "$*"; }
err() { log "ERROR: $*"; printf '%s\n' "$*" >> "$OUT/runner-errors.txt"; }
uptime_s() { cut -d' ' -f1 /proc/uptime; }
timing() { printf '{"step":"%s","seconds":%s}\n' "$1" "$2" >> "$OUT/timing.jsonl"; }
elapsed() { awk -v a="$1" -v b="$(uptime_s)" 'BEGIN{printf "%.1f", b-a}'; }

# ------------------------------------------------------------------ environment
edu_bdfs=()
edu_groups=()
for d in /sys/bus/pci/devices/*; do
  if [ "$(cat "$d/vendor")" = 0x1234 ] && [ "$(cat "$d/device")" = 0x11e8 ]; then
    edu_bdfs+=("${d##*/}")
    edu_groups+=("$(basename "$(readlink "$d/iommu_group")")")
  fi
done
[ "${#edu_groups[@]}" -ge 2 ] || { err "need two edu devices bound to vfio-pci, found ${#edu_groups[@]}"; exit 1; }
cat > "$OUT/env.json" <<EOF
{"kernelRelease":"$(uname -r)","eduDevices":["${edu_bdfs[0]}","${edu_bdfs[1]}"],"eduGroups":["${edu_groups[0]}","${edu_groups[1]}"],
 "caseSizePages":$((CASE_MIB * 256)),"costSizePages":$((COST_MIB * 256)),"pinwatch":$([ -n "$PINWATCH" ] && echo true || echo false)}
EOF
G1="/dev/vfio/${edu_groups[0]}"
G2="/dev/vfio/${edu_groups[1]}"
log "kernel $(uname -r), edu ${edu_bdfs[*]} in groups ${edu_groups[*]}"

# ------------------------------------------------------------------ helpers
# bpftrace prints "attached" from BEGIN once every probe is in; 0.17 takes 5-17 s under TCG.
start_bpftrace() { # script output-file -> sets BT_PID
  local script="$1" out="$2" t0; t0="$(uptime_s)"
  bpftrace -f json "$script" > "$out" 2> "$out.stderr" &
  BT_PID=$!
  for _ in $(seq 1 240); do
    grep -q '"attached' "$out" 2>/dev/null && { log "bpftrace $(basename "$script") attached in $(elapsed "$t0")s"; return 0; }
    kill -0 "$BT_PID" 2>/dev/null || { err "bpftrace $script exited: $(tail -n 3 "$out.stderr")"; return 1; }
    sleep 0.25
  done
  err "bpftrace $script did not attach within 60 s"; return 1
}

# bpftrace 0.17 sometimes misses SIGINT; SIGTERM also makes it print its maps. Deadline, then KILL.
stop_pid() { # pid name [note]: with "note", a SIGKILL is logged, not an error
  local pid="$1" name="$2" severity="${3:-error}"
  kill -TERM "$pid" 2>/dev/null || return 0
  for _ in $(seq 1 80); do kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null; return 0; }; sleep 0.25; done
  # bpftrace 0.17 sometimes misses a signal (lab/README.md): where its final maps are not
  # needed (the cost runs) that is a note; where they are (ground truth), an error.
  if [ "$severity" = note ]; then log "$name ($pid) ignored SIGTERM for 20 s: killed"; else err "$name ($pid) ignored SIGTERM for 20 s: killed"; fi
  kill -KILL "$pid" 2>/dev/null; wait "$pid" 2>/dev/null
}

scrape() { curl -sf --max-time 10 "http://$PW_ADDR$1"; }

# Waits until pinwatch has run at least two collection cycles after now and two scrapes
# in a row agree on every series except timings, so the snapshot reflects the hold point.
settle_pinwatch() {
  [ -n "${PW_PID:-}" ] || return 0
  local start prev="" cur cycles0 cycles
  start="$(date +%s.%N)"
  cycles0="$(scrape /metrics | awk '/^pinwatch_collection_cycles_total /{print $2}')"
  for _ in $(seq 1 40); do
    sleep 0.5
    cur="$(scrape /metrics | grep -v -E '^#|duration_seconds|timestamp_seconds|cycles_total|processes_scanned|store_writes_total|process_resident_memory|scrape_|^nodejs_|^process_|^pinwatch_http_requests_total' )"
    cycles="$(scrape /metrics | awk '/^pinwatch_collection_cycles_total /{print $2}')"
    if [ -n "$cycles0" ] && [ -n "$cycles" ] && awk -v a="$cycles" -v b="$cycles0" 'BEGIN{exit !(a-b>=2)}' && [ "$cur" = "$prev" ]; then
      return 0
    fi
    prev="$cur"
  done
  err "pinwatch did not settle within 20 s after $(date -d @"${start%.*}" +%T)"
}

snapshot() { # name pid
  local name="$1" pid="$2" base="$OUT/cases/$1"
  settle_pinwatch
  cat "/proc/$pid/status" > "$base.status" 2>/dev/null || echo "gone" > "$base.status"
  cat "/proc/$pid/limits" > "$base.limits" 2>/dev/null || true
  if [ -n "${PW_PID:-}" ]; then
    scrape /metrics > "$base.metrics" || err "scrape /metrics failed at $name"
    scrape /api/v1/vms > "$base.vms.json" || err "GET /api/v1/vms failed at $name"
    scrape '/api/v1/vms?includeExited=true' > "$base.vms-all.json" || err "GET /api/v1/vms?includeExited=true failed at $name"
    scrape /api/v1/events > "$base.events.json" || err "GET /api/v1/events failed at $name"
  fi
  dmesg > "$base.dmesg" 2>/dev/null
}

# Runs one vfio-cases case: at each hold line, snapshot then release it.
run_case() { # case-name args...
  local name="$1"; shift
  local t0 out pid seen=0 line point
  t0="$(uptime_s)"
  out="$OUT/cases/$name.jsonl"
  "$BIN" "$name" --sync-dir "$SYNC" --size-mib "$CASE_MIB" "$@" > "$out" 2> "$out.stderr" &
  pid=$!
  echo "$pid" > "$OUT/cases/$name.pid"
  while kill -0 "$pid" 2>/dev/null; do
    holds=()
    mapfile -t holds < <(grep '"event":"hold"' "$out" 2>/dev/null)
    while [ "$seen" -lt "${#holds[@]}" ]; do
      line="${holds[$seen]}"
      point="$(sed -E 's/.*"point":"([^"]+)".*/\1/' <<<"$line")"
      snapshot "$name.$point" "$pid"
      touch "$SYNC/$pid.$point.go"
      seen=$((seen + 1))
    done
    sleep 0.2
  done
  wait "$pid"; local rc=$?
  echo "$rc" > "$OUT/cases/$name.rc"
  [ "$rc" -eq 0 ] || err "case $name exited $rc: $(tail -n 2 "$out") $(cat "$out.stderr")"
  snapshot "$name.exited" "$pid"
  timing "case:$name" "$(elapsed "$t0")"
  log "case $name: exit $rc in $(elapsed "$t0")s"
}

# Waits until VmLck of pid has not changed for `quiet` seconds (max `limit`).
wait_vmlck_stable() { # pid quiet limit
  local pid="$1" quiet="$2" limit="$3" last="" same=0 v
  for _ in $(seq 1 $((limit * 2))); do
    v="$(awk '/^VmLck:/{print $2}' "/proc/$pid/status" 2>/dev/null)" || return 1
    [ -n "$v" ] || return 1
    if [ "$v" = "$last" ] && [ "$v" != 0 ]; then same=$((same + 1)); else same=0; fi
    last="$v"
    [ "$same" -ge $((quiet * 2)) ] && return 0
    sleep 0.5
  done
  return 1
}

# A real QEMU with an edu device passed through: paused (-S: guest RAM and ROMs mapped),
# then running (firmware enables BAR0, which QEMU maps for DMA: pinned, never charged).
run_qemu_case() {
  local t0 fifo qpid; t0="$(uptime_s)"
  fifo=/tmp/lab-qemu-monitor
  rm -f "$fifo"; mkfifo "$fifo"
  qemu-system-x86_64 -name guest=lab-vm,debug-threads=on -machine q35,accel=tcg -m 64 \
    -display none -vga none -serial none -net none -monitor stdio -S \
    -device "vfio-pci,host=${edu_bdfs[0]}" < "$fifo" > "$OUT/cases/qemu.out" 2>&1 &
  qpid=$!
  exec 7> "$fifo"
  echo "$qpid" > "$OUT/cases/qemu.pid"
  if ! wait_vmlck_stable "$qpid" 3 120; then
    err "QEMU (paused) never reached a stable VmLck: $(tail -n 3 "$OUT/cases/qemu.out")"
  fi
  snapshot qemu.paused "$qpid"
  kill -0 "$qpid" 2>/dev/null || { err "QEMU exited: $(tail -n 3 "$OUT/cases/qemu.out")"; exec 7>&-; return 1; }
  echo cont >&7
  # SeaBIOS enables the BAR during PCI enumeration; QEMU's vfio listener then maps it.
  sleep 5
  wait_vmlck_stable "$qpid" 4 120 || err "QEMU (running) VmLck not stable"
  snapshot qemu.running "$qpid"
  echo quit >&7
  exec 7>&-
  for _ in $(seq 1 60); do kill -0 "$qpid" 2>/dev/null || break; sleep 0.5; done
  stop_pid "$qpid" qemu
  snapshot qemu.exited "$qpid"
  timing "case:qemu" "$(elapsed "$t0")"
  log "case qemu: $(elapsed "$t0")s"
}

# The probe script pinwatch runs: from its bpftrace child's command line (-e PROGRAM or a
# script path), so the cost measurement times exactly pinwatch's probes.
save_pinwatch_probe_script() {
  local child arg prev=""
  for child in $(pgrep -P "$PW_PID" 2>/dev/null); do
    [ "$(cat "/proc/$child/comm")" = bpftrace ] || continue
    while IFS= read -r -d '' arg; do
      if [ "$prev" = "-e" ]; then printf '%s\n' "$arg" > "$OUT/pinwatch-probes.bt"; return 0; fi
      case "$arg" in *.bt) [ -f "$arg" ] && cp "$arg" "$OUT/pinwatch-probes.bt" && return 0 ;; esac
      prev="$arg"
    done < "/proc/$child/cmdline"
    tr '\0' ' ' < "/proc/$child/cmdline" > "$OUT/pinwatch-bpftrace-cmdline.txt"
  done
  return 1
}

# ------------------------------------------------------------------ ground truth + pinwatch
echo never > "$THP"
if [ -z "$BT" ]; then
  BT="$OUT/ground-truth.bt"
  bash "$(dirname "${BASH_SOURCE[0]}")/ground-truth-bt.sh" "$OUT/ground-truth.probes" > "$BT" ||
    { err "could not generate the ground-truth script for $(uname -r)"; exit 1; }
else
  cp "$BT" "$OUT/ground-truth.bt"
  grep -cE '^k(ret)?probe:' "$BT" > "$OUT/ground-truth.probes"
fi
t0="$(uptime_s)"
start_bpftrace "$BT" "$OUT/ground-truth.bpftrace.json" || exit 1
GT_PID=$BT_PID
timing "attach:ground-truth-bpftrace" "$(elapsed "$t0")"

PW_PID=""
if [ -n "$PINWATCH" ]; then
  t0="$(uptime_s)"
  # shellcheck disable=SC2086
  node "$PINWATCH" serve --path.procfs /proc --path.sysfs /sys --path.devfs /dev \
    --db.path /tmp/pinwatch-lab.db --web.listen-address "$PW_ADDR" \
    --ebpf.source bpftrace --ebpf.print-interval 1s --collection.interval 1s \
    --collection.full-scan-interval 1s ${LAB_PINWATCH_FLAGS:-} > "$OUT/pinwatch.log" 2>&1 &
  PW_PID=$!
  ready=""
  # The plan runs bpftrace three to four times before attaching (-lv listings, the
  # curtask probe, the compile check), each slow over 9p under TCG: allow 480 s.
  deadline=$(( $(date +%s) + 480 ))
  while [ "$(date +%s)" -lt "$deadline" ]; do
    kill -0 "$PW_PID" 2>/dev/null || { err "pinwatch serve exited: $(tail -n 5 "$OUT/pinwatch.log")"; PW_PID=""; break; }
    scrape /metrics > "$OUT/pinwatch.wait.metrics" 2>/dev/null
    if grep '^pinwatch_ebpf_info{' "$OUT/pinwatch.wait.metrics" | grep -q 'state="running"'; then ready=1; break; fi
    sleep 0.5
  done
  if [ -n "$PW_PID" ] && [ -z "$ready" ]; then
    err "pinwatch eBPF not running after 480 s: $(scrape /metrics | grep '^pinwatch_ebpf_info')"
  fi
  [ -n "$PW_PID" ] && { save_pinwatch_probe_script || err "could not read pinwatch's bpftrace program"; }
  timing "attach:pinwatch" "$(elapsed "$t0")"
  [ -n "$PW_PID" ] && snapshot pinwatch.idle "$PW_PID"
fi

# ------------------------------------------------------------------ cases
run_case written --group "$G1"
run_case partial-unmap --group "$G1"
run_case two-containers --group "$G1" --group2 "$G2"
run_case two-groups --group "$G1" --group2 "$G2"
run_case close-without-unmap --group "$G1"
run_case memlock-exceeded --group "$G1" --memlock-mib "$((CASE_MIB / 2))"
run_case exit-without-unmap --group "$G1"
echo never > "$THP"
run_case zero-page-thp-never --group "$G1"
run_case untouched-read-only --group "$G1"
echo always > "$THP"
run_case zero-page-thp-always --group "$G1"
echo never > "$THP"
run_qemu_case

if [ -n "$PW_PID" ]; then
  # What pinwatch doctor says on this kernel (plan and compile check), for the assertions.
  t0="$(uptime_s)"
  node "$PINWATCH" doctor --path.procfs /proc --path.sysfs /sys --path.devfs /dev > "$OUT/pinwatch-doctor.txt" 2>&1 ||
    err "pinwatch doctor exited $?: $(tail -n 3 "$OUT/pinwatch-doctor.txt")"
  timing "pinwatch-doctor" "$(elapsed "$t0")"
  stop_pid "$PW_PID" pinwatch
  # The whole run as pinwatch stored it (every finding and event, not only the hold
  # points): the assertions read this copy. A clean stop has checkpointed the WAL.
  for f in /tmp/pinwatch-lab.db /tmp/pinwatch-lab.db-wal; do [ -f "$f" ] && cp "$f" "$OUT/"; done
  [ -f "$OUT/pinwatch-lab.db" ] || err "pinwatch's database /tmp/pinwatch-lab.db is missing"
fi
stop_pid "$GT_PID" ground-truth-bpftrace
dmesg > "$OUT/dmesg.txt"

# ------------------------------------------------------------------ probe cost
# Probes attached vs not, alternating in one run: each round measures with no probes, then
# with the probe script attached (and the next round the other way round), MAP_DMA of
# COST_MIB, written memory and read-only zero-page memory (THP off: one pin call per page).
cost_run() { # probe-set script
  local set="$1" script="$2" r state order
  for r in $(seq 1 "$COST_ROUNDS"); do
    if [ $((r % 2)) -eq 1 ]; then order="off on"; else order="on off"; fi
    for state in $order; do
      if [ "$state" = on ]; then
        start_bpftrace "$script" "$OUT/cost/$set.bpftrace.$r.json" || return 1
        "$BIN" cost --group "$G1" --size-mib "$COST_MIB" --rounds 5 --kprobes-toggle none --probes on \
          --label "$set" >> "$OUT/cost/$set.jsonl" 2>> "$OUT/cost/$set.stderr" || err "cost run ($set, probes on) failed"
        stop_pid "$BT_PID" "bpftrace $set" note
      else
        "$BIN" cost --group "$G1" --size-mib "$COST_MIB" --rounds 5 --kprobes-toggle none --probes off \
          --label "$set" >> "$OUT/cost/$set.jsonl" 2>> "$OUT/cost/$set.stderr" || err "cost run ($set, probes off) failed"
      fi
    done
  done
}
t0="$(uptime_s)"
if [ -f "$OUT/pinwatch-probes.bt" ]; then
  cost_run pinwatch "$OUT/pinwatch-probes.bt" || err "probe cost (pinwatch probes) failed"
fi
# The ground-truth script's own cost (kprobes on every path) is for comparison only: opt-in.
if [ "${LAB_COST_GROUND_TRUTH:-0}" = 1 ]; then
  cost_run ground-truth "$BT" || err "probe cost (ground-truth probes) failed"
fi
timing "probe-cost" "$(elapsed "$t0")"

log "runner done, $(wc -l < "$OUT/runner-errors.txt") runner errors"
[ -s "$OUT/runner-errors.txt" ] && exit 1
exit 0
