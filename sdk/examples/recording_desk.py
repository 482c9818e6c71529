"""The recording desk in Python: capture from the virtual reader, enrol,
deduplicate a returning applicant, render a card.
    PYTHONPATH=build/release/python /usr/bin/python3 recording_desk.py DATA_DIR OUT_DIR"""
import os
import sys

import tunggal

ATTRS = {"province": "JAWA BARAT", "regency": "KOTA BANDUNG", "sex": "PEREMPUAN", "birth_place": "BANDUNG",
         "birth_date": "28-08-1990", "address": "JL. MERDEKA NO. 1", "rt_rw": "001/002", "village": "CIHAPIT",
         "district": "BANDUNG WETAN", "religion": "ISLAM", "marital_status": "KAWIN", "occupation": "GURU"}


def applicant(rid, sample, name, nik):
    r = tunggal.PersonRecord(rid)
    r.fingers = [sample.template]
    r.attributes = dict(ATTRS, name=name, nik=nik)
    return r


def main(data, out):
    session = tunggal.Session(face=False)  # in memory; Session(gallery="DIR") for a durable one
    prints = [tunggal.load_image(os.path.join(data, "fvc2002", "DB1_B", n)) for n in ("101_1.tif", "102_1.tif", "101_3.tif")]
    reader = tunggal.FingerprintReader.open_virtual(prints)
    taken = []
    for i in range(3):
        c = tunggal.capture_finger(session, reader, tunggal.FingerPosition.right_index, 20000)
        if not c.accepted:
            print("capture %d: %s %s" % (i + 1, c.status, c.reasons), file=sys.stderr)
            return 1
        print("captured right index, quality %d" % c.sample.quality)
        taken.append(c.sample)
    for r in (applicant("A", taken[0], "SITI RAHAYU", "3273016808900001"),
              applicant("B", taken[1], "DEWI LESTARI", "3273015203920002")):
        print("%s: %s" % (r.id, session.deduplicate(r).decision))
    again = session.deduplicate(applicant("C", taken[2], "SITI R.", "3273016808900003"))
    print("C: %s of %s" % (again.decision, again.candidates[0].ref if again.candidates else "-"))
    if not again.duplicate:
        return 1
    photo = tunggal.load_color_image(os.path.join(data, "att_faces", "s2", "1.pgm"))
    card = tunggal.render_card(applicant("B", taken[1], "DEWI LESTARI", "3273015203920002"), photo,
                               issue_date="01-12-2026")
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "B_py.pdf"), "wb") as f:
        f.write(card.pdf)
    print("card of B: %s" % os.path.join(out, "B_py.pdf"))
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    sys.exit(main(sys.argv[1], sys.argv[2]))
