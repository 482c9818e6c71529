// The office's implementation, shared by the files of its stages (one per
// group of SOP steps, found by their names): the store behind Office,
// its checks and its helpers. Internal: not installed.
#pragma once

#include "tunggal/workflow/office.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <chrono>
#include <cmath>
#include <ctime>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <sstream>

#include "tunggal/store/sqlite.h"
#include "adjudication_sheet.h"
#include "documents.h"
#include "request_scope.h"
#include "tunggal/calibration.h"
#include "tunggal/files.h"
#include "tunggal/sdk/card.h"
#include "tunggal/store/vault.h"

namespace tunggal::workflow {

using Json = nlohmann::json;
namespace sql = store::sql;

namespace office_detail {

// Bad input: the caller may correct it and try again.
[[noreturn]] inline void refuse(const std::string& what) { throw Error(ErrorCode::invalid_argument, what); }
// Not this caller: a role, a sign-in, someone else's application.
[[noreturn]] inline void deny(const std::string& what) { throw Error(ErrorCode::denied, what); }
// Not now: the application is in another state (or version) than the
// action needs.
[[noreturn]] inline void conflict(const std::string& what) { throw Error(ErrorCode::conflict, what); }

// A stale form: the caller saw another version of the file.
inline void check_version(const std::string& what, const std::string& id, std::int64_t version) {
  const auto expected = detail::ExpectedVersion::current();
  if (expected && *expected != version)
    conflict(what + ": application " + id + " changed since it was shown (version " + std::to_string(version) +
             ", the request's " + std::to_string(*expected) + "): look at it again");
}

// What a file waiting on the office's own jobs waits for, for a refusal's message.
inline std::string waiting_for_jobs(AppState s) {
  const Transition* next = main_transition(s);
  return next && next->system ? " (it waits for the office's jobs: `tunggal office jobs` sends the outbox)" : "";
}

// ---- images kept for adjudication (PNG, sealed in the vault) ----

inline std::vector<std::uint8_t> png_bytes(const cv::Mat& m) {
  std::vector<std::uint8_t> out;
  if (!cv::imencode(".png", m, out, {cv::IMWRITE_PNG_COMPRESSION, 1}))
    throw Error(ErrorCode::io, "cannot encode an image as PNG");
  return out;
}
inline std::vector<std::uint8_t> png_of(const GrayImage& g) {
  return png_bytes(cv::Mat(g.height, g.width, CV_8UC1, const_cast<std::uint8_t*>(g.pixels.data())));
}
inline std::vector<std::uint8_t> png_of(const ColorImage& c) {
  cv::Mat rgb(c.height, c.width, CV_8UC3, const_cast<std::uint8_t*>(c.rgb.data())), bgr;
  cv::cvtColor(rgb, bgr, cv::COLOR_RGB2BGR);
  return png_bytes(bgr);
}

// A finger image handed in by a caller: the size it claims, within one
// finger's limits; "" when fine.
inline std::string finger_image_problem(FingerPosition p, const GrayImage& g) {
  const auto lim = kFingerprintImageLimits;
  if (g.width <= 0 || g.height <= 0 || g.pixels.size() != static_cast<std::size_t>(g.width) * g.height)
    return std::string("the image of the ") + std::string(to_string(p)) + " has no pixels or not width x height of them";
  if (g.width > lim.max_side || g.height > lim.max_side ||
      static_cast<std::uint64_t>(g.width) * g.height > lim.max_pixels)
    return std::string("the image of the ") + std::string(to_string(p)) + " is larger than one finger's limits";
  return "";
}

// The vault names images by id: ids from outside may not climb out of it.
inline void check_vault_name(const std::string& ref) {
  const bool ok = !ref.empty() && ref.size() <= kMaxRecordIdLength && ref[0] != '.' &&
                  std::all_of(ref.begin(), ref.end(), [](char c) {
                    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
                  });
  if (!ok) refuse("reference '" + ref + "': 1-64 letters, digits, '-', '_' or '.', not starting with '.'");
}

inline std::string utc_date(std::int64_t t, const char* fmt) {
  const std::time_t tt = static_cast<std::time_t>(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, fmt, &tm);
  return buf;
}

// Days since the epoch for "YYYY-MM-DD" (civil calendar, UTC).
inline std::int64_t day_number(const std::string& iso) {
  if (const auto p = iso_day_problem(iso); !p.empty()) refuse("day " + p);
  std::tm tm{};
  tm.tm_year = std::stoi(iso.substr(0, 4)) - 1900;
  tm.tm_mon = std::stoi(iso.substr(5, 2)) - 1;
  tm.tm_mday = std::stoi(iso.substr(8, 2));
  return static_cast<std::int64_t>(timegm(&tm)) / 86400;
}
inline std::string iso_day(std::int64_t day) { return utc_date(day * 86400, "%Y-%m-%d"); }
inline bool weekend(std::int64_t day) {
  const int wd = static_cast<int>((day + 4) % 7);  // 1970-01-01 was a Thursday; 0 = Sunday
  return wd == 0 || wd == 6;
}

inline Json form_json(const ApplicantForm& f) {
  Json j = Json::object();
  for (const auto& field : kFormFields) j[std::string(field.name)] = f.*field.member;
  return j;
}

inline Resident resident_from(const Json& j) {
  Resident r;
  for (const auto& f : kFormFields) r.*f.member = j.value(std::string(f.name), "");
  return r;
}

inline Json resident_json(const Resident& r) { return form_json(r); }

// The card's fields from a resident's row (what step 10 prints).
inline sdk::CardData card_data_of(const Resident& res, const std::string& issuing_office, const std::string& issued) {
  sdk::CardData d;
  d.provinsi = res.province;
  d.kabupaten_kota = res.regency;
  d.nik = res.nik;
  d.nama = res.name;
  d.tempat_lahir = res.birth_place;
  d.tanggal_lahir = res.birth_date;
  d.jenis_kelamin = res.sex;
  d.gol_darah = res.blood_type.empty() ? "-" : res.blood_type;
  d.alamat = res.address;
  d.rt_rw = res.rt_rw;
  d.kel_desa = res.village;
  d.kecamatan = res.district;
  d.agama = res.religion;
  d.status_perkawinan = res.marital_status;
  d.pekerjaan = res.occupation;
  d.tempat_terbit = issuing_office.empty() ? res.regency : issuing_office;
  d.tanggal_terbit = issued;
  return d;
}

inline bool ever_married(const std::string& status) {
  return status == "KAWIN" || status == "CERAI HIDUP" || status == "CERAI MATI";
}

// 1: the first; 2: audit entries from `audit_keyed_from` on are chained
// with a keyed hash (the store's key), so that whoever can write the
// database but not read the key cannot rewrite the chain to match.
// 3: sign-in failures per claimed officer id (the lockout).
// 4: the access log: who read which application's personal data, when.
inline constexpr int kSchemaVersion = 4;
inline constexpr int kSignInFailuresBeforeLock = 5;
inline constexpr std::int64_t kSignInLockSeconds = 15 * 60;


}  // namespace office_detail

using namespace office_detail;

// ---- the implementation ------------------------------------------------

struct Office::Impl {
  OfficeConfig config;
  sql::Db db;
  store::Vault vault;
  mutable std::mutex mu;  // one transaction at a time on this connection
  std::mutex session_mu;
  std::unique_ptr<sdk::Session> session_;
  std::unique_ptr<sdk::Session> desk_;  // the devices' session: no gallery
  bool online = true;

