#!/usr/bin/env bash
# Runs Polyphony's whole test suite on a fresh machine: installs what is missing (Debian
# packages, the local LLM runtime and model, the MiniLM weights), builds, and tests.
# Idempotent: a second run installs nothing. This is what .ci/run calls.
source "$(dirname "$0")/lib.sh"
cd "$(dirname "$0")/.."

poly_step "checking the Swift toolchain and system libraries"
poly_ensure_swift_and_libraries

# The live tests talk to a real LLM: SmolLM2-135M on llama.cpp's llama-server. The first
# install compiles llama-server (about 7-10 minutes on 2 quiet cores); later runs reuse it.
poly_step "installing the local model runtime (cached after the first run)"
bash scripts/install-local-runtime.sh
poly_step "installing the MiniLM embedding weights (cached after the first run)"
bash scripts/install-minilm.sh

poly_step "building (debug) with tests"
swift build --build-tests 2>&1 | sed -E '/^\[[0-9]+\/[0-9]+\] (Compiling|Emitting|Wrapping|Write|Linking|Applying)/d'

# One run of the whole suite. No test measures wall time: waits run on an injected clock or
# on events at the loopback servers, so CPU-heavy tests (scoring, embeddings, the live local
# model) may share the two cores with the HTTP and process tests.
# Started and individually passing tests are dropped from the log; failures and summaries stay.
status=0
filter() { sed -u -E '/^◇ /d; /^✔ Test [^ ]+\(.*\) passed/d; /^Test Case .* (started|passed)/d'; }
poly_step "running the tests"
swift test --skip-build 2>&1 | filter || status=$?
poly_say "tests finished with exit status $status"

# The human seat in a real terminal: prompt last, topic shown, short ideas kept, /inject delivered.
bash scripts/check-human-seat.sh || status=1

# The HTML report must render its charts in a real browser, not only parse.
REPORT="${TMPDIR:-/tmp}/polyphony-test-report.html"
"$(swift build --show-bin-path)/polyphony" score transcripts/examples/demo-brainwriting-local.jsonl --no-save --html "$REPORT" >/dev/null
bash scripts/check-report-render.sh "$REPORT" || status=1
# The same for an experiment's comparison page, made against the loopback fake server.
bash scripts/check-experiment-report.sh || status=1
exit "$status"
