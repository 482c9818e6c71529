// The office's state machine (tunggal/workflow/office.h) on a real store:
// the whole path, every branch the office has, roles, holds, the station
// rules, stock, the outbox, and the audit chain.
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <zlib.h>
#include <sys/stat.h>

#include <algorithm>
#include <fstream>
#include <functional>
#include <random>
#include <set>
#include <sstream>

#include <opencv2/imgcodecs.hpp>

#include "gallery_support.h"
#include "tunggal/error.h"
#include "tunggal/text.h"
#include "tunggal/workflow/commands.h"
#include "tunggal/workflow/office.h"
#include "../workflow/src/office/documents.h"

namespace tunggal {
namespace {

using namespace workflow;
using test::make_population;

// 2026-12-01 (a Tuesday) 08:00 UTC.
constexpr std::int64_t kMorning = 1796112000 + 8 * 3600;

std::vector<std::uint8_t> bytes(const std::string& s) { return {s.begin(), s.end()}; }
std::vector<std::uint8_t> pdf(const std::string& what = "a scanned form") {
  return bytes("%PDF-1.4\n% " + what + "\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n");
}
// A real PNG (a scanned card, small): documents are decoded when uploaded.
std::vector<std::uint8_t> png() {
  cv::Mat m(40, 60, CV_8UC3);
  cv::randu(m, 0, 255);
  std::vector<std::uint8_t> out;
  cv::imencode(".png", m, out);
  return out;
}

std::string attr(const PersonRecord& r, const char* k) {
  const std::string* v = r.attribute(k);
  return v ? *v : "";
}

// The test's residents carry a family-card number of their own.
Resident resident_of(const PersonRecord& r) {
  Resident x = resident_from_record(r);
  x.family_card = "32" + x.nik.substr(2, 12) + "99";
  return x;
}

ApplyRequest request_of(const Resident& r) {
  ApplyRequest q;
  q.form = r;
  q.documents = {{DocumentKind::f102_form, pdf()}, {DocumentKind::family_card, png()},
                 {DocumentKind::birth_certificate, pdf()}};
  return q;
}

// A finger image of one grey level (which a resized cell keeps, so the
// sheet's cells can be read back).
GrayImage flat_finger(std::uint8_t level) {
  GrayImage g;
  g.width = 300;
  g.height = 400;
  g.pixels.assign(300 * 400, level);
  return g;
}

ColorImage photo() {
  ColorImage p;
  p.width = 92;
  p.height = 112;
  p.rgb.resize(92 * 112 * 3);
  for (std::size_t i = 0; i < p.rgb.size(); ++i) p.rgb[i] = static_cast<std::uint8_t>(i * 31);
  return p;
}

class OfficeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = test::fresh_dir(std::string("office_") + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    OfficeConfig c;
    c.dir = dir_;
    c.clock = [this] { return now_; };
    c.min_fingers = 4;
    c.session.face = false;
    office_ = Office::open(c, "admin", "admin-password");
    admin_ = office_->authenticate("admin", "admin-password");
    const std::pair<const char*, Role> officers[] = {
        {"svc", Role::service_officer},   {"svc2", Role::service_officer},   {"kasi_pd", Role::head_population},
        {"rekam", Role::recording_officer}, {"kasi_id", Role::head_identity}, {"cetak", Role::printing_officer}};
    for (const auto& [id, role] : officers) office_->add_officer(*admin_, {id, id, role, true}, std::string(id) + "-password");
    office_->add_station(*admin_, {"REC1", Station::Kind::recording, 40, true, "", "", 0, 0});
    office_->add_station(*admin_, {"PRN1", Station::Kind::printing, 0, true, "", "", 0, 0});
    office_->station_sync(*admin_, "REC1", 20000);
    office_->add_stock(*admin_, "PRN1", "KTP", 1, 5);
    pop_ = make_population(6, 6, 71, 4);
    std::vector<Resident> residents;
    for (const auto& r : pop_.gallery) residents.push_back(resident_of(r));
    for (const auto& r : pop_.probes) residents.push_back(resident_of(r));
    office_->import_residents(*admin_, residents);
  }
  void TearDown() override {
    office_.reset();
    std::filesystem::remove_all(dir_);
  }
  Actor as(const std::string& id) { return office_->authenticate(id, id + "-password"); }
  // Takes, then acts: the officer's two steps at the desk.
  template <typename F>
  auto act(const std::string& officer, const std::string& app, F&& f) {
    const Actor a = as(officer);
    office_->take(a, app);
    return f(a);
  }
  // An adult resident of the population (the generator's birth years vary).
  const PersonRecord& adult(std::size_t skip = 0) {
    for (const auto& r : pop_.gallery)
      if (age_on(attr(r, "birth_date"), "01-12-2026") >= 17 && skip-- == 0) return r;
    throw std::runtime_error("no adult");
  }
  // Runs an application from the form to the gallery; returns its id.
  std::string to_recorded(const PersonRecord& person, const FingerImages& images = {}) {
    const Resident r = resident_of(person);
    const Actor applicant = office_->applicant(r.nik);
    const std::string id = office_->apply(applicant, request_of(r));
    EXPECT_EQ(act("svc", id, [&](const Actor& a) { return office_->check_documents(a, id); }).state, AppState::documents_checked);
    EXPECT_EQ(act("svc", id, [&](const Actor& a) { return office_->check_population(a, id); }).state, AppState::population_checked);
    act("kasi_pd", id, [&](const Actor& a) { return office_->validate_data(a, id); });
    act("svc", id, [&](const Actor& a) { return office_->send_schedule(a, id); });
    office_->confirm_schedule(applicant, id);
    PersonRecord capture = person;
    capture.attributes.clear();
    const auto v = act("rekam", id, [&](const Actor& a) { return office_->record_biometrics(a, id, "REC1", capture, photo(), images); });
    EXPECT_EQ(v.state, AppState::awaiting_consolidation) << (v.reasons.empty() ? "" : v.reasons[0]);
    return id;
  }
  std::filesystem::path dir_;
  std::int64_t now_ = kMorning;
  std::unique_ptr<Office> office_;
  std::optional<Actor> admin_;
  test::Population pop_;
};

TEST_F(OfficeTest, AnApplicationGoesThroughAllTwelveSteps) {
  const PersonRecord& person = adult();
  const std::string id = to_recorded(person);
  now_ += 60;
  EXPECT_EQ(office_->process_outbox(), 1u);
  EXPECT_EQ(office_->process_outbox(), 0u);  // exactly once
  EXPECT_EQ(office_->application(*admin_, id).dedup, "unique");
  EXPECT_EQ(act("kasi_id", id, [&](const Actor& a) { return office_->check_deduplication(a, id); }).state, AppState::cleared);
  EXPECT_EQ(act("kasi_id", id, [&](const Actor& a) { return office_->verify_print_request(a, id); }).prr, "PRR-" + id);
  const auto printed = act("cetak", id, [&](const Actor& a) { return office_->print_card(a, id, "PRN1"); });
  ASSERT_EQ(printed.outcome, sdk::PrintOutcome::completed) << printed.message;
  EXPECT_EQ(printed.serial, "KTP00000001");
  EXPECT_TRUE(std::filesystem::exists(dir_ / "cards" / (id + ".pdf")));
  EXPECT_EQ(office_->blanks_left().at("PRN1"), 4);
  // The applicant's own finger at pickup: another impression of them.
  const auto mate = std::find_if(pop_.mate.begin(), pop_.mate.end(), [&](const auto& m) { return m.second == person.id; });
  PersonRecord pickup;
  pickup.id = "pickup";
  if (mate != pop_.mate.end()) {
    const auto& probe = *std::find_if(pop_.probes.begin(), pop_.probes.end(), [&](const auto& p) { return p.id == mate->first; });
    pickup.fingers = {probe.fingers.front()};
  } else {
    pickup.fingers = {person.fingers.front()};
  }
  EXPECT_EQ(act("cetak", id, [&](const Actor& a) { return office_->hand_over(a, id, pickup); }).state, AppState::issued);
  EXPECT_EQ(act("cetak", id, [&](const Actor& a) { return office_->close(a, id); }).state, AppState::done);
  // The register book holds every step, and the chain verifies.
  std::vector<std::string> actions;
  for (const auto& e : office_->history(*admin_, id)) actions.push_back(e.action);
  for (const char* want : {"apply", "check_documents", "check_population", "validate_data", "send_schedule",
                           "confirm_schedule", "record_biometrics", "consolidation_answer", "check_deduplication",
                           "verify_print_request", "print_started", "print_card", "hand_over", "close"})
    EXPECT_NE(std::find(actions.begin(), actions.end(), want), actions.end()) << want;
  const auto check = office_->verify_audit();
  EXPECT_TRUE(check.intact) << check.problem;
  EXPECT_GT(check.entries, 20);
  const auto sla = office_->sla_report();
  ASSERT_EQ(sla.steps.size(), 12u);
  for (int s = 1; s <= 11; ++s) EXPECT_EQ(sla.steps[static_cast<std::size_t>(s - 1)].count, 1u) << "step " << s;
  EXPECT_EQ(sla.steps[11].count, 1u);  // the whole procedure
}

TEST_F(OfficeTest, RolesHoldsAndForgedJumpsAreRefusedAndChangeNothing) {
  const Resident r = resident_of(adult());
  const Actor applicant = office_->applicant(r.nik);
  const std::string id = office_->apply(applicant, request_of(r));
  // A refused call changes nothing: not the state, not the version, and no
  // audit entry.
  const auto refused = [&](auto&& f, const char* want, ErrorCode code = ErrorCode::ok) {
    const auto before = office_->application(*admin_, id);
    const auto entries = office_->verify_audit().entries;
    try {
      f();
      ADD_FAILURE() << "allowed: " << want;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(want), std::string::npos) << e.what();
      if (code != ErrorCode::ok) {
        EXPECT_EQ(e.code(), code) << e.what();
      }
    }
    EXPECT_EQ(office_->application(*admin_, id).holder, before.holder) << want;
    EXPECT_EQ(office_->application(*admin_, id).version, before.version) << want;
    EXPECT_EQ(office_->application(*admin_, id).state, AppState::submitted);
    EXPECT_EQ(office_->verify_audit().entries, entries) << want;
  };
  // Not held yet.
  refused([&] { office_->check_documents(as("svc"), id); }, "take application", ErrorCode::busy);
  // The wrong role: not even the hold (it would lock the right desk out),
  // and the step refused for the role before anything else.
  refused([&] { office_->take(as("rekam"), id); }, "next: step 2 (check documents) by service_officer", ErrorCode::denied);
  refused([&] { office_->check_documents(as("rekam"), id); }, "is for service_officer", ErrorCode::denied);
  // A state jump: printing a submitted application.
  refused([&] { office_->take(as("cetak"), id); }, "not printing_officer", ErrorCode::denied);
  refused([&] { office_->print_card(as("cetak"), id, "PRN1"); }, "is submitted", ErrorCode::conflict);
  // Another applicant's application: who comes before what.
  refused([&] { office_->confirm_schedule(office_->applicant(resident_of(adult(1)).nik), id); }, "not this applicant's",
          ErrorCode::denied);
  refused([&] { office_->confirm_schedule(applicant, id); }, "needs it scheduled", ErrorCode::conflict);
  // Holds: one officer at a time, until the hold expires.
  EXPECT_TRUE(office_->take(as("svc"), id));
  EXPECT_FALSE(office_->take(as("svc"), id));  // renewed, not new
  refused([&] { office_->take(as("svc2"), id); }, "held by svc", ErrorCode::busy);
  refused([&] { office_->check_documents(as("svc2"), id); }, "held by svc", ErrorCode::busy);
  now_ += 31 * 60;
  office_->take(as("svc2"), id);
  EXPECT_EQ(office_->check_documents(as("svc2"), id).state, AppState::documents_checked);
  // Authentication: the same answer for a wrong password and an unknown officer.
  for (const auto& [who, pw] : {std::pair<const char*, const char*>{"svc", "wrong-password"}, {"nobody", "whatever-password"}}) {
    try {
      office_->authenticate(who, pw);
      ADD_FAILURE() << who << " signed in";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::denied);
      EXPECT_STREQ(e.what(), "office: unknown officer or wrong password");
    }
  }
  // An administrator configures but acts in no step; others do not configure.
  try {
    office_->set_step_role(as("svc"), SopStep::check_documents, Role::recording_officer);
    ADD_FAILURE() << "a service officer configured the office";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::denied) << e.what();
  }
}