  Impl(OfficeConfig c) : config(std::move(c)), db(config.dir / "office.db"), vault(config.dir) {}

  std::int64_t now() const { return config.clock(); }
  std::string today() const { return utc_date(now(), "%d-%m-%Y"); }

  sdk::Session& session() {
    std::lock_guard lock(session_mu);
    if (!session_) {
      sdk::SessionConfig sc = config.session;
      if (sc.gallery.empty()) {
        // The office's own gallery: its templates sealed under the store's key.
        sc.gallery = config.dir / "gallery";
        if (sc.gallery_key_file.empty()) sc.gallery_key_file = config.dir / "secret.key";
      }
      sc.target_fpir = config.target_fpir;
      session_ = std::make_unique<sdk::Session>(sc);
    }
    return *session_;
  }

  // One transaction: BEGIN IMMEDIATE takes the write lock at once, so two
  // officers on one application are ordered, never interleaved.
  template <typename F>
  auto tx(F&& f) -> decltype(f()) {
    std::lock_guard lock(mu);
    return db.immediate(std::forward<F>(f));
  }

  // ---- schema ----
  // ---- schema (schema.cpp) ----
  void migrate();

  // ---- audit: a hash chain ----
  static std::string entry_text(const AuditEntry& e, const std::string& prev) {
    return prev + "\n" + std::to_string(e.seq) + "\n" + std::to_string(e.at) + "\n" + e.actor + "\n" + e.role + "\n" +
           e.application + "\n" + e.action + "\n" + e.before + "\n" + e.after + "\n" + e.details;
  }

