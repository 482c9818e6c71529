// The simulated office day. Every decision is drawn from a generator seeded
// by (seed, applicant, step, attempt), and every action reads the
// application's state from the store, so a day killed at any moment and
// run again carries on where the store says it stands: the crash test
// relies on that. The clock is the day's own (08:00 on a working day,
// moving with each action), carried across restarts by the store.
#include "tunggal/workflow/simulation.h"

#include <tbb/parallel_for.h>

#include <algorithm>
#include <cstdlib>
#include <cmath>
#include <fstream>
#include <functional>
#include <iomanip>
#include <iostream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <sstream>
#include <stdexcept>

#include <opencv2/imgproc.hpp>

#include "tunggal/datasets/fvc.h"
#include "tunggal/datasets/population.h"
#include "tunggal/sdk.h"
#include "tunggal/workflow/office.h"
#include "tunggal/workflow/sla.h"

namespace tunggal::workflow {
namespace {

// Burns "STAND-IN" across the foot of a photo (red band, white text).
void label_stand_in(ColorImage& p) {
  if (p.width < 16 || p.height < 16) return;
  cv::Mat m(p.height, p.width, CV_8UC3, p.rgb.data());
  const int band = std::max(12, p.height / 7);
  cv::rectangle(m, {0, p.height - band}, {p.width - 1, p.height - 1}, cv::Scalar(200, 30, 30), cv::FILLED);
  const double scale = 0.32 * p.width / 92.0;
  int base = 0;
  const auto size = cv::getTextSize("STAND-IN", cv::FONT_HERSHEY_SIMPLEX, scale, 1, &base);
  cv::putText(m, "STAND-IN", {(p.width - size.width) / 2, p.height - (band - size.height) / 2 - 1},
              cv::FONT_HERSHEY_SIMPLEX, scale, cv::Scalar(255, 255, 255), 1, cv::LINE_AA);
}

using namespace workflow;
using Json = nlohmann::ordered_json;

constexpr std::int64_t kDayStart = 1796112000 + 8 * 3600;  // Tuesday 2026-12-01 08:00 UTC
constexpr const char* kToday = "2026-12-01";
constexpr const char* kTomorrow = "2026-12-02";

struct Applicant {
  std::size_t index = 0;
  datasets::RecordPlan plan;
  Resident resident;
  bool mated = false;  // truth: already enrolled (a planted duplicate)
  std::string mate;    // the enrolled record it duplicates
  bool minor = false;
};

// A scanned document, as the portal stores it (a PDF by its content).
std::vector<std::uint8_t> document(const std::string& what, std::size_t i) {
  const std::string text = "%PDF-1.4\n% " + what + " of applicant " + std::to_string(i) +
                           "\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n";
  return {text.begin(), text.end()};
}

// A photo for the card: one of the shared faces' subjects (a folder) per
// person, a different image of them per capture; or a drawn one. The face
// that is scored is the generator's synthetic embedding, not this photo
// (20 shared subjects cannot give 180 people faces of their own), so the
// photo is labelled a stand-in wherever it is shown: on the card and the
// adjudication sheet.
ColorImage photo_for(const std::vector<std::vector<std::filesystem::path>>& subjects, std::uint64_t person,
                     int capture) {
  const std::size_t i = static_cast<std::size_t>(person);
  ColorImage p;
  if (!subjects.empty()) {
    const auto& s = subjects[i % subjects.size()];
    p = read_color_image(s[static_cast<std::size_t>(capture) % s.size()]);
  } else {
    p.width = 92;
    p.height = 112;
    p.rgb.resize(92 * 112 * 3);
    for (int y = 0; y < 112; ++y)
      for (int x = 0; x < 92; ++x) {
        const double dx = (x - 46) / 30.0, dy = (y - 50) / 38.0;
        const std::uint8_t v = dx * dx + dy * dy < 1 ? static_cast<std::uint8_t>(150 + (i * 37 + x) % 60) : 60;
        for (int c = 0; c < 3; ++c) p.rgb[(static_cast<std::size_t>(y) * 92 + x) * 3 + c] = static_cast<std::uint8_t>(v - c * 10);
      }
  }
  label_stand_in(p);
  return p;
}

class Day {
 public:
  explicit Day(const SimulationParams& p) : p_(p) {}

  std::string run() {
    setup();
    while (step_all()) {
    }
    return finish();
  }

 private:
  // A generator for one decision, the same on every run of the day.
  std::mt19937_64 rng(std::size_t applicant, int what, int attempt = 0) const {
    std::seed_seq s{p_.seed, static_cast<std::uint64_t>(applicant), static_cast<std::uint64_t>(what),
                    static_cast<std::uint64_t>(attempt)};
    return std::mt19937_64(s);
  }
  double uniform(std::size_t applicant, int what, int attempt = 0) const {
    auto g = rng(applicant, what, attempt);
    return std::uniform_real_distribution<double>(0, 1)(g);
  }
  // Minutes a step takes: mostly within its limit, sometimes over.
  std::int64_t minutes(std::size_t applicant, SopStep step, int attempt = 0) const {
    const double limit = sla_minutes(step);
    auto g = rng(applicant, 100 + static_cast<int>(step), attempt);
    const double m = std::lognormal_distribution<double>(std::log(limit * 0.45), 0.5)(g);
    return std::max<std::int64_t>(1, static_cast<std::int64_t>(std::lround(m)));
  }

