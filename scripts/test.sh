#!/usr/bin/env bash
# Runs Polyphony's whole test suite on a fresh machine: installs what is missing (Debian
# packages, the local LLM runtime and model, the MiniLM weights), builds, and tests.
# Idempotent: a second run installs nothing. This is what .ci/run calls.
source "$(dirname "$0")/lib.sh"
cd "$(dirname "$0")/.."

poly_step "checking the Swift toolchain and system libraries"
command -v swift >/dev/null 2>&1 || poly_die "no 'swift' on PATH" "install the Swift 6 toolchain (swift.org/install) and run this again"
# FoundationNetworking (the HTTP client) runs on libcurl.
poly_apt_ensure libcurl4-openssl-dev

# The live tests talk to a real LLM: SmolLM2-135M on llama-cpp-python. The first install
# compiles llama.cpp (10-15 minutes on 2 cores); later runs reuse the cached wheel.
poly_step "installing the local model runtime (cached after the first run)"
bash scripts/install-local-runtime.sh

poly_step "building (debug) with tests"
swift build --build-tests 2>&1 | sed -E '/^\[[0-9]+\/[0-9]+\] (Compiling|Emitting|Wrapping|Write|Linking|Applying)/d'

poly_step "running the test suite"
# Started and individually passing tests are dropped from the log; failures and the summary stay.
status=0
swift test --skip-build 2>&1 | sed -u -E '/^◇ /d; /^✔ Test [^ ]+\(.*\) passed/d; /^Test Case .* (started|passed)/d' || status=$?
poly_say "tests finished with exit status $status"

# The HTML report must render its charts in a real browser, not only parse.
REPORT="${TMPDIR:-/tmp}/polyphony-test-report.html"
"$(swift build --show-bin-path)/polyphony" score transcripts/examples/demo-brainwriting-local.jsonl --no-save --html "$REPORT" >/dev/null
bash scripts/check-report-render.sh "$REPORT" || status=1
exit "$status"
