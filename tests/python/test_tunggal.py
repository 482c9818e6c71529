"""The Python bindings: the interface others rely on, errors, the GIL
released during long calls, capture through libfprint's virtual reader,
the gallery and cards. Run by ctest with Debian's /usr/bin/python3 and
PYTHONPATH=<build>/python; TUNGGAL_SHARED_DATA names ../shared/data."""
import os
import threading
import time
import unittest

import numpy as np

import tunggal

DATA = os.environ.get("TUNGGAL_SHARED_DATA", "")
# An ISO/IEC 19794-2 record: 300x400 at 197 ppcm, one view, two minutiae.
ISO_TEMPLATE = [ord('F'), ord('M'), ord('R'), 0, ord(' '), ord('2'), ord('0'), 0, 0, 0, 0, 42, 0, 0,
                0x01, 0x2C, 0x01, 0x90, 0, 197, 0, 197, 1, 0, 2, 0, 60, 2,
                0x40, 10, 0, 20, 64, 50, 0x80, 30, 0, 40, 128, 60, 0, 0]
HAVE_DATA = os.path.isfile(os.path.join(DATA, "fvc2002", "DB1_B", "101_1.tif"))
IN_CI = os.environ.get("CI") == "true"


def fvc(name, db="DB1_B"):
    return os.path.join(DATA, "fvc2002", db, name + ".tif")


def need_data(test):
    if HAVE_DATA:
        return test
    if IN_CI:
        def fail(self):
            self.fail("../shared/data not found (CI=true: not a skip)")
        return fail
    return unittest.skip("../shared/data not found")(test)