  void advance(std::int64_t seconds) { now_ += seconds; }

  void setup() {
    datasets::PopulationParams pp;
    pp.seed = p_.seed;
    pp.people = p_.enrolled ? p_.enrolled : 2 * p_.applicants;
    pp.probes = p_.applicants;
    pp.duplicate_fraction = p_.duplicates;
    pp.images = true;
    // Only the fingers the desk takes are rendered (one spare for a finger
    // missing from birth or lost).
    pp.fingers = std::min(10, p_.fingers + 1);
    plan_ = datasets::plan_population(pp);
    pp_ = pp;
    if (!p_.photos.empty() && std::filesystem::is_directory(p_.photos)) {
      std::map<std::filesystem::path, std::vector<std::filesystem::path>> by_folder;
      for (const auto& e : std::filesystem::recursive_directory_iterator(p_.photos))
        if (e.is_regular_file() && datasets::is_image_file(e.path())) by_folder[e.path().parent_path()].push_back(e.path());
      for (auto& [folder, files] : by_folder) {
        std::sort(files.begin(), files.end());
        photos_.push_back(std::move(files));
      }
    }
    // Who is whom (ground truth, from the plan).
    std::map<std::uint64_t, std::string> enrolled_record;
    for (const auto& r : plan_.records)
      if (!r.probe) enrolled_record[r.person] = r.record_id;
    OfficeConfig c;
    c.dir = p_.out;
    c.clock = [this] { return now_; };
    c.session.face = false;
    // The desk's gate: one finger the reader cannot take is marked and
    // allowed; more, and the applicant records again.
    c.min_fingers = std::max(1, std::min(4, p_.fingers - 1));
    hold_minutes_ = c.hold_minutes;
    // A setup cut short (before setup.done) made no applicant's step: it
    // starts again from nothing.
    const bool fresh = !std::filesystem::exists(p_.out / "setup.done");
    if (fresh && std::filesystem::exists(p_.out)) {
      for (const auto& e : std::filesystem::directory_iterator(p_.out)) std::filesystem::remove_all(e.path());
    }
    now_ = kDayStart - 3600;  // setting up: an hour before the doors open
    office_ = Office::open(c, "admin", "administrator-pass");
    admin_.emplace(office_->authenticate("admin", "administrator-pass"));
    // Resume: the day's clock carries on from the store's last entry.
    now_ = std::max(kDayStart - 3600, last_audit_time());
    if (fresh) {
      now_ = kDayStart - 3600;
      const std::pair<const char*, Role> officers[] = {
          {"svc1", Role::service_officer},     {"svc2", Role::service_officer},  {"kasi_pd", Role::head_population},
          {"rekam1", Role::recording_officer}, {"rekam2", Role::recording_officer}, {"kasi_id", Role::head_identity},
          {"cetak1", Role::printing_officer}};
      Json creds = Json::object();
      for (const auto& [id, role] : officers) {
        office_->add_officer(*admin_, {id, id, role, true}, std::string(id) + "-pass");
        creds[id] = std::string(id) + "-pass";
      }
      creds["admin"] = "administrator-pass";
      write_file_durably(p_.out / "credentials.json", as_bytes(creds.dump(2) + "\n"));
      office_->add_station(*admin_, {"REC1", Station::Kind::recording, 200, true, "", "", 0, 0});
      office_->add_station(*admin_, {"REC2", Station::Kind::recording, 200, true, "", "", 0, 0});
      office_->add_station(*admin_, {"PRN1", Station::Kind::printing, 0, true, "", p_.printer_queue, 0, 0});
      office_->station_sync(*admin_, "REC1", 50000);
      office_->station_sync(*admin_, "REC2", 50000);
      // Blanks for a part of the day: they run out, and more arrive.
      const int first_stock = p_.incidents ? std::max(1, static_cast<int>(p_.applicants * 6 / 10)) : static_cast<int>(p_.applicants) + 5;
      office_->add_stock(*admin_, "PRN1", "KTP26", 1, first_stock);
      write_file_durably(p_.out / "stock.next", as_bytes(std::to_string(first_stock + 1)));
    }
    // Residents and the applicants' plan (deterministic from the seed).
    std::vector<Resident> residents;
    std::size_t ai = 0;
    for (const auto& r : plan_.records) {
      const auto demo = datasets::make_demographics(pp.seed ^ r.person, r.nik_key, r.nik_serial);
      PersonRecord tmp;
      tmp.attributes = demo.attributes();
      Resident res = resident_from_record(tmp);
      if (r.probe) {
        Applicant a;
        a.index = ai++;
        a.plan = r;
        a.mated = enrolled_record.count(r.person) > 0;
        if (a.mated) a.mate = enrolled_record[r.person];
        a.minor = !a.mated && uniform(a.index, 1) < p_.minors;
        if (a.minor) {
          // Born 2012, unmarried: the register says so (the NIK's date agrees).
          res.birth_date = res.birth_date.substr(0, 6) + "2012";
          res.nik = res.nik.substr(0, 10) + "12" + res.nik.substr(12);
          res.marital_status = "BELUM KAWIN";
        }
        a.resident = res;
        applicants_.push_back(a);
      }
      residents.push_back(res);
    }
    // Arrivals spread over the morning (resumed days: everyone ready now).
    ready_.assign(applicants_.size(), 0);
    for (const auto& a : applicants_)
      ready_[a.index] = kDayStart + static_cast<std::int64_t>(a.index * (3 * 3600) / std::max<std::size_t>(1, p_.applicants));
    if (fresh) {
      office_->import_residents(*admin_, residents);
      enrol_gallery();
      write_file_durably(p_.out / "setup.done", as_bytes("ok\n"));
    }
    now_ = std::max(now_, kDayStart);
    if (!fresh)
      for (auto& r : ready_) r = std::max(r, now_);
    next_jobs_ = now_ + 5 * 60;
  }

