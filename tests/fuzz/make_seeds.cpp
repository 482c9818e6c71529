// Writes a small seed corpus for the fuzzers with our own encoders, so the
// build needs no data files (shared ISO templates are added when present).
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <opencv2/imgcodecs.hpp>
#include <random>

#include "tunggal/abis/cbeff.h"
#include "tunggal/formats.h"
#include "tunggal/person_record.h"
#include "tunggal/calibration.h"
#include "tunggal/face.h"
#include "../../engine/src/gallery/snapshot.h"

using namespace tunggal;

int main(int argc, char** argv) {
  if (argc != 2) return 2;
  const std::filesystem::path dir = argv[1];
  std::filesystem::create_directories(dir);
  std::mt19937 rng(7);
  auto write = [&](const std::string& name, const std::vector<std::uint8_t>& b) {
    std::ofstream(dir / name, std::ios::binary)
        .write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
  };
  for (int k = 0; k < 4; ++k) {
    FingerTemplate t;
    t.width = 300;
    t.height = 400;
    t.position = static_cast<FingerPosition>(k);
    t.quality = static_cast<std::uint8_t>(20 * k);
    for (int i = 0; i < 5 + 10 * k; ++i) {
      Minutia m;
      m.x = static_cast<std::uint16_t>(rng() % 300);
      m.y = static_cast<std::uint16_t>(rng() % 400);
      m.angle = static_cast<float>((rng() % 90) * 6.283185307179586 / 90.0);
      m.type = static_cast<MinutiaType>(rng() % 3);
      m.quality = static_cast<std::uint8_t>(rng() % 101);
      t.minutiae.push_back(m);
    }
    if (k == 3) t.extended_data = {0, 1, 0, 6, 9, 9};
    std::vector<FingerTemplate> views{t};
    if (k == 2) views.push_back(t);
    write("seed" + std::to_string(k) + ".iso", encode_iso19794_2(views));
    write("seed" + std::to_string(k) + ".ansi", encode_ansi378(views));
    write("seed" + std::to_string(k) + ".tgt", encode_native(views));
    EncodeOptions o;
    o.xyt_convention = XytConvention::m1;
    write("seed" + std::to_string(k) + ".xyt", encode_xyt(t, o));
    PersonRecord r;
    r.id = "R0000000" + std::to_string(k);
    r.enrolled_at = 1767225600 + k;
    t.position = static_cast<FingerPosition>(k + 1);
    r.fingers.push_back(t);
    if (k % 2 == 0)
      r.face = FaceTemplate{"synthetic-arcface512-v1", std::vector<float>(8, 0.35f), 60};
    r.attributes = {{"nik", "3273014509970001"}, {"name", "SITI"}};
    write("seed" + std::to_string(k) + ".tgr", encode_person_record(r));
    write("seed" + std::to_string(k) + ".tgf",
          encode_face_template(FaceTemplate{"faceplugin-fr-js-0.0.1", std::vector<float>(4 + k, 0.5f),
                                            static_cast<std::uint8_t>(50 + k)}));
  }
  // Text inputs for fuzz_text: a calibration table (first byte 'c'), a CSV
  // line ('v') and a face model description (first byte 'f').
  std::filesystem::create_directories(dir / "text");
  {
    const std::string table = "c" + default_finger_calibration().to_text();
    write("text/calibration", std::vector<std::uint8_t>(table.begin(), table.end()));
    std::ifstream in(std::filesystem::path(TUNGGAL_SOURCE_DIR) / "engine/models/faceplugin-fr-js-0.0.1.model");
    const std::string model = "f" + std::string(std::istreambuf_iterator<char>(in), {});
    write("text/model", std::vector<std::uint8_t>(model.begin(), model.end()));
    const std::string csv = "v101_1.tif,\"a, \"\"b\"\"\",impostor,0.125e1\r";
    write("text/csv", std::vector<std::uint8_t>(csv.begin(), csv.end()));
  }
  // A snapshot block for fuzz_snapshot (first byte: people; 2 key tables,
  // 4-d faces, as the target fixes them).
  std::filesystem::create_directories(dir / "snapshot");
  {
    std::vector<detail::EnrolledPerson> people(2);
    for (std::size_t i = 0; i < people.size(); ++i) {
      auto& p = people[i];
      p.ref = "R" + std::to_string(i);
      EnrolledFinger& f = p.fingers[1 + i];
      f.words = 4;
      f.disc_cells = 40;
      for (int c = 0; c < 3; ++c) {
        f.minutiae.push_back({static_cast<float>(rng() % 300), static_cast<float>(rng() % 400), 1.0f});
        for (int w = 0; w < f.words; ++w) f.values.push_back(rng()), f.validity.push_back(~0ull);
        for (int t = 0; t < 2; ++t) p.keys[1 + i].push_back(static_cast<std::uint32_t>(rng() % 4096));
      }
      if (i == 0) p.face = QuantizedEmbedding{{1, -2, 3, -4}, 0.25f};
    }
    auto block = detail::encode_snapshot_block(people, 2);
    block.insert(block.begin(), 2);
    write("snapshot/block", block);
  }
  // Images for fuzz_image: a small ridge pattern in each accepted format.
  std::filesystem::create_directories(dir / "images");
  cv::Mat ridges(96, 96, CV_8U);
  for (int y = 0; y < 96; ++y) {
    for (int x = 0; x < 96; ++x) {
      ridges.at<std::uint8_t>(y, x) =
          static_cast<std::uint8_t>(128 + 90 * std::cos(0.7 * x + 0.3 * y));
    }
  }
  for (const char* ext : {".png", ".bmp", ".pgm", ".jpg", ".tif", ".jp2"}) {
    std::vector<std::uint8_t> buf;
    cv::imencode(ext, ridges, buf);
    write(std::string("images/seed") + ext, buf);
    // The same file with its header claiming 30000 x 30000 pixels: a size
    // bomb, refused from the header (the fuzzer mutates around it).
    const auto put_be = [&](std::size_t at, std::uint32_t v, int n) {
      for (int k = 0; k < n; ++k) buf[at + k] = static_cast<std::uint8_t>(v >> (8 * (n - 1 - k)));
    };
    const auto put_le = [&](std::size_t at, std::uint32_t v, int n) {
      for (int k = 0; k < n; ++k) buf[at + k] = static_cast<std::uint8_t>(v >> (8 * k));
    };
    const auto find = [&](std::initializer_list<std::uint8_t> pat) {
      return std::search(buf.begin(), buf.end(), pat.begin(), pat.end()) - buf.begin();
    };
    const std::string e = ext;
    if (e == ".png") {
      put_be(16, 30000, 4), put_be(20, 30000, 4);
    } else if (e == ".bmp") {
      put_le(18, 30000, 4), put_le(22, 30000, 4);
    } else if (e == ".jpg") {
      const auto at = static_cast<std::size_t>(find({0xFF, 0xC0}));
      if (at + 9 < buf.size()) put_be(at + 5, 30000, 2), put_be(at + 7, 30000, 2);
    } else if (e == ".jp2") {
      const auto at = static_cast<std::size_t>(find({'i', 'h', 'd', 'r'}));
      if (at + 12 < buf.size()) put_be(at + 4, 30000, 4), put_be(at + 8, 30000, 4);
    } else if (e == ".tif" && buf.size() > 8 && buf[0] == 'I') {
      const std::size_t ifd = buf[4] | (buf[5] << 8) | (buf[6] << 16) | (static_cast<std::size_t>(buf[7]) << 24);
      const std::size_t n = ifd + 2 <= buf.size() ? (buf[ifd] | (buf[ifd + 1] << 8)) : 0;
      for (std::size_t k = 0; k < n && ifd + 2 + 12 * k + 12 <= buf.size(); ++k) {
        const std::size_t en = ifd + 2 + 12 * k;
        const int tag = buf[en] | (buf[en + 1] << 8), type = buf[en + 2] | (buf[en + 3] << 8);
        if (tag == 256 || tag == 257) put_le(en + 8, 30000, type == 3 ? 2 : 4);
      }
    } else if (e == ".pgm") {
      const std::string head = "P5\n30000 30000\n255\n";
      buf.assign(head.begin(), head.end());
      buf.resize(buf.size() + 64, 0);
    }
    write(std::string("images/bomb") + ext, buf);
  }
  // A record's demographics for fuzz_card, and a reader's image for
  // fuzz_device (width, height, resolution as u16, then pixels).
  std::filesystem::create_directories(dir / "card");
  {
    const std::string card =
        "province=JAWA BARAT\nregency=KOTA BANDUNG\nnik=3273012808900001\nname=SITI RAHAYU\nsex=PEREMPUAN\n"
        "birth_place=BANDUNG\nbirth_date=28-08-1990\naddress=JL. MERDEKA NO. 1\nrt_rw=001/002\nvillage=CIHAPIT\n"
        "district=BANDUNG WETAN\nreligion=ISLAM\nmarital_status=KAWIN\noccupation=GURU\nblood_type=O\n"
        "issue_date=01-12-2026\n";
    write("card/seed", std::vector<std::uint8_t>(card.begin(), card.end()));
  }
  std::filesystem::create_directories(dir / "device");
  {
    std::vector<std::uint8_t> dev = {96, 0, 96, 0, 0x90, 0x01};  // 96 x 96 (+1s), 500 dpi
    for (int y = 0; y < 97; ++y)
      for (int x = 0; x < 97; ++x) dev.push_back(ridges.at<std::uint8_t>(y % 96, x % 96));
    write("device/seed", dev);
  }
  // The ABIS edge: 'j' + a request, or a CBEFF document with a finger
  // (PNG and JPEG 2000 inside 19794-4), an exception and a face.
  std::filesystem::create_directories(dir / "abis");
  {
    const std::string requests[] = {
        R"({"id":"mosip.abis.insert","version":"1.1","requestId":"r1","requesttime":"2026-12-01T08:00:00.000Z","referenceId":"a","referenceURL":"http://127.0.0.1/a"})",
        R"({"id":"mosip.abis.identify","version":"1.1","requestId":"r2","requesttime":"2026-12-01T08:00:00.000Z","referenceId":"a","referenceUrl":"","gallery":{"referenceIds":[{"referenceId":"b"}]},"flags":{"maxResults":"10","targetFPIR":"30"}})",
        R"({"id":"mosip.abis.pendingJobs","version":"1.1","requestId":"r3","requesttime":"2026-12-01T08:00:00Z"})",
        // referenceIds the edge refuses (too long, a space, not ASCII) and a
        // URL with userinfo, port and a bracketed address.
        R"({"id":"mosip.abis.insert","version":"1.1","requestId":"r5","requesttime":"2026-12-01T08:00:00.000Z","referenceId":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA","referenceURL":"http://u:p@[::1]:8080/a?b"})",
        R"({"id":"mosip.abis.identify","version":"1.1","requestId":"r6","requesttime":"2026-12-01T08:00:00.000Z","referenceId":"has space","gallery":{"referenceIds":["café"]}})"};
    int n = 0;
    for (const auto& r : requests) {
      const std::string b = "j" + r;
      write("abis/request" + std::to_string(n++), std::vector<std::uint8_t>(b.begin(), b.end()));
    }
    // The SDK's remote mode: a record inline, deduplicated.
    PersonRecord rec;
    rec.id = "a";
    rec.face = FaceTemplate{"synthetic-arcface512-v1", std::vector<float>(8, 0.35f), 60};
    const std::string sdk = R"(j{"id":"mosip.abis.insert","version":"1.1","requestId":"r4","requesttime":"2026-12-01T08:00:00.000Z","referenceId":"a","tunggalMode":"deduplicate","flags":{"maxResults":"3","targetFPIR":"30.5","tunggalExhaustive":"true"},"tunggalRecord":")" +
                            encode_base64(encode_person_record(rec)) + "\"}";
    write("abis/request" + std::to_string(n++), std::vector<std::uint8_t>(sdk.begin(), sdk.end()));
    GrayImage g;
    g.width = 64;
    g.height = 80;
    for (int y = 0; y < 80; ++y)
      for (int x = 0; x < 64; ++x) g.pixels.push_back(ridges.at<std::uint8_t>(y, x));
    ColorImage face;
    face.width = 32;
    face.height = 40;
    face.rgb.assign(32 * 40 * 3, 120);
    abis::CbeffDocument doc;
    for (int compression : {6, 5}) {
      abis::CbeffSample s;
      s.modality = abis::Modality::finger;
      s.subtype = compression == 6 ? "Right Thumb" : "Left IndexFinger";
      s.format_type = 7;
      s.quality = 70;
      s.bdb = abis::encode_finger_image_record(g, abis::finger_position_of(s.subtype), 70, compression);
      doc.samples.push_back(s);
    }
    abis::CbeffSample missing;
    missing.modality = abis::Modality::finger;
    missing.subtype = "Left Thumb";
    missing.format_type = 7;
    missing.exception = true;
    doc.samples.push_back(missing);
    abis::CbeffSample f;
    f.modality = abis::Modality::face;
    f.format_type = 8;
    f.bdb = abis::encode_face_image_record(face, 0);
    doc.samples.push_back(f);
    const std::string stomp = std::string("s") + "MESSAGE\ndestination:/queue/mosip-to-abis\nmessage-id:ID\\c1\nack:1\n\n" + requests[0] +
                              std::string(1, '\0') + "\nMESSAGE\ncontent-length:3\n\na\0b" + std::string(1, '\0');
    write("abis/stomp", std::vector<std::uint8_t>(stomp.begin(), stomp.end()));
    const std::string xml = "x" + abis::encode_cbeff(doc);
    write("abis/cbeff", std::vector<std::uint8_t>(xml.begin(), xml.end()));
  }
  // Uploads for fuzz_upload: a plain PDF, one with a compressed stream,
  // a PNG and a JPEG.
  {
    std::filesystem::create_directories(dir / "upload");
    const std::string tail = "trailer << /Root 1 0 R >>\n%%EOF\n";
    const std::string plain = "%PDF-1.4\n1 0 obj << /Type /Catalog /AA << >> >> endobj\n" + tail;
    write("upload/plain.pdf", std::vector<std::uint8_t>(plain.begin(), plain.end()));
    // A stored (uncompressed) deflate block: zlib header 78 01, then
    // final-block bit, length, its complement, the bytes, Adler-32.
    const std::string body = "2 0 obj << /S /JavaScript >> endobj";
    std::string z = "\x78\x01\x01";
    z.push_back(static_cast<char>(body.size() & 0xFF));
    z.push_back(static_cast<char>(body.size() >> 8));
    z.push_back(static_cast<char>(~body.size() & 0xFF));
    z.push_back(static_cast<char>((~body.size() >> 8) & 0xFF));
    z += body;
    std::uint32_t a = 1, b = 0;
    for (const unsigned char c : body) {
      a = (a + c) % 65521;
      b = (b + a) % 65521;
    }
    const std::uint32_t adler = (b << 16) | a;
    for (int k = 3; k >= 0; --k) z.push_back(static_cast<char>(adler >> (8 * k)));
    const std::string packed = "%PDF-1.5\n3 0 obj << /Type /ObjStm /Filter /FlateDecode >>\nstream\n" + z +
                               "\nendstream\nendobj\n" + tail;
    write("upload/objstm.pdf", std::vector<std::uint8_t>(packed.begin(), packed.end()));
    std::vector<std::uint8_t> buf;
    cv::imencode(".png", ridges, buf);
    write("upload/scan.png", buf);
    cv::imencode(".jpg", ridges, buf);
    write("upload/scan.jpg", buf);
  }
  // Office requests for fuzz_office_command: one per kind of field.
  {
    std::filesystem::create_directories(dir / "office");
    const char* requests[] = {
        R"({"action": "check_documents", "application": "A000001", "expected_version": 3})",
        R"({"action": "send_schedule", "application": "A000002", "expected_version": 0, "day": "2026-12-09"})",
        R"({"action": "adjudicate", "application": "A000003", "expected_version": 5, "duplicate_of": "3273014508900001"})",
        R"({"action": "adjudicate", "application": "A000003", "expected_version": 5, "not_duplicate": "prints differ"})",
        R"({"action": "add_note", "application": "A000004", "expected_version": 1, "text": "called"})",
        R"({"action": "apply", "form": {"nik": "3273014508900001", "name": "BUDI", "birth_date": "05-08-1990"},
            "documents": [{"kind": "family_card", "content": "JVBERi0xLjQKJSVFT0YK"}], "started_at": 1796112000})",
        R"({"action": "hand_over", "application": "A000005", "expected_version": 9, "finger": "VEdQUg=="})",
    };
    int k = 0;
    for (const char* r : requests) {
      const std::string text = r;
      write("office/r" + std::to_string(k++), std::vector<std::uint8_t>(text.begin(), text.end()));
    }
  }
  return 0;
}
