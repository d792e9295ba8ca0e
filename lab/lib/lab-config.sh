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

# The Debian suite whose newest kernel is the lab's kernel of that series.
lab_kernel_suite() {
  case "$1" in
    5.10) echo bullseye ;;
    6.1) echo bookworm ;;
    6.12) echo trixie ;;
    7.2) echo sid ;;
    *) lab_die "LAB_KERNEL=$1: expected 5.10, 6.1, 6.12 or 7.2" ;;
  esac
}

# Glob of that series' linux-image package names (for the offline fallback).
lab_kernel_abi_glob() {
  case "$1" in
    5.10) echo '5.10.0-*-amd64' ;;
    6.1) echo '6.1.0-*-amd64' ;;
    6.12) echo '6.12.*-amd64' ;;
    7.2) echo '7.2.*-amd64' ;;
  esac
}

# apt-get/apt-cache against a private configuration for one suite: its own sources.list,
# lists, package cache and an empty dpkg status under LAB_CACHE/apt/<suite>. The host's
# /etc/apt sources and /var/lib/apt state are neither read nor written, so fetching sid's
# kernel on a bookworm machine leaves the machine's apt exactly as it was. Signatures are
# checked against the host's debian-archive-keyring.
#   usage: lab_apt <suite> apt-get|apt-cache <args...>
lab_apt() {
  local suite="$1" tool="$2"; shift 2
  local root="$LAB_CACHE/apt/$suite"
  mkdir -p "$root/etc/preferences.d" "$root/etc/trusted.gpg.d" "$root/state/lists/partial" "$root/cache/archives/partial"
  [ -f "$root/status" ] || : > "$root/status"
  local keyring=/usr/share/keyrings/debian-archive-keyring.gpg
  {
    echo "deb [signed-by=$keyring] http://deb.debian.org/debian $suite main"
    case "$suite" in
      bullseye|bookworm|trixie) echo "deb [signed-by=$keyring] http://deb.debian.org/debian-security $suite-security main" ;;
    esac
  } > "$root/etc/sources.list"
  "$tool" -o Dir::Etc::SourceList="$root/etc/sources.list" -o Dir::Etc::SourceParts=/dev/null \
    -o Dir::Etc::Preferences=/dev/null -o Dir::Etc::PreferencesParts="$root/etc/preferences.d" \
    -o Dir::Etc::TrustedParts="$root/etc/trusted.gpg.d" \
    -o Dir::State="$root/state" -o Dir::State::status="$root/status" -o Dir::Cache="$root/cache" \
    -o APT::Architecture=amd64 -o APT::Architectures=amd64 -o Acquire::Languages=none \
    -o Debug::NoLocking=1 -o APT::Sandbox::User=root "$@"
}
