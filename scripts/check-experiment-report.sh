#!/usr/bin/env bash
# Makes a small experiment (3 conditions × 2 topics × 2 seeds, one planned contrast) against
# the loopback fake LLM server, writes its HTML comparison page, and checks that page in
# headless Chromium with check-report-render.sh: charts drawn, condition tables sorting,
# axis titles, SVG downloads, nothing cut off or wider than 1200 px. Root, no stdin, headless.
#   bash scripts/check-experiment-report.sh [REPORT.html]
source "$(dirname "$0")/lib.sh"
cd "$(dirname "$0")/.."
BIN=${BIN:-$(swift build --show-bin-path)}
REPORT=${1:-${TMPDIR:-/tmp}/polyphony-test-experiment.html}
[ -x "$BIN/polyphony" ] && [ -x "$BIN/polyphony-fake-server" ] \
    || poly_die "no built polyphony and polyphony-fake-server in $BIN" "run swift build first"
WORK=$(mktemp -d)
SERVER_PID=
cleanup() { [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT

poly_step "starting the fake LLM server"
"$BIN/polyphony-fake-server" --latency-ms 5 >"$WORK/url" &
SERVER_PID=$!
for _ in $(seq 100); do [ -s "$WORK/url" ] && break; sleep 0.1; done
[ -s "$WORK/url" ] || poly_die "the fake server did not start" "run $BIN/polyphony-fake-server by hand"
cat >"$WORK/backends.yaml" <<YAML
backends:
  openai:
    kind: openai
    base_url: $(head -1 "$WORK/url")/v1
    model: fake
    max_concurrency: 8
YAML
cat >"$WORK/grid.yaml" <<'YAML'
name: report-check
defaults:
  backend: openai
  limits: { max_tokens_per_turn: 100, ideas_per_turn: 3 }
conditions:
  solo-senior-urban-planner:
    protocol: solo
    rounds: 2
    participants: [urban-planning-senior]
  leaderless-juniors-pair:
    protocol: round-robin
    rounds: 1
    participants: [ecology-junior, generalist-observant]
  brainwriting-trio:
    protocol: brainwriting
    rounds: 2
    participants: [ecology-junior, generalist-observant, generalist-curious]
topics:
  - id: heat
    text: How might a city keep streets cool in heatwaves?
  - id: water
    text: How might a town cut household water use by a fifth?
seeds: [3, 4]
contrasts: [[solo-senior-urban-planner, leaderless-juniors-pair]]
scoring:
  bootstrap: 500
YAML

poly_step "running and analysing the grid"
"$BIN/polyphony" experiment run "$WORK/grid.yaml" --out "$WORK/out" --personas personas \
    --backends "$WORK/backends.yaml" --no-cache --concurrency 2 --quiet
"$BIN/polyphony" experiment analyze "$WORK/out" --html "$REPORT" >/dev/null

SORT="condition mean topic-mean" bash scripts/check-report-render.sh "$REPORT" "${TMPDIR:-/tmp}/polyphony-experiment-report.png"
