#!/usr/bin/env bash
# The main job on a fresh machine: installs what is missing, builds Polyphony, and shows it
# working on the shipped personas and example transcripts. Idempotent.
source "$(dirname "$0")/lib.sh"
cd "$(dirname "$0")/.."

poly_step "checking the Swift toolchain and system libraries"
command -v swift >/dev/null 2>&1 || poly_die "no 'swift' on PATH" "install the Swift 6 toolchain (swift.org/install) and run this again"
poly_apt_ensure libcurl4-openssl-dev

poly_step "building polyphony (release)"
swift build -c release --product polyphony 2>&1 | sed -E '/^\[[0-9]+\/[0-9]+\] (Compiling|Emitting|Wrapping|Write|Linking|Applying)/d'
POLYPHONY="$(swift build -c release --show-bin-path)/polyphony"

poly_step "checking the persona library"
"$POLYPHONY" personas validate personas
"$POLYPHONY" personas list personas

for transcript in transcripts/examples/*.jsonl; do
    [ -e "$transcript" ] || continue
    poly_step "reading the example transcript $transcript"
    "$POLYPHONY" transcript validate "$transcript"
    "$POLYPHONY" transcript show --max-chars 400 "$transcript"
done
poly_say "done; the binary is $POLYPHONY"
