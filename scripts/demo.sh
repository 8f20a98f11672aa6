#!/usr/bin/env bash
# The main job on a fresh machine: installs what is missing, builds Polyphony, and shows it
# working on the shipped personas and example transcript. Idempotent.
source "$(dirname "$0")/lib.sh"
cd "$POLYPHONY_ROOT"

ensure_swift
step "building polyphony (release)"
swift build -c release --product polyphony 2>&1 | sed -E "/^\[[0-9]+\/[0-9]+\] (Compiling|Emitting|Wrapping|Write|Linking|Applying)/d" || fail "build failed"
POLYPHONY="$(swift build -c release --show-bin-path)/polyphony"

step "checking the persona library"
"$POLYPHONY" personas validate personas
"$POLYPHONY" personas list personas

for transcript in transcripts/examples/*.jsonl; do
    [ -e "$transcript" ] || continue
    step "reading the example transcript $transcript"
    "$POLYPHONY" transcript validate "$transcript"
    "$POLYPHONY" transcript show --max-chars 400 "$transcript"
done
step "done in ${SECONDS}s; the binary is $POLYPHONY"
