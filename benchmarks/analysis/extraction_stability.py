"""How stable our extraction is on the same pixels: each FVC2002 impression
1 is shifted exactly (a white border of k pixels on the left and top),
rotated exactly (90 degrees, a pixel permutation) and rotated by 15 and 30
degrees (bilinear, on a canvas that keeps every pixel), extracted again, and
compared with the original: the calibrated score, and the share of the
original minutiae found again at the mapped place (8 px, 20 degrees); for
the shift, the quality of the minutiae kept and changed and their distance
from the edge of the minutiae's bounding box.

Usage: PYTHONPATH=build/release/python /usr/bin/python3 benchmarks/analysis/extraction_stability.py ../shared/data/fvc2002
"""
import math
import statistics
import sys

import numpy as np

import tunggal


def rotate(img, deg):
    h, w = img.shape
    a = math.radians(deg)
    c, s = math.cos(a), math.sin(a)
    W, H = int(abs(w * c) + abs(h * s)) + 2, int(abs(w * s) + abs(h * c)) + 2
    ys, xs = np.mgrid[0:H, 0:W].astype(np.float64)
    cx, cy, CX, CY = (w - 1) / 2, (h - 1) / 2, (W - 1) / 2, (H - 1) / 2
    dx, dy = xs - CX, ys - CY
    sx, sy = c * dx + s * dy + cx, -s * dx + c * dy + cy
    x0, y0 = np.floor(sx).astype(int), np.floor(sy).astype(int)
    fx, fy = sx - x0, sy - y0
    ok = (x0 >= 0) & (y0 >= 0) & (x0 < w - 1) & (y0 < h - 1)
    x0c, y0c = np.clip(x0, 0, w - 2), np.clip(y0, 0, h - 2)
    f = img.astype(np.float64)
    v = (f[y0c, x0c] * (1 - fx) * (1 - fy) + f[y0c, x0c + 1] * fx * (1 - fy) + f[y0c + 1, x0c] * (1 - fx) * fy
         + f[y0c + 1, x0c + 1] * fx * fy)
    out = np.full((H, W), 255.0)  # FVC backgrounds are white
    out[ok] = v[ok]
    geo = (cx, cy, CX, CY, c, s)
    return out.astype(np.uint8), lambda x, y: (c * (x - cx) - s * (y - cy) + CX, s * (x - cx) + c * (y - cy) + CY)


def transformed(img, kind, amount):
    if kind == "shift":
        r = np.full((img.shape[0] + amount, img.shape[1] + amount), 255, np.uint8)
        r[amount:, amount:] = img
        return r, (lambda x, y: (x + amount, y + amount)), 0.0
    if amount == 90:  # clockwise on screen: (x, y) -> (h - 1 - y, x)
        h = img.shape[0]
        return np.ascontiguousarray(np.rot90(img, -1)), (lambda x, y: (h - 1 - y, x)), math.radians(90)
    r, f = rotate(img, amount)
    return r, f, math.radians(amount)


def found(m, t1, f, turn):
    X, Y = f(m.x, m.y)
    A = (m.angle - turn) % (2 * math.pi)  # directions counter-clockwise, y down on screen
    return any(math.hypot(n.x - X, n.y - Y) <= 8 and abs((n.angle - A + math.pi) % (2 * math.pi) - math.pi) <= math.radians(20)
               for n in t1.minutiae)


def main(root):
    print("| set | change | score, median (min) | minutiae found again | changed minutiae: quality, px from the edge | kept: quality, px |")
    print("| --- | --- | --- | --- | --- | --- |")
    for db in ["DB1_B", "DB2_B", "DB3_B", "DB4_B"]:
        for kind, amount in [("shift", 5), ("rotate", 90), ("rotate", 15), ("rotate", 30)]:
            rows, kept, lost = [], [], []
            for finger in range(101, 111):
                img = tunggal.load_image(f"{root}/{db}/{finger}_1.tif")
                t0 = tunggal.extract(img, dpi=500)
                r, f, turn = transformed(img, kind, amount)
                t1 = tunggal.extract(r, dpi=500)
                xs, ys = [m.x for m in t0.minutiae], [m.y for m in t0.minutiae]
                hits = 0
                for m in t0.minutiae:
                    edge = min(m.x - min(xs), max(xs) - m.x, m.y - min(ys), max(ys) - m.y)
                    ok = found(m, t1, f, turn)
                    hits += ok
                    (kept if ok else lost).append((m.quality, edge))
                rows.append((tunggal.compare(t0, t1), hits / max(1, len(t0.minutiae))))
            med = lambda v, i: statistics.median(x[i] for x in v) if v else float("nan")
            print(f"| {db} | {kind} {amount} | {statistics.median(x[0] for x in rows):.1f} ({min(x[0] for x in rows):.1f}) | "
                  f"{100 * statistics.mean(x[1] for x in rows):.0f}% | {med(lost, 0):.0f}, {med(lost, 1):.0f} | {med(kept, 0):.0f}, {med(kept, 1):.0f} |")


if __name__ == "__main__":
    main(sys.argv[1])
