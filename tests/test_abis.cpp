// The ABIS edge (tunggal/abis): MOSIP's requests parsed and refused with the
// specification's failureReason, responses in MOSIP's shape (every scalar
// a string), CBEFF documents in the namespaces MOSIP versions use, and the
// ISO/IEC 19794-4/-5 records inside them, written and read back.
#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>

#include "tunggal/abis/cbeff.h"
#include "tunggal/abis/protocol.h"
#include "tunggal/error.h"

namespace tunggal::abis {
namespace {

using Json = nlohmann::json;

const char* kInsert = R"({"id":"mosip.abis.insert","version":"1.1","requestId":"01234567-89AB-CDEF-0123-456789ABCDEF",
  "requesttime":"2020-03-29T07:01:24.692Z","referenceId":"987654321-89AB-CDEF-0123-456789ABCDEF",
  "referenceURL":"https://mosip.io/biometric/45678","extra":{"ignored":true}})";

Request ok(const std::string& body) {
  auto r = parse_request(body);
  if (auto* rej = std::get_if<Rejection>(&r)) ADD_FAILURE() << rej->message;
  return std::get<Request>(r);
}

Rejection refused(const std::string& body) {
  auto r = parse_request(body);
  EXPECT_TRUE(std::holds_alternative<Rejection>(r)) << body;
  return std::holds_alternative<Rejection>(r) ? std::get<Rejection>(r) : Rejection{};
}

Json with(std::initializer_list<std::pair<const char*, Json>> changes, const char* base = kInsert) {
  Json j = Json::parse(base);
  for (const auto& [k, v] : changes) {
    if (v.is_discarded()) j.erase(k);
    else j[k] = v;
  }
  return j;
}
const Json kRemove = Json(Json::value_t::discarded);

// No number, boolean or null anywhere in a response.
void all_strings(const Json& j, const std::string& path = "") {
  if (j.is_object()) {
    for (auto it = j.begin(); it != j.end(); ++it) all_strings(it.value(), path + "." + it.key());
  } else if (j.is_array()) {
    for (std::size_t i = 0; i < j.size(); ++i) all_strings(j[i], path + "[" + std::to_string(i) + "]");
  } else {
    EXPECT_TRUE(j.is_string()) << path << " is " << j.dump();
  }
}

TEST(AbisProtocol, ReadsEveryOperationAsMosipSendsIt) {
  const Request ins = ok(kInsert);
  EXPECT_EQ(ins.op, Operation::insert);
  EXPECT_EQ(std::get<InsertRequest>(ins.body).reference_url, "https://mosip.io/biometric/45678");
  // Identify: the URL spelt referenceUrl, a gallery of {referenceId}, flags as strings.
  const Request id = ok(R"({"id":"mosip.abis.identify","version":"1.1","requestId":"r2","requesttime":"2026-12-01T08:00:00.000Z",
    "referenceId":"p1","referenceUrl":"http://x/1","gallery":{"referenceIds":[{"referenceId":"a"},{"referenceId":"b"}]},
    "flags":{"maxResults":"10","targetFPIR":"30","flag1":"value1"}})");
  const auto& b = std::get<IdentifyRequest>(id.body);
  EXPECT_EQ(b.reference_url, "http://x/1");
  ASSERT_TRUE(b.gallery.has_value());
  EXPECT_EQ(*b.gallery, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(b.max_results, 10);
  EXPECT_NEAR(*b.target_fpir, 1e-3, 1e-12);
  // A null gallery, numeric flags, no URL (probe by referenceId).
  const Request second = ok(R"({"id":"mosip.abis.identify","version":"1.1","requestId":"r3",
    "requesttime":"2026-12-01T08:00:00Z","referenceId":"p1","gallery":null,"flags":{"maxResults":5,"targetFPIR":40}})");
  const auto& c = std::get<IdentifyRequest>(second.body);
  EXPECT_FALSE(c.gallery.has_value());
  EXPECT_TRUE(c.reference_url.empty());
  EXPECT_NEAR(*c.target_fpir, 1e-4, 1e-12);
  for (const auto& [name, op] : {std::pair{"mosip.abis.delete", Operation::remove}, {"mosip.abis.ping", Operation::ping},
                                 {"mosip.abis.pendingJobs", Operation::pending_jobs},
                                 {"mosip.abis.referenceCount", Operation::reference_count}}) {
    const Request r = ok(with({{"id", name}}).dump());
    EXPECT_EQ(r.op, op);
    EXPECT_EQ(request_id_of(op), name);
  }
}