  // The entry's link: keyed from `audit_keyed_from` on (schema 2).
  std::string link_hash(const AuditEntry& e, const std::string& prev) const {
    return e.seq >= audit_keyed_from ? vault.mac_hex(entry_text(e, prev)) : store::sha256_hex(entry_text(e, prev));
  }
  std::int64_t audit_keyed_from = 1;

  // Appends an entry to the register book (audit.cpp).
  void audit(const Actor& a, const std::string& app, std::string_view action, std::string_view before,
             std::string_view after, const Json& details = Json::object());

  // ---- applications ----
  struct App {
    std::string id, nik;
    AppState state = AppState::submitted;
    std::string holder;
    std::int64_t hold_until = 0, version = 0, created_at = 0, updated_at = 0;
    Json data = Json::object();
  };

  std::optional<App> load(const std::string& id) {
    auto s = db.prepare(
        "SELECT id, nik, state, holder, hold_until, version, created_at, updated_at, data FROM applications WHERE id=?");
    s.bind(1, id);
    if (!s.step()) return std::nullopt;
    App a;
    a.id = s.text(0);
    a.nik = s.text(1);
    const auto st = state_from_string(s.text(2));
    if (!st) throw Error(ErrorCode::malformed_data, "application " + id + ": unknown state " + s.text(2));
    a.state = *st;
    a.holder = s.text(3);
    a.hold_until = s.integer(4);
    a.version = s.integer(5);
    a.created_at = s.integer(6);
    a.updated_at = s.integer(7);
    a.data = Json::parse(s.text(8));
    return a;
  }

  App must_load(const std::string& id) {
    auto a = load(id);
    if (!a) throw Error(ErrorCode::not_found, "no application " + id);
    return *a;
  }

  void save(App& a) {
    a.updated_at = now();
    db.prepare("UPDATE applications SET state=?, holder=?, hold_until=?, version=version+1, updated_at=?, data=? "
               "WHERE id=? AND version=?")
        .bind(1, to_string(a.state))
        .bind(2, a.holder)
        .bind(3, a.hold_until)
        .bind(4, a.updated_at)
        .bind(5, a.data.dump())
        .bind(6, a.id)
        .bind(7, a.version)
        .run();
    if (db.changes() != 1)
      throw Error(ErrorCode::busy, "application " + a.id + " was changed by someone else meanwhile; look again");
    ++a.version;
  }

  Role role_of(SopStep step) {
    auto s = db.prepare("SELECT role FROM step_roles WHERE step=?");
    s.bind(1, std::int64_t{static_cast<int>(step)});
    if (s.step())
      if (auto r = role_from_string(s.text(0))) return *r;
    return default_role(step);
  }