TEST_F(OfficeTest, FilesRejectedAgeRuleMismatchAndResubmission) {
  const Resident r = resident_of(adult());
  const Actor applicant = office_->applicant(r.nik);
  auto q = request_of(r);
  q.documents.erase(q.documents.begin() + 1);  // no family card
  const std::string id = office_->apply(applicant, q);
  auto v = act("svc", id, [&](const Actor& a) { return office_->check_documents(a, id); });
  EXPECT_EQ(v.state, AppState::documents_rejected);
  ASSERT_EQ(v.reasons.size(), 1u);
  EXPECT_NE(v.reasons[0].find("family card"), std::string::npos);
  // Back with the card, and a name typed differently from the register.
  auto fixed = request_of(r);
  fixed.form.name += " X";
  office_->resubmit(applicant, id, fixed);
  EXPECT_EQ(office_->application(*admin_, id).state, AppState::submitted);
  act("svc", id, [&](const Actor& a) { return office_->check_documents(a, id); });
  v = act("svc", id, [&](const Actor& a) { return office_->check_population(a, id); });
  EXPECT_EQ(v.state, AppState::biodata_mismatch);
  EXPECT_NE(v.reasons.at(0).find("name differs"), std::string::npos);
  // A document that is not what it claims: refused at the door, nothing stored.
  auto bad = request_of(r);
  bad.documents[0].bytes = bytes("MZ\x90 an executable");
  try {
    office_->resubmit(applicant, id, bad);
    ADD_FAILURE() << "accepted a non-document";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::malformed_data);
    EXPECT_NE(std::string(e.what()).find("not a PDF, JPEG or PNG"), std::string::npos);
  }
  EXPECT_EQ(office_->application(*admin_, id).state, AppState::biodata_mismatch);
  // An NIK that breaks the rules never gets in.
  EXPECT_THROW(office_->applicant("9912345678901234"), Error);
}

TEST_F(OfficeTest, UnderSeventeenAndUnmarriedIsRefusedFromTheRegisterNotTheForm) {
  Resident young = resident_of(adult());
  young.nik = young.nik.substr(0, 6) + "0101" + "12" + "0077";  // born 01-01-2012
  young.birth_date = "01-01-2012";
  young.marital_status = "BELUM KAWIN";
  office_->import_residents(*admin_, std::vector<Resident>{young});
  auto q = request_of(young);
  q.form.birth_date = "01-01-1990";  // the form lies
  const std::string id = office_->apply(office_->applicant(young.nik), q);
  const auto v = act("svc", id, [&](const Actor& a) { return office_->check_documents(a, id); });
  EXPECT_EQ(v.state, AppState::documents_rejected);
  EXPECT_NE(v.reasons.at(0).find("under 17 (14) and not married"), std::string::npos) << v.reasons.at(0);
}

TEST_F(OfficeTest, ScheduleCapacityWeekendsHolidaysAndNoShow) {
  office_->add_station(*admin_, {"REC2", Station::Kind::recording, 1, true, "", "", 0, 0});
  office_->set_station_in_service(*admin_, "REC1", false, "camera broken");
  office_->add_holiday(*admin_, "2026-12-02");
  std::vector<std::string> days;
  for (std::size_t i = 0; i < 3; ++i) {
    const Resident r = resident_of(adult(i));
    const std::string id = office_->apply(office_->applicant(r.nik), request_of(r));
    act("svc", id, [&](const Actor& a) { return office_->check_documents(a, id); });
    act("svc", id, [&](const Actor& a) { return office_->check_population(a, id); });
    act("kasi_pd", id, [&](const Actor& a) { return office_->validate_data(a, id); });
    const auto v = act("svc", id, [&](const Actor& a) { return office_->send_schedule(a, id); });
    EXPECT_EQ(v.station, "REC2");
    days.push_back(v.appointment_day);
    if (i == 2) {
      // Tuesday is full, Wednesday a holiday, Thursday full: Friday.
      EXPECT_EQ(v.appointment_day, "2026-12-04");
      const auto ns = act("svc", id, [&](const Actor& a) { return office_->mark_no_show(a, id); });
      EXPECT_EQ(ns.state, AppState::no_show);
      // Rescheduled from Saturday: the weekend is skipped.
      const auto again = act("svc", id, [&](const Actor& a) { return office_->send_schedule(a, id, "2026-12-05"); });
      EXPECT_EQ(again.appointment_day, "2026-12-07");
    }
  }
  EXPECT_EQ(days[0], "2026-12-01");
  EXPECT_EQ(days[1], "2026-12-03");
}

TEST_F(OfficeTest, StationRulesAndTheOfficersOwnFinger) {
  // The recording officer's own fingers are enrolled with their account.
  const PersonRecord& officer_person = adult(2);
  office_->add_officer(*admin_, {"rekam2", "rekam2", Role::recording_officer, true}, "rekam2-password",
                       officer_person.fingers);
  const Resident r = resident_of(adult());
  const Actor applicant = office_->applicant(r.nik);
  const std::string id = office_->apply(applicant, request_of(r));
  act("svc", id, [&](const Actor& a) { return office_->check_documents(a, id); });
  act("svc", id, [&](const Actor& a) { return office_->check_population(a, id); });
  act("kasi_pd", id, [&](const Actor& a) { return office_->validate_data(a, id); });
  act("svc", id, [&](const Actor& a) { return office_->send_schedule(a, id); });
  office_->confirm_schedule(applicant, id);
  const Actor rekam2 = as("rekam2");
  office_->take(rekam2, id);
  // The officer pressed their own finger instead of the applicant's.
  auto v = office_->record_biometrics(rekam2, id, "REC1", officer_person, photo());
  EXPECT_EQ(v.state, AppState::recapture_needed);
  EXPECT_NE(v.reasons.at(0).find("recording officer's own"), std::string::npos) << v.reasons.at(0);
  // A station silent too long, or low on disk, takes no new recordings.
  now_ += 25 * 3600;
  office_->take(rekam2, id);
  try {
    office_->record_biometrics(rekam2, id, "REC1", adult(), photo());
    ADD_FAILURE() << "an unsynchronised station recorded";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("has not synchronised"), std::string::npos) << e.what();
  }
  office_->station_sync(rekam2, "REC1", 100);
  try {
    office_->record_biometrics(rekam2, id, "REC1", adult(), photo());
    ADD_FAILURE() << "a full station recorded";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("low on disk"), std::string::npos) << e.what();
  }
  office_->station_sync(rekam2, "REC1", 50000);
  // Too few usable fingers: recapture.
  PersonRecord poor = adult();
  poor.fingers.resize(2);
  v = office_->record_biometrics(rekam2, id, "REC1", poor, photo());
  EXPECT_EQ(v.state, AppState::recapture_needed);
  office_->take(rekam2, id);
  v = office_->record_biometrics(rekam2, id, "REC1", adult(), photo());
  EXPECT_EQ(v.state, AppState::awaiting_consolidation);
}