TEST(AbisProtocol, EachFaultHasItsFailureReasonAndTheAnswerEchoesWhatItCould) {
  EXPECT_EQ(refused("not json").reason, FailureReason::invalid_request);
  EXPECT_EQ(refused("[1,2]").reason, FailureReason::invalid_request);
  EXPECT_EQ(refused(with({{"id", kRemove}}).dump()).reason, FailureReason::invalid_id);
  EXPECT_EQ(refused(with({{"id", "mosip.abis.frobnicate"}}).dump()).reason, FailureReason::invalid_id);
  EXPECT_EQ(refused(with({{"version", "1.0"}}).dump()).reason, FailureReason::invalid_version);
  EXPECT_EQ(refused(with({{"requestId", kRemove}}).dump()).reason, FailureReason::missing_request_id);
  EXPECT_EQ(refused(with({{"requesttime", kRemove}}).dump()).reason, FailureReason::missing_request_time);
  for (const char* t : {"2020-13-29T07:01:24.692Z", "2021-02-29T07:01:24Z", "2020-03-29 07:01:24", "2020-03-29T24:00:00Z",
                        "2020-03-29T07:01:24.692"})
    EXPECT_EQ(refused(with({{"requesttime", t}}).dump()).reason, FailureReason::invalid_request_time) << t;
  EXPECT_EQ(refused(with({{"referenceId", kRemove}}).dump()).reason, FailureReason::missing_reference_id);
  // IDENTIFY may leave the referenceId out when the probe comes by URL, not both.
  const Request by_url = ok(R"({"id":"mosip.abis.identify","version":"1.1","requestId":"u1","requesttime":"2026-12-01T08:00:00Z","referenceURL":"http://x/p"})");
  EXPECT_TRUE(std::get<IdentifyRequest>(by_url.body).reference_id.empty());
  EXPECT_EQ(refused(R"({"id":"mosip.abis.identify","version":"1.1","requestId":"u2","requesttime":"2026-12-01T08:00:00Z"})").reason,
            FailureReason::missing_reference_id);
  EXPECT_EQ(refused(with({{"referenceURL", kRemove}}).dump()).reason, FailureReason::missing_reference_url);
  EXPECT_EQ(refused(with({{"referenceId", 42}}).dump()).reason, FailureReason::invalid_request);
  EXPECT_EQ(refused(with({{"referenceId", std::string(300, 'x')}}).dump()).reason, FailureReason::invalid_request);
  const auto bad_flag = refused(R"({"id":"mosip.abis.identify","version":"1.1","requestId":"r9","requesttime":"2026-12-01T08:00:00Z",
    "referenceId":"p","flags":{"maxResults":"many"}})");
  EXPECT_EQ(bad_flag.reason, FailureReason::invalid_request);
  EXPECT_NE(bad_flag.message.find("maxResults"), std::string::npos);
  // The answer to a refused request still names it.
  EXPECT_EQ(bad_flag.request_id, "r9");
  EXPECT_EQ(bad_flag.id, "mosip.abis.identify");
  const Json answer = Json::parse(encode_response(failure(bad_flag)));
  EXPECT_EQ(answer["requestId"], "r9");
  EXPECT_EQ(answer["returnValue"], "2");
  EXPECT_EQ(answer["failureReason"], "4");
  all_strings(answer);
  EXPECT_EQ(refused(std::string(kMaxRequestBytes + 1, ' ')).reason, FailureReason::invalid_request);
}

TEST(AbisProtocol, ResponsesAreInMosipsShapeWithEveryScalarAString) {
  const Request r = ok(with({{"id", "mosip.abis.identify"}}).dump());
  Response s = success(r);
  s.candidates = std::vector<ResponseCandidate>{{"ref-1", 87.5, {{"FIR", 80.25}, {"FACE", 12.0}}}, {"ref-2", 40, {}}};
  const Json j = Json::parse(encode_response(s));
  all_strings(j);
  EXPECT_EQ(j["id"], "mosip.abis.identify");
  EXPECT_EQ(j["returnValue"], "1");
  EXPECT_FALSE(j.contains("failureReason"));
  EXPECT_EQ(j["candidateList"]["count"], "2");
  EXPECT_EQ(j["candidateList"]["candidates"][0]["referenceId"], "ref-1");
  EXPECT_EQ(j["candidateList"]["candidates"][0]["modalities"][1]["biometricType"], "FACE");
  const std::string t = j["responsetime"];
  ASSERT_EQ(t.size(), 24u) << t;  // yyyy-MM-ddTHH:mm:ss.SSSZ
  EXPECT_EQ(t[10], 'T');
  EXPECT_EQ(t.back(), 'Z');
  Response p = success(ok(with({{"id", "mosip.abis.pendingJobs"}}).dump()));
  p.jobs_count = 12;
  EXPECT_EQ(Json::parse(encode_response(p))["jobscount"], "12");
  Response c = success(ok(with({{"id", "mosip.abis.referenceCount"}}).dump()));
  c.count = 1000;
  EXPECT_EQ(Json::parse(encode_response(c))["count"], "1000");
}

// The SDK's remote mode extensions: a record inline (checked at the edge),
// the insert modes, exact flags, a reference counted alone, and the whole
// decision in the answer, every scalar still a string.
TEST(AbisProtocol, TheSdkExtensionsAreCheckedAtTheEdge) {
  PersonRecord rec;
  rec.id = "ignored";
  rec.face = FaceTemplate{"synthetic-arcface512-v1", std::vector<float>(8, 0.25f), 70};
  const std::string b64 = encode_base64(encode_person_record(rec));
  const Request ins = ok(with({{"referenceURL", kRemove}, {"tunggalRecord", b64}, {"tunggalMode", "deduplicate"},
                               {"flags", {{"maxResults", "3"}, {"targetFPIR", "33.5"}, {"tunggalExhaustive", "true"}}}})
                             .dump());
  const auto& b = std::get<InsertRequest>(ins.body);
  ASSERT_TRUE(b.record);
  EXPECT_EQ(b.record->id, "987654321-89AB-CDEF-0123-456789ABCDEF");  // the referenceId, not what the record says
  EXPECT_EQ(b.mode, InsertMode::deduplicate);
  EXPECT_EQ(b.max_results, 3);
  EXPECT_NEAR(*b.target_fpir, std::pow(10.0, -3.35), 1e-15);
  EXPECT_TRUE(b.exhaustive);
  EXPECT_TRUE(uses_sdk_extensions(ins));
  EXPECT_FALSE(uses_sdk_extensions(ok(kInsert)));
  // MOSIP's INSERT with flags: not looked at (a plain insert has none).
  EXPECT_EQ(ok(with({{"flags", {{"maxResults", "not a number"}}}}).dump()).op, Operation::insert);
  EXPECT_EQ(refused(with({{"tunggalRecord", "%%%"}}).dump()).reason, FailureReason::invalid_cbeff);
  EXPECT_EQ(refused(with({{"tunggalRecord", encode_base64(std::vector<std::uint8_t>{1, 2, 3, 4, 5})}}).dump()).reason, FailureReason::invalid_cbeff);
  EXPECT_EQ(refused(with({{"tunggalRecord", 7}}).dump()).reason, FailureReason::invalid_request);
  EXPECT_EQ(refused(with({{"tunggalMode", "update"}}).dump()).reason, FailureReason::invalid_request);  // no record
  EXPECT_EQ(refused(with({{"tunggalMode", "merge"}, {"tunggalRecord", b64}}).dump()).reason, FailureReason::invalid_request);
  EXPECT_EQ(refused(with({{"tunggalMode", "deduplicate"}, {"tunggalRecord", b64}, {"flags", {{"tunggalExhaustive", "yes"}}}}).dump()).reason,
            FailureReason::invalid_request);
  const Request count = ok(R"({"id":"mosip.abis.referenceCount","version":"1.1","requestId":"c1","requesttime":"2026-12-01T08:00:00.000Z","tunggalReferenceId":"P1"})");
  EXPECT_EQ(std::get<ReferenceCountRequest>(count.body).reference_id, "P1");
  EXPECT_TRUE(uses_sdk_extensions(count));
  // The answer: the decision with every digit of its scores, all strings.
  Response out = success(ins);
  DedupDecision d;
  d.decision = Decision::duplicate;
  d.threshold = 41.123456789012345;
  d.searched = 12;
  d.matched = 3;
  d.candidates.push_back({"P7", 55.5, 50.25, std::nullopt, 2});
  d.best = d.candidates.front();
  out.decision = d;
  const Json a = Json::parse(encode_response(out));
  all_strings(a);
  EXPECT_EQ(a["tunggalDecision"]["decision"], "duplicate");
  EXPECT_EQ(std::stod(a["tunggalDecision"]["threshold"].get<std::string>()), d.threshold);
  EXPECT_EQ(a["tunggalDecision"]["candidates"][0]["referenceId"], "P7");
  EXPECT_FALSE(a["tunggalDecision"]["candidates"][0].contains("face"));
}