  // The checks every action makes before it changes anything, in the
  // order a caller can act on: who (denied), which state (conflict), the
  // hold (busy). The rules are the transition table's (actions.h).
  App begin(const Actor& a, const std::string& id, Action action) {
    const std::string name(to_string(action));
    const Transition& any = *rows_of(action).front();
    const bool by_system = a.role() == Role::administrator && a.id() == "system";
    if (any.system && !by_system) deny(name + ": done by the office's own jobs, not by a person");
    const Role need = role_of(any.step);
    if (a.role() != need && !by_system)
      deny(name + ": step " + std::to_string(static_cast<int>(any.step)) + " (" + std::string(to_string(any.step)) +
           ") is for " + std::string(to_string(need)) + ", not " + std::string(to_string(a.role())));
    App app = must_load(id);
    if (a.role() == Role::applicant && app.nik != a.id().substr(std::string("applicant:").size()))
      deny(name + ": application " + id + " is not this applicant's");
    if (!transition_from(action, app.state)) {
      std::string need_states;
      for (const auto* t : rows_of(action))
        for (const auto st : t->from.states()) need_states += (need_states.empty() ? "" : " or ") + std::string(to_string(st));
      conflict(name + ": application " + id + " is " + std::string(to_string(app.state)) + "; this step needs it " +
               need_states + waiting_for_jobs(app.state));
    }
    check_version(name, id, app.version);
    if (any.hold && a.role() != Role::applicant && !by_system) {
      // A request that acts at once takes the hold in this transaction:
      // nobody else may hold the file now.
      if (detail::HoldOnAct::active() && (app.holder.empty() || app.holder == a.id() || app.hold_until < now())) {
        if (app.holder != a.id() || app.hold_until < now()) app.data["taken_at"] = now();
        app.holder = a.id();
        app.hold_until = now() + config.hold_minutes * 60;
      }
      if (app.holder != a.id() || app.hold_until < now())
        throw Error(ErrorCode::busy, name + ": take application " + id + " first (`tunggal office take`)" +
                                         (app.holder.empty() || app.hold_until < now()
                                              ? ""
                                              : " (held by " + app.holder + ")"));
    }
    return app;
  }

  // What `a` may do on `app` now, by the table and the configured roles
  // (holds aside: taking one is part of doing it).
  std::vector<Action> allowed(const Actor& a, const App& app) {
    std::vector<Action> out;
    if (a.role() == Role::applicant && app.nik != a.id().substr(std::string("applicant:").size())) return out;
    for (const Action x : actions_from(app.state)) {
      const Transition& t = *rows_of(x).front();
      if (!t.system && role_of(t.step) == a.role()) out.push_back(x);
    }
    return out;
  }

  // Marks step `step` done now: its time from the later of the previous
  // step's end and when the officer took the application.
  void step_done(App& app, SopStep step, std::optional<std::int64_t> started = {}) {
    const std::int64_t end = now();
    std::int64_t start = started.value_or(app.data.value("last_step_end", app.created_at));
    if (!started && app.data.contains("taken_at")) start = std::max(start, app.data["taken_at"].get<std::int64_t>());
    start = std::min(start, end);
    db.prepare("INSERT INTO step_times(application, step, started, finished) VALUES(?,?,?,?)")
        .bind(1, app.id)
        .bind(2, std::int64_t{static_cast<int>(step)})
        .bind(3, start)
        .bind(4, end)
        .run();
    app.data["last_step_end"] = end;
    app.data.erase("taken_at");
    // The application moves to the next desk.
    app.holder.clear();
    app.hold_until = 0;
  }

  // The state change, saved and audited; only along an edge of the
  // transition table (anything else is a bug here, refused before a write).
  void move(const Actor& a, App& app, Action action, AppState to, const Json& details = Json::object(),
            std::string_view audited_as = {}) {
    const AppState from = app.state;
    if (!is_edge(action, from, to))
      throw Error(ErrorCode::internal, std::string(to_string(action)) + ": " + std::string(to_string(from)) + " -> " +
                                           std::string(to_string(to)) + " is not an edge of the transition table");
    app.state = to;
    save(app);
    audit(a, app.id, audited_as.empty() ? to_string(action) : audited_as, to_string(from), to_string(to), details);
  }

  ApplicationView view(const App& a) {
    ApplicationView v;
    v.id = a.id;
    v.nik = a.nik;
    v.name = a.data.contains("form") ? a.data["form"].value("name", "") : "";
    v.state = a.state;
    v.next = next_step(a.state);
    v.holder = a.hold_until >= now() ? a.holder : "";
    v.hold_until = a.hold_until;
    v.station = a.data.value("station", "");
    v.appointment_day = a.data.value("day", "");
    v.printer = a.data.value("printer", "");
    v.card_serial = a.data.value("serial", "");
    v.prr = a.data.value("prr", "");
    v.dedup = a.data.value("dedup", "");
    if (a.data.contains("candidates"))
      for (const auto& c : a.data["candidates"]) {
        Candidate k{c.value("ref", ""), c.value("score", 0.0), {}, {}, c.value("fingers_compared", 0)};
        if (c.contains("fingers")) k.fingers = c["fingers"].get<double>();
        if (c.contains("face")) k.face = c["face"].get<double>();
        v.candidates.push_back(std::move(k));
      }
    v.linked_nik = a.data.value("linked_nik", "");
    if (a.data.contains("reasons"))
      for (const auto& r : a.data["reasons"]) v.reasons.push_back(r.get<std::string>());
    v.created_at = a.created_at;
    v.updated_at = a.updated_at;
    v.escalated = a.data.value("escalated", 0);
    v.version = a.version;
    return v;
  }

