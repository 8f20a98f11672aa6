#!/usr/bin/env bash
# Runs Polyphony's whole test suite on a fresh machine: installs what is missing, builds, tests.
# Idempotent: a second run installs nothing. This is what .ci/run calls.
source "$(dirname "$0")/lib.sh"
cd "$POLYPHONY_ROOT"

ensure_swift
step "building (debug) with tests"
swift build --build-tests 2>&1 | sed -E '/^\[[0-9]+\/[0-9]+\] (Compiling|Emitting|Wrapping|Write|Linking|Applying)/d' \
    || fail "build failed (see the errors above)"
step "running the test suite"
set +e
# Started and individually passing tests are dropped from the log; failures and the summary stay.
swift test --skip-build 2>&1 | sed -u -E '/^◇ /d; /^✔ Test [^ ]+\(.*\) passed/d; /^Test Case .* (started|passed)/d'
status=${PIPESTATUS[0]}
set -e
step "done in ${SECONDS}s (exit $status)"
exit "$status"