GrayImage ridges(int w, int h) {
  GrayImage g;
  g.width = w;
  g.height = h;
  g.pixels.resize(static_cast<std::size_t>(w) * h);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) g.pixels[static_cast<std::size_t>(y) * w + x] = static_cast<std::uint8_t>((x * 7 + y * 3) % 200 + 20);
  return g;
}

TEST(Cbeff, FingerAndFaceRecordsRoundTripThroughADocument) {
  const GrayImage finger = ridges(260, 300);
  ColorImage face;
  face.width = 120;
  face.height = 150;
  face.rgb.assign(120 * 150 * 3, 128);
  CbeffDocument doc;
  for (int compression : {5, 6, 0}) {
    CbeffSample s;
    s.modality = Modality::finger;
    s.subtype = compression == 5 ? "Left IndexFinger" : compression == 6 ? "Right Thumb" : "Left Little Finger";
    s.format_type = 7;
    s.quality = 77;
    s.bdb = encode_finger_image_record(finger, finger_position_of(s.subtype), 77, compression);
    doc.samples.push_back(std::move(s));
  }
  CbeffSample missing;
  missing.modality = Modality::finger;
  missing.subtype = "Right MiddleFinger";
  missing.format_type = 7;
  missing.exception = true;
  doc.samples.push_back(missing);
  CbeffSample f;
  f.modality = Modality::face;
  f.format_type = 8;
  f.bdb = encode_face_image_record(face, 0);
  doc.samples.push_back(std::move(f));
  const std::string xml = encode_cbeff(doc);
  const auto back = parse_cbeff(std::span(reinterpret_cast<const std::uint8_t*>(xml.data()), xml.size()));
  ASSERT_EQ(back.samples.size(), 5u);
  const FingerPosition want[] = {FingerPosition::left_index, FingerPosition::right_thumb, FingerPosition::left_little};
  for (int i = 0; i < 3; ++i) {
    const auto& s = back.samples[static_cast<std::size_t>(i)];
    EXPECT_EQ(s.modality, Modality::finger);
    EXPECT_EQ(s.position, want[i]);
    EXPECT_EQ(s.quality, 77);
    const auto rec = parse_finger_image_record(s.bdb);
    EXPECT_EQ(rec.position, want[i]);
    EXPECT_EQ(rec.quality, 77);
    EXPECT_EQ(rec.image.dpi, 500);
    // JPEG 2000 lossless, PNG and raw all give the pixels back exactly.
    EXPECT_EQ(rec.image.pixels, finger.pixels) << "compression " << rec.compression;
  }
  EXPECT_TRUE(back.samples[3].exception);
  EXPECT_TRUE(back.samples[3].bdb.empty());
  EXPECT_EQ(back.samples[4].modality, Modality::face);
  const auto fr = parse_face_image_record(back.samples[4].bdb);
  EXPECT_EQ(fr.image.width, 120);
  EXPECT_EQ(fr.image.height, 150);
}