  std::optional<Resident> resident(const std::string& nik) {
    auto s = db.prepare("SELECT data FROM residents WHERE nik=?");
    s.bind(1, nik);
    if (!s.step()) return std::nullopt;
    return resident_from(Json::parse(s.text(0)));
  }

  std::optional<Station> station(const std::string& id) {
    auto s = db.prepare("SELECT data FROM stations WHERE id=?");
    s.bind(1, id);
    if (!s.step()) return std::nullopt;
    const Json j = Json::parse(s.text(0));
    Station st;
    st.id = id;
    st.kind = j.value("kind", "recording") == "printing" ? Station::Kind::printing : Station::Kind::recording;
    st.daily_capacity = j.value("capacity", 40);
    st.in_service = j.value("in_service", true);
    st.out_of_service_reason = j.value("reason", "");
    st.printer_queue = j.value("queue", "");
    st.last_sync = j.value("last_sync", std::int64_t{0});
    st.free_disk_mb = j.value("free_disk_mb", std::int64_t{0});
    return st;
  }

  void put_station(const Station& st) {
    const Json j = {{"kind", st.kind == Station::Kind::printing ? "printing" : "recording"},
                    {"capacity", st.daily_capacity},
                    {"in_service", st.in_service},
                    {"reason", st.out_of_service_reason},
                    {"queue", st.printer_queue},
                    {"last_sync", st.last_sync},
                    {"free_disk_mb", st.free_disk_mb}};
    db.prepare("INSERT INTO stations(id, data) VALUES(?, ?) ON CONFLICT(id) DO UPDATE SET data=excluded.data")
        .bind(1, st.id)
        .bind(2, j.dump())
        .run();
  }

  std::vector<Station> all_stations() {
    std::vector<std::string> ids;
    auto s = db.prepare("SELECT id FROM stations ORDER BY id");
    while (s.step()) ids.push_back(s.text(0));
    std::vector<Station> out;
    for (const auto& id : ids) out.push_back(*station(id));
    return out;
  }

  // The photo recorded at step 7 (none before it).
  std::optional<ColorImage> stored_photo(const App& app) const {
    if (!app.data.contains("photo_size") || !vault.has("captures", app.id + ".photo")) return std::nullopt;
    ColorImage photo;
    photo.width = app.data["photo_size"][0].get<int>();
    photo.height = app.data["photo_size"][1].get<int>();
    photo.rgb = vault.get("captures", app.id + ".photo", false);
    if (photo.rgb.size() != static_cast<std::size_t>(photo.width) * photo.height * 3)
      throw Error(ErrorCode::malformed_data, "the photo of application " + app.id + " does not have the size recorded");
    return photo;
  }

  // Reads: an applicant sees only their own application; officers and
  // the administrator see what the office holds (their queues need it).
  void may_read(const Actor& who, const App& app, std::string_view what) const {
    if (who.role() == Role::applicant && app.nik != who.id().substr(std::string("applicant:").size()))
      deny(std::string(what) + ": application " + app.id + " is not this applicant's");
  }
  // Who read personal data (not what they saw), beside the register book:
  // the book is the file's transitions, this is its readers.
  void accessed(const Actor& who, const std::string& app, const std::string& what) {
    if (who.id() == "system") return;
    db.prepare("INSERT INTO access_log(at, actor, role, application, what) VALUES(?, ?, ?, ?, ?)")
        .bind(1, now())
        .bind(2, who.id())
        .bind(3, to_string(who.role()))
        .bind(4, app)
        .bind(5, what)
        .run();
  }

  void require_admin(const Actor& a) const {
    if (a.role() != Role::administrator) deny("only an administrator may change the office's configuration");
  }
};

}  // namespace tunggal::workflow