  static std::vector<std::uint8_t> as_bytes(const std::string& s) { return {s.begin(), s.end()}; }

  std::int64_t last_audit_time() {
    std::int64_t t = 0;
    for (const auto& v : office_->applications(*admin_)) t = std::max(t, v.updated_at);
    return t;
  }

  // Yesterday's gallery: everyone enrolled before the day, from rendered
  // prints through the same extraction as the desk's.
  // Their images are kept as references, as the consolidation center's
  // repository would serve them to an adjudicator.
  void enrol_gallery() {
    auto& session = office_->desk_session(*admin_);  // extraction only: enrolment goes through the office
    std::vector<const datasets::RecordPlan*> todo;
    for (const auto& r : plan_.records)
      if (!r.probe && !office_->in_gallery(*admin_, r.record_id)) todo.push_back(&r);
    // Rendering and extraction in parallel, enrolment in batches (one group
    // commit each).
    for (std::size_t from = 0; from < todo.size(); from += 64) {
      const std::size_t to = std::min(todo.size(), from + 64);
      std::vector<PersonRecord> batch(to - from);
      std::vector<FingerImages> images(to - from);
      std::vector<std::string> labels(to - from);
      tbb::parallel_for(from, to, [&](std::size_t k) {
        auto g = datasets::generate_record(pp_, *todo[k]);
        PersonRecord& rec = batch[k - from];
        rec.id = todo[k]->record_id;
        for (std::size_t f = 0; f < g.images.size() && static_cast<int>(rec.fingers.size()) < p_.fingers; ++f) {
          auto smp = session.extract_finger(g.images[f], g.record.fingers[f].position);
          if (smp.finger.minutiae.empty()) continue;
          images[k - from][smp.finger.position] = g.images[f];
          rec.fingers.push_back(std::move(smp.finger));
        }
        rec.face = g.record.face;
        const Resident res = resident_from_record(g.record);
        labels[k - from] = res.name + ", NIK " + res.nik;
      });
      for (std::size_t k = 0; k < batch.size(); ++k)
        if (!batch[k].fingers.empty())
          office_->keep_reference_images(*admin_, batch[k].id, labels[k], photo_for(photos_, todo[from + k]->person, 0),
                                         images[k]);
      std::erase_if(batch, [](const PersonRecord& r) { return r.fingers.empty(); });
      office_->enrol_existing(*admin_, std::span<const PersonRecord>(batch));
    }
  }

  Actor officer(const std::string& id) {
    auto it = actors_.find(id);
    if (it == actors_.end()) it = actors_.emplace(id, office_->authenticate(id, id + "-pass")).first;
    return it->second;
  }

  // The applicant's application, by NIK (the ids are learnt once from the
  // store, then kept as applications are made).
  std::optional<ApplicationView> find(const Applicant& a) {
    if (!ids_loaded_) {
      for (const auto& v : office_->applications(*admin_)) ids_[v.nik] = v.id;
      ids_loaded_ = true;
    }
    const auto it = ids_.find(a.resident.nik);
    if (it == ids_.end()) return std::nullopt;
    return office_->application(*admin_, it->second);
  }

  ApplyRequest request(const Applicant& a, bool complete, bool typo) {
    ApplyRequest q;
    q.form = a.resident;
    if (typo) q.form.name += "H";
    q.documents.push_back({DocumentKind::f102_form, document("F1-02", a.index)});
    if (complete) q.documents.push_back({DocumentKind::family_card, document("KK", a.index)});
    q.documents.push_back({DocumentKind::birth_certificate, document("akta", a.index)});
    q.started_at = now_ - 60 * minutes(a.index, SopStep::apply_online);
    return q;
  }

  // Every action is two events, as in a discrete-event simulation: at its
  // start the officer takes the application (the hold is the audit's
  // "take"), at its end, the step's minutes later, the office records it.
  // The loop runs events in time order, so that the register book's times
  // never go backwards and each step's measured time is the one it took.
  struct Work {
    std::int64_t at = 0;  // when it ends
    std::size_t applicant = 0;
    std::string officer;  // "" for the applicant's own step
    std::function<void(const Actor&)> done;
    std::string app;           // the application the officer holds
    std::int64_t started = 0;  // when the officer took it
  };

