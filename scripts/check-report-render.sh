#!/usr/bin/env bash
# Renders an HTML report in a real headless browser (Chromium from Debian) 1200 px wide and
# checks the screenshot shows its charts, not a blank page; then lets Chromium run the page's
# script with ?sort=COLUMN, plus a layout probe (scripts/check-report-layout.js), and checks
# the dumped DOM: header present, the sortable table with that column sorted by it, every
# chart with axis titles and an SVG download, no chart text cut off, no table or page wider
# than the window.
#   bash scripts/check-report-render.sh [REPORT.html] [SCREENSHOT.png]
# SORT="idea cluster" (the default) names the columns to sort by; an experiment report sorts
# its condition tables: SORT="mean condition". SORT=- checks a page without sortable tables.
source "$(dirname "$0")/lib.sh"
cd "$(dirname "$0")/.."
REPORT=${1:-transcripts/examples/demo-brainwriting-local.html}
SHOT=${2:-${TMPDIR:-/tmp}/polyphony-report.png}
WIDTH=${WIDTH:-1200}
HEIGHT=${HEIGHT:-6000}
[ -f "$REPORT" ] || poly_die "no report $REPORT" "write one with: polyphony score TRANSCRIPT --html $REPORT"

poly_step "installing Chromium (Debian) if missing"
poly_apt_ensure chromium

poly_step "rendering $REPORT at $WIDTH px"
rm -f "$SHOT"
chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=$WIDTH,$HEIGHT \
    --screenshot="$SHOT" "file://$(realpath "$REPORT")" >/dev/null 2>&1 || true
[ -s "$SHOT" ] || poly_die "Chromium wrote no screenshot" "run the chromium command above by hand to see why"

poly_step "checking the screenshot"
python3 scripts/check-report-render.py "$SHOT" "$REPORT"

# A copy of the report with the layout probe run after the page's own script.
PROBED="${TMPDIR:-/tmp}/polyphony-report-probed.html"
python3 - "$REPORT" scripts/check-report-layout.js "$PROBED" <<'PY'
import sys
page, probe = open(sys.argv[1], encoding="utf-8").read(), open(sys.argv[2], encoding="utf-8").read()
at = page.rfind("</body>")
if at < 0:
    sys.exit(f"{sys.argv[1]}: no </body>")
open(sys.argv[3], "w", encoding="utf-8").write(page[:at] + "<script>\n" + probe + "</script>\n" + page[at:])
PY

for column in ${SORT-idea cluster}; do
    poly_step "sorting by $column in Chromium and measuring the layout at $WIDTH px"
    DOM="${TMPDIR:-/tmp}/polyphony-report-$column.dom.html"
    chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=$WIDTH,2400 --dump-dom --virtual-time-budget=2000 \
        "file://$(realpath "$PROBED")?sort=$column" >"$DOM" 2>/dev/null || true
    [ -s "$DOM" ] || poly_die "Chromium dumped no DOM" "run the chromium --dump-dom command above by hand to see why"
    python3 scripts/check-report-dom.py "$DOM" "$column"
done
