# Shared helpers for Polyphony's set-up scripts. Source it; do not run it.
set -euo pipefail

POLYPHONY_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export POLYPHONY_ROOT
SECONDS=0

step() { printf '\n==> [%3ds] %s\n' "$SECONDS" "$*"; }
fail() { printf 'polyphony set-up: %s\n' "$*" >&2; exit 1; }

# Runs apt-get as root, or through sudo when available.
as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"
    elif command -v sudo >/dev/null 2>&1; then sudo "$@"
    else fail "need root to run: $* (re-run as root or install it by hand)"
    fi
}

APT_UPDATED=0
# Installs Debian packages that are not installed yet; does nothing when all are present.
ensure_apt() {
    local missing=()
    for package in "$@"; do
        dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    step "installing Debian packages: ${missing[*]}"
    if [ "$APT_UPDATED" -eq 0 ]; then
        as_root apt-get update -qq || fail "apt-get update failed; check the network and retry"
        APT_UPDATED=1
    fi
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "${missing[@]}" \
        || fail "apt-get install ${missing[*]} failed; retry, or install them by hand"
}

# The Swift toolchain is the one thing the set-up expects to find.
ensure_swift() {
    command -v swift >/dev/null 2>&1 || fail "no 'swift' on PATH: install the Swift 6 toolchain first (swift.org/install)"
    # FoundationNetworking (the HTTP client) runs on libcurl.
    ensure_apt libcurl4-openssl-dev
}