class Interface(unittest.TestCase):
    def test_version_and_error(self):
        self.assertRegex(tunggal.__version__, r"^\d+\.\d+\.\d+$")
        with self.assertRaises(tunggal.Error) as e:
            tunggal.FingerTemplate.from_bytes(b"not a template")
        self.assertEqual(e.exception.code, tunggal.ErrorCode.malformed_data)
        self.assertIn("unrecognised template format", str(e.exception))
        with self.assertRaises(tunggal.Error) as e:
            tunggal.load_image("/nonexistent/finger.png")
        self.assertEqual(e.exception.code, tunggal.ErrorCode.not_found)
        self.assertTrue(issubclass(tunggal.Error, Exception))

    def test_remote_mode_checks_its_configuration(self):
        import tempfile
        with tempfile.TemporaryDirectory() as d:
            token = os.path.join(d, "token")
            with open(os.open(token, os.O_WRONLY | os.O_CREAT, 0o600), "w") as f:
                f.write("a-token-0123456789\n")
            with self.assertRaises(tunggal.Error) as e:
                tunggal.Session(daemon="ftp://127.0.0.1:1", daemon_token_file=token, face=False)
            self.assertEqual(e.exception.code, tunggal.ErrorCode.invalid_argument)
            with self.assertRaises(tunggal.Error) as e:
                tunggal.Session(daemon="http://127.0.0.1:1", daemon_token_file=token, gallery=d, face=False)
            self.assertEqual(e.exception.code, tunggal.ErrorCode.invalid_argument)
            # Opens (the daemon is reached at the first call), then no one is there.
            s = tunggal.Session(daemon="http://127.0.0.1:1", daemon_token_file=token, face=False)
            with self.assertRaises(tunggal.Error) as e:
                s.count()
            self.assertEqual(e.exception.code, tunggal.ErrorCode.io)
            os.chmod(token, 0o644)
            with self.assertRaises(tunggal.Error) as e:
                tunggal.Session(daemon="http://127.0.0.1:1", daemon_token_file=token, face=False)
            self.assertIn("readable by others", str(e.exception))

    def test_bad_arrays_are_errors(self):
        with self.assertRaises(tunggal.Error) as e:
            tunggal.extract(np.zeros((4, 4, 4), dtype=np.uint8))
        self.assertEqual(e.exception.code, tunggal.ErrorCode.invalid_argument)
        # Nothing to extract: an error naming why (before 2026-12-08 an
        # empty template with no reason).
        for image, why in ((np.full((300, 300), 255, dtype=np.uint8), "blank image"),
                           (np.zeros((1, 1), dtype=np.uint8), "too small"),
                           (np.zeros((5000, 5000), dtype=np.uint8), "too large")):
            with self.assertRaises(tunggal.Error) as e:
                tunggal.extract(image)
            self.assertEqual(e.exception.code, tunggal.ErrorCode.invalid_argument)
            self.assertIn(why, str(e.exception))
        # Other dtypes are refused, not cast (NaN has no uint8 value).
        for bad in (np.full((300, 300), np.nan), np.zeros((300, 300), dtype=np.int16),
                    np.zeros((300, 300), dtype=np.float32), np.zeros((300, 300), dtype=bool)):
            with self.assertRaises(tunggal.Error) as e:
                tunggal.extract(bad)
            self.assertEqual(e.exception.code, tunggal.ErrorCode.invalid_argument)
            self.assertIn("uint8", str(e.exception))
        s = tunggal.Session(face=False)
        with self.assertRaises(tunggal.Error):
            s.extract(np.zeros((300, 300), dtype=np.float64))
        # A uint8 view that is not contiguous is fine.
        view = np.zeros((600, 600), dtype=np.uint8)[::2, ::2]
        with self.assertRaises(tunggal.Error) as e:
            tunggal.extract(view)
        self.assertIn("blank image", str(e.exception))

    def test_arguments_are_checked_first(self):
        # Rates are rates: 2.0 is neither a rate nor a MOSIP score (10-200).
        for bad in (2.0, 0.0, -1.0, 1.0, 500.0):
            with self.assertRaises(tunggal.Error) as e:
                tunggal.Session(face=False, target_fpir=bad)
            self.assertEqual(e.exception.code, tunggal.ErrorCode.invalid_argument)
        tunggal.Session(face=False, target_fpir=30)     # MOSIP's 1 in 1,000
        tunggal.Session(face=False, target_fpir=1e-4)
        with self.assertRaises(tunggal.Error):
            tunggal.Session(face=False, verify_fmr=2.0)
        # Text is text: bytes that are not UTF-8 are refused where they come in.
        r = tunggal.PersonRecord("R1")
        with self.assertRaises(tunggal.Error) as e:
            r.attributes = {"name": b"\xff\xfe"}
        self.assertEqual(e.exception.code, tunggal.ErrorCode.invalid_argument)
        with self.assertRaises(tunggal.Error):
            tunggal.PersonRecord(b"\xc3\x28")
        r.attributes = {"name": "SITI RAHAYU", "address": "JL. MERDÉKA"}
        self.assertEqual(tunggal.PersonRecord.from_bytes(r.to_bytes()).attributes["address"], "JL. MERDÉKA")
        # A batch with one id twice is refused before any work, naming it.
        s = tunggal.Session(face=False)
        t = tunggal.FingerTemplate.from_bytes(bytes(ISO_TEMPLATE))
        one = tunggal.PersonRecord("SAME")
        one.fingers = [t]
        with self.assertRaises(tunggal.Error) as e:
            s.enrol_all([one] * 2000)
        self.assertIn("SAME", str(e.exception))
        self.assertIn("twice", str(e.exception))
        self.assertEqual(s.count(), 0)

    @need_data
    def test_load_extract_round_trip_compare(self):
        img = tunggal.load_image(fvc("101_1"))
        self.assertEqual(img.shape, (374, 388))
        self.assertEqual(img.dtype, np.uint8)
        a = tunggal.extract(img, dpi=500)
        self.assertGreater(len(a.minutiae), 10)
        for fmt in ("iso", "ansi", "native"):
            back = tunggal.FingerTemplate.from_bytes(a.to_bytes(fmt))
            self.assertEqual(len(back.minutiae), len(a.minutiae), fmt)
        b = tunggal.extract(tunggal.load_image(fvc("101_2")))
        other = tunggal.extract(tunggal.load_image(fvc("105_1")))
        self.assertEqual(tunggal.compare(a, b), tunggal.compare(b, a))  # symmetric
        self.assertGreater(tunggal.compare(a, b), 30)   # FMR 1e-3 and rarer
        self.assertLess(tunggal.compare(a, other), 30)
        with self.assertRaises(tunggal.Error):
            a.to_bytes("bmp")