std::span<const std::uint8_t> bytes_of(const std::string& s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(Cbeff, AnyNamespaceIsReadAndMalformedDocumentsAreRefusedWithTheReason) {
  const std::string bdb = encode_base64(encode_finger_image_record(ridges(100, 120), FingerPosition::right_index, 60, 6));
  // A prefixed namespace (as some MOSIP versions write), and none at all.
  for (const std::string& open : {std::string("<ns2:BIR xmlns:ns2=\"http://standards.iso.org/iso-iec/19785/-3/ed-2/\">"),
                                   std::string("<BIR>")}) {
    const bool prefixed = open.find("ns2") != std::string::npos;
    const std::string p = prefixed ? "ns2:" : "";
    const std::string xml = open + "<" + p + "BIR><" + p + "BDBInfo><" + p + "Format><" + p + "Organization>Mosip</" + p +
                            "Organization><" + p + "Type>7</" + p + "Type></" + p + "Format><" + p + "Type>Finger</" + p +
                            "Type><" + p + "Subtype>Right IndexFinger</" + p + "Subtype></" + p + "BDBInfo><" + p + "BDB>" +
                            bdb + "</" + p + "BDB></" + p + "BIR></" + p + "BIR>";
    const auto doc = parse_cbeff(bytes_of(xml));
    ASSERT_EQ(doc.samples.size(), 1u) << xml;
    EXPECT_EQ(doc.samples[0].position, FingerPosition::right_index);
    EXPECT_EQ(parse_finger_image_record(doc.samples[0].bdb).image.width, 100);
  }
  EXPECT_NE(error_of([] { parse_cbeff(bytes_of("<BIR><BIR>")); }).find("not XML"), std::string::npos);
  EXPECT_NE(error_of([] { parse_cbeff(bytes_of("<Other/>")); }).find("root element"), std::string::npos);
  EXPECT_NE(error_of([] {
              parse_cbeff(bytes_of("<?xml version=\"1.0\"?><!DOCTYPE BIR [<!ENTITY a \"aaaa\">]><BIR>&a;</BIR>"));
            }).find("DOCTYPE"),
            std::string::npos);
  EXPECT_NE(error_of([] { parse_cbeff(bytes_of("<BIR><BIR><BDBInfo/><BDB>@@@@</BDB></BIR></BIR>")); }).find("base64"),
            std::string::npos);
  EXPECT_NE(error_of([] { parse_cbeff(bytes_of("<BIR><BIR><BDB>AAAA</BDB></BIR></BIR>")); }).find("BDBInfo"), std::string::npos);
}

TEST(Cbeff, RecordsThatLieAboutTheirLengthsAreRefused) {
  auto rec = encode_finger_image_record(ridges(80, 90), FingerPosition::left_thumb, 50, 6);
  auto longer = rec;
  longer.push_back(0);
  EXPECT_NE(error_of([&] { parse_finger_image_record(longer); }).find("record says"), std::string::npos);
  // The image data length sits 4 bytes before the image (after the 16-byte
  // header and the representation's fixed fields), at 58 as MOSIP writes it.
  auto lying = rec;
  const std::size_t len_at = 16 + 4 + 9 + 5 + 1 + 5 + 1 + 1 + 1 + 4 + 2 + 2 + 1 + 1 + 1 + 2 + 2;
  ASSERT_EQ(len_at, 58u);
  lying[len_at] = 0x7f;
  EXPECT_NE(error_of([&] { parse_finger_image_record(lying); }).find("longer than the record"), std::string::npos);
  std::vector<std::uint8_t> cut(rec.begin(), rec.begin() + 20);
  EXPECT_NE(error_of([&] { parse_finger_image_record(cut); }).find("record says"), std::string::npos);
  cut[8] = cut[9] = cut[10] = 0;
  cut[11] = 20;  // a cut record whose lengths agree with it
  cut[16] = cut[17] = cut[18] = 0;
  cut[19] = 4;
  EXPECT_NE(error_of([&] { parse_finger_image_record(cut); }).find("ends inside"), std::string::npos);
  auto wsq = rec;
  wsq[len_at - 6] = 2;  // compression: WSQ
  EXPECT_NE(error_of([&] { parse_finger_image_record(wsq); }).find("WSQ"), std::string::npos);
  EXPECT_NE(error_of([&] { parse_face_image_record(rec); }).find("not a FAC record"), std::string::npos);
}

TEST(Cbeff, SubtypesNameTheIsoPositions) {
  EXPECT_EQ(finger_position_of("Right Thumb"), FingerPosition::right_thumb);
  EXPECT_EQ(finger_position_of("Right IndexFinger"), FingerPosition::right_index);
  EXPECT_EQ(finger_position_of("Right MiddleFinger"), FingerPosition::right_middle);
  EXPECT_EQ(finger_position_of("Right RingFinger"), FingerPosition::right_ring);
  EXPECT_EQ(finger_position_of("Right LittleFinger"), FingerPosition::right_little);
  EXPECT_EQ(finger_position_of("Left Thumb"), FingerPosition::left_thumb);
  EXPECT_EQ(finger_position_of("Left Index Finger"), FingerPosition::left_index);
  EXPECT_EQ(finger_position_of("left middlefinger"), FingerPosition::left_middle);
  EXPECT_EQ(finger_position_of("Left RingFinger"), FingerPosition::left_ring);
  EXPECT_EQ(finger_position_of("Left LittleFinger"), FingerPosition::left_little);
  EXPECT_EQ(finger_position_of("UNKNOWN"), FingerPosition::unknown);
  EXPECT_EQ(finger_position_of("Left Right Thumb"), FingerPosition::unknown);
  EXPECT_EQ(decode_base64("aGVsbG8"), decode_base64("aGVsbG8="));
  EXPECT_EQ(decode_base64("-_-_"), decode_base64("+/+/"));
  EXPECT_THROW(decode_base64("a"), Error);
}

}  // namespace
}  // namespace tunggal::abis

// ---- the service over a real gallery, with FVC prints served as CBEFF ----

#include <condition_variable>
#include <future>
#include <map>
#include <mutex>

#include "gallery_support.h"
#include "test_support.h"
#include "tunggal/abis/partner_key.h"
#include "tunggal/abis/service.h"