TEST_F(OfficeTest, APlantedDuplicateIsAdjudicatedAndTheNetworkOutageLosesNothing) {
  ASSERT_FALSE(pop_.mate.empty());
  const auto& [probe_id, mate_id] = *pop_.mate.begin();
  const PersonRecord& enrolled = *std::find_if(pop_.gallery.begin(), pop_.gallery.end(), [&](const auto& g) { return g.id == mate_id; });
  const PersonRecord& again = *std::find_if(pop_.probes.begin(), pop_.probes.end(), [&](const auto& p) { return p.id == probe_id; });
  // The person is enrolled already (the existing gallery).
  office_->enrol_existing(*admin_, std::vector<PersonRecord>{enrolled});
  office_->set_consolidation_online(false);
  const std::string id = to_recorded(again);
  EXPECT_EQ(office_->process_outbox(), 0u);  // offline: it waits
  EXPECT_EQ(office_->outbox_pending(), 1u);
  EXPECT_EQ(office_->application(*admin_, id).state, AppState::awaiting_consolidation);
  office_->set_consolidation_online(true);
  EXPECT_EQ(office_->process_outbox(), 1u);
  EXPECT_EQ(office_->outbox_pending(), 0u);
  const auto answered = office_->application(*admin_, id);
  EXPECT_EQ(answered.dedup, "duplicate");
  ASSERT_FALSE(answered.candidates.empty());
  EXPECT_EQ(answered.candidates.front().ref, enrolled.id);
  EXPECT_EQ(act("kasi_id", id, [&](const Actor& a) { return office_->check_deduplication(a, id); }).state,
            AppState::possible_duplicate);
  const auto decided = act("kasi_id", id, [&](const Actor& a) {
    return office_->adjudicate(a, id, DuplicateOf{attr(enrolled, "nik")});
  });
  EXPECT_EQ(decided.state, AppState::duplicate);
  EXPECT_EQ(decided.linked_nik, attr(enrolled, "nik"));
  EXPECT_FALSE(office_->in_gallery(*admin_, id));  // a duplicate does not join the gallery
  EXPECT_THROW(office_->take(as("kasi_id"), id), Error);  // final
}

TEST_F(OfficeTest, TheAdjudicationSheetShowsTheCaptureBesideEachCandidate) {
  const auto& [probe_id, mate_id] = *pop_.mate.begin();
  const PersonRecord& enrolled = *std::find_if(pop_.gallery.begin(), pop_.gallery.end(), [&](const auto& g) { return g.id == mate_id; });
  const PersonRecord& again = *std::find_if(pop_.probes.begin(), pop_.probes.end(), [&](const auto& p) { return p.id == probe_id; });
  office_->enrol_existing(*admin_, std::vector<PersonRecord>{enrolled});
  // The capture's images: one grey level per finger; the enrolled
  // person's, kept as a reference, other levels.
  FingerImages mine, theirs;
  for (std::size_t k = 0; k < again.fingers.size(); ++k)
    mine[again.fingers[k].position] = flat_finger(static_cast<std::uint8_t>(40 + 10 * k));
  for (std::size_t k = 0; k < enrolled.fingers.size(); ++k)
    theirs[enrolled.fingers[k].position] = flat_finger(static_cast<std::uint8_t>(200 - 10 * k));
  // Refused, nothing kept: a name that climbs out of the vault, a wrong
  // role, an image whose pixels do not add up.
  EXPECT_THROW(office_->keep_reference_images(*admin_, "../escape", "x", photo(), theirs), Error);
  EXPECT_THROW(office_->keep_reference_images(as("kasi_id"), enrolled.id, "x", photo(), theirs), Error);
  FingerImages bad = theirs;
  bad.begin()->second.pixels.resize(10);
  EXPECT_THROW(office_->keep_reference_images(*admin_, enrolled.id, "x", photo(), bad), Error);
  const auto before_keep = office_->verify_audit().entries;
  office_->keep_reference_images(*admin_, enrolled.id, "the enrolled one", photo(), theirs);
  EXPECT_EQ(office_->verify_audit().entries, before_keep + 1);  // the refusals above left none

  const std::string id = to_recorded(again, mine);
  office_->process_outbox();
  ASSERT_EQ(office_->application(*admin_, id).candidates.front().ref, enrolled.id);
  const auto png = dir_ / "sheet.png";
  // Only the role of step 8 looks, and the look is audited.
  const auto entries = office_->verify_audit().entries;
  EXPECT_THROW(office_->adjudication_sheet(as("svc"), id, png), Error);
  EXPECT_FALSE(std::filesystem::exists(png));
  EXPECT_EQ(office_->verify_audit().entries, entries);
  const auto sheet = office_->adjudication_sheet(as("kasi_id"), id, png);
  EXPECT_EQ(office_->verify_audit().entries, entries + 1);
  EXPECT_EQ(office_->history(*admin_, id).back().action, "adjudication_sheet");
  EXPECT_GE(sheet.candidates, 1u);
  EXPECT_GE(sheet.candidates_with_images, 1u);
  EXPECT_EQ(std::filesystem::status(png).permissions() & std::filesystem::perms::all,
            std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  // Read back: row 0 the capture, row 1 the first candidate; the face, then
  // one column per captured position. Each finger cell's centre is that
  // finger's level, the capture's and the candidate's side by side.
  const cv::Mat m = cv::imread(png.string(), cv::IMREAD_GRAYSCALE);
  ASSERT_FALSE(m.empty());
  const int label = 250, cell_w = 170, cell_h = 210, header = 28;
  EXPECT_EQ(m.cols, label + cell_w * static_cast<int>(1 + mine.size()));
  EXPECT_EQ(m.rows, header + cell_h * static_cast<int>(1 + sheet.candidates));
  int col = 1;
  for (const auto& [pos, img] : mine) {
    const int x = label + col * cell_w + cell_w / 2;
    EXPECT_NEAR(m.at<std::uint8_t>(header + cell_h / 2, x), img.pixels[0], 2) << to_string(pos);
    const auto it = theirs.find(pos);
    if (it != theirs.end()) {
      EXPECT_NEAR(m.at<std::uint8_t>(header + cell_h + cell_h / 2, x), it->second.pixels[0], 2);
    }
    ++col;
  }
  // No candidates, no sheet.
  const std::string other = to_recorded(adult(1));
  EXPECT_THROW(office_->adjudication_sheet(as("kasi_id"), other, dir_ / "none.png"), Error);
  // An image of a finger the capture does not hold is refused at step 7.
  FingerImages stray;
  stray[FingerPosition::left_little] = flat_finger(9);
  PersonRecord one = adult(2);
  std::erase_if(one.fingers, [](const FingerTemplate& f) { return f.position == FingerPosition::left_little; });
  EXPECT_THROW(to_recorded(one, stray), Error);
}

TEST_F(OfficeTest, StockHoldsSpoiledCardsAndReprints) {
  office_->add_station(*admin_, {"PRN2", Station::Kind::printing, 0, true, "", "", 0, 0});
  office_->add_stock(*admin_, "PRN2", "B", 1, 1);
  std::vector<std::string> ids;
  for (std::size_t i = 0; i < 2; ++i) {
    const std::string id = to_recorded(adult(i));
    ids.push_back(id);
  }
  office_->process_outbox();
  for (const auto& id : ids) {
    act("kasi_id", id, [&](const Actor& a) { return office_->check_deduplication(a, id); });
    act("kasi_id", id, [&](const Actor& a) { return office_->verify_print_request(a, id); });
  }
  // One blank on PRN2: the first card prints, the second holds.
  const auto bulk = office_->bulk_print(as("cetak"), "PRN2");
  ASSERT_EQ(bulk.size(), 2u);
  EXPECT_EQ(bulk[0].second.outcome, sdk::PrintOutcome::completed);
  EXPECT_TRUE(bulk[1].second.held);
  EXPECT_EQ(office_->application(*admin_, ids[1]).state, AppState::print_ready);
  // The printed card is spoiled at hand-over: back for a reprint, on PRN1.
  const auto sp = act("cetak", ids[0], [&](const Actor& a) { return office_->report_spoiled(a, ids[0], "chip unreadable"); });
  EXPECT_EQ(sp.state, AppState::print_ready);
  office_->add_stock(*admin_, "PRN2", "B", 2, 1);  // stock arrives: printing resumes
  const auto reprint = office_->bulk_print(as("cetak"), "PRN2");
  ASSERT_EQ(reprint.size(), 2u);
  EXPECT_EQ(reprint[0].second.outcome, sdk::PrintOutcome::completed);
  EXPECT_TRUE(reprint[1].second.held);  // one blank for two cards
  // Every blank accounted for: printed, spoiled or blank.
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open((dir_ / "office.db").c_str(), &db), SQLITE_OK);
  sqlite3_stmt* s = nullptr;
  sqlite3_prepare_v2(db, "SELECT state, count(*) FROM stock WHERE printer='PRN2' GROUP BY state", -1, &s, nullptr);
  std::map<std::string, int> states;
  while (sqlite3_step(s) == SQLITE_ROW)
    states[reinterpret_cast<const char*>(sqlite3_column_text(s, 0))] = sqlite3_column_int(s, 1);
  sqlite3_finalize(s);
  sqlite3_close(db);
  EXPECT_EQ(states["printed"], 1);
  EXPECT_EQ(states["spoiled"], 1);
  EXPECT_EQ(states.count("blank"), 0u);
}

