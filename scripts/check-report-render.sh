#!/usr/bin/env bash
# Renders an HTML report in a real headless browser (Chromium from Debian) and checks the
# screenshot shows its charts, not a blank page; then lets Chromium run the page's script with
# ?sort=COLUMN and checks the dumped DOM: header present, the idea table sorted by that
# column, every chart with axis titles and an SVG download.
#   bash scripts/check-report-render.sh [REPORT.html] [SCREENSHOT.png]
source "$(dirname "$0")/lib.sh"
cd "$(dirname "$0")/.."
REPORT=${1:-transcripts/examples/demo-brainwriting-local.html}
SHOT=${2:-${TMPDIR:-/tmp}/polyphony-report.png}
[ -f "$REPORT" ] || poly_die "no report $REPORT" "write one with: polyphony score TRANSCRIPT --html $REPORT"

poly_step "installing Chromium (Debian) if missing"
poly_apt_ensure chromium

poly_step "rendering $REPORT"
rm -f "$SHOT"
chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=1280,2400 \
    --screenshot="$SHOT" "file://$(realpath "$REPORT")" >/dev/null 2>&1 || true
[ -s "$SHOT" ] || poly_die "Chromium wrote no screenshot" "run the chromium command above by hand to see why"

poly_step "checking the screenshot"
python3 scripts/check-report-render.py "$SHOT" "$REPORT"

# Session reports have an idea table; check an experiment report with SORT=- (no table).
for column in ${SORT-idea cluster}; do
    poly_step "sorting the idea table by $column in Chromium"
    DOM="${TMPDIR:-/tmp}/polyphony-report-$column.dom.html"
    chromium --headless --no-sandbox --disable-gpu --dump-dom --virtual-time-budget=2000 \
        "file://$(realpath "$REPORT")?sort=$column" >"$DOM" 2>/dev/null || true
    [ -s "$DOM" ] || poly_die "Chromium dumped no DOM" "run the chromium --dump-dom command above by hand to see why"
    python3 scripts/check-report-dom.py "$DOM" "$column"
done
