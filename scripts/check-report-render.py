#!/usr/bin/env python3
"""Checks that a screenshot of an HTML report shows its charts, not a blank page.

Usage: check-report-render.py SCREENSHOT.png REPORT.html

Reads the PNG with the standard library only (zlib + the PNG filters), then requires that
(1) a real share of the page is not background, and (2) every chart colour the report's
SVG uses as a fill appears in the picture in a visible amount. Exits 1 with one line
saying what is missing.
"""
import re
import struct
import sys
import zlib


def read_png(path):
    with open(path, "rb") as f:
        data = f.read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        sys.exit(f"{path}: not a PNG file")
    pos, idat, width = 8, b"", 0
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, color, _, _, interlace = struct.unpack(">IIBBBBB", body)
            if depth != 8 or color not in (2, 6) or interlace:
                sys.exit(f"{path}: unsupported PNG layout (depth {depth}, colour type {color})")
            channels = 3 if color == 2 else 4
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    raw = zlib.decompress(idat)
    stride = width * channels
    rows, previous = [], bytearray(stride)
    for y in range(height):
        kind = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            left = line[i - channels] if i >= channels else 0
            up = previous[i]
            corner = previous[i - channels] if i >= channels else 0
            if kind == 1:
                line[i] = (line[i] + left) & 255
            elif kind == 2:
                line[i] = (line[i] + up) & 255
            elif kind == 3:
                line[i] = (line[i] + (left + up) // 2) & 255
            elif kind == 4:
                p = left + up - corner
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
                predictor = left if pa <= pb and pa <= pc else (up if pb <= pc else corner)
                line[i] = (line[i] + predictor) & 255
        rows.append(line)
        previous = line
    return width, height, channels, rows


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    png, html = sys.argv[1], sys.argv[2]
    width, height, channels, rows = read_png(png)
    counts = {}
    for line in rows:
        for x in range(0, len(line), channels):
            pixel = (line[x], line[x + 1], line[x + 2])
            counts[pixel] = counts.get(pixel, 0) + 1
    total = width * height
    background = max(counts.values())
    drawn = 1 - background / total
    fills = set(re.findall(r'fill="#([0-9a-fA-F]{6})"', open(html, encoding="utf-8").read()))
    missing = []
    for fill in sorted(fills):
        rgb = tuple(int(fill[i:i + 2], 16) for i in (0, 2, 4))
        near = sum(n for p, n in counts.items() if all(abs(a - b) <= 6 for a, b in zip(p, rgb)))
        if near < 20:
            missing.append(f"#{fill}")
    print(f"{png}: {width}x{height}, {drawn:.1%} of the page drawn, {len(counts)} colours, "
          f"{len(fills) - len(missing)}/{len(fills)} chart colours visible")
    if drawn < 0.05:
        sys.exit(f"{png}: the page is blank ({drawn:.1%} drawn)")
    if not fills:
        sys.exit(f"{html}: the report has no SVG chart fills")
    if missing:
        sys.exit(f"{png}: chart colours not rendered: {', '.join(missing)}")


main()
