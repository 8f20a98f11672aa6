#!/usr/bin/env python3
"""Checks the DOM Chromium dumped after running a report's script with ?sort=COLUMN.

Usage: check-report-dom.py DOM.html COLUMN   (COLUMN "-": a page without sortable tables)

Requires (1) the header with the Polyphony version, (2) that the sortable table holding the
COLUMN header (the idea table of a session report, the first condition table of an
experiment report) had it clicked (aria-sort="ascending") and its rows are now in ascending
order, (3) that every <svg class="chart"> holds two axis titles and got a "download SVG"
link, and (4) when the layout probe ran (check-report-layout.js), that it found no chart
text cut off and no table or page wider than the window. Standard library only; exits 1
with one line saying what is wrong.
"""
import sys
from html.parser import HTMLParser


class Report(HTMLParser):
    def __init__(self):
        super().__init__()
        self.header = False
        self.version = False
        self.field = None
        self.in_ideas = False
        self.tables = []  # sortable tables: {"columns", "sorted", "rows"}
        self.columns, self.sorted_column, self.rows = [], None, []
        self.layout, self.probe = None, False
        self.cell = None
        self.charts, self.chart = [], None
        self.downloads = 0

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "header" and a.get("class") == "report-header":
            self.header = True
        if tag == "dd":
            self.field = a.get("data-field")
        if tag == "table" and "sortable" in (a.get("class") or "").split():
            self.in_ideas = True
            self.columns, self.sorted_column, self.rows = [], None, []
        if tag == "pre" and a.get("id") == "layout-check":
            self.probe, self.layout = True, ""
        if self.in_ideas and tag == "th":
            self.columns.append(a.get("data-sort"))
            if a.get("aria-sort") == "ascending":
                self.sorted_column = len(self.columns) - 1
        if self.in_ideas and tag == "tr" and self.columns:
            self.rows.append([])
        if self.in_ideas and tag == "td":
            value = a.get("data-value")
            self.rows[-1].append(value if value is not None else "")
            self.cell = value is None
        if tag == "svg" and "chart" in (a.get("class") or "").split():
            self.chart = {"label": a.get("aria-label"), "titles": 0}
        if tag == "text" and self.chart is not None and a.get("class") == "axis-title":
            self.chart["titles"] += 1
        if tag == "a" and a.get("class") == "download" and (a.get("href") or "").startswith("data:image/svg+xml"):
            self.downloads += 1

    def handle_endtag(self, tag):
        if tag == "table" and self.in_ideas:
            self.in_ideas = False
            self.tables.append({"columns": self.columns, "sorted": self.sorted_column, "rows": self.rows})
        if tag == "pre":
            self.probe = False
        if tag == "svg" and self.chart is not None:
            self.charts.append(self.chart)
            self.chart = None
        if tag == "td":
            self.cell = None
        if tag == "dd":
            self.field = None

    def handle_data(self, data):
        if self.probe:
            self.layout += data
        if self.cell and self.rows and self.rows[-1]:
            self.rows[-1][-1] += data
        if self.field == "Polyphony" and "version" in data:
            self.version = True


def key(value):
    try:
        return (0, float(value), "")
    except ValueError:
        return (1, 0.0, value.strip().lower())


def check_charts(dom, report):
    if not report.charts:
        sys.exit(f"{dom}: no <svg class=\"chart\"> found")
    bare = [c["label"] for c in report.charts if c["titles"] < 2]
    if bare:
        sys.exit(f"{dom}: charts without both axis titles: {', '.join(map(str, bare))}")
    if report.downloads < len(report.charts):
        sys.exit(f"{dom}: {report.downloads} SVG download links for {len(report.charts)} charts")


def check_layout(dom, report):
    if report.layout is None:
        return ""
    lines = [line for line in report.layout.splitlines() if line.strip()]
    problems = [line for line in lines if not line.startswith("wide: ")]
    if problems:
        sys.exit(f"{dom}: layout: {problems[0]}" + (f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""))
    scrolled = len(lines) - len(problems)
    return f"; layout fits the window ({scrolled} wide table(s) scroll in their box)"


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    dom, column = sys.argv[1], sys.argv[2]
    report = Report()
    report.feed(open(dom, encoding="utf-8").read())
    if not report.header or not report.version:
        sys.exit(f"{dom}: no report header with the Polyphony version")
    if column == "-":
        check_charts(dom, report)
        layout = check_layout(dom, report)
        print(f"{dom}: header with version present; {len(report.charts)} charts, each with axis titles and an SVG download{layout}")
        return
    holding = [t for t in report.tables if column in t["columns"]]
    if not holding:
        sys.exit(f"{dom}: no sortable table has a column {column!r} (has {[t['columns'] for t in report.tables][:3]})")
    table = holding[0]
    index = table["columns"].index(column)
    if table["sorted"] != index:
        sys.exit(f"{dom}: the script did not sort by {column!r} on load")
    rows = [row for row in table["rows"] if len(row) > index]
    values = [key(row[index]) for row in rows]
    if len(rows) < 2 or values != sorted(values):
        sys.exit(f"{dom}: idea rows are not in ascending {column} order: {[row[index] for row in rows][:12]}")
    check_charts(dom, report)
    layout = check_layout(dom, report)
    first, last = rows[0][index][:30], rows[-1][index][:30]
    print(f"{dom}: header with version present; {len(rows)} rows sorted by {column} ({first} … {last}); "
          f"{len(report.charts)} charts, each with axis titles and an SVG download{layout}")


main()