class Threads(unittest.TestCase):
    @need_data
    def test_long_calls_release_the_gil(self):
        # With the GIL held, one thread's call could not start while
        # another's runs: the intervals would never overlap.
        images = [tunggal.load_image(fvc("10%d_%d" % (f, i))) for f in range(1, 4) for i in range(1, 4)]
        spans, barrier = [], threading.Barrier(4)

        def work():
            barrier.wait()
            t0 = time.monotonic()
            for img in images:
                tunggal.extract(img)
            spans.append((t0, time.monotonic()))

        threads = [threading.Thread(target=work) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        spans.sort()
        overlaps = sum(1 for (s0, e0), (s1, e1) in zip(spans, spans[1:]) if s1 < e0)
        self.assertGreater(overlaps, 0, spans)


class SessionAndDevices(unittest.TestCase):
    @need_data
    def test_capture_enrol_identify(self):
        s = tunggal.Session(face=False)
        reader = tunggal.FingerprintReader.open_virtual(
            [tunggal.load_image(fvc(n)) for n in ("101_1", "102_1", "101_4")])
        self.assertEqual(reader.driver, "virtual_image")
        first = tunggal.capture_finger(s, reader, tunggal.FingerPosition.right_index, 20000)
        self.assertTrue(first.accepted, first.reasons)
        self.assertTrue(first.resolution_assumed)
        second = tunggal.capture_finger(s, reader, tunggal.FingerPosition.right_index, 20000)
        third = tunggal.capture_finger(s, reader, tunggal.FingerPosition.right_index, 20000)
        gone = tunggal.capture_finger(s, reader, tunggal.FingerPosition.right_index, 500)
        self.assertEqual(gone.status, "timeout")
        for n, cap in (("A", first), ("B", second)):
            r = tunggal.PersonRecord(n)
            r.fingers = [cap.sample.template]
            s.enrol(r)
        self.assertEqual(s.count(), 2)
        probe = tunggal.PersonRecord("A-again")
        probe.fingers = [third.sample.template]
        d = s.identify([probe])[0]
        self.assertEqual(d.decision, "duplicate")
        self.assertEqual(d.candidates[0].ref, "A")
        self.assertTrue(s.verify(first.sample.template, third.sample.template).match)
        with self.assertRaises(tunggal.Error) as e:
            s.enrol(tunggal.PersonRecord.from_bytes(tunggal.PersonRecord("A").to_bytes()))
        self.assertEqual(e.exception.code, tunggal.ErrorCode.invalid_argument)
        # Nothing to search with: refused, not found unique and enrolled.
        with self.assertRaises(tunggal.Error) as e:
            s.deduplicate(tunggal.PersonRecord("EMPTY"))
        self.assertEqual(e.exception.code, tunggal.ErrorCode.invalid_argument)
        self.assertIn("nothing to search with", str(e.exception))
        self.assertEqual(s.count(), 2)

    @need_data
    def test_ten_print_sequence_at_the_desk(self):
        s = tunggal.Session(face=False)
        # Right index, the right index again (the wrong finger for the
        # middle), then another finger for the middle; the thumb is absent.
        reader = tunggal.FingerprintReader.open_virtual(
            [tunggal.load_image(fvc(n)) for n in ("101_1", "101_2", "102_1")])
        fp = tunggal.FingerPosition
        tp = tunggal.TenPrintSession(s, reader, order=[fp.right_thumb, fp.right_index, fp.right_middle],
                                     timeout_ms=20000)
        self.assertEqual(tp.next(), fp.right_thumb)
        tp.mark_absent(fp.right_thumb, "injured")
        first = tp.capture()
        self.assertTrue(first.capture.accepted, first.capture.reasons)
        self.assertEqual(tp.next(), fp.right_middle)
        again = tp.capture()
        self.assertEqual(again.same_as, fp.right_index)
        self.assertEqual(tp.next(), fp.right_middle)
        third = tp.capture()
        self.assertTrue(third.capture.accepted, third.capture.reasons)
        self.assertTrue(tp.complete)
        self.assertIsNone(tp.next())
        r = tp.record("DESK-1")
        self.assertEqual(len(r.fingers), 2)
        with self.assertRaises(tunggal.Error):
            tp.mark_absent(fp.left_thumb, "asleep")
        with self.assertRaises(tunggal.Error):
            tunggal.TenPrintSession(s, reader, order=[])

    def test_card_and_printer_outcomes(self):
        r = tunggal.PersonRecord("R1")
        r.attributes = {
            "province": "JAWA BARAT", "regency": "KOTA BANDUNG", "nik": "3273012808900001",
            "name": "SITI RAHAYU", "sex": "PEREMPUAN", "birth_place": "BANDUNG", "birth_date": "28-08-1990",
            "address": "JL. MERDEKA NO. 1", "rt_rw": "001/002", "village": "CIHAPIT",
            "district": "BANDUNG WETAN", "religion": "ISLAM", "marital_status": "KAWIN", "occupation": "GURU"}
        photo = (np.arange(112 * 92 * 3) % 251).astype(np.uint8).reshape(112, 92, 3)
        card = tunggal.render_card(r, photo, issue_date="01-12-2026")
        self.assertTrue(card.pdf.startswith(b"%PDF-"))
        self.assertTrue(card.png.startswith(b"\x89PNG"))
        with self.assertRaises(tunggal.Error) as e:
            tunggal.render_card(r, np.full((112, 92, 3), 7, dtype=np.uint8))
        self.assertEqual(e.exception.code, tunggal.ErrorCode.malformed_data)
        result = tunggal.print_pdf("TUNGGAL_NO_SUCH_QUEUE", card.pdf, timeout=5)
        self.assertFalse(result.ok)
        self.assertIn(result.outcome, ("printer missing", "CUPS unavailable"))


if __name__ == "__main__":
    unittest.main()
