# Shared settings of the kernel lab, sourced by every lab script.
# Everything downloaded or built goes under LAB_CACHE, outside the repository, and is
# reused when present (keyed by kernel package name and by input checksums).
LAB_CACHE="${LAB_CACHE:-/var/cache/pinwatch-lab}"
LAB_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
REPO_DIR="$(cd "$LAB_DIR/.." && pwd)"

lab_log() { printf '[lab %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
lab_die() { printf '[lab] ERROR: %s\n' "$*" >&2; exit 1; }

# The package apt offers for linux-image-amd64 (bookworm: linux-image-6.1.0-NN-amd64).
lab_default_kernel_package() {
  local dep
  dep="$(apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-/{print $2; exit}')"
  if [ -z "$dep" ]; then
    apt-get update -q >&2 || true
    dep="$(apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-/{print $2; exit}')"
  fi
  [ -n "$dep" ] || lab_die "apt-cache depends linux-image-amd64 names no kernel package; set KERNEL_PACKAGE or KERNEL_DEB"
  printf '%s\n' "$dep"
}