  // Starts an officer's step: at the later of the applicant's readiness,
  // the officer's and now; the officer is busy until it ends.
  void desk(const std::string& officer_id, const Applicant& a, SopStep step, const std::string& app,
            std::function<void(const Actor&)> f) {
    const Actor who = officer(officer_id);
    now_ = std::max({now_, ready_[a.index], free_[officer_id]});
    office_->take(who, app);
    const std::int64_t end = now_ + 60 * minutes(a.index, step, attempts_[a.index]++);
    free_[officer_id] = end;
    ready_[a.index] = end;
    busy_.insert(a.index);
    working_.push_back({end, a.index, officer_id, std::move(f), app, now_});
  }
  // The applicant's own step, taking its minutes from when they are ready.
  void own(const Applicant& a, SopStep step, std::function<void()> f) {
    now_ = std::max(now_, ready_[a.index]);
    const std::int64_t end = now_ + 60 * minutes(a.index, step, attempts_[a.index]++);
    ready_[a.index] = end;
    busy_.insert(a.index);
    working_.push_back({end, a.index, "", [f = std::move(f)](const Actor&) { f(); }, "", now_});
  }

  // An action the office refused: kept for the report (its own section),
  // retried later; too many means the simulation itself is wrong.
  void refused(const Applicant& a, const Error& e) {
    errors_.push_back("applicant " + std::to_string(a.index) + ": " + e.what());
    if (errors_.size() > 50) throw;
  }

  // Ends the earliest step under way.
  void finish_work() {
    const auto it = std::min_element(working_.begin(), working_.end(),
                                     [](const Work& x, const Work& y) { return x.at < y.at; });
    Work w = std::move(*it);
    working_.erase(it);
    busy_.erase(w.applicant);
    now_ = std::max(now_, w.at);
    ready_[w.applicant] = std::max(ready_[w.applicant], now_);
    ++actions_;
    const Applicant& a = applicants_[w.applicant];
    try {
      // A step that outlasts the hold: the officer's desk renews it first,
      // as the console does while a file stays open.
      if (!w.officer.empty() && !w.app.empty() && now_ - w.started >= hold_minutes_ * 60)
        office_->take(officer(w.officer), w.app);
      w.done(w.officer.empty() ? office_->applicant(a.resident.nik) : officer(w.officer));
      trace(a);
    } catch (const Error& e) {
      refused(a, e);
      ready_[a.index] = now_ + 15 * 60;  // try again later
    }
  }

  // The person's prints through the virtual reader, the ten-print way.
  struct Captured {
    PersonRecord record;
    FingerImages images;
  };
  Captured capture(const Applicant& a, int attempt) {
    datasets::RecordPlan plan = a.plan;
    plan.capture += 10 * attempt;  // a recapture is a new touch
    auto g = datasets::generate_record(pp_, plan);
    std::vector<sdk::VirtualTouch> script;
    sdk::TenPrintOptions o;
    o.order.clear();
    for (std::size_t f = 0; f < g.images.size() && static_cast<int>(o.order.size()) < p_.fingers; ++f) {
      script.push_back(sdk::VirtualTouch::finger(g.images[f]));
      o.order.push_back(g.record.fingers[f].position);
    }
    auto reader = sdk::FingerprintReader::open_virtual(std::move(script));
    o.timeout = std::chrono::seconds(20);
    sdk::TenPrintSession tp(office_->desk_session(*admin_), reader, o);
    while (auto pos = tp.next()) {
      const auto step = tp.capture();
      // One touch per finger here: a finger the gate refuses is marked
      // unable (the SOP allows it), as an officer would after retries.
      if (!step.capture.accepted() && tp.next() == pos) tp.mark_absent(*pos, sdk::FingerAbsence::unable);
    }
    PersonRecord r = tp.record(a.plan.record_id);
    r.face = g.record.face;  // synthetic face embeddings (no face images are generated)
    return {std::move(r), tp.images()};
  }

  // The office's jobs every five minutes: the outbox to consolidation, and
  // bulk printing of the print-ready records.
  void jobs() {
    incidents();
    if (office_->process_outbox() > 0) {
      // The answers came now: their next step cannot start before.
      for (const auto& v : office_->applications(*admin_, AppState::deduplication_answered))
        if (const auto i = applicant_of(v.nik)) ready_[*i] = std::max(ready_[*i], now_);
    }
    // The day's print-ready records, one card after another at the printer.
    if (held_ && now_ >= kDayStart + 5 * 3600) restock();
    if (held_) return;
    for (const auto& v : office_->applications(*admin_, AppState::print_ready)) {
      const auto i = applicant_of(v.nik);
      if (!i || busy_.count(*i)) continue;
      const std::string id = v.id;
      desk("cetak1", applicants_[*i], SopStep::print_card, id, [this, id](const Actor& o) {
        if (held_) {
          office_->release(o, id);  // no blanks: it waits with the rest
          return;
        }
        const auto r = office_->print_card(o, id, "PRN1");
        if (r.held) {
          held_ = true;
          office_->release(o, id);
        }
      });
    }
  }