TEST_F(OfficeTest, ATamperedAuditEntryOrDocumentIsFound) {
  const Resident r = resident_of(adult());
  const std::string id = office_->apply(office_->applicant(r.nik), request_of(r));
  act("svc", id, [&](const Actor& a) { return office_->check_documents(a, id); });
  ASSERT_TRUE(office_->verify_audit().intact);
  // Someone edits the register book directly.
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open((dir_ / "office.db").c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "UPDATE audit SET actor='someone' WHERE seq=12", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);
  const auto c = office_->verify_audit();
  EXPECT_FALSE(c.intact);
  EXPECT_EQ(c.first_broken, 12);
  EXPECT_NE(c.problem.find("does not match its hash"), std::string::npos) << c.problem;
  // A sealed document changed on disk is refused on read.
  const Resident r2 = resident_of(adult(1));
  const std::string id2 = office_->apply(office_->applicant(r2.nik), request_of(r2));
  for (const auto& e : std::filesystem::directory_iterator(dir_ / "documents")) {
    std::fstream f(e.path(), std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(30);
    f.put('\x55');
  }
  const auto v = act("svc", id2, [&](const Actor& a) { return office_->check_documents(a, id2); });
  EXPECT_EQ(v.state, AppState::documents_rejected);
  EXPECT_NE(v.reasons.at(0).find("cannot be read"), std::string::npos);
}

// Two changes the chain alone cannot see (noted when it was built, and
// by the review): its last entries deleted, and an application's state set
// straight in office.db. The published anchor finds the first; each
// application's last audited transition finds the second.
TEST_F(OfficeTest, ACutTailAndAStateSetByHandAreFound) {
  const Resident r = resident_of(adult());
  const std::string id = office_->apply(office_->applicant(r.nik), request_of(r));
  const auto published = office_->verify_audit();
  ASSERT_TRUE(published.intact);
  ASSERT_EQ(published.head.size(), 64u);
  const AuditAnchor anchor{published.entries, published.head};
  act("svc", id, [&](const Actor& a) { return office_->check_documents(a, id); });
  EXPECT_TRUE(office_->verify_audit(anchor).intact) << office_->verify_audit(anchor).problem;
  const auto sql = [&](const std::string& q) {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open((dir_ / "office.db").c_str(), &db), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(db, q.c_str(), nullptr, nullptr, nullptr), SQLITE_OK) << q;
    sqlite3_close(db);
  };
  // The state set by hand: the chain verifies, the state does not.
  sql("UPDATE applications SET state='done' WHERE id='" + id + "'");
  auto c = office_->verify_audit();
  EXPECT_FALSE(c.intact);
  EXPECT_NE(c.problem.find("application " + id + " is done in the store, but its last audited transition left it documents_checked"),
            std::string::npos)
      << c.problem;
  sql("UPDATE applications SET state='documents_checked' WHERE id='" + id + "'");
  EXPECT_TRUE(office_->verify_audit().intact);
  // The tail cut back to before the anchor: alone it verifies (apart from
  // the state it no longer explains); against the anchor it does not.
  sql("DELETE FROM audit WHERE seq >= " + std::to_string(anchor.entries));
  c = office_->verify_audit(anchor);
  EXPECT_FALSE(c.intact);
  EXPECT_NE(c.problem.find("its tail was cut"), std::string::npos) << c.problem;
  // A rewritten entry under the anchor's count: its hash is not the one published.
  EXPECT_FALSE(office_->verify_audit(AuditAnchor{1, published.head}).intact);
}

// Sign-in: five wrong passwords lock the id for 15 minutes (the right
// password then too), an unknown id the same way, every failure audited.
TEST_F(OfficeTest, GuessingPasswordsIsSlowedAndAudited) {
  const auto entries = office_->verify_audit().entries;
  for (const char* who : {"svc", "nobody"}) {
    for (int i = 0; i < 5; ++i) EXPECT_THROW(office_->authenticate(who, "guess-" + std::to_string(i)), Error);
    try {
      office_->authenticate(who, std::string(who) + "-password");
      ADD_FAILURE() << who << " signed in while locked";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::denied);
      EXPECT_NE(std::string(e.what()).find("locked for 15 more minutes"), std::string::npos) << e.what();
    }
  }
  EXPECT_EQ(office_->verify_audit().entries, entries + 10);
  now_ += 15 * 60 + 1;
  EXPECT_EQ(as("svc").role(), Role::service_officer);  // and the count starts again
  EXPECT_THROW(office_->authenticate("svc", "one-more-guess"), Error);
  EXPECT_EQ(as("svc").role(), Role::service_officer);
  EXPECT_TRUE(office_->verify_audit().intact);
}

// The store is the owner's alone, and a refused `init` leaves nothing.
TEST(OfficeStore, FilesAreOwnerOnlyAndARefusedInitCreatesNothing) {
  const auto dir = test::fresh_dir("office_modes");
  std::filesystem::remove_all(dir);
  OfficeConfig c;
  c.dir = dir;
  c.session.face = false;
  try {
    Office::open(c, "admin", "short");
    ADD_FAILURE() << "a 5-character password";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::invalid_argument) << e.what();
  }
  EXPECT_FALSE(std::filesystem::exists(dir / "office.db"));
  {
    auto office = Office::open(c, "admin", "long-enough-password");
    office->authenticate("admin", "long-enough-password");
  }
  const auto mode = [](const std::filesystem::path& p) {
    struct stat st {};
    EXPECT_EQ(::stat(p.c_str(), &st), 0) << p;
    return st.st_mode & 0777;
  };
  EXPECT_EQ(mode(dir), 0700u);
  EXPECT_EQ(mode(dir / "office.db"), 0600u);
  for (const char* sub : {"documents", "captures", "cards", "gallery"}) EXPECT_EQ(mode(dir / sub), 0700u) << sub;
  // A store made loose by an older version is tightened when opened.
  ::chmod((dir / "office.db").c_str(), 0644);
  ::chmod((dir / "documents").c_str(), 0755);
  Office::open(c);
  EXPECT_EQ(mode(dir / "office.db"), 0600u);
  EXPECT_EQ(mode(dir / "documents"), 0700u);
  std::filesystem::remove_all(dir);
}

// Uploads are checked by what they are, not by their first bytes: a PDF
// with a script (plain, hidden by #-escapes or in a compressed object
// stream), a PNG with a PDF after its end, a PNG that does not decode.
TEST(OfficeDocuments, HostileUploadsAreRefusedByContent) {
  using workflow::detail::check_document;
  const auto doc = [](const std::string& s) { return std::vector<std::uint8_t>(s.begin(), s.end()); };
  const std::string tail = "trailer << /Root 1 0 R >>\n%%EOF\n";
  EXPECT_EQ(check_document(doc("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n" + tail)).problem, "");
  EXPECT_EQ(check_document(doc("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n" + tail)).type, "application/pdf");
  const auto refused = [&](const std::vector<std::uint8_t>& bytes, const char* want) {
    const auto c = check_document(bytes);
    EXPECT_NE(c.problem.find(want), std::string::npos) << "'" << c.problem << "' lacks '" << want << "'";
  };
  refused(doc("%PDF-1.4\n1 0 obj << /OpenAction << /S /JavaScript /JS (app.alert(1)) >> >> endobj\n" + tail), "active content");
  refused(doc("%PDF-1.4\n1 0 obj << /S /J#61vaScript >> endobj\n" + tail), "/JavaScript");
  refused(doc("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n"), "end-of-file marker");
  // A script inside a Flate-compressed object stream.
  const std::string hidden = "2 0 obj << /S /Launch /F (cmd.exe) >> endobj";
  std::vector<std::uint8_t> z(compressBound(hidden.size()));
  uLongf zn = z.size();
  ASSERT_EQ(compress(z.data(), &zn, reinterpret_cast<const Bytef*>(hidden.data()), hidden.size()), Z_OK);
  std::string packed = "%PDF-1.5\n3 0 obj << /Type /ObjStm /Filter /FlateDecode /Length " + std::to_string(zn) + " >>\nstream\n";
  packed.append(reinterpret_cast<const char*>(z.data()), zn);
  packed += "\nendstream\nendobj\n" + tail;
  refused(doc(packed), "/Launch, in a compressed stream");
  // A compression bomb: expands past 8 times its size.
  const std::string zeros(4 << 20, '\0');
  std::vector<std::uint8_t> zb(compressBound(zeros.size()));
  uLongf zbn = zb.size();
  ASSERT_EQ(compress2(zb.data(), &zbn, reinterpret_cast<const Bytef*>(zeros.data()), zeros.size(), 9), Z_OK);
  std::string bomb = "%PDF-1.5\n4 0 obj << /Filter /FlateDecode >>\nstream\n";
  bomb.append(reinterpret_cast<const char*>(zb.data()), zbn);
  bomb += "\nendstream\nendobj\n" + tail;
  refused(doc(bomb), "expand past 8 times");
  // Images: whole, decodable, nothing after their end.
  auto image = png();
  EXPECT_EQ(check_document(image).problem, "");
  EXPECT_EQ(check_document(image).type, "image/png");
  auto polyglot = image;
  const std::string extra = "%PDF-1.4\n1 0 obj << >> endobj\n" + tail;
  polyglot.insert(polyglot.end(), extra.begin(), extra.end());
  refused(polyglot, "does not end with its IEND chunk");
  auto broken = image;
  broken[40] ^= 0xFF;  // inside the image data: its CRC fails
  refused(broken, "does not decode");
  refused(doc("\x89PNG\r\n\x1A\n not really"), "IEND");
  refused(doc("MZ\x90 an executable"), "not a PDF, JPEG or PNG");
  refused(doc(""), "not a PDF, JPEG or PNG");
}

