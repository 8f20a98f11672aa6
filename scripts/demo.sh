#!/usr/bin/env bash
# The main job on a fresh machine with only the Swift toolchain: installs what is missing
# (Debian packages, a small local LLM and its server, embedding weights), builds Polyphony,
# runs a whole ideation session on the local model, scores it, writes the HTML report, and
# prints where everything is. Idempotent: a second run installs nothing.
#
#   bash scripts/demo.sh [SESSION]      # default: sessions/brainwriting.yaml
source "$(dirname "$0")/lib.sh"
cd "$(dirname "$0")/.."
SESSION=${1:-sessions/brainwriting.yaml}
[ -f "$SESSION" ] || poly_die "no session file $SESSION" "pass one of: $(ls sessions/*.yaml | tr '\n' ' ')"

poly_step "checking the Swift toolchain and system libraries"
poly_ensure_swift_and_libraries

poly_step "installing the local model runtime (llama-server + SmolLM2-135M; cached after the first run)"
bash scripts/install-local-runtime.sh
poly_step "installing the MiniLM embedding weights, for semantic diversity scores"
bash scripts/install-minilm.sh

poly_step "building polyphony (release)"
swift build -c release --product polyphony 2>&1 | sed -E '/^\[[0-9]+\/[0-9]+\] (Compiling|Emitting|Wrapping|Write|Linking|Applying)/d'
POLYPHONY="$(swift build -c release --show-bin-path)/polyphony"

poly_step "checking the persona library"
"$POLYPHONY" personas validate personas

STAMP=$(date -u +%Y%m%d-%H%M%S)
TRANSCRIPT="transcripts/demo-$STAMP.jsonl"
REPORT="transcripts/demo-$STAMP.html"
poly_step "running $SESSION on the local model (SmolLM2-135M on this machine's CPU; a few minutes)"
"$POLYPHONY" run "$SESSION" --out "$TRANSCRIPT"

poly_step "scoring the session"
"$POLYPHONY" score "$TRANSCRIPT" --html "$REPORT" --csv "transcripts/demo-$STAMP.ideas.csv"

cat <<MESSAGE

Done in $(poly_elapsed).
  transcript   $TRANSCRIPT          (read it: $POLYPHONY transcript show $TRANSCRIPT)
  scores       ${TRANSCRIPT}.scores/  (JSON, beside the transcript)
  ideas        transcripts/demo-$STAMP.ideas.csv
  report       $REPORT          (open it in any browser; it works offline)

The same session on a hosted model: export the key and name the backend.
  OPENAI_API_KEY=...     $POLYPHONY run $SESSION --backend openai
  ANTHROPIC_API_KEY=...  $POLYPHONY run $SESSION --backend anthropic
  GEMINI_API_KEY=...     $POLYPHONY run $SESSION --backend gemini
  (Ollama running)       $POLYPHONY run $SESSION --backend ollama
Models, limits and other servers (vLLM, llama.cpp, LM Studio): copy backends.example.yaml
to backends.yaml and edit it; \`$POLYPHONY backends list\` shows what is configured.
MESSAGE