  std::optional<std::size_t> applicant_of(const std::string& nik) const {
    for (const auto& a : applicants_)
      if (a.resident.nik == nik) return a.index;
    return std::nullopt;
  }

  // One event, the earliest: a step ending, the office's jobs, or a step
  // starting (the applicant who can start first). False when nothing is
  // left to do.
  bool step_all() {
    if (p_.max_actions && actions_ >= p_.max_actions && working_.empty()) return false;
    // Who could start, and when: the later of their readiness and their
    // officer's (and never before now).
    std::optional<std::size_t> first;
    std::int64_t first_at = 0;
    if (!(p_.max_actions && actions_ >= p_.max_actions)) {
      for (const auto& a : applicants_) {
        if (busy_.count(a.index)) continue;
        const auto v = find(a);
        const auto who = officer_for(a, v ? &*v : nullptr);
        if (!who) continue;
        const std::int64_t at = std::max({now_, ready_[a.index], who->empty() ? 0 : free_[*who]});
        if (!first || at < first_at) {
          first = a.index;
          first_at = at;
        }
      }
    }
    std::optional<std::int64_t> ends;
    for (const auto& w : working_) ends = ends ? std::min(*ends, w.at) : w.at;
    if (ends && (!first || *ends <= first_at) && *ends <= next_jobs_) {
      finish_work();
      return true;
    }
    if (first && first_at < next_jobs_) {
      const Applicant& a = applicants_[*first];
      try {
        act(a);
      } catch (const Error& e) {
        refused(a, e);
        ready_[a.index] = now_ + 15 * 60;  // try again later
      }
      return true;
    }
    // Nobody can start before the jobs are due; with nobody at work and
    // nothing for the jobs either, the day is over.
    const bool waiting = first || ends || office_->outbox_pending() > 0 ||
                         !office_->applications(*admin_, AppState::print_ready).empty();
    if (!waiting || now_ > kDayStart + 12 * 3600) return false;
    now_ = std::max(now_, next_jobs_);
    next_jobs_ = now_ + 5 * 60;
    jobs();
    return true;
  }

  // Each action the office acknowledged, told as it returns (the crash
  // test checks that every one it saw survives a kill).
  void trace(const Applicant& a) {
    if (!p_.acknowledged) return;
    if (const auto v = find(a)) p_.acknowledged(v->id, v->state);
  }

  void incidents() {
    if (!p_.incidents) return;
    // 10:00-10:40 the network to the consolidation center is down.
    office_->set_consolidation_online(!(now_ >= kDayStart + 2 * 3600 && now_ < kDayStart + 2 * 3600 + 40 * 60));
    // 09:30 the fingerprint reader of REC2 breaks; its work moves to REC1.
    if (now_ >= kDayStart + 90 * 60 && !rec2_broken_) {
      for (const auto& s : office_->stations())
        if (s.id == "REC2" && !s.in_service) rec2_broken_ = true;
      if (!rec2_broken_) {
        office_->set_station_in_service(officer("rekam2"), "REC2", false, "fingerprint reader broken");
        rec2_broken_ = true;
      }
    }
  }

  void restock() {
    std::ifstream in(p_.out / "stock.next");
    int next = 0;
    in >> next;
    if (next <= 0) return;
    // Stock arrives once: a restart after it came finds the serials taken.
    try {
      office_->add_stock(*admin_, "PRN1", "KTP26", next, static_cast<int>(p_.applicants));
    } catch (const Error& e) {
      if (e.code() != ErrorCode::invalid_argument) throw;
    }
    write_file_durably(p_.out / "stock.next", as_bytes("0"));
    held_ = false;
  }

  // Who does the applicant's next step: an officer's id, "" for the
  // applicant themself, nothing when there is none to do now (waiting for
  // consolidation or the printer, another day, or final).
  std::optional<std::string> officer_for(const Applicant& a, const ApplicationView* v) const {
    if (!v) return std::string();
    // The transition table says what is next and whose desk it is; the
    // day decides who at that desk, and when.
    const Transition* next = main_transition(v->state);
    if (!next || next->system) return std::nullopt;  // final, or the office's own jobs (the outbox)
    if (next->action == Action::print_card) return std::nullopt;  // the jobs' bulk printing
    if (v->state == AppState::documents_rejected && a.minor) return std::nullopt;  // not eligible: stays returned
    if (next->action == Action::confirm_schedule && v->appointment_day != kToday) return std::nullopt;  // another day
    if (next->action == Action::record_biometrics && no_show_now(a, *v)) return officer_of(Role::service_officer, a);
    return officer_of(office_->step_role(next->step), a);
  }
  // Who sits at a role's desk today ("" for the applicant themself).
  std::string officer_of(Role role, const Applicant& a) const {
    switch (role) {
      case Role::applicant: return "";
      case Role::service_officer: return a.index % 2 ? "svc1" : "svc2";
      case Role::head_population: return "kasi_pd";
      case Role::recording_officer: return !rec2_broken_ && a.index % 2 == 0 ? "rekam2" : "rekam1";
      case Role::head_identity: return "kasi_id";
      case Role::printing_officer: return "cetak1";
      case Role::administrator: return "admin";
    }
    return "admin";
  }
  bool no_show_now(const Applicant& a, const ApplicationView& v) const {
    return uniform(a.index, 4) < p_.no_shows && v.reasons.empty() && v.state == AppState::confirmed &&
           !attempts_no_show_.count(a.index);
  }