TEST(Nik, RulesFromTheData) {
  EXPECT_EQ(nik_problem("3273014508900001"), "");  // a woman: day 05 + 40
  EXPECT_NE(nik_problem("3273013208900001"), "");  // day 32
  EXPECT_NE(nik_problem("2073010508900001"), "");  // province 20 does not exist
  EXPECT_NE(nik_problem("3200010508900001"), "");  // regency 00
  EXPECT_NE(nik_problem("3273010508900000"), "");  // serial 0000
  EXPECT_NE(nik_problem("327301050890000"), "");
  EXPECT_NE(nik_problem("32730105089000a1"), "");
  EXPECT_EQ(nik_problem("3273012902000001"), "");  // 29-02-2000 exists
  EXPECT_NE(nik_problem("3273013002000001"), "");  // 30-02 does not
  EXPECT_EQ(age_on("01-12-2009", "01-12-2026"), 17);
  EXPECT_EQ(age_on("02-12-2009", "01-12-2026"), 16);
  EXPECT_EQ(age_on("31-02-2009", "01-12-2026"), -1);
  // Every NIK the generator makes passes the office's own rules.
  const auto pop = make_population(40, 0, 5, 1);
  for (const auto& r : pop.gallery) EXPECT_EQ(nik_problem(attr(r, "nik")), "") << attr(r, "nik");
}

}  // namespace
}  // namespace tunggal

// ---- concurrency and crashes -------------------------------------------------

#include <signal.h>
#include <sys/wait.h>

#include <atomic>
#include <thread>
#include <tuple>

namespace tunggal {
namespace {

// Several officers at once on one store: two taking the same application
// are ordered (one wins, the other is told it is held), never interleaved;
// every application is checked exactly once.
TEST_F(OfficeTest, OfficersActingAtOnceNeverDoTheSameStepTwice) {
  std::vector<std::string> ids;
  for (std::size_t i = 0; i < 5; ++i) {
    const Resident r = resident_of(adult(i));
    ids.push_back(office_->apply(office_->applicant(r.nik), request_of(r)));
  }
  std::atomic<int> done{0}, refused{0}, other{0};
  std::vector<std::thread> officers;
  for (const char* who : {"svc", "svc2", "svc", "svc2"}) {
    officers.emplace_back([&, who] {
      const Actor a = as(who);
      for (const auto& id : ids) {
        try {
          office_->take(a, id);
          office_->check_documents(a, id);
          done.fetch_add(1);
        } catch (const Error& e) {
          if (e.code() == ErrorCode::busy || e.code() == ErrorCode::conflict) {
            refused.fetch_add(1);
          } else {
            other.fetch_add(1);
          }
        }
      }
    });
  }
  for (auto& t : officers) t.join();
  EXPECT_EQ(done.load(), 5);
  EXPECT_EQ(other.load(), 0);
  EXPECT_EQ(done.load() + refused.load(), 20);
  for (const auto& id : ids) {
    int checks = 0;
    for (const auto& e : office_->history(*admin_, id)) checks += e.action == "check_documents";
    EXPECT_EQ(checks, 1) << id;
    EXPECT_EQ(office_->application(*admin_, id).state, AppState::documents_checked);
  }
  EXPECT_TRUE(office_->verify_audit().intact);
}

// The transition table is walked whole through a real office: every edge
// (action, from, to) of it is taken by some application below and found in
// the register book, and nothing the book records as a state change lies
// off the table.
TEST_F(OfficeTest, EveryEdgeOfTheTransitionTableIsWalked) {
  const auto step = [&](const std::string& who, const std::string& id, auto&& f) { return act(who, id, f); };
  // Files rejected, then a mismatch, each resubmitted; then the way on.
  const Resident r0 = resident_of(adult(0));
  const Actor ap0 = office_->applicant(r0.nik);
  auto q = request_of(r0);
  q.documents.erase(q.documents.begin() + 1);
  const std::string a0 = office_->apply(ap0, q);
  step("svc", a0, [&](const Actor& a) { return office_->check_documents(a, a0); });
  auto typo = request_of(r0);
  typo.form.name += " X";
  office_->resubmit(ap0, a0, typo);
  step("svc", a0, [&](const Actor& a) { return office_->check_documents(a, a0); });
  ASSERT_EQ(step("svc", a0, [&](const Actor& a) { return office_->check_population(a, a0); }).state, AppState::biodata_mismatch);
  office_->resubmit(ap0, a0, request_of(r0));
  step("svc", a0, [&](const Actor& a) { return office_->check_documents(a, a0); });
  step("svc", a0, [&](const Actor& a) { return office_->check_population(a, a0); });
  step("kasi_pd", a0, [&](const Actor& a) { return office_->validate_data(a, a0); });
  // Scheduling: a reschedule, a no-show before and after confirming.
  step("svc", a0, [&](const Actor& a) { return office_->send_schedule(a, a0); });
  step("svc", a0, [&](const Actor& a) { return office_->send_schedule(a, a0); });
  step("svc", a0, [&](const Actor& a) { return office_->mark_no_show(a, a0); });
  step("svc", a0, [&](const Actor& a) { return office_->send_schedule(a, a0); });
  office_->confirm_schedule(ap0, a0);
  step("svc", a0, [&](const Actor& a) { return office_->mark_no_show(a, a0); });
  step("svc", a0, [&](const Actor& a) { return office_->send_schedule(a, a0); });
  office_->confirm_schedule(ap0, a0);
  // Recording: two captures that fail the quality gate, then a good one.
  const PersonRecord& p0 = adult(0);
  PersonRecord poor = p0;
  poor.attributes.clear();
  for (auto& f : poor.fingers) f.quality = 0;
  PersonRecord good = p0;
  good.attributes.clear();
  for (int i = 0; i < 2; ++i)
    ASSERT_EQ(step("rekam", a0, [&](const Actor& a) { return office_->record_biometrics(a, a0, "REC1", poor, photo()); }).state,
              AppState::recapture_needed);
  ASSERT_EQ(step("rekam", a0, [&](const Actor& a) { return office_->record_biometrics(a, a0, "REC1", good, photo()); }).state,
            AppState::awaiting_consolidation);
  office_->process_outbox();
  step("kasi_id", a0, [&](const Actor& a) { return office_->check_deduplication(a, a0); });
  step("kasi_id", a0, [&](const Actor& a) { return office_->verify_print_request(a, a0); });
  // Printing: a printer that takes no job, a spoiled card, a reprint.
  office_->add_station(*admin_, {"PRNX", Station::Kind::printing, 0, true, "", "tunggal-no-such-queue", 0, 0});
  office_->add_stock(*admin_, "PRNX", "X", 1, 1);
  step("cetak", a0, [&](const Actor& a) { return office_->print_card(a, a0, "PRNX"); });
  ASSERT_EQ(office_->application(*admin_, a0).state, AppState::print_ready);
  step("cetak", a0, [&](const Actor& a) { return office_->print_card(a, a0, "PRN1"); });
  step("cetak", a0, [&](const Actor& a) { return office_->report_spoiled(a, a0, "chip unreadable"); });
  step("cetak", a0, [&](const Actor& a) { return office_->print_card(a, a0, "PRN1"); });
  PersonRecord pickup;
  pickup.id = "pickup";
  pickup.fingers = {p0.fingers.front()};
  ASSERT_EQ(step("cetak", a0, [&](const Actor& a) { return office_->hand_over(a, a0, pickup); }).state, AppState::issued);
  step("cetak", a0, [&](const Actor& a) { return office_->close(a, a0); });
  // Possible duplicates: one decided a duplicate, one not.
  std::vector<std::string> dups;
  for (const auto& [probe_id, mate_id] : pop_.mate) {
    if (dups.size() == 2) break;
    const auto& enrolled = *std::find_if(pop_.gallery.begin(), pop_.gallery.end(), [&](const auto& g) { return g.id == mate_id; });
    const auto& again = *std::find_if(pop_.probes.begin(), pop_.probes.end(), [&](const auto& p) { return p.id == probe_id; });
    if (age_on(attr(again, "birth_date"), "01-12-2026") < 17) continue;
    if (!office_->in_gallery(*admin_, enrolled.id)) office_->enrol_existing(*admin_, std::vector<PersonRecord>{enrolled});
    dups.push_back(to_recorded(again));
  }
  ASSERT_EQ(dups.size(), 2u);
  office_->process_outbox();
  for (const auto& id : dups)
    ASSERT_EQ(step("kasi_id", id, [&](const Actor& a) { return office_->check_deduplication(a, id); }).state,
              AppState::possible_duplicate);
  step("kasi_id", dups[0], [&](const Actor& a) { return office_->adjudicate(a, dups[0], DuplicateOf{r0.nik}); });
  step("kasi_id", dups[1], [&](const Actor& a) {
    return office_->adjudicate(a, dups[1], NotDuplicate{"a relative: the faces and prints differ"});
  });

  // What the register book says, against the table.
  std::set<std::tuple<Action, std::string, std::string>> walked;
  for (const auto& v : office_->applications(*admin_))
    for (const auto& e : office_->history(*admin_, v.id)) {
      std::optional<Action> x = action_from_string(e.action);
      if (e.action == "reschedule") x = Action::send_schedule;
      if (e.action == "print_failed") x = Action::print_card;
      if (!x) {
        EXPECT_EQ(e.before, e.after) << e.action << " changed the state off the table";
        continue;
      }
      walked.insert({*x, e.before, e.after});
      const auto from = state_from_string(e.before), to = state_from_string(e.after);
      ASSERT_TRUE(to) << e.action;
      if (from) {
        EXPECT_TRUE(is_edge(*x, *from, *to)) << e.action << ": " << e.before << " -> " << e.after;
      }
    }
  std::size_t edges = 0;
  for (const auto& t : transitions()) {
    std::vector<std::string> froms;
    if (t.from.empty()) froms.emplace_back("");
    for (const auto s : t.from.states()) froms.emplace_back(to_string(s));
    for (const auto& f : froms)
      for (const auto to : t.to.states()) {
        ++edges;
        EXPECT_TRUE(walked.count({t.action, f, std::string(to_string(to))}))
            << "never walked: " << to_string(t.action) << " " << f << " -> " << to_string(to);
      }
  }
  EXPECT_EQ(edges, 29u);  // the table's edges, counted by hand from actions.h
  EXPECT_TRUE(office_->verify_audit().intact);
}

// `tunggal office diagram` draws exactly the table's edges: each (from,
// to, label) once, none missing (the hand-drawn one lacked the reschedule
// and the second recapture), none added.
TEST(OfficeTable, TheDiagramHasExactlyTheTablesEdges) {
  FILE* p = ::popen((std::string(TUNGGAL_TOOL) + " office diagram").c_str(), "r");
  ASSERT_NE(p, nullptr);
  std::string dot;
  char buf[4096];
  for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, p)) > 0;) dot.append(buf, n);
  ASSERT_EQ(::pclose(p), 0);
  std::multiset<std::tuple<std::string, std::string, std::string>> drawn, table;
  std::istringstream in(dot);
  for (std::string line; std::getline(in, line);) {
    const auto arrow = line.find(" -> ");
    if (arrow == std::string::npos) continue;
    const auto open = line.find(" [label=\"");
    const auto close = line.find('"', open + 9);
    ASSERT_TRUE(open != std::string::npos && close != std::string::npos) << line;
    const auto first = line.find_first_not_of(' ');
    drawn.insert({line.substr(first, arrow - first), line.substr(arrow + 4, open - arrow - 4), line.substr(open + 9, close - open - 9)});
  }
  for (const auto& t : transitions()) {
    std::vector<std::string> froms;
    if (t.from.empty()) froms.emplace_back("start");
    for (const auto st : t.from.states()) froms.emplace_back(to_string(st));
    for (const auto& f : froms)
      for (const auto to : t.to.states()) table.insert({f, std::string(to_string(to)), std::string(t.label)});
  }
  EXPECT_EQ(drawn, table);
  EXPECT_EQ(drawn.count({"scheduled", "scheduled", "5 reschedule"}), 1u);
  EXPECT_EQ(drawn.count({"recapture_needed", "recapture_needed", "7 record again"}), 1u);
  // The derived rules agree with the procedure: final states, next steps.
  EXPECT_TRUE(is_final(AppState::duplicate));
  EXPECT_TRUE(is_final(AppState::done));
  EXPECT_FALSE(is_final(AppState::issued));
  EXPECT_EQ(next_step(AppState::scheduled), SopStep::confirm_schedule);
  EXPECT_EQ(next_step(AppState::printed), SopStep::hand_over);
  EXPECT_EQ(next_step(AppState::issued), SopStep::done);
  EXPECT_EQ(next_step(AppState::awaiting_consolidation), SopStep::check_deduplication);
  for (int s = 1; s <= kSopStepCount; ++s) EXPECT_NE(default_role(static_cast<SopStep>(s)), Role::administrator) << s;
}

