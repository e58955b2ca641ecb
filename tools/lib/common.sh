# Shared by tools/check, tools/demo, tools/bench and .ci/run: package installation and builds.
# shellcheck shell=bash

OOMGUARD_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

# Debian packages needed to build and test (libbenchmark-dev: microbenchmarks; clang and
# libclang-rt-14-dev: the libFuzzer target; clang-format: the CI format check).
OOMGUARD_PACKAGES=(cmake g++ make pkg-config libjemalloc-dev liburing-dev libtomlplusplus-dev
                   libgtest-dev libbenchmark-dev clang libclang-rt-14-dev clang-format python3 bc
                   python3-yaml systemd groff-base)

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# ensure_packages PKG...: installs the missing ones with apt-get (needs root).
ensure_packages() {
  local missing=() p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  [ "$(id -u)" -eq 0 ] || die "missing packages: ${missing[*]} (run as root, or install them)"
  log "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null 2>&1 ||
    { apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; } ||
    die "apt-get could not install: ${missing[*]}"
}

# build_preset PRESET [cmake -D args...]: configures and builds build/PRESET.
build_preset() {
  local preset=$1; shift
  log "configure + build ($preset)"
  cmake --preset "$preset" -S "$OOMGUARD_ROOT" "$@" >/dev/null
  cmake --build --preset "$preset" -j "$(nproc)"
}