  // Starts the applicant's next step (officer_for says who).
  void act(const Applicant& a) {
    const auto v = find(a);
    const std::string app = v ? v->id : "";
    const std::string nik = a.resident.nik;
    const bool forgets = uniform(a.index, 2) < p_.rejected_files;
    const bool typo = !forgets && uniform(a.index, 3) < p_.typos;
    if (!v) {
      now_ = std::max(now_, ready_[a.index]);  // the arrival: step 1 was done at home
      ids_[nik] = office_->apply(office_->applicant(nik), request(a, !forgets, typo));
      ++actions_;
      if (a.index % 7 == 3) {
        // The help desk: an applicant asks where their file is.
        office_->add_note(officer("svc2"), ids_[nik], "applicant called: asked about the appointment");
      }
      trace(a);
      return;
    }
    // What comes next is the transition table's main way on from the
    // file's state; at whose desk, the office's configured role for it.
    const Transition* next = main_transition(v->state);
    if (!next || next->system)
      throw std::logic_error("simulation: no step to start for " + app + " in " + std::string(to_string(v->state)));
    const std::string at = officer_of(office_->step_role(next->step), a);
    // Closing is timed as part of the hand-over desk (step 12's limit is the whole day's).
    const SopStep timed = next->step == SopStep::done ? SopStep::hand_over : next->step;
    Office* o_ = office_.get();
    switch (next->action) {
      case Action::resubmit:
        // Home for the missing document (or to check the typing), and back.
        ready_[a.index] += (v->state == AppState::documents_rejected ? 20 : 10) * 60;
        return own(a, timed, [this, &a, o_, app, nik] { o_->resubmit(o_->applicant(nik), app, request(a, true, false)); });
      case Action::check_documents:
        return desk(at, a, timed, app, [o_, app](const Actor& o) { o_->check_documents(o, app); });
      case Action::check_population:
        return desk(at, a, timed, app, [o_, app](const Actor& o) { o_->check_population(o, app); });
      case Action::validate_data:
        return desk(at, a, timed, app, [o_, app](const Actor& o) { o_->validate_data(o, app); });
      case Action::send_schedule: {
        // After a no-show: the next working day (the file stays open tonight).
        const std::string day = v->state == AppState::no_show ? kTomorrow : "";
        return desk(at, a, timed, app, [o_, app, day](const Actor& o) { o_->send_schedule(o, app, day); });
      }
      case Action::confirm_schedule:
        return own(a, timed, [this, &a, o_, app, nik] {
          o_->confirm_schedule(o_->applicant(nik), app);
          ready_[a.index] = now_ + 10 * 60;  // to the office, to the recording desk
        });
      case Action::record_biometrics: {
        if (no_show_now(a, *v)) {
          attempts_no_show_.insert(a.index);
          const Transition* detour = transition_from(Action::mark_no_show, v->state);
          return desk(officer_of(office_->step_role(detour->step), a), a, detour->step, app,
                      [o_, app](const Actor& o) { o_->mark_no_show(o, app); });
        }
        const std::string station = at == "rekam2" ? "REC2" : "REC1";
        int attempt = 0;
        for (const auto& e : office_->history(*admin_, app)) attempt += e.action == "record_biometrics";
        auto rec = std::make_shared<Captured>(capture(a, attempt));
        auto photo = std::make_shared<ColorImage>(photo_for(photos_, a.plan.person, 1 + attempt));
        return desk(at, a, timed, app, [o_, app, station, rec, photo](const Actor& o) {
          o_->record_biometrics(o, app, station, rec->record, *photo, rec->images);
        });
      }
      case Action::check_deduplication:
        return desk(at, a, timed, app, [o_, app](const Actor& o) { o_->check_deduplication(o, app); });
      case Action::adjudicate: {
        // The section head compares the prints and faces side by side: the
        // truth (the generator's plan) stands for what they see.
        const bool mated = a.mated;
        const std::string linked = mated ? mate_nik(a) : "";
        const auto sheet = p_.out / "adjudication" / (app + ".png");
        return desk(at, a, timed, app, [o_, app, mated, linked, sheet](const Actor& o) {
          std::filesystem::create_directories(sheet.parent_path());
          o_->adjudication_sheet(o, app, sheet);
          if (mated) {
            o_->adjudicate(o, app, DuplicateOf{linked});
          } else {
            o_->adjudicate(o, app, NotDuplicate{"prints and faces differ on inspection"});
          }
        });
      }
      case Action::verify_print_request:
        return desk(at, a, timed, app, [o_, app](const Actor& o) { o_->verify_print_request(o, app); });
      case Action::hand_over: {
        auto finger = std::make_shared<PersonRecord>(capture_pickup(a));
        return desk(at, a, timed, app, [o_, app, finger](const Actor& o) { o_->hand_over(o, app, *finger); });
      }
      case Action::close:
        return desk(at, a, timed, app, [o_, app](const Actor& o) { o_->close(o, app); });
      default:
        throw std::logic_error("simulation: no way to do " + std::string(to_string(next->action)) + " for " + app);
    }
  }