// The review's finding: a service officer's refused adjudication enrolled
// the capture, and the next outbox run took it for found unique. Now every
// refusal (role, hold, bad reason) leaves the gallery as it was.
TEST_F(OfficeTest, ARefusedAdjudicationLeavesTheGalleryAlone) {
  const auto& [probe_id, mate_id] = *pop_.mate.begin();
  const auto& enrolled = *std::find_if(pop_.gallery.begin(), pop_.gallery.end(), [&](const auto& g) { return g.id == mate_id; });
  const auto& again = *std::find_if(pop_.probes.begin(), pop_.probes.end(), [&](const auto& p) { return p.id == probe_id; });
  office_->enrol_existing(*admin_, std::vector<PersonRecord>{enrolled});
  const std::string id = to_recorded(again);
  office_->process_outbox();
  ASSERT_EQ(act("kasi_id", id, [&](const Actor& a) { return office_->check_deduplication(a, id); }).state,
            AppState::possible_duplicate);
  const auto log = dir_ / "gallery" / "gallery.wal";
  const auto size = std::filesystem::file_size(log);
  const auto version = office_->application(*admin_, id).version;
  const auto entries = office_->verify_audit().entries;
  const auto expect_refused = [&](auto&& f, ErrorCode code) {
    try {
      f();
      ADD_FAILURE() << "allowed";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), code) << e.what();
    }
    EXPECT_FALSE(office_->in_gallery(*admin_, id));
    EXPECT_EQ(std::filesystem::file_size(log), size);
    EXPECT_EQ(office_->application(*admin_, id).version, version);
    EXPECT_EQ(office_->verify_audit().entries, entries);
  };
  const NotDuplicate clear{"prints differ"};
  expect_refused([&] { office_->adjudicate(as("svc"), id, clear); }, ErrorCode::denied);
  expect_refused([&] { office_->adjudicate(as("kasi_id"), id, NotDuplicate{""}); }, ErrorCode::invalid_argument);
  expect_refused([&] { office_->adjudicate(as("kasi_id"), id, NotDuplicate{"bad\x01reason"}); }, ErrorCode::invalid_argument);
  expect_refused([&] { office_->adjudicate(as("kasi_id"), id, DuplicateOf{"not a nik"}); }, ErrorCode::invalid_argument);
  // Held by nobody (the step above gave the hold back).
  expect_refused([&] { office_->adjudicate(as("kasi_id"), id, clear); }, ErrorCode::busy);
  // Done right: enrolled once, cleared.
  EXPECT_EQ(act("kasi_id", id, [&](const Actor& a) { return office_->adjudicate(a, id, clear); }).state, AppState::cleared);
  EXPECT_TRUE(office_->in_gallery(*admin_, id));
}