namespace tunggal::abis {
namespace {

// A data share in memory: URL -> document (or a failure).
struct Share {
  std::map<std::string, FetchResult> docs;
  int fetches = 0;
  Fetcher fetcher() {
    return [this](const std::string& url) {
      ++fetches;
      const auto it = docs.find(url);
      if (it == docs.end()) return FetchResult{{}, FailureReason::unable_to_fetch, "HTTP 404"};
      return it->second;
    };
  }
  // The finger's impression as MOSIP sends it: a 19794-4 record (JPEG 2000
  // lossless) in a CBEFF document.
  std::string put_finger(const std::filesystem::path& image, const std::string& name) {
    CbeffSample s;
    s.modality = Modality::finger;
    s.subtype = "Right IndexFinger";
    s.format_type = 7;
    s.quality = 80;
    s.bdb = encode_finger_image_record(read_gray_image(image), FingerPosition::right_index, 80, 5);
    CbeffDocument d;
    d.samples.push_back(std::move(s));
    return put(encode_cbeff(d), name);
  }
  std::string put(const std::string& xml, const std::string& name) {
    const std::string url = "http://share.local/" + name;
    docs[url] = FetchResult{{xml.begin(), xml.end()}, std::nullopt, ""};
    return url;
  }
};

std::string request(const std::string& op, const std::string& rid,
                    std::initializer_list<std::pair<std::string, Json>> extra = {}) {
  Json j = Json::object();
  j["id"] = "mosip.abis." + op;
  j["version"] = "1.1";
  j["requestId"] = rid;
  j["requesttime"] = "2026-12-01T08:00:00.000Z";
  for (const auto& [k, v] : extra) j[k] = v;
  return j.dump();
}

Json answer(Service& s, const std::string& body) { return Json::parse(s.handle(body)); }

std::vector<std::string> candidates_of(const Json& a) {
  std::vector<std::string> out;
  for (const auto& c : a["candidateList"]["candidates"]) out.push_back(c["referenceId"]);
  return out;
}

class AbisService : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = test::fresh_dir(std::string("abis_") + ::testing::UnitTest::GetInstance()->current_test_info()->name());
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::unique_ptr<Service> open(Share& share) {
    ServiceConfig c;
    c.dir = dir_;
    c.session.face = false;
    c.fetch = share.fetcher();
    return Service::open(c);
  }
  std::filesystem::path dir_;
};

TEST_F(AbisService, AMosipConversationOverRealPrints) {
  TUNGGAL_REQUIRE_SHARED_DATA(data);
  const auto db = data / "fvc2002" / "DB1_B";
  Share share;
  auto svc = open(share);
  // Three people, one finger each (FVC fingers 101-103, first impression).
  for (int f = 1; f <= 3; ++f) {
    const auto url = share.put_finger(db / ("10" + std::to_string(f) + "_1.tif"), "p" + std::to_string(f));
    const Json a = answer(*svc, request("insert", "ins-" + std::to_string(f), {{"referenceId", "P" + std::to_string(f)}, {"referenceURL", url}}));
    EXPECT_EQ(a["returnValue"], "1") << a.dump();
  }
  // The same request again: the same answer, nothing fetched.
  const int fetched = share.fetches;
  const std::string again = svc->handle(request("insert", "ins-1", {{"referenceId", "P1"}, {"referenceURL", "http://share.local/p1"}}));
  EXPECT_EQ(Json::parse(again)["returnValue"], "1");
  EXPECT_EQ(share.fetches, fetched);
  EXPECT_EQ(svc->counters().replays, 1u);
  // Another operation under that requestId is no re-send: refused, and it
  // does not get the INSERT's answer.
  EXPECT_EQ(answer(*svc, request("ping", "ins-1"))["failureReason"], "4");
  EXPECT_EQ(svc->handle(request("insert", "ins-1", {{"referenceId", "P1"}, {"referenceURL", "http://share.local/p1"}})), again);
  // A new request for the same referenceId: 10.
  EXPECT_EQ(answer(*svc, request("insert", "ins-1b", {{"referenceId", "P1"}, {"referenceURL", "http://share.local/p1"}}))["failureReason"], "10");
  // Identify by URL (another impression of finger 101): P1, and only P1.
  const auto probe = share.put_finger(db / "101_2.tif", "probe");
  const Json id1 = answer(*svc, request("identify", "id-1", {{"referenceUrl", probe}, {"gallery", nullptr},
                                                             {"flags", {{"maxResults", "10"}, {"targetFPIR", "30"}}}}));
  EXPECT_EQ(id1["returnValue"], "1") << id1.dump();
  EXPECT_EQ(candidates_of(id1), std::vector<std::string>{"P1"}) << id1.dump();
  EXPECT_EQ(id1["candidateList"]["candidates"][0]["modalities"][0]["biometricType"], "FIR");
  all_strings(id1);
  // Only against a gallery without P1: nobody.
  const Json id2 = answer(*svc, request("identify", "id-2", {{"referenceURL", probe},
                                                             {"gallery", {{"referenceIds", {{{"referenceId", "P2"}}, {{"referenceId", "P3"}}}}}}}));
  EXPECT_EQ(id2["returnValue"], "1") << id2.dump();
  EXPECT_TRUE(candidates_of(id2).empty()) << id2.dump();
  const Json id2b = answer(*svc, request("identify", "id-2b", {{"referenceURL", probe},
                                                               {"gallery", {{"referenceIds", {{{"referenceId", "P1"}}}}}}}));
  EXPECT_EQ(candidates_of(id2b), std::vector<std::string>{"P1"}) << id2b.dump();
  // By the referenceId of an inserted record: never itself.
  const Json id3 = answer(*svc, request("identify", "id-3", {{"referenceId", "P1"}}));
  EXPECT_EQ(id3["returnValue"], "1");
  EXPECT_TRUE(candidates_of(id3).empty()) << id3.dump();
  EXPECT_EQ(answer(*svc, request("identify", "id-4", {{"referenceId", "NOBODY"}}))["failureReason"], "12");
  EXPECT_EQ(answer(*svc, request("referenceCount", "rc-1"))["count"], "3");
  EXPECT_EQ(answer(*svc, request("pendingJobs", "pj-1"))["jobscount"], "0");
  EXPECT_EQ(answer(*svc, request("ping", "ping-1"))["returnValue"], "1");
  EXPECT_EQ(answer(*svc, request("delete", "del-1", {{"referenceId", "P1"}}))["returnValue"], "1");
  EXPECT_EQ(answer(*svc, request("delete", "del-2", {{"referenceId", "P1"}}))["failureReason"], "12");
  EXPECT_TRUE(candidates_of(answer(*svc, request("identify", "id-5", {{"referenceURL", probe}}))).empty());
  EXPECT_EQ(svc->reference_count(), 2u);
  // A restart keeps everything answered and every enrolment.
  svc.reset();
  svc = open(share);
  EXPECT_EQ(svc->reference_count(), 2u);
  EXPECT_EQ(svc->handle(request("insert", "ins-1", {{"referenceId", "P1"}, {"referenceURL", "http://share.local/p1"}})), again);
}

TEST_F(AbisService, FaultsAnswerWithTheirFailureReasons) {
  TUNGGAL_REQUIRE_SHARED_DATA(data);
  Share share;
  share.docs["http://share.local/expired"] = FetchResult{{}, FailureReason::data_share_expired, "DAT-SER-006"};
  share.put("this is not XML", "notxml");
  CbeffDocument only_exceptions;
  CbeffSample ex;
  ex.modality = Modality::finger;
  ex.subtype = "Left Thumb";
  ex.format_type = 7;
  ex.exception = true;
  only_exceptions.samples.push_back(ex);
  share.put(encode_cbeff(only_exceptions), "nodata");
  // A blank print: fails the quality gate.
  GrayImage blank;
  blank.width = 300;
  blank.height = 300;
  blank.pixels.assign(300 * 300, 200);
  CbeffDocument b;
  CbeffSample s;
  s.modality = Modality::finger;
  s.subtype = "Right Thumb";
  s.format_type = 7;
  s.bdb = encode_finger_image_record(blank, FingerPosition::right_thumb, 10, 6);
  b.samples.push_back(s);
  share.put(encode_cbeff(b), "blank");
  // A BDB that lies about its length.
  s.bdb[60] = 0x7f;
  b.samples = {s};
  share.put(encode_cbeff(b), "lying");
  auto svc = open(share);
  const std::pair<const char*, const char*> cases[] = {{"http://share.local/missing", "7"}, {"http://share.local/expired", "17"},
                                                       {"http://share.local/notxml", "16"}, {"http://share.local/nodata", "11"},
                                                       {"http://share.local/blank", "18"}, {"http://share.local/lying", "16"}};
  int k = 0;
  for (const auto& [url, reason] : cases) {
    const Json a = answer(*svc, request("insert", "f-" + std::to_string(k++), {{"referenceId", "R" + std::to_string(k)}, {"referenceURL", url}}));
    EXPECT_EQ(a["returnValue"], "2") << url;
    EXPECT_EQ(a["failureReason"], reason) << url << " " << a.dump();
    all_strings(a);
  }
  EXPECT_EQ(svc->reference_count(), 0u);
  EXPECT_EQ(answer(*svc, "{not json")["failureReason"], "4");
}

TEST_F(AbisService, Mosip12EncryptedDocumentsDecryptWithThePartnerKey) {
  TUNGGAL_REQUIRE_SHARED_DATA(data);
  Share share;
  const auto key = std::make_shared<PartnerKey>(PartnerKey::generate());
  const auto other = PartnerKey::generate();
  // The document as the data share sends it: encrypted for the partner.
  const auto url = share.put_finger(data / "fvc2002" / "DB1_B" / "106_1.tif", "plain");
  const auto& xml = share.docs[url].body;
  const auto sealed = key->encrypt(xml);
  EXPECT_EQ(key->decrypt(sealed), xml);
  EXPECT_THROW(other.decrypt(sealed), Error);  // another partner's key
  auto tampered = sealed;
  tampered[tampered.size() / 2] = tampered[tampered.size() / 2] == 'A' ? 'B' : 'A';
  EXPECT_THROW(key->decrypt(tampered), Error);
  share.docs["http://share.local/enc"] = FetchResult{sealed, std::nullopt, ""};
  share.docs["http://share.local/enc-other"] = FetchResult{other.encrypt(xml), std::nullopt, ""};
  ServiceConfig c;
  c.dir = dir_;
  c.session.face = false;
  c.fetch = share.fetcher();
  c.partner_key = key;
  auto svc = Service::open(c);
  EXPECT_EQ(answer(*svc, request("insert", "e-1", {{"referenceId", "E1"}, {"referenceURL", "http://share.local/enc"}}))["returnValue"], "1");
  EXPECT_EQ(answer(*svc, request("insert", "e-2", {{"referenceId", "E2"}, {"referenceURL", "http://share.local/enc-other"}}))["failureReason"], "16");
  EXPECT_TRUE(svc->session().contains("E1"));
  // Written owner-only, and read back.
  key->write_private_pem(dir_ / "partner.pem");
  EXPECT_EQ(PartnerKey::load(dir_ / "partner.pem").decrypt(sealed), xml);
  std::filesystem::permissions(dir_ / "partner.pem", std::filesystem::perms::group_read, std::filesystem::perm_options::add);
  EXPECT_THROW(PartnerKey::load(dir_ / "partner.pem"), Error);
}

TEST_F(AbisService, AJobCutShortIsFinishedOnRestart) {
  TUNGGAL_REQUIRE_SHARED_DATA(data);
  Share share;
  const auto url = share.put_finger(data / "fvc2002" / "DB1_B" / "104_1.tif", "p4");
  {
    // The process dies while fetching: accepted, never answered.
    Share dying;
    ServiceConfig c;
    c.dir = dir_;
    c.session.face = false;
    // Not a std::exception: nothing in the service catches it, as nothing
    // survives a SIGKILL.
    struct Killed {};
    c.fetch = [](const std::string&) -> FetchResult { throw Killed{}; };
    auto svc = Service::open(c);
    EXPECT_ANY_THROW(svc->handle(request("insert", "cut-1", {{"referenceId", "P4"}, {"referenceURL", url}})));
    EXPECT_EQ(svc->pending_jobs(), 1);
  }
  auto svc = open(share);
  EXPECT_EQ(svc->pending_jobs(), 1);
  const auto answers = svc->resume();
  ASSERT_EQ(answers.size(), 1u);
  EXPECT_EQ(Json::parse(answers[0])["returnValue"], "1") << answers[0];
  EXPECT_EQ(svc->pending_jobs(), 0);
  EXPECT_TRUE(svc->session().contains("P4"));
  // The journal holds no request in the clear (the URL may carry a token),
  // and no request at all once it is answered.
  const auto journal = read_file(dir_ / "jobs.db");
  EXPECT_EQ(std::search(journal.begin(), journal.end(), url.begin(), url.end()), journal.end());
}

// The engine's rule for a referenceId (1-64 printable ASCII, no space) is
// checked at the edge: refused with failureReason 4 before anything is
// fetched (a data share may allow only two downloads) or journaled.
TEST_F(AbisService, ReferenceIdsAreCheckedBeforeAnyFetch) {
  Share share;
  share.put("<not fetched>", "doc");
  auto svc = open(share);
  const std::string bad[] = {std::string(65, 'A'), std::string(256, 'B'), "has space", "caf\xc3\xa9", "tab\tbed"};
  int k = 0;
  for (const auto& ref : bad) {
    for (const char* op : {"insert", "identify", "delete"}) {
      const Json a = answer(*svc, request(op, "bad-" + std::to_string(k++), {{"referenceId", ref}, {"referenceURL", "http://share.local/doc"}}));
      EXPECT_EQ(a["returnValue"], "2") << op << " " << ref;
      EXPECT_EQ(a["failureReason"], "4") << op << " " << ref << " " << a.dump();
    }
    const Json g = answer(*svc, request("identify", "bad-" + std::to_string(k++),
                                        {{"referenceURL", "http://share.local/doc"}, {"gallery", {{"referenceIds", {{{"referenceId", ref}}}}}}}));
    EXPECT_EQ(g["failureReason"], "4") << g.dump();
  }
  EXPECT_EQ(share.fetches, 0);
  EXPECT_EQ(svc->pending_jobs(), 0);
  // 64 printable characters is the longest that passes (and is then
  // fetched: the document is not XML here).
  EXPECT_EQ(answer(*svc, request("insert", "ok-64", {{"referenceId", std::string(64, 'C')}, {"referenceURL", "http://share.local/doc"}}))["failureReason"], "16");
  EXPECT_EQ(share.fetches, 1);
}

// A requestId answers once per request: a retry with the same request (key
// order and spacing aside) gets the same answer; another body under that
// id is refused, and the new reference is not inserted.
TEST_F(AbisService, ARequestIdReusedWithAnotherBodyIsRefused) {
  const auto pop = test::make_population(3, 1, 78, 2);
  Share share;
  auto svc = open(share);
  const auto rec = [&](const PersonRecord& r) { return encode_base64(encode_person_record(r)); };
  const std::string first = svc->handle(request("insert", "reuse-1", {{"referenceId", "A"}, {"tunggalRecord", rec(pop.gallery[0])}}));
  ASSERT_EQ(Json::parse(first)["returnValue"], "1") << first;
  // The same request, its keys in another order and spaced out.
  Json same = Json::parse(request("insert", "reuse-1", {{"referenceId", "A"}, {"tunggalRecord", rec(pop.gallery[0])}}));
  std::string reordered = "{ ";
  std::vector<std::string> keys;
  for (const auto& [key, v] : same.items()) keys.push_back(key);
  std::reverse(keys.begin(), keys.end());
  for (std::size_t i = 0; i < keys.size(); ++i) reordered += (i ? " , " : "") + Json(keys[i]).dump() + " : " + same[keys[i]].dump();
  reordered += " }";
  EXPECT_EQ(svc->handle(reordered), first);
  // Another body under the same requestId: refused, nothing inserted.
  const Json other = answer(*svc, request("insert", "reuse-1", {{"referenceId", "B"}, {"tunggalRecord", rec(pop.gallery[1])}}));
  EXPECT_EQ(other["returnValue"], "2") << other.dump();
  EXPECT_EQ(other["failureReason"], "4");
  EXPECT_FALSE(svc->session().contains("B"));
  EXPECT_EQ(svc->counters().refused_reuses, 1u);
  // ... and after a restart the same (the digest is in the journal).
  svc.reset();
  svc = open(share);
  EXPECT_EQ(answer(*svc, request("insert", "reuse-1", {{"referenceId", "B"}, {"tunggalRecord", rec(pop.gallery[1])}}))["failureReason"], "4");
  EXPECT_EQ(svc->handle(reordered), first);
  EXPECT_FALSE(svc->session().contains("B"));
}

// MOSIP's rule (the ABIS testing kit's case 11): a given referenceId is the
// probe and must exist; the referenceURL is the probe only when no
// referenceId is given. A deleted reference is not searched by its URL.
TEST_F(AbisService, AGivenReferenceIdIsTheProbeAndMustExist) {
  const auto pop = test::make_population(3, 1, 79, 2);
  Share share;
  auto svc = open(share);
  ASSERT_EQ(answer(*svc, request("insert", "i-1", {{"referenceId", "GONE"}, {"tunggalRecord", encode_base64(encode_person_record(pop.gallery[0]))}}))["returnValue"], "1");
  ASSERT_EQ(answer(*svc, request("delete", "d-1", {{"referenceId", "GONE"}}))["returnValue"], "1");
  share.put("<never read>", "gone");
  const Json a = answer(*svc, request("identify", "q-1", {{"referenceId", "GONE"}, {"referenceURL", "http://share.local/gone"}}));
  EXPECT_EQ(a["returnValue"], "2") << a.dump();
  EXPECT_EQ(a["failureReason"], "12");
  EXPECT_EQ(share.fetches, 0);
  // Without a referenceId the URL is the probe (fetched: not XML here).
  EXPECT_EQ(answer(*svc, request("identify", "q-2", {{"referenceURL", "http://share.local/gone"}}))["failureReason"], "16");
  EXPECT_EQ(share.fetches, 1);
}

// Data-share hosts: with an allow-list, a referenceURL on any other host is
// refused (failureReason 7, the same as an unreachable host) and never
// contacted; hosts compare without case, ports and userinfo aside.
TEST_F(AbisService, DataShareHostsOutsideTheAllowListAreNeverContacted) {
  EXPECT_EQ(url_host("http://SHARE.local:8080/x?token=1"), "share.local");
  EXPECT_EQ(url_host("https://[::1]:443/doc"), "::1");
  EXPECT_EQ(url_host("http://user:pw@10.0.0.7/doc"), "10.0.0.7");
  EXPECT_EQ(url_host("ftp://share.local/doc"), "");
  EXPECT_EQ(url_host("not a url"), "");
  EXPECT_TRUE(data_share_host_allowed("http://anything/doc", {}));
  EXPECT_FALSE(data_share_host_allowed("http://share.local.evil.example/doc", {"share.local"}));
  EXPECT_FALSE(data_share_host_allowed("http://evil.example/share.local", {"share.local"}));
  Share share;
  share.put("<not xml>", "doc");
  share.docs["http://169.254.169.254/latest"] = FetchResult{{'<', 'x', '>'}, std::nullopt, ""};
  ServiceConfig c;
  c.dir = dir_;
  c.session.face = false;
  c.fetch = share.fetcher();
  c.data_share_hosts = {"Share.Local"};
  auto svc = Service::open(c);
  for (const char* url : {"http://169.254.169.254/latest", "http://127.0.0.1:9/doc", "http://share.local.evil.example/doc"}) {
    const Json a = answer(*svc, request("insert", std::string("h-") + url, {{"referenceId", "H"}, {"referenceURL", url}}));
    EXPECT_EQ(a["failureReason"], "7") << url << " " << a.dump();
    const Json q = answer(*svc, request("identify", std::string("q-") + url, {{"referenceURL", url}}));
    EXPECT_EQ(q["failureReason"], "7") << url << " " << q.dump();
  }
  EXPECT_EQ(share.fetches, 0);
  EXPECT_EQ(answer(*svc, request("insert", "h-ok", {{"referenceId", "H"}, {"referenceURL", "http://share.local/doc"}}))["failureReason"], "16");
  EXPECT_EQ(share.fetches, 1);
}

// A data share that answers slowly holds no lock: PING, the counters and
// health() answer while the INSERT fetches; health() says the worker has
// stalled; the gallery jobs behind it wait for their turn (the order
// rule), and all finish once the fetch does. No timing is asserted: the
// fetch is held on a latch the test opens.
TEST_F(AbisService, ASlowDataShareStallsNoPingNorHealth) {
  const auto pop = test::make_population(3, 1, 80, 2);
  std::mutex mu;
  std::condition_variable cv;
  bool fetching = false, release = false;
  ServiceConfig c;
  c.dir = dir_;
  c.session.face = false;
  c.stall_after = std::chrono::milliseconds(0);
  c.fetch = [&](const std::string&) {
    std::unique_lock lock(mu);
    fetching = true;
    cv.notify_all();
    cv.wait(lock, [&] { return release; });
    return FetchResult{{'n', 'o', 't'}, std::nullopt, ""};
  };
  auto svc = Service::open(c);
  ASSERT_EQ(answer(*svc, request("insert", "first", {{"referenceId", "K"}, {"tunggalRecord", encode_base64(encode_person_record(pop.gallery[0]))}}))["returnValue"], "1");
  auto slow = std::async(std::launch::async, [&] { return svc->handle(request("insert", "slow", {{"referenceId", "S"}, {"referenceURL", "http://share.local/slow"}})); });
  {
    std::unique_lock lock(mu);
    ASSERT_TRUE(cv.wait_for(lock, std::chrono::seconds(60), [&] { return fetching; }));
  }
  // Behind it in the order: waits for its turn.
  auto behind = std::async(std::launch::async, [&] { return svc->handle(request("identify", "behind", {{"referenceId", "K"}})); });
  // Not behind it: answered now (each bounded, so a regression fails
  // instead of hanging the suite).
  auto ping = std::async(std::launch::async, [&] { return svc->handle(request("ping", "ping-while-fetching")); });
  ASSERT_EQ(ping.wait_for(std::chrono::seconds(60)), std::future_status::ready);
  EXPECT_EQ(Json::parse(ping.get())["returnValue"], "1");
  EXPECT_GE(svc->counters().requests, 3u);
  const auto h = svc->health();
  EXPECT_TRUE(h.stalled);
  EXPECT_GE(h.in_flight, 1u);
  EXPECT_TRUE(h.oldest_phase == "fetching") << h.oldest_phase;
  EXPECT_EQ(behind.wait_for(std::chrono::milliseconds(200)), std::future_status::timeout);
  {
    std::lock_guard lock(mu);
    release = true;
  }
  cv.notify_all();
  ASSERT_EQ(slow.wait_for(std::chrono::seconds(60)), std::future_status::ready);
  EXPECT_EQ(Json::parse(slow.get())["failureReason"], "16");  // not XML
  ASSERT_EQ(behind.wait_for(std::chrono::seconds(60)), std::future_status::ready);
  EXPECT_EQ(Json::parse(behind.get())["returnValue"], "1");
  const auto after = svc->health();
  EXPECT_FALSE(after.stalled);
  EXPECT_EQ(after.in_flight, 0u);
  EXPECT_EQ(svc->pending_jobs(), 0);
}

// A deduplicating INSERT (the SDK's remote mode) is one job: searched and
// enrolled only when unique, answered once and the same way when re-sent,
// and a duplicate is not kept.
TEST_F(AbisService, ADeduplicatingInsertIsOneJobAnsweredOnce) {
  const auto pop = test::make_population(20, 6, 77, 4);
  Share share;
  auto svc = open(share);
  for (const auto& g : pop.gallery)
    ASSERT_EQ(answer(*svc, request("insert", "g-" + g.id, {{"referenceId", g.id}, {"tunggalRecord", encode_base64(encode_person_record(g))}}))["returnValue"], "1");
  EXPECT_EQ(share.fetches, 0);  // nothing fetched: the templates came inline
  int duplicates = 0;
  for (const auto& p : pop.probes) {
    const std::string body = request("insert", "d-" + p.id, {{"referenceId", p.id}, {"tunggalMode", "deduplicate"},
                                                             {"tunggalRecord", encode_base64(encode_person_record(p))}});
    const std::string first = svc->handle(body);
    const Json a = Json::parse(first);
    ASSERT_EQ(a["returnValue"], "1") << first;
    all_strings(a);
    const bool dup = a["tunggalDecision"]["decision"] == "duplicate";
    duplicates += dup;
    EXPECT_EQ(svc->session().contains(p.id), !dup);
    if (dup) {
      EXPECT_EQ(candidates_of(a).front(), pop.mate.at(p.id));  // truth from the plan
    }
    EXPECT_EQ(svc->handle(body), first);  // re-sent: the same answer, nothing enrolled twice
  }
  EXPECT_GT(duplicates, 0);
  EXPECT_EQ(svc->reference_count(), pop.gallery.size() + pop.probes.size() - duplicates);
  // A duplicate's referenceId is free: inserting it plainly works (no record was kept).
  for (const auto& p : pop.probes)
    if (!svc->session().contains(p.id)) {
      EXPECT_EQ(answer(*svc, request("insert", "again-" + p.id, {{"referenceId", p.id}, {"tunggalRecord", encode_base64(encode_person_record(p))}}))["returnValue"], "1");
      break;
    }
}

}  // namespace
}  // namespace tunggal::abis