  std::string mate_nik(const Applicant& a) {
    for (const auto& r : plan_.records) {
      if (r.record_id != a.mate) continue;
      const auto demo = datasets::make_demographics(pp_.seed ^ r.person, r.nik_key, r.nik_serial);
      return demo.nik;
    }
    return "";
  }

  // At pickup: one finger pressed again (a new impression), on the desk's reader.
  PersonRecord capture_pickup(const Applicant& a) {
    datasets::RecordPlan plan = a.plan;
    plan.capture += 2;  // another impression than the recording's
    auto g = datasets::generate_record(pp_, plan);
    PersonRecord r;
    r.id = "pickup-" + a.plan.record_id;
    for (std::size_t f = 0; f < g.images.size() && r.fingers.size() < 2; ++f) {
      auto s = office_->desk_session(*admin_).extract_finger(g.images[f], g.record.fingers[f].position);
      if (!s.finger.minutiae.empty()) r.fingers.push_back(s.finger);
    }
    return r;
  }

  std::string finish() {
    office_->escalate_overdue();
    const auto sla = office_->sla_report();
    write_sla_chart(sla, p_.out / "sla.png");
    std::map<std::string, int> outcomes;
    std::size_t issued = 0, duplicates = 0, rejected = 0, pending = 0;
    std::size_t mated = 0, mated_found = 0, unmated = 0, unmated_flagged = 0, planted = 0;
    std::vector<std::string> head_queue;  // the identity section head's desk at the end of the day
    Json per = Json::array();
    for (const auto& a : applicants_) {
      const auto v = find(a);
      const std::string state = v ? std::string(to_string(v->state)) : "not_applied";
      ++outcomes[state];
      if (v && (v->state == AppState::issued || v->state == AppState::done)) ++issued;
      if (v && v->state == AppState::duplicate) ++duplicates;
      bool ever_rejected = false;
      if (v)
        for (const auto& e : office_->history(*admin_, v->id))
          if (e.after == "documents_rejected" || e.after == "biodata_mismatch") ever_rejected = true;
      rejected += ever_rejected;
      if (v && !(v->state == AppState::done || v->state == AppState::duplicate)) ++pending;
      planted += a.mated;
      if (v && (v->state == AppState::deduplication_answered || v->state == AppState::possible_duplicate))
        head_queue.push_back(v->id);
      // Deduplication against the truth: an answer from consolidation.
      if (v && !v->dedup.empty()) {
        if (a.mated) {
          ++mated;
          mated_found += v->dedup == "duplicate";
        } else {
          ++unmated;
          unmated_flagged += v->dedup == "duplicate";
        }
      }
      per.push_back({{"applicant", a.index}, {"application", v ? v->id : ""}, {"state", state},
                     {"planted_duplicate", a.mated}, {"minor", a.minor}, {"dedup", v ? v->dedup : ""},
                     {"card", v ? v->card_serial : ""}});
    }
    const auto audit = office_->verify_audit();
    Json report;
    report["applicants"] = applicants_.size();
    report["issued"] = issued;
    report["duplicates_found"] = duplicates;
    report["rejected"] = rejected;
    report["pending"] = pending;
    report["planted"] = planted;
    report["planted_found"] = mated_found;
    report["unique_flagged"] = unmated_flagged;
    report["identity_head_queue"] = head_queue;
    report["photos"] = "stand-ins (labelled): the faces scored are the generator's synthetic embeddings";
    Json slaj = Json::object();
    for (const auto& s : sla.steps)
      slaj[std::to_string(static_cast<int>(s.step))] = {{"p50_minutes", std::round(s.p50_minutes * 10) / 10},
                                                        {"p95_minutes", std::round(s.p95_minutes * 10) / 10},
                                                        {"limit_minutes", s.limit_minutes},
                                                        {"count", s.count},
                                                        {"over_limit", s.over_limit}};
    report["sla"] = slaj;
    report["overdue"] = sla.overdue;
    report["deduplication"] = {{"planted_duplicates_searched", mated},
                               {"found", mated_found},
                               {"fnir", mated ? static_cast<double>(mated - mated_found) / static_cast<double>(mated) : 0.0},
                               {"unique_searched", unmated},
                               {"false_duplicates", unmated_flagged},
                               {"fpir", unmated ? static_cast<double>(unmated_flagged) / static_cast<double>(unmated) : 0.0},
                               {"target_fpir", 1e-3},
                               {"enrolled_before", plan_.gallery}};
    report["outcomes"] = outcomes;
    report["blanks_left"] = office_->blanks_left();
    report["audit"] = {{"intact", audit.intact}, {"entries", audit.entries}, {"head", audit.head}};
    report["errors"] = errors_;
    report["applications"] = per;
    write_file_durably(p_.out / "report.json", as_bytes(report.dump(2) + "\n"));
    if (p_.account) print_day(*p_.account, sla, report);
    std::size_t within = 0;
    for (const auto& s : sla.steps)
      if (static_cast<int>(s.step) <= 11 && s.count > 0 && s.p95_minutes <= s.limit_minutes) ++within;
    std::ostringstream line;
    line << "simulated day: " << applicants_.size() << " applicants, " << issued << " issued, " << duplicates
         << " duplicates found (" << mated_found << " of " << planted << " planted), " << unmated_flagged << " of "
         << unmated << " unique applicants flagged, " << rejected << " rejected, " << pending
         << " still open (" << head_queue.size() << " at the identity head's desk); SLA p95 within the limit on " << within << " of 11 steps; audit "
         << (audit.intact ? "intact" : "BROKEN") << " (" << audit.entries << " entries)";
    return line.str();
  }