// Dates that do not exist, and text that cannot be stored or printed, are
// refused at step 1 naming the field, before a document is stored.
TEST_F(OfficeTest, TheFormIsCheckedWholeAtTheDoor) {
  const Resident r = resident_of(adult());
  const Actor applicant = office_->applicant(r.nik);
  const auto docs_before = [&] {
    std::size_t n = 0;
    if (std::filesystem::exists(dir_ / "documents"))
      for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(dir_ / "documents")) ++n;
    return n;
  };
  const std::size_t stored = docs_before();
  const auto refused = [&](auto&& change, const char* want) {
    auto q = request_of(r);
    change(q.form);
    try {
      office_->apply(applicant, q);
      ADD_FAILURE() << "accepted: " << want;
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::invalid_argument) << e.what();
      EXPECT_NE(std::string(e.what()).find(want), std::string::npos) << e.what();
    }
    EXPECT_EQ(docs_before(), stored) << want;
  };
  refused([](ApplicantForm& f) { f.birth_date = "not a date"; }, "birth_date 'not a date' is not a date");
  refused([](ApplicantForm& f) { f.birth_date = "31-02-1990"; }, "is not a date");
  refused([](ApplicantForm& f) { f.birth_date = "01-01-2300"; }, "year 2300");
  refused([](ApplicantForm& f) { f.birth_date = "01-01-2100"; }, "after today");
  refused([](ApplicantForm& f) { f.address = std::string(60000, 'A'); }, "address is 60000 bytes, over the limit of 200");
  refused([](ApplicantForm& f) { f.name = "BUDI\nSANTOSO"; }, "name holds a control character");
  refused([](ApplicantForm& f) { f.name = "BUDI \xC3\x28"; }, "name is not valid UTF-8");
  refused([](ApplicantForm& f) { f.name.clear(); }, "name is empty");
  refused([](ApplicantForm& f) { f.family_card = "12345"; }, "family_card has 16 digits");
  // Within the field's bytes but wider than the card's box: found now, not at the printer.
  refused([](ApplicantForm& f) { f.name = std::string(100, 'W'); }, "it would not fit the printed card");
  // The population database's rows are checked the same way, all before any is stored.
  Resident bad_row = resident_of(adult(3));
  bad_row.address = "JL. MERDEKA\x07";
  try {
    office_->import_residents(*admin_, std::vector<Resident>{resident_of(adult(4)), bad_row});
    ADD_FAILURE() << "a resident with a control character was imported";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::invalid_argument);
    EXPECT_NE(std::string(e.what()).find("address holds a control character"), std::string::npos) << e.what();
  }
  // Holidays: a day that exists, named when it does not.
  for (const char* bad : {"abcd-ef-gh", "2026-02-31", "2026-13-01", "26-12-01"}) {
    try {
      office_->add_holiday(*admin_, bad);
      ADD_FAILURE() << "accepted holiday " << bad;
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::invalid_argument) << e.what();
      EXPECT_NE(std::string(e.what()).find(bad), std::string::npos) << e.what();
    }
  }
  // A second application by the same NIK is refused before its documents are stored.
  office_->apply(applicant, request_of(r));
  const std::size_t after_first = docs_before();
  auto other = request_of(r);
  other.documents[0].bytes = pdf("another scan, never stored");
  try {
    office_->apply(applicant, other);
    ADD_FAILURE() << "a second application";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::conflict) << e.what();
  }
  EXPECT_EQ(docs_before(), after_first);
}

// Reads name who reads: an applicant sees only their own file, and every
// read of personal data is in the access log. The gallery is reached only
// through the office's steps and the administrator's import: a desk's
// SDK session enrols into a gallery of its own.
TEST_F(OfficeTest, ReadsAreCheckedAndLoggedAndTheGalleryHasOneDoor) {
  const Resident r = resident_of(adult());
  const Actor mine = office_->applicant(r.nik);
  const Actor other = office_->applicant(resident_of(adult(1)).nik);
  const std::string id = office_->apply(mine, request_of(r));
  EXPECT_EQ(office_->application(mine, id).nik, r.nik);
  EXPECT_EQ(office_->applications(mine).size(), 1u);
  EXPECT_TRUE(office_->applications(other).empty());
  for (auto&& read : std::vector<std::function<void()>>{[&] { office_->application(other, id); },
                                                         [&] { office_->history(other, id); }}) {
    try {
      read();
      ADD_FAILURE() << "another applicant read the file";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::denied) << e.what();
    }
  }
  office_->application(as("svc"), id);
  office_->history(as("kasi_id"), id);
  const auto log = office_->access_log(*admin_, id);
  std::vector<std::string> readers;
  for (const auto& e : log) readers.push_back(e.actor + ":" + e.what);
  EXPECT_NE(std::find(readers.begin(), readers.end(), "applicant:" + r.nik + ":application"), readers.end());
  EXPECT_NE(std::find(readers.begin(), readers.end(), "svc:application"), readers.end());
  EXPECT_NE(std::find(readers.begin(), readers.end(), "kasi_id:history"), readers.end());
  EXPECT_THROW(office_->access_log(as("svc"), id), Error);
  // The gallery's doors.
  const PersonRecord& p = adult(2);
  EXPECT_THROW(office_->enrol_existing(as("kasi_id"), std::vector<PersonRecord>{p}), Error);
  EXPECT_THROW(office_->in_gallery(as("svc"), p.id), Error);
  office_->desk_session(as("rekam")).enrol(p);
  EXPECT_FALSE(office_->in_gallery(*admin_, p.id));
  const auto entries = office_->verify_audit().entries;
  office_->enrol_existing(*admin_, std::vector<PersonRecord>{p});
  EXPECT_TRUE(office_->in_gallery(as("kasi_id"), p.id));
  EXPECT_EQ(office_->verify_audit().entries, entries + 1);  // audited, with the count
}

// One request per action, read from JSON: every field checked and named
// when wrong, before anything is touched.
TEST(OfficeCommands, ParsingNamesTheFieldThatIsWrong) {
  const auto refused = [](const std::string& json, const char* want) {
    try {
      parse_command(json);
      ADD_FAILURE() << "accepted: " << json.substr(0, 120);
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::invalid_argument) << e.what();
      EXPECT_NE(std::string(e.what()).find(want), std::string::npos) << "'" << e.what() << "' lacks '" << want << "'";
    }
  };
  refused("{", "not JSON");
  refused("[]", "not a JSON object");
  refused(R"({"action": "fly"})", "action 'fly' is not one the office takes");
  refused(R"({"action": "check_documents", "expected_version": 1})", "application is missing");
  refused(R"({"action": "check_documents", "application": "../etc", "expected_version": 1})", "application");
  refused(R"({"action": "check_documents", "application": "A000001", "expected_version": -1})", "expected_version");
  refused(R"({"action": "check_documents", "application": "A000001", "expected_version": "3"})", "expected_version");
  refused(R"({"action": "check_documents", "application": "A000001", "expected_version": 1, "role": "administrator"})",
          "role is not a field of check_documents");
  refused(R"({"action": "send_schedule", "application": "A000001", "expected_version": 1, "day": "2026-02-31"})",
          "day '2026-02-31' is not a day that exists");
  refused(R"({"action": "adjudicate", "application": "A000001", "expected_version": 1})", "one of duplicate_of");
  refused(R"({"action": "adjudicate", "application": "A000001", "expected_version": 1, "duplicate_of": "1234567890123456"})",
          "duplicate_of");
  refused(R"({"action": "adjudicate", "application": "A000001", "expected_version": 1, "not_duplicate": ""})",
          "not_duplicate is empty");
  refused(R"({"action": "record_biometrics", "application": "A000001", "expected_version": 1, "station": "REC1",
              "capture": "not base64!", "photo": ""})", "capture");
  refused(std::string(R"({"action": "apply", "form": {"nik": "3273014508900001", "name": "BUDI )") + "\xC3\x28" +
              R"(", "birth_date": "01-01-1990"}, "documents": []})",
          "not JSON");
  refused(R"({"action": "apply", "form": {"nik": "3273014508900001", "name": "BUDI", "birth_date": "01-01-1990",
              "address": ")" + std::string(60000, 'A') + R"("}, "documents": []})",
          "form.address is 60000 bytes");
  refused(R"({"action": "apply", "form": {"nik": "3273014508900001", "name": "BUDI", "birth_date": "01-01-1990",
              "salary": "1"}, "documents": []})", "form.salary is not a field of the form");
  refused(R"({"action": "apply", "form": {"nik": "3273014508900001", "name": "BUDI", "birth_date": "01-01-1990"},
              "documents": [{"kind": "passport", "content": ""}]})", "documents[0].kind 'passport'");
  // A good one.
  const auto c = parse_command(R"({"action": "adjudicate", "application": "A000012", "expected_version": 7,
                                   "not_duplicate": "prints differ"})");
  const auto* adj = std::get_if<command::Adjudicate>(&c.body);
  ASSERT_NE(adj, nullptr);
  EXPECT_EQ(adj->target.application, "A000012");
  EXPECT_EQ(adj->target.expected_version, 7);
  EXPECT_EQ(std::get<NotDuplicate>(adj->decision).reason, "prints differ");
  EXPECT_EQ(action_name(c), "adjudicate");
}

