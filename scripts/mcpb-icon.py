#!/usr/bin/env python3
"""Draws packaging/mcpb/icon.png: stint's bundle icon, a clock face (white ring, two hands) on
a teal rounded square, 512x512 RGBA (the size Claude Desktop recommends). Standard library only (zlib), so anyone can redraw it.

Usage: python3 scripts/mcpb-icon.py [OUT]   (default packaging/mcpb/icon.png)
"""

import math
import struct
import sys
import zlib

SIZE = 512
# Drawn in a 256-unit square, scaled to SIZE.
UNIT = 256
TEAL = (14, 116, 144)
WHITE = (255, 255, 255)


def coverage(x, y):
    """The pixel's colour and alpha, 4x4 supersampled."""
    acc = [0.0, 0.0, 0.0, 0.0]
    for sy in range(4):  # 4x4 samples per pixel
        for sx in range(4):
            px = x + (sx + 0.5) / 4
            py = y + (sy + 0.5) / 4
            c = sample(px * UNIT / SIZE, py * UNIT / SIZE)
            if c is None:
                continue
            for i in range(3):
                acc[i] += c[i]
            acc[3] += 1
    if acc[3] == 0:
        return (0, 0, 0, 0)
    return tuple(int(acc[i] / acc[3]) for i in range(3)) + (int(255 * acc[3] / 16),)


def in_rounded_square(px, py, r=48):
    lo, hi = 8, UNIT - 8
    cx = min(max(px, lo + r), hi - r)
    cy = min(max(py, lo + r), hi - r)
    return lo <= px <= hi and lo <= py <= hi and (px - cx) ** 2 + (py - cy) ** 2 <= r * r


def near_segment(px, py, ax, ay, bx, by, width):
    dx, dy = bx - ax, by - ay
    t = max(0.0, min(1.0, ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy)))
    qx, qy = ax + t * dx, ay + t * dy
    return (px - qx) ** 2 + (py - qy) ** 2 <= (width / 2) ** 2


def sample(px, py):
    if not in_rounded_square(px, py):
        return None
    c = UNIT / 2
    d = math.hypot(px - c, py - c)
    if 78 <= d <= 94:  # the ring
        return WHITE
    if d <= 10:  # the hub
        return WHITE
    # Hands at 10:10 (hour towards 10, minute towards 2).
    for angle, length in ((-60, 50), (60, 70)):
        a = math.radians(angle)
        if near_segment(px, py, c, c, c + length * math.sin(a), c - length * math.cos(a), 14):
            return WHITE
    return TEAL


def png(width, height, rows):
    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)

    raw = b"".join(b"\x00" + bytes(v for px in row for v in px) for row in rows)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(raw, 9))
        + chunk(b"IEND", b"")
    )


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "packaging/mcpb/icon.png"
    rows = [[coverage(x, y) for x in range(SIZE)] for y in range(SIZE)]
    with open(out, "wb") as f:
        f.write(png(SIZE, SIZE, rows))
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
