#!/usr/bin/env bash
# The human seat as a person meets it: a real terminal (tmux), a brainwriting session whose
# four agents answer while the person types, against the fake LLM server in its own process.
# Checks that when the person is asked, the screen shows the topic and the prompt is the last
# line (agents finishing meanwhile do not scroll it away); that a short idea ("Misting") is
# recorded as typed; and that /inject is acknowledged on screen and reaches the agents.
#   bash scripts/check-human-seat.sh      (after a build; scripts/test.sh runs it)
source "$(dirname "$0")/lib.sh"
cd "$(dirname "$0")/.."

poly_step "installing tmux (Debian) if missing"
poly_apt_ensure tmux

BIN=$(swift build --show-bin-path)
[ -x "$BIN/polyphony" ] && [ -x "$BIN/polyphony-fake-server" ] \
    || poly_die "no built polyphony and polyphony-fake-server in $BIN" "run swift build first"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/polyphony-human-seat.XXXXXX")
SESSION="polyphony-human-$$"
SERVER_PID=""
cleanup() {
    tmux kill-session -t "$SESSION" 2>/dev/null || true
    [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null || true
}
trap cleanup EXIT
fail() {
    poly_say "FAILED: $1"
    poly_say "the screen was:"
    tmux capture-pane -p -t "$SESSION" 2>/dev/null | sed 's/^/    | /' || true
    exit 1
}
pane() { tmux capture-pane -p -t "$SESSION" -S -300; }
# Waits up to $2 seconds for the command $1 to succeed.
wait_for() {
    local deadline=$((SECONDS + $2))
    until eval "$1"; do
        [ "$SECONDS" -lt "$deadline" ] || return 1
        sleep 0.2
    done
}

poly_step "starting the fake LLM server (700 ms to answer, streamed slowly)"
"$BIN/polyphony-fake-server" --latency-ms 700 --chunk-delay-ms 80 --log "$WORK/requests.jsonl" >"$WORK/url" &
SERVER_PID=$!
wait_for '[ -s "$WORK/url" ]' 10 || poly_die "the fake server did not start" "run $BIN/polyphony-fake-server by hand"
URL=$(head -1 "$WORK/url")
cat >"$WORK/backends.yaml" <<YAML
backends:
  fake:
    kind: openai
    base_url: $URL/v1
    model: fake
    max_concurrency: 8
YAML
TOPIC="How might a riverside town keep its market cool in heatwaves?"
cat >"$WORK/session.yaml" <<YAML
topic: $TOPIC
protocol: brainwriting
rounds: 2
seed: 3
backend: fake
participants: [urban-planning-senior, ecology-junior, generalist-deliberate, generalist-observant, human]
limits: { max_tokens_per_turn: 200, ideas_per_turn: 3 }
YAML

poly_step "running the session in tmux"
tmux new-session -d -s "$SESSION" -x 120 -y 40 \
    "'$BIN/polyphony' run '$WORK/session.yaml' --backends '$WORK/backends.yaml' --personas personas --out '$WORK/t.jsonl' --no-cache; echo \$? >'$WORK/exit'; sleep 600"
wait_for 'pane | grep -q "your turn"' 60 || fail "the human was never asked"
# Let all four agents answer while the person has not typed anything yet.
wait_for '[ "$(wc -l <"$WORK/requests.jsonl")" -ge 4 ]' 30 || fail "the agents were never asked"
sleep 2
SCREEN=$(tmux capture-pane -p -t "$SESSION")
echo "$SCREEN" | grep -qF "Topic: $TOPIC" || fail "the topic is not on the screen when the human is asked"
LAST=$(echo "$SCREEN" | grep -v '^[[:space:]]*$' | tail -1)
[ "$(echo "$LAST" | tr -d '[:space:]')" = ">" ] || fail "the last line is not the input prompt but: $LAST"
echo "$SCREEN" | grep -q "Human participant is thinking" && fail "a 'Human participant is thinking' line is shown"

poly_step "typing an /inject and an idea"
tmux send-keys -t "$SESSION" "/inject Consider shade for people queueing at stalls" Enter
wait_for 'pane | grep -q "will reach every agent at the start of the next phase"' 10 || fail "the /inject was not acknowledged"
tmux send-keys -t "$SESSION" "Misting" Enter
tmux send-keys -t "$SESSION" "" Enter
wait_for '[ "$(pane | grep -c "your turn")" -ge 2 ]' 60 || fail "the human was not asked in round 2"
tmux send-keys -t "$SESSION" "/skip" Enter
wait_for '[ -s "$WORK/exit" ]' 60 || fail "the session did not finish"
[ "$(cat "$WORK/exit")" = 0 ] || fail "polyphony exited $(cat "$WORK/exit")"

poly_step "checking the transcript and what the agents were sent"
grep '"type":"idea"' "$WORK/t.jsonl" | grep '"author":"human"' | grep -q '"text":"Misting"' \
    || fail "the idea Misting was not recorded as typed"
REACHED=$(grep -c "Consider shade for people queueing at stalls" "$WORK/requests.jsonl" || true)
[ "$REACHED" -ge 4 ] || fail "the /inject reached $REACHED of the 4 agents' next prompts"
poly_say "the human seat works as a person meets it (topic shown, prompt last, Misting kept, /inject delivered to $REACHED agents)"
