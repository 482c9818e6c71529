"""Which genuine FVC2002 pairs fail at FMR 1e-3, by the acquisition
conditions of their two impressions (FVC2002: impressions 1-2 normal, 3-4
exaggerated displacement, 5-6 exaggerated rotation, 7-8 dry and moist), for
our extraction and for the vendor's minutiae, both with our matcher.

Inputs (made with the tunggal tool, see benchmarks/RESULTS.md):
  tunggal eval ../shared/data/fvc2002/DBn_B --impostors all --out OURS/DBn_B
  tunggal eval ../shared/data/fvc2002/DBn_B --impostors all --templates .iso --iso-frame 300x400 --out VENDOR/DBn_B
  tunggal extract ../shared/data/fvc2002/DBn_B -o TEMPLATES/DBn_B
Usage: python3 failures_by_condition.py OURS VENDOR TEMPLATES
"""
import collections
import csv
import statistics
import sys

DBS = ["DB1_B", "DB2_B", "DB3_B", "DB4_B"]
CONDITION = {1: "normal", 2: "normal", 3: "displaced", 4: "displaced", 5: "rotated", 6: "rotated", 7: "dry/wet", 8: "dry/wet"}


def iso_count_quality(path):
    b = open(path, "rb").read()
    return b[27], b[26]  # the first view's minutiae count and finger quality (ISO 19794-2:2005)


def scores(path):
    genuine, impostor = [], []
    for r in csv.DictReader(open(path)):
        (genuine if r["kind"] == "genuine" else impostor).append((r["a"].split(".")[0], r["b"].split(".")[0], float(r["score"])))
    return genuine, impostor


def threshold(impostor, fmr):
    s = sorted(x[2] for x in impostor)
    return s[min(int(len(s) * (1 - fmr)), len(s) - 1)]


def main(ours_dir, vendor_dir, templates_dir):
    total, ours, vendor, both = (collections.Counter() for _ in range(4))
    fail_min, ok_min, fail_q, ok_q = [], [], [], []
    fingers = collections.Counter()
    for db in DBS:
        go, io = scores(f"{ours_dir}/{db}/scores.csv")
        gv, iv = scores(f"{vendor_dir}/{db}/scores.csv")
        to, tv = threshold(io, 1e-3), threshold(iv, 1e-3)
        vend = {(a, b): s for a, b, s in gv}
        for a, b, s in go:
            key = tuple(sorted([CONDITION[int(a.split("_")[1])], CONDITION[int(b.split("_")[1])]]))
            total[key] += 1
            o_fail, v_fail = s <= to, vend[(a, b)] <= tv
            na, qa = iso_count_quality(f"{templates_dir}/{db}/{a}.iso")
            nb, qb = iso_count_quality(f"{templates_dir}/{db}/{b}.iso")
            (fail_min if o_fail else ok_min).append(min(na, nb))
            (fail_q if o_fail else ok_q).append(min(qa, qb))
            if o_fail:
                ours[key] += 1
                fingers[f"{db}:{a.split('_')[0]}"] += 1
            vendor[key] += v_fail
            both[key] += o_fail and v_fail
    print("| conditions | genuine pairs | fail, ours | fail, vendor minutiae | both | ours only |")
    print("| --- | --- | --- | --- | --- | --- |")
    for k in sorted(total):
        print(f"| {' + '.join(k)} | {total[k]} | {ours[k]} | {vendor[k]} | {both[k]} | {ours[k] - both[k]} |")
    print(f"| all | {sum(total.values())} | {sum(ours.values())} | {sum(vendor.values())} | {sum(both.values())} | "
          f"{sum(ours.values()) - sum(both.values())} |")
    print(f"fewer minutiae of the pair, median: failing {statistics.median(fail_min)}, passing {statistics.median(ok_min)}")
    print(f"lower finger quality of the pair, median: failing {statistics.median(fail_q)}, passing {statistics.median(ok_q)}")
    print("fingers with the most failing pairs:", fingers.most_common(8))


if __name__ == "__main__":
    main(*sys.argv[1:4])