// Commands run with the version the caller saw: a stale one is refused
// with nothing changed; a wrong role leaves no hold; every step command on
// a file in the wrong state changes nothing.
TEST_F(OfficeTest, CommandsCarryTheVersionTheCallerSaw) {
  const Resident r = resident_of(adult());
  const Actor applicant = office_->applicant(r.nik);
  std::string json = R"({"action": "apply", "form": {)";
  bool first = true;
  const ApplicantForm form = request_of(r).form;
  for (const auto& f : kFormFields) {
    json += std::string(first ? "" : ", ") + "\"" + std::string(f.name) + "\": \"" + form.*f.member + "\"";
    first = false;
  }
  json += R"(}, "documents": [)";
  first = true;
  for (const auto& d : request_of(r).documents) {
    json += std::string(first ? "" : ", ") + R"({"kind": ")" + std::string(to_string(d.kind)) + R"(", "content": ")" +
            encode_base64(d.bytes) + "\"}";
    first = false;
  }
  json += "]}";
  const auto applied = office_->execute(applicant, parse_command(json));
  const std::string id = applied.application;
  EXPECT_EQ(applied.view.state, AppState::submitted);
  const auto cmd = [&](const std::string& action, std::int64_t version, const std::string& more = "") {
    return parse_command(R"({"action": ")" + action + R"(", "application": ")" + id +
                         R"(", "expected_version": )" + std::to_string(version) + more + "}");
  };
  const auto unchanged = [&](auto&& f, ErrorCode code, const char* want) {
    const auto before = office_->application(*admin_, id);
    const auto entries = office_->verify_audit().entries;
    try {
      f();
      ADD_FAILURE() << "allowed: " << want;
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), code) << e.what();
      EXPECT_NE(std::string(e.what()).find(want), std::string::npos) << e.what();
    }
    const auto after = office_->application(*admin_, id);
    EXPECT_EQ(after.version, before.version) << want;
    EXPECT_EQ(after.state, before.state) << want;
    EXPECT_EQ(after.holder, before.holder) << want;
    EXPECT_EQ(office_->verify_audit().entries, entries) << want;
  };
  const std::int64_t v = applied.view.version;
  // A stale form, the wrong desk, and every other step on a submitted file.
  unchanged([&] { office_->execute(as("svc"), cmd("check_documents", v - 1)); }, ErrorCode::conflict, "changed since it was shown");
  unchanged([&] { office_->execute(as("rekam"), cmd("check_documents", v)); }, ErrorCode::denied, "service_officer");
  // The service officer's own later steps: not in this state; others' steps: not this role.
  for (const char* own : {"check_population", "mark_no_show"})
    unchanged([&] { office_->execute(as("svc"), cmd(own, v)); }, ErrorCode::conflict, "is submitted; this step needs it");
  for (const char* other : {"validate_data", "check_deduplication", "verify_print_request", "close"})
    unchanged([&] { office_->execute(as("svc"), cmd(other, v)); }, ErrorCode::denied, ", not service_officer");
  unchanged([&] { office_->execute(as("svc"), cmd("send_schedule", v)); }, ErrorCode::conflict, "needs it");
  unchanged([&] { office_->execute(applicant, cmd("confirm_schedule", v)); }, ErrorCode::conflict, "needs it scheduled");
  unchanged([&] { office_->execute(as("kasi_id"), cmd("adjudicate", v, R"(, "not_duplicate": "x")")); },
            ErrorCode::conflict, "needs it possible_duplicate");
  unchanged([&] { office_->execute(as("cetak"), cmd("print_card", v, R"(, "printer": "PRN1")")); }, ErrorCode::conflict,
            "needs it print_ready");
  // The right desk at the right version: done, and the view says so.
  const auto done = office_->execute(as("svc"), cmd("check_documents", v));
  EXPECT_EQ(done.view.state, AppState::documents_checked);
  EXPECT_GT(done.view.version, v);
  // The same form sent again (a double click): stale now.
  unchanged([&] { office_->execute(as("svc"), cmd("check_documents", v)); }, ErrorCode::conflict, "");
  // Take and release by command, each at the version shown.
  const auto taken = office_->execute(as("svc"), cmd("take", done.view.version));
  EXPECT_EQ(taken.view.holder, "svc");
  unchanged([&] { office_->execute(as("svc"), cmd("release", done.view.version)); }, ErrorCode::conflict, "changed since");
  EXPECT_EQ(office_->execute(as("svc"), cmd("release", taken.view.version)).view.holder, "");
}

// Who may do what now: the table and the configured roles, per actor.
TEST_F(OfficeTest, AllowedFollowsTheTableAndTheRoles) {
  const Resident r = resident_of(adult());
  const Actor applicant = office_->applicant(r.nik);
  const std::string id = office_->apply(applicant, request_of(r));
  EXPECT_EQ(office_->allowed(as("svc"), id), std::vector<Action>{Action::check_documents});
  EXPECT_TRUE(office_->allowed(as("rekam"), id).empty());
  EXPECT_TRUE(office_->allowed(applicant, id).empty());
  EXPECT_THROW(office_->allowed(office_->applicant(resident_of(adult(1)).nik), id), Error);
  // Step 2 given to the recording officers: the buttons move with it.
  office_->set_step_role(*admin_, SopStep::check_documents, Role::recording_officer);
  EXPECT_TRUE(office_->allowed(as("svc"), id).empty());
  EXPECT_EQ(office_->allowed(as("rekam"), id), std::vector<Action>{Action::check_documents});
  EXPECT_EQ(act("rekam", id, [&](const Actor& a) { return office_->check_documents(a, id); }).state,
            AppState::documents_checked);
}

std::vector<std::string> split_lines(const std::string& s) {
  std::vector<std::string> out;
  for (std::size_t at = 0, eol; (eol = s.find('\n', at)) != std::string::npos; at = eol + 1) out.push_back(s.substr(at, eol - at));
  return out;
}

// The simulated day, killed with SIGKILL after a random number of
// acknowledged actions and run again, over and over: every action it
// acknowledged is in the register book, the chain verifies, and when the
// day is done no application is lost or doubled, no card is printed twice
// and the stock adds up.
TEST(OfficeCrash, AKilledDayRestartsWithEverythingItAcknowledged) {
  const auto dir = test::fresh_dir("office_crash");
  std::mt19937 rng(17);
  std::vector<std::pair<std::string, std::string>> acks;  // application, state
  int kills = 0;
  bool finished = false;
  for (int round = 0; round < 12 && !finished; ++round) {
    int out[2];
    ASSERT_EQ(::pipe(out), 0);
    const pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
      ::dup2(out[1], 1);
      ::close(out[0]);
      ::setenv("TUNGGAL_SIM_TRACE", "1", 1);
      ::execl(TUNGGAL_TOOL, TUNGGAL_TOOL, "office", "simulate", "--applicants", "8", "--duplicates", "0.25", "--seed", "9",
              "--fingers", "2", "--enrolled", "10", "--quiet", "--out", dir.c_str(), static_cast<char*>(nullptr));
      ::_exit(127);
    }
    ::close(out[1]);
    // The last round runs the day out; the others die after 5-40 acks.
    const int wait_for = round == 11 ? 1 << 30 : std::uniform_int_distribution<int>(5, 40)(rng);
    std::string got;
    char buf[4096];
    int seen = 0;
    while (seen < wait_for) {
      const ssize_t n = ::read(out[0], buf, sizeof buf);
      if (n <= 0) break;
      got.append(buf, static_cast<std::size_t>(n));
      seen = static_cast<int>(std::count(got.begin(), got.end(), '\n'));
    }
    if (seen >= wait_for) {
      ::kill(child, SIGKILL);
      ++kills;
    }
    for (ssize_t n; (n = ::read(out[0], buf, sizeof buf)) > 0;) got.append(buf, static_cast<std::size_t>(n));
    ::close(out[0]);
    int status = 0;
    ::waitpid(child, &status, 0);
    finished = WIFEXITED(status) && WEXITSTATUS(status) == 0;
    if (!WIFSIGNALED(status)) {
      EXPECT_TRUE(finished) << "the day failed: " << got;
    }
    for (const auto& line : split_lines(got)) {
      if (line.rfind("ack ", 0) != 0) continue;
      const auto sp = line.find(' ', 4);
      acks.emplace_back(line.substr(4, sp - 4), line.substr(sp + 1));
    }
    if (!std::filesystem::exists(dir / "setup.done")) continue;  // killed while setting up: nothing acknowledged yet
    OfficeConfig c;
    c.dir = dir;
    c.session.face = false;
    auto office = Office::open(c);
    const auto audit = office->verify_audit();
    ASSERT_TRUE(audit.intact) << audit.problem;
    const Actor admin = office->authenticate("admin", "administrator-pass");
    for (const auto& [app, state] : acks) {
      const auto h = office->history(admin, app);
      EXPECT_TRUE(std::any_of(h.begin(), h.end(), [&](const AuditEntry& e) { return e.after == state; }))
          << "acknowledged " << app << " -> " << state << " is not in the register";
    }
  }
  ASSERT_TRUE(finished) << "the day never finished";
  EXPECT_GT(kills, 3);
  OfficeConfig c;
  c.dir = dir;
  c.session.face = false;
  auto office = Office::open(c);
  const auto apps = office->applications(office->authenticate("admin", "administrator-pass"));
  std::set<std::string> niks;
  for (const auto& v : apps) EXPECT_TRUE(niks.insert(v.nik).second) << "two applications for " << v.nik;
  EXPECT_EQ(apps.size(), 8u);
  // The stock: every blank in one state, each card's serial used once.
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open((dir / "office.db").c_str(), &db), SQLITE_OK);
  sqlite3_stmt* s = nullptr;
  sqlite3_prepare_v2(db, "SELECT application, count(*) FROM stock WHERE state='printed' GROUP BY application", -1, &s, nullptr);
  int printed_apps = 0;
  while (sqlite3_step(s) == SQLITE_ROW) {
    ++printed_apps;
    EXPECT_EQ(sqlite3_column_int(s, 1), 1) << "two printed cards for " << sqlite3_column_text(s, 0);
  }
  sqlite3_finalize(s);
  sqlite3_prepare_v2(db, "SELECT count(*) FROM stock WHERE state NOT IN ('blank', 'printed', 'spoiled')", -1, &s, nullptr);
  sqlite3_step(s);
  EXPECT_EQ(sqlite3_column_int(s, 0), 0);
  sqlite3_finalize(s);
  sqlite3_close(db);
  int issued = 0;
  for (const auto& v : apps) {
    if (v.state == AppState::issued || v.state == AppState::done) {
      ++issued;
      EXPECT_FALSE(v.card_serial.empty()) << v.id;
    }
  }
  EXPECT_EQ(printed_apps, issued);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace tunggal