  // The day for people: each applicant's outcome, the SLA table, the
  // deduplication figures against the generator's truth.
  void print_day(std::ostream& out, const SlaReport& sla, const Json& report) {
    out << "== outcome per applicant\n";
    for (const auto& a : applicants_) {
      const auto v = find(a);
      out << "  applicant " << std::setw(3) << a.index << "  " << (v ? v->id : std::string("-")) << "  "
                << std::left << std::setw(20) << (v ? std::string(to_string(v->state)) : std::string("not_applied"))
                << std::right;
      if (v && !v->card_serial.empty()) out << "  card " << v->card_serial;
      if (v && !v->linked_nik.empty()) out << "  linked to NIK " << v->linked_nik;
      if (v && !v->dedup.empty()) out << "  consolidation: " << v->dedup;
      out << (a.mated ? "  (planted duplicate)" : "") << (a.minor ? "  (under 17, unmarried)" : "");
      if (v && !v->reasons.empty() && v->state != AppState::done && v->state != AppState::issued)
        out << "  why: " << v->reasons.front();
      out << "\n";
    }
    out << "== SLA (simulated minutes per step against the SOP's limits)\n";
    write_sla_table(sla, out);
    const auto& d = report["deduplication"];
    out << "== deduplication against the generator's truth (" << d["enrolled_before"].get<std::size_t>()
              << " enrolled before the day, target FPIR " << d["target_fpir"].get<double>() << ")\n"
              << "  planted duplicates searched " << d["planted_duplicates_searched"].get<std::size_t>() << ", found "
              << d["found"].get<std::size_t>() << " (FNIR " << d["fnir"].get<double>() << ")\n"
              << "  unique applicants searched " << d["unique_searched"].get<std::size_t>() << ", flagged duplicate "
              << d["false_duplicates"].get<std::size_t>() << " (FPIR " << d["fpir"].get<double>() << ")\n"
              << "  the identity section head's desk at the end of the day: "
              << report["identity_head_queue"].size() << " application(s)";
    for (const auto& id : report["identity_head_queue"]) out << " " << id.get<std::string>();
    out << "\n  photos: " << report["photos"].get<std::string>() << "\n";
    out << "== actions the office refused (each retried later): " << errors_.size() << "\n";
    for (const auto& e : errors_) out << "  " << e << "\n";
    out << "  blanks left:";
    for (const auto& [printer, n] : report["blanks_left"].items()) out << " " << printer << " " << n.get<int>();
    out << "; report.json, sla.png and cards/ in " << p_.out.string() << "\n";
  }

  SimulationParams p_;
  datasets::PopulationParams pp_;
  datasets::PopulationPlan plan_;
  std::vector<Applicant> applicants_;
  std::vector<std::vector<std::filesystem::path>> photos_;  // by subject
  std::unique_ptr<Office> office_;
  std::optional<Actor> admin_;
  std::map<std::string, Actor> actors_;
  std::map<std::string, std::string> ids_;  // NIK -> application
  bool ids_loaded_ = false;
  std::map<std::size_t, int> attempts_;
  std::set<std::size_t> attempts_no_show_;
  std::vector<std::string> errors_;
  int hold_minutes_ = 30;
  std::int64_t now_ = kDayStart;
  std::int64_t next_jobs_ = kDayStart;
  std::vector<std::int64_t> ready_;           // per applicant: when they can take their next step
  std::map<std::string, std::int64_t> free_;  // per officer: when they are free
  std::vector<Work> working_;                 // steps under way
  std::set<std::size_t> busy_;                // applicants in a step under way
  std::size_t actions_ = 0;
  bool rec2_broken_ = false, held_ = false;
};

}  // namespace

std::string simulate_office_day(const SimulationParams& params) {
  if (params.applicants < 1 || params.applicants > 100000) throw Error(ErrorCode::invalid_argument, "simulate: 1..100000 applicants");
  if (!(params.duplicates >= 0 && params.duplicates <= 1)) throw Error(ErrorCode::invalid_argument, "simulate: --duplicates in 0..1");
  if (params.fingers < 1 || params.fingers > 10) throw Error(ErrorCode::invalid_argument, "simulate: --fingers in 1..10");
  Day day(params);
  return day.run();
}

}  // namespace tunggal::workflow
