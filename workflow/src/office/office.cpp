// The office's state machine over its SQLite store. Each action runs in one
// BEGIN IMMEDIATE transaction under the office's mutex (one connection per
// Office; SQLite's locks order the processes): it reads the application,
// checks the actor's role and hold and the state's rule, writes the new
// state, the step's time and the audit entry, and commits. Work outside the
// store (the SDK's deduplication, printing) happens between two
// transactions, with its intent recorded first, so that a crash in the
// middle is seen and accounted for on restart.
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

// ---- names -------------------------------------------------------------

namespace {

constexpr std::pair<DocumentKind, const char*> kKinds[] = {
    {DocumentKind::f102_form, "f102_form"},
    {DocumentKind::family_card, "family_card"},
    {DocumentKind::birth_certificate, "birth_certificate"},
    {DocumentKind::diploma, "diploma"},
    {DocumentKind::marriage_certificate, "marriage_certificate"},
};

}  // namespace

std::string_view to_string(DocumentKind k) noexcept {
  for (const auto& [v, n] : kKinds)
    if (v == k) return n;
  return "invalid";
}
std::optional<DocumentKind> document_kind_from_string(std::string_view name) noexcept {
  for (const auto& [v, n] : kKinds)
    if (name == n) return v;
  return std::nullopt;
}

namespace {

// Bad input: the caller may correct it and try again.
[[noreturn]] void refuse(const std::string& what) { throw Error(ErrorCode::invalid_argument, what); }
// Not this caller: a role, a sign-in, someone else's application.
[[noreturn]] void deny(const std::string& what) { throw Error(ErrorCode::denied, what); }
// Not now: the application is in another state (or version) than the
// action needs.
[[noreturn]] void conflict(const std::string& what) { throw Error(ErrorCode::conflict, what); }
thread_local std::optional<std::int64_t> t_expected_version;
thread_local bool t_hold_on_act = false;

// A stale form: the caller saw another version of the file.
void check_version(const std::string& what, const std::string& id, std::int64_t version) {
  const auto expected = detail::ExpectedVersion::current();
  if (expected && *expected != version)
    conflict(what + ": application " + id + " changed since it was shown (version " + std::to_string(version) +
             ", the request's " + std::to_string(*expected) + "): look at it again");
}

// What a file waiting on the office's own jobs waits for, for a refusal's message.
std::string waiting_for_jobs(AppState s) {
  const Transition* next = main_transition(s);
  return next && next->system ? " (it waits for the office's jobs: `tunggal office jobs` sends the outbox)" : "";
}

// ---- images kept for adjudication (PNG, sealed in the vault) ----

std::vector<std::uint8_t> png_bytes(const cv::Mat& m) {
  std::vector<std::uint8_t> out;
  if (!cv::imencode(".png", m, out, {cv::IMWRITE_PNG_COMPRESSION, 1}))
    throw Error(ErrorCode::io, "cannot encode an image as PNG");
  return out;
}
std::vector<std::uint8_t> png_of(const GrayImage& g) {
  return png_bytes(cv::Mat(g.height, g.width, CV_8UC1, const_cast<std::uint8_t*>(g.pixels.data())));
}
std::vector<std::uint8_t> png_of(const ColorImage& c) {
  cv::Mat rgb(c.height, c.width, CV_8UC3, const_cast<std::uint8_t*>(c.rgb.data())), bgr;
  cv::cvtColor(rgb, bgr, cv::COLOR_RGB2BGR);
  return png_bytes(bgr);
}

// A finger image handed in by a caller: the size it claims, within one
// finger's limits; "" when fine.
std::string finger_image_problem(FingerPosition p, const GrayImage& g) {
  const auto lim = kFingerprintImageLimits;
  if (g.width <= 0 || g.height <= 0 || g.pixels.size() != static_cast<std::size_t>(g.width) * g.height)
    return std::string("the image of the ") + std::string(to_string(p)) + " has no pixels or not width x height of them";
  if (g.width > lim.max_side || g.height > lim.max_side ||
      static_cast<std::uint64_t>(g.width) * g.height > lim.max_pixels)
    return std::string("the image of the ") + std::string(to_string(p)) + " is larger than one finger's limits";
  return "";
}

// The vault names images by id: ids from outside may not climb out of it.
void check_vault_name(const std::string& ref) {
  const bool ok = !ref.empty() && ref.size() <= kMaxRecordIdLength && ref[0] != '.' &&
                  std::all_of(ref.begin(), ref.end(), [](char c) {
                    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
                  });
  if (!ok) refuse("reference '" + ref + "': 1-64 letters, digits, '-', '_' or '.', not starting with '.'");
}

std::string utc_date(std::int64_t t, const char* fmt) {
  const std::time_t tt = static_cast<std::time_t>(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, fmt, &tm);
  return buf;
}

// Days since the epoch for "YYYY-MM-DD" (civil calendar, UTC).
std::int64_t day_number(const std::string& iso) {
  if (const auto p = iso_day_problem(iso); !p.empty()) refuse("day " + p);
  std::tm tm{};
  tm.tm_year = std::stoi(iso.substr(0, 4)) - 1900;
  tm.tm_mon = std::stoi(iso.substr(5, 2)) - 1;
  tm.tm_mday = std::stoi(iso.substr(8, 2));
  return static_cast<std::int64_t>(timegm(&tm)) / 86400;
}
std::string iso_day(std::int64_t day) { return utc_date(day * 86400, "%Y-%m-%d"); }
bool weekend(std::int64_t day) {
  const int wd = static_cast<int>((day + 4) % 7);  // 1970-01-01 was a Thursday; 0 = Sunday
  return wd == 0 || wd == 6;
}

Json form_json(const ApplicantForm& f) {
  Json j = Json::object();
  for (const auto& field : kFormFields) j[std::string(field.name)] = f.*field.member;
  return j;
}

Resident resident_from(const Json& j) {
  Resident r;
  for (const auto& f : kFormFields) r.*f.member = j.value(std::string(f.name), "");
  return r;
}

Json resident_json(const Resident& r) { return form_json(r); }

bool ever_married(const std::string& status) {
  return status == "KAWIN" || status == "CERAI HIDUP" || status == "CERAI MATI";
}

// 1: the first; 2: audit entries from `audit_keyed_from` on are chained
// with a keyed hash (the store's key), so that whoever can write the
// database but not read the key cannot rewrite the chain to match.
// 3: sign-in failures per claimed officer id (the lockout).
// 4: the access log: who read which application's personal data, when.
constexpr int kSchemaVersion = 4;
constexpr int kSignInFailuresBeforeLock = 5;
constexpr std::int64_t kSignInLockSeconds = 15 * 60;

const char* kSchema = R"SQL(
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE officers(id TEXT PRIMARY KEY, name TEXT NOT NULL, role TEXT NOT NULL, password TEXT NOT NULL,
                      active INTEGER NOT NULL, fingers TEXT NOT NULL DEFAULT '');
CREATE TABLE step_roles(step INTEGER PRIMARY KEY, role TEXT NOT NULL);
CREATE TABLE residents(nik TEXT PRIMARY KEY, data TEXT NOT NULL);
CREATE TABLE applications(id TEXT PRIMARY KEY, nik TEXT NOT NULL, state TEXT NOT NULL,
                          holder TEXT NOT NULL DEFAULT '', hold_until INTEGER NOT NULL DEFAULT 0,
                          version INTEGER NOT NULL, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL,
                          data TEXT NOT NULL);
CREATE INDEX applications_state ON applications(state);
CREATE INDEX applications_nik ON applications(nik);
CREATE TABLE step_times(application TEXT NOT NULL, step INTEGER NOT NULL, started INTEGER NOT NULL,
                        finished INTEGER NOT NULL);
CREATE INDEX step_times_app ON step_times(application);
CREATE TABLE audit(seq INTEGER PRIMARY KEY, at INTEGER NOT NULL, actor TEXT NOT NULL, role TEXT NOT NULL,
                   application TEXT NOT NULL, action TEXT NOT NULL, before TEXT NOT NULL, after TEXT NOT NULL,
                   details TEXT NOT NULL, prev TEXT NOT NULL, hash TEXT NOT NULL);
CREATE INDEX audit_app ON audit(application);
CREATE TABLE stations(id TEXT PRIMARY KEY, data TEXT NOT NULL);
CREATE TABLE appointments(application TEXT PRIMARY KEY, station TEXT NOT NULL, day TEXT NOT NULL);
CREATE INDEX appointments_day ON appointments(station, day);
CREATE TABLE holidays(day TEXT PRIMARY KEY);
CREATE TABLE stock(serial TEXT PRIMARY KEY, printer TEXT NOT NULL, state TEXT NOT NULL, application TEXT,
                   at INTEGER NOT NULL DEFAULT 0);
CREATE INDEX stock_printer ON stock(printer, state);
CREATE TABLE outbox(application TEXT PRIMARY KEY, state TEXT NOT NULL, attempts INTEGER NOT NULL,
                    created INTEGER NOT NULL, answered INTEGER NOT NULL DEFAULT 0);
CREATE TABLE notes(application TEXT NOT NULL, at INTEGER NOT NULL, actor TEXT NOT NULL, text TEXT NOT NULL);
)SQL";

}  // namespace

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
  void migrate() {
    std::lock_guard lock(mu);
    db.exec("BEGIN IMMEDIATE");
    try {
      int version = 0;
      {
        auto s = db.prepare("SELECT count(*) FROM sqlite_master WHERE type='table' AND name='meta'");
        s.step();
        if (s.integer(0) == 1) {
          auto v = db.prepare("SELECT value FROM meta WHERE key='schema_version'");
          if (v.step()) version = std::stoi(v.text(0));
        }
      }
      if (version > kSchemaVersion)
        throw Error(ErrorCode::unsupported, (config.dir / "office.db").string() + ": schema version " +
                                                std::to_string(version) + " is newer than this library's " +
                                                std::to_string(kSchemaVersion));
      if (version < 1) {
        db.exec(kSchema);
        db.prepare("INSERT INTO meta(key, value) VALUES('schema_version', '1')").run();
        for (int s = 1; s <= kSopStepCount; ++s)
          db.prepare("INSERT INTO step_roles(step, role) VALUES(?, ?)")
              .bind(1, std::int64_t{s})
              .bind(2, to_string(default_role(static_cast<SopStep>(s))))
              .run();
      }
      if (version < 2) {
        // Entries written so far keep their plain SHA-256 links (re-keying
        // them would bless any change made before); new ones are keyed.
        auto last = db.prepare("SELECT coalesce(max(seq), 0) FROM audit");
        last.step();
        db.prepare("INSERT OR REPLACE INTO meta(key, value) VALUES('audit_keyed_from', ?)")
            .bind(1, std::to_string(last.integer(0) + 1))
            .run();
        db.prepare("UPDATE meta SET value='2' WHERE key='schema_version'").run();
      }
      if (version < 3) {
        db.exec("CREATE TABLE signin(officer TEXT PRIMARY KEY, failures INTEGER NOT NULL, locked_until INTEGER NOT NULL)");
        db.prepare("UPDATE meta SET value='3' WHERE key='schema_version'").run();
      }
      if (version < 4) {
        db.exec("CREATE TABLE access_log(at INTEGER NOT NULL, actor TEXT NOT NULL, role TEXT NOT NULL, "
                "application TEXT NOT NULL, what TEXT NOT NULL)");
        db.exec("CREATE INDEX access_log_app ON access_log(application)");
        db.prepare("UPDATE meta SET value='4' WHERE key='schema_version'").run();
      }
      // Later versions: each migration here, in order, in this transaction.
      {
        auto k = db.prepare("SELECT value FROM meta WHERE key='audit_keyed_from'");
        if (k.step()) audit_keyed_from = std::stoll(k.text(0));
      }
      db.exec("COMMIT");
    } catch (...) {
      db.exec("ROLLBACK");
      throw;
    }
  }

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

  void audit(const Actor& a, const std::string& app, std::string_view action, std::string_view before,
             std::string_view after, const Json& details = Json::object()) {
    std::string prev = "0";
    std::int64_t seq = 1;
    {
      auto s = db.prepare("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1");
      if (s.step()) {
        seq = s.integer(0) + 1;
        prev = s.text(1);
      }
    }
    AuditEntry e;
    e.seq = seq;
    e.at = now();
    e.actor = a.id();
    e.role = std::string(to_string(a.role()));
    e.application = app;
    e.action = std::string(action);
    e.before = std::string(before);
    e.after = std::string(after);
    e.details = details.dump();
    e.hash = link_hash(e, prev);
    db.prepare("INSERT INTO audit(seq, at, actor, role, application, action, before, after, details, prev, hash) "
               "VALUES(?,?,?,?,?,?,?,?,?,?,?)")
        .bind(1, e.seq)
        .bind(2, e.at)
        .bind(3, e.actor)
        .bind(4, e.role)
        .bind(5, e.application)
        .bind(6, e.action)
        .bind(7, e.before)
        .bind(8, e.after)
        .bind(9, e.details)
        .bind(10, prev)
        .bind(11, e.hash)
        .run();
  }

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

Office::Office(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Office::~Office() = default;

std::unique_ptr<Office> Office::open(OfficeConfig config, const std::string& admin_id, const std::string& admin_password) {
  if (config.dir.empty()) refuse("office: no store folder");
  if (!config.clock)
    config.clock = [] {
      return static_cast<std::int64_t>(
          std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count());
    };
  const bool existed = std::filesystem::exists(config.dir / "office.db");
  if (!existed && admin_password.empty())
    throw Error(ErrorCode::not_found, config.dir.string() + ": no office store here (create it with an administrator)");
  // The administrator's id and password are checked before anything is
  // created: a refused `init` leaves no store behind it.
  std::string admin_hash;
  if (!admin_password.empty()) {
    if (const auto p = text_problem(admin_id, 1, 64); !p.empty()) refuse("office: the administrator's id " + p);
    admin_hash = store::hash_password(admin_password);
  }
  // Owner-only: the folder, the database (and its -wal and -shm, which
  // SQLite creates with the database's mode), and every folder of sealed
  // files, including those of stores made before this was enforced.
  std::filesystem::create_directories(config.dir);
  std::filesystem::permissions(config.dir, std::filesystem::perms::owner_all, std::filesystem::perm_options::replace);
  {
    const auto db = config.dir / "office.db";
    const int fd = ::open(db.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) throw Error(ErrorCode::io, db.string() + ": cannot open the store: " + std::strerror(errno));
    (void)::fchmod(fd, 0600);
    ::close(fd);
    for (const char* side : {"office.db-wal", "office.db-shm"})
      if (std::filesystem::exists(config.dir / side)) (void)::chmod((config.dir / side).c_str(), 0600);
  }
  for (const char* sub : {"documents", "captures", "cards", "gallery", "references", "officers"}) {
    std::filesystem::create_directories(config.dir / sub);
    std::filesystem::permissions(config.dir / sub, std::filesystem::perms::owner_all, std::filesystem::perm_options::replace);
  }
  auto impl = std::make_unique<Impl>(std::move(config));
  impl->migrate();
  std::unique_ptr<Office> office(new Office(std::move(impl)));
  bool has_admin = existed;
  if (existed) {
    // A store an older `init` left without its administrator may get one.
    std::lock_guard lock(office->impl_->mu);
    auto q = office->impl_->db.prepare("SELECT count(*) FROM officers WHERE role='administrator'");
    q.step();
    has_admin = q.integer(0) > 0;
  }
  if (!has_admin && admin_hash.empty())
    throw Error(ErrorCode::not_found, office->impl_->config.dir.string() + ": the store has no administrator (run init)");
  if (!has_admin) {
    Impl& m = *office->impl_;
    m.tx([&] {
      m.db.prepare("INSERT INTO officers(id, name, role, password, active) VALUES(?, ?, ?, ?, 1)")
          .bind(1, admin_id)
          .bind(2, admin_id)
          .bind(3, to_string(Role::administrator))
          .bind(4, admin_hash)
          .run();
      m.audit(office->system(), "", "create_office", "", "", {{"administrator", admin_id}});
    });
  }
  return office;
}

Actor Office::authenticate(const std::string& id, const std::string& password) const {
  if (!text_problem(id, 1, 64).empty() || password.size() > 1024)
    throw Error(ErrorCode::denied, "office: unknown officer or wrong password");
  std::string hash, role;
  bool active = false;
  std::int64_t locked_until = 0;
  {
    std::lock_guard lock(impl_->mu);
    auto s = impl_->db.prepare("SELECT password, role, active FROM officers WHERE id=?");
    s.bind(1, id);
    if (s.step()) {
      hash = s.text(0);
      role = s.text(1);
      active = s.integer(2) != 0;
    }
    auto l = impl_->db.prepare("SELECT locked_until FROM signin WHERE officer=?");
    l.bind(1, id);
    if (l.step()) locked_until = l.integer(0);
  }
  // Guessing is slowed: after five failures in a row an id (known or not,
  // so that the answer tells nothing) is locked for 15 minutes, and every
  // failure is in the register book.
  const std::int64_t now = impl_->now();
  if (locked_until > now)
    throw Error(ErrorCode::denied, "office: sign-in for " + id + " is locked for " +
                                       std::to_string((locked_until - now + 59) / 60) + " more minutes after " +
                                       std::to_string(kSignInFailuresBeforeLock) + " failed attempts");
  // The same answer for an unknown officer and a wrong password.
  const bool ok = !hash.empty() && active && store::check_password(hash, password);
  impl_->tx([&] {
    if (ok) {
      impl_->db.prepare("DELETE FROM signin WHERE officer=?").bind(1, id).run();
      return;
    }
    auto f = impl_->db.prepare("SELECT failures FROM signin WHERE officer=?");
    f.bind(1, id);
    const std::int64_t failures = (f.step() ? f.integer(0) : 0) + 1;
    const std::int64_t until = failures % kSignInFailuresBeforeLock == 0 ? now + kSignInLockSeconds : 0;
    impl_->db.prepare("INSERT INTO signin(officer, failures, locked_until) VALUES(?, ?, ?) "
                      "ON CONFLICT(officer) DO UPDATE SET failures=excluded.failures, locked_until=excluded.locked_until")
        .bind(1, id)
        .bind(2, failures)
        .bind(3, until)
        .run();
    impl_->audit(system(), "", "sign_in_refused", "", "", {{"officer", id}, {"failures", failures}, {"locked", until > 0}});
  });
  if (!ok) throw Error(ErrorCode::denied, "office: unknown officer or wrong password");
  const auto r = role_from_string(role);
  if (!r) throw Error(ErrorCode::malformed_data, "office: officer " + id + " has an unknown role");
  return Actor(id, *r);
}

Actor Office::applicant(const std::string& nik) const {
  if (const std::string p = nik_problem(nik); !p.empty()) refuse("applicant: " + p);
  return Actor("applicant:" + nik, Role::applicant);
}

Actor Office::system() const { return Actor("system", Role::administrator); }

void Office::enrol_existing(const Actor& admin, std::span<const PersonRecord> people) {
  impl_->require_admin(admin);
  impl_->session().enrol(people);
  impl_->tx([&] { impl_->audit(admin, "", "enrol_existing", "", "", {{"people", people.size()}}); });
}

bool Office::in_gallery(const Actor& who, const std::string& ref) const {
  if (who.role() != Role::administrator && who.role() != impl_->role_of(SopStep::check_deduplication))
    deny("in_gallery: for the administrator and the identity section");
  return impl_->session().contains(ref);
}

sdk::Session& Office::desk_session(const Actor& officer) {
  if (officer.role() == Role::applicant) deny("desk_session: for officers at a recording or printing desk");
  std::lock_guard lock(impl_->session_mu);
  if (!impl_->desk_) {
    sdk::SessionConfig sc = impl_->config.session;
    sc.gallery.clear();  // in memory: nothing done through it reaches the office's gallery
    sc.gallery_key_file.clear();
    impl_->desk_ = std::make_unique<sdk::Session>(sc);
  }
  return *impl_->desk_;
}

void Office::set_consolidation_online(bool online) {
  std::lock_guard lock(impl_->mu);
  impl_->online = online;
}

// ---- configuration --------------------------------------------------------

void Office::add_officer(const Actor& admin, const Officer& o, const std::string& password,
                         const std::vector<FingerTemplate>& own_fingers) {
  impl_->require_admin(admin);
  if (o.id.empty() || o.id.rfind("applicant:", 0) == 0 || o.id == "system") refuse("officer: a usable id, please");
  const std::string hash = store::hash_password(password);  // slow: outside the lock
  std::string fingers;
  if (!own_fingers.empty()) {
    PersonRecord r;
    r.id = "officer-" + o.id;
    r.fingers = own_fingers;
    const auto bytes = encode_person_record(r);
    fingers = impl_->vault.put("officers", bytes);
  }
  impl_->tx([&] {
    impl_->db.prepare("INSERT INTO officers(id, name, role, password, active, fingers) VALUES(?,?,?,?,?,?)")
        .bind(1, o.id)
        .bind(2, o.name)
        .bind(3, to_string(o.role))
        .bind(4, hash)
        .bind(5, std::int64_t{o.active ? 1 : 0})
        .bind(6, fingers)
        .run();
    impl_->audit(admin, "", "add_officer", "", "", {{"officer", o.id}, {"role", to_string(o.role)}});
  });
}

void Office::set_step_role(const Actor& admin, SopStep step, Role role) {
  impl_->require_admin(admin);
  if (role == Role::administrator) refuse("set_step_role: an administrator acts in no step");
  impl_->tx([&] {
    impl_->db.prepare("UPDATE step_roles SET role=? WHERE step=?")
        .bind(1, to_string(role))
        .bind(2, std::int64_t{static_cast<int>(step)})
        .run();
    impl_->audit(admin, "", "set_step_role", "", "", {{"step", static_cast<int>(step)}, {"role", to_string(role)}});
  });
}

Role Office::step_role(SopStep step) const {
  std::lock_guard lock(impl_->mu);
  return impl_->role_of(step);
}

void Office::add_station(const Actor& admin, const Station& st) {
  impl_->require_admin(admin);
  if (st.id.empty() || st.daily_capacity < 0) refuse("station: an id and a capacity >= 0");
  impl_->tx([&] {
    if (impl_->station(st.id)) refuse("station " + st.id + " exists");
    impl_->put_station(st);
    impl_->audit(admin, "", "add_station", "", "", {{"station", st.id}});
  });
}

void Office::set_station_in_service(const Actor& actor, const std::string& id, bool in_service, const std::string& reason) {
  if (actor.role() == Role::applicant) deny("stations: not for applicants");
  impl_->tx([&] {
    auto st = impl_->station(id);
    if (!st) throw Error(ErrorCode::not_found, "no station " + id);
    st->in_service = in_service;
    st->out_of_service_reason = in_service ? "" : reason;
    impl_->put_station(*st);
    impl_->audit(actor, "", in_service ? "station_in_service" : "station_out_of_service", "", "",
                 {{"station", id}, {"reason", reason}});
  });
}

void Office::station_sync(const Actor& actor, const std::string& id, std::int64_t free_disk_mb) {
  if (actor.role() == Role::applicant) deny("stations: not for applicants");
  impl_->tx([&] {
    auto st = impl_->station(id);
    if (!st) throw Error(ErrorCode::not_found, "no station " + id);
    st->last_sync = impl_->now();
    st->free_disk_mb = free_disk_mb;
    impl_->put_station(*st);
    impl_->audit(actor, "", "station_sync", "", "", {{"station", id}, {"free_disk_mb", free_disk_mb}});
  });
}

void Office::add_holiday(const Actor& admin, const std::string& day) {
  impl_->require_admin(admin);
  day_number(day);  // validates
  impl_->tx([&] {
    impl_->db.prepare("INSERT OR IGNORE INTO holidays(day) VALUES(?)").bind(1, day).run();
    impl_->audit(admin, "", "add_holiday", "", "", {{"day", day}});
  });
}

void Office::add_stock(const Actor& admin, const std::string& printer, const std::string& prefix, int first, int count) {
  impl_->require_admin(admin);
  if (count < 1 || count > 100000 || first < 0) refuse("stock: 1..100000 blanks from a serial >= 0");
  impl_->tx([&] {
    auto st = impl_->station(printer);
    if (!st || st->kind != Station::Kind::printing) throw Error(ErrorCode::not_found, "no printing station " + printer);
    for (int i = 0; i < count; ++i) {
      char serial[64];
      std::snprintf(serial, sizeof serial, "%s%08d", prefix.c_str(), first + i);
      impl_->db.prepare("INSERT INTO stock(serial, printer, state, at) VALUES(?, ?, 'blank', ?)")
          .bind(1, std::string(serial))
          .bind(2, printer)
          .bind(3, impl_->now())
          .run();
    }
    impl_->audit(admin, "", "add_stock", "", "",
                 {{"printer", printer}, {"first", prefix + std::to_string(first)}, {"count", count}});
  });
}

void Office::import_residents(const Actor& admin, std::span<const Resident> residents) {
  impl_->require_admin(admin);
  impl_->tx([&] {
    for (const auto& r : residents) {
      if (const auto p = nik_problem(r.nik); !p.empty()) refuse("resident " + r.nik + ": " + p);
      impl_->db.prepare("INSERT INTO residents(nik, data) VALUES(?, ?) ON CONFLICT(nik) DO UPDATE SET data=excluded.data")
          .bind(1, r.nik)
          .bind(2, resident_json(r).dump())
          .run();
    }
    impl_->audit(admin, "", "import_residents", "", "", {{"count", residents.size()}});
  });
}

// ---- step 1 -------------------------------------------------------------------

namespace {

Json store_documents(store::Vault& vault, const std::vector<Document>& docs) {
  Json out = Json::array();
  for (const auto& d : docs) {
    if (d.bytes.empty()) refuse("document " + std::string(to_string(d.kind)) + " is empty");
    if (d.bytes.size() > kMaxDocumentBytes)
      throw Error(ErrorCode::limit_exceeded, "document " + std::string(to_string(d.kind)) + " is " +
                                                 std::to_string(d.bytes.size()) + " bytes, over the limit of " +
                                                 std::to_string(kMaxDocumentBytes));
    const auto check = detail::check_document(d.bytes);
    if (!check.problem.empty())
      throw Error(ErrorCode::malformed_data, "document " + std::string(to_string(d.kind)) + " is " + check.problem);
    const std::string& type = check.type;
    out.push_back({{"kind", to_string(d.kind)}, {"type", type}, {"size", d.bytes.size()},
                   {"hash", vault.put("documents", d.bytes)}});
  }
  return out;
}

// Every field of the form, before anything is stored: the caller learns
// at step 1 what would otherwise fail at the print room.
void check_form(const ApplicantForm& f, const std::string& today) {
  for (const auto& field : kFormFields)
    if (const auto p = text_problem(f.*field.member, field.min_bytes, field.max_bytes); !p.empty())
      refuse("form: " + std::string(field.name) + " " + p);
  if (const auto p = nik_problem(f.nik); !p.empty()) refuse("form: nik " + f.nik + ": " + p);
  if (!f.family_card.empty() && (f.family_card.size() != 16 || !std::all_of(f.family_card.begin(), f.family_card.end(),
                                                                            [](char c) { return c >= '0' && c <= '9'; })))
    refuse("form: family_card has 16 digits");
  if (const auto p = date_problem(f.birth_date); !p.empty()) refuse("form: birth_date " + p);
  if (age_on(f.birth_date, today) < 0) refuse("form: birth_date " + f.birth_date + " is after today");
}

}  // namespace

std::string Office::apply(const Actor& a, const ApplyRequest& req) {
  if (a.role() != Role::applicant) deny("apply: step 1 is the applicant's");
  if (a.id() != "applicant:" + req.form.nik) deny("apply: the form's NIK is not the applicant's");
  check_form(req.form, impl_->today());
  // One open application per NIK: a second is the same person applying
  // twice. Checked before the documents are stored (a refused apply leaves
  // nothing), and again in the transaction (two at once).
  const auto refuse_second = [&] {
    auto open = impl_->db.prepare("SELECT id, state FROM applications WHERE nik=?");
    open.bind(1, req.form.nik);
    while (open.step()) {
      const auto st = state_from_string(open.text(1));
      if (st && !is_final(*st)) conflict("apply: NIK " + req.form.nik + " already has application " + open.text(0));
    }
  };
  {
    std::lock_guard lock(impl_->mu);
    refuse_second();
  }
  const Json docs = store_documents(impl_->vault, req.documents);  // files first: the row names them
  return impl_->tx([&] {
    refuse_second();
    auto count = impl_->db.prepare("SELECT count(*) FROM applications");
    count.step();
    char id[32];
    std::snprintf(id, sizeof id, "A%06lld", static_cast<long long>(count.integer(0) + 1));
    Impl::App app;
    app.id = id;
    app.nik = req.form.nik;
    app.created_at = impl_->now();
    app.data = {{"form", form_json(req.form)}, {"documents", docs}};
    impl_->db.prepare("INSERT INTO applications(id, nik, state, version, created_at, updated_at, data) "
                      "VALUES(?, ?, 'submitted', 0, ?, ?, ?)")
        .bind(1, app.id)
        .bind(2, app.nik)
        .bind(3, app.created_at)
        .bind(4, app.created_at)
        .bind(5, app.data.dump())
        .run();
    impl_->step_done(app, SopStep::apply_online, req.started_at.value_or(app.created_at));
    impl_->save(app);
    impl_->audit(a, app.id, "apply", "", "submitted", {{"documents", docs.size()}});
    return app.id;
  });
}

void Office::resubmit(const Actor& a, const std::string& id, const ApplyRequest& req) {
  check_form(req.form, impl_->today());
  const Json docs = store_documents(impl_->vault, req.documents);
  impl_->tx([&] {
    auto app = impl_->begin(a, id, Action::resubmit);
    if (req.form.nik != app.nik) refuse("resubmit: the NIK cannot change (apply anew)");
    app.data["form"] = form_json(req.form);
    app.data["documents"] = docs;
    app.data.erase("reasons");
    impl_->step_done(app, SopStep::apply_online, req.started_at);
    impl_->move(a, app, Action::resubmit, AppState::submitted, {{"documents", docs.size()}});
  });
}

bool Office::take(const Actor& a, const std::string& id) {
  if (a.role() == Role::applicant) deny("take: officers take applications");
  return impl_->tx([&] {
    auto app = impl_->must_load(id);
    if (is_final(app.state)) conflict("take: application " + id + " is " + std::string(to_string(app.state)));
    // Only for an action this officer may do on it now: a wrong desk's
    // hold would lock the right officer out.
    const auto mine = impl_->allowed(a, app);
    if (std::none_of(mine.begin(), mine.end(), [](Action x) { return rows_of(x).front()->hold; })) {
      const Transition* next = main_transition(app.state);
      const bool someone = std::any_of(transitions().begin(), transitions().end(), [&](const Transition& t) {
        return t.hold && t.from.contains(app.state);
      });
      const std::string what = "take: application " + id + " is " + std::string(to_string(app.state)) +
                               (next ? "; next: step " + std::to_string(static_cast<int>(next->step)) + " (" +
                                           std::string(to_string(next->step)) + ") by " +
                                           std::string(to_string(impl_->role_of(next->step)))
                                     : "");
      if (someone) deny(what + ", not " + std::string(to_string(a.role())));
      conflict(what + ": nothing for an officer to take it for" + waiting_for_jobs(app.state));
    }
    const auto now = impl_->now();
    if (!app.holder.empty() && app.holder != a.id() && app.hold_until >= now)
      throw Error(ErrorCode::busy, "take: application " + id + " is held by " + app.holder + " until " +
                                       utc_date(app.hold_until, "%H:%M"));
    check_version("take", id, app.version);
    const bool fresh = app.holder != a.id() || app.hold_until < now;
    app.holder = a.id();
    app.hold_until = now + impl_->config.hold_minutes * 60;
    app.data["taken_at"] = now;
    impl_->save(app);
    impl_->audit(a, id, "take", to_string(app.state), to_string(app.state));
    detail::ExpectedVersion::advance();
    return fresh;
  });
}

std::vector<Action> Office::allowed(const Actor& a, const std::string& id) const {
  std::lock_guard lock(impl_->mu);
  const auto app = impl_->must_load(id);
  if (a.role() == Role::applicant && app.nik != a.id().substr(std::string("applicant:").size()))
    deny("allowed: application " + id + " is not this applicant's");
  return impl_->allowed(a, app);
}

void Office::release(const Actor& a, const std::string& id) {
  impl_->tx([&] {
    auto app = impl_->must_load(id);
    if (app.holder != a.id()) conflict("release: application " + id + " is not held by " + a.id());
    check_version("release", id, app.version);
    app.holder.clear();
    app.hold_until = 0;
    app.data.erase("taken_at");
    impl_->save(app);
    impl_->audit(a, id, "release", to_string(app.state), to_string(app.state));
  });
}

// ---- steps 2-6 -------------------------------------------------------------------

ApplicationView Office::check_documents(const Actor& a, const std::string& id) {
  return impl_->tx([&] {
    auto app = impl_->begin(a, id, Action::check_documents);
    std::vector<std::string> reasons;
    std::set<std::string> kinds;
    for (const auto& d : app.data["documents"]) {
      const std::string kind = d.value("kind", "");
      try {
        // Checked on read: the file must still be what was uploaded.
        const auto bytes = impl_->vault.get("documents", d.value("hash", ""), true);
        if (detail::check_document(bytes).type != d.value("type", "")) reasons.push_back(kind + ": its content changed type");
        kinds.insert(kind);
      } catch (const Error& e) {
        reasons.push_back(kind + ": cannot be read (" + e.what() + ")");
      }
    }
    if (!kinds.count("f102_form")) reasons.push_back("the F1-02 form is missing");
    if (!kinds.count("family_card")) reasons.push_back("the family card (KK) is missing");
    if (!kinds.count("birth_certificate") && !kinds.count("diploma"))
      reasons.push_back("a birth certificate or the last diploma is missing");
    const auto res = impl_->resident(app.nik);
    if (!res) {
      reasons.push_back("NIK " + app.nik + " is not in the population database");
    } else {
      // The age rule from the population data, not the form.
      const int age = age_on(res->birth_date, impl_->today());
      if (age < 17) {
        if (!ever_married(res->marital_status))
          reasons.push_back("under 17 (" + std::to_string(age) + ") and not married by the population database");
        else if (!kinds.count("marriage_certificate"))
          reasons.push_back("under 17 and married: the marriage book or certificate is missing");
      }
    }
    app.data["reasons"] = reasons;
    impl_->step_done(app, SopStep::check_documents);
    impl_->move(a, app, Action::check_documents, reasons.empty() ? AppState::documents_checked : AppState::documents_rejected,
                {{"reasons", reasons}});
    return impl_->view(app);
  });
}

ApplicationView Office::check_population(const Actor& a, const std::string& id) {
  return impl_->tx([&] {
    auto app = impl_->begin(a, id, Action::check_population);
    std::vector<std::string> mismatch;
    const auto res = impl_->resident(app.nik);
    if (!res) {
      mismatch.push_back("NIK not in the population database");
    } else {
      const Json& f = app.data["form"];
      const Json r = resident_json(*res);
      for (const auto& field : kFormFields) {
        const std::string name(field.name);
        if (field.identity && f.value(name, "") != r.value(name, ""))
          mismatch.push_back(name + " differs from the population database");
      }
    }
    app.data["reasons"] = mismatch;
    impl_->step_done(app, SopStep::check_population);
    impl_->move(a, app, Action::check_population, mismatch.empty() ? AppState::population_checked : AppState::biodata_mismatch,
                {{"mismatch", mismatch}});
    return impl_->view(app);
  });
}

ApplicationView Office::validate_data(const Actor& a, const std::string& id) {
  return impl_->tx([&] {
    auto app = impl_->begin(a, id, Action::validate_data);
    app.data.erase("reasons");
    impl_->step_done(app, SopStep::validate_data);
    impl_->move(a, app, Action::validate_data, AppState::ready_to_record, {{"nik_status", "ready to record"}});
    return impl_->view(app);
  });
}

ApplicationView Office::send_schedule(const Actor& a, const std::string& id, const std::string& day) {
  return impl_->tx([&] {
    auto app = impl_->begin(a, id, Action::send_schedule);
    const std::int64_t first = day.empty() ? impl_->now() / 86400 : day_number(day);
    std::set<std::string> holidays;
    {
      auto s = impl_->db.prepare("SELECT day FROM holidays");
      while (s.step()) holidays.insert(s.text(0));
    }
    std::vector<Station> recording;
    for (auto& st : impl_->all_stations())
      if (st.kind == Station::Kind::recording && st.in_service) recording.push_back(st);
    if (recording.empty()) refuse("send_schedule: no recording station in service");
    impl_->db.prepare("DELETE FROM appointments WHERE application=?").bind(1, id).run();  // a reschedule frees its slot
    std::string chosen_station, chosen_day;
    for (std::int64_t d = first; d < first + 120 && chosen_day.empty(); ++d) {
      const std::string iso = iso_day(d);
      if (weekend(d) || holidays.count(iso)) continue;
      for (const auto& st : recording) {
        auto c = impl_->db.prepare("SELECT count(*) FROM appointments WHERE station=? AND day=?");
        c.bind(1, st.id).bind(2, iso);
        c.step();
        if (c.integer(0) < st.daily_capacity) {
          chosen_station = st.id;
          chosen_day = iso;
          break;
        }
      }
    }
    if (chosen_day.empty()) refuse("send_schedule: no free recording slot in the next 120 days");
    impl_->db.prepare("INSERT INTO appointments(application, station, day) VALUES(?, ?, ?)")
        .bind(1, id)
        .bind(2, chosen_station)
        .bind(3, chosen_day)
        .run();
    const bool again = app.state != AppState::ready_to_record;
    app.data["station"] = chosen_station;
    app.data["day"] = chosen_day;
    app.data.erase("reasons");
    impl_->step_done(app, SopStep::send_schedule);
    impl_->move(a, app, Action::send_schedule, AppState::scheduled, {{"station", chosen_station}, {"day", chosen_day}},
                again ? "reschedule" : "");
    return impl_->view(app);
  });
}

ApplicationView Office::confirm_schedule(const Actor& a, const std::string& id) {
  return impl_->tx([&] {
    auto app = impl_->begin(a, id, Action::confirm_schedule);
    impl_->step_done(app, SopStep::confirm_schedule);
    impl_->move(a, app, Action::confirm_schedule, AppState::confirmed);
    return impl_->view(app);
  });
}

ApplicationView Office::mark_no_show(const Actor& a, const std::string& id) {
  return impl_->tx([&] {
    auto app = impl_->begin(a, id, Action::mark_no_show);
    impl_->db.prepare("DELETE FROM appointments WHERE application=?").bind(1, id).run();
    app.data["reasons"] = Json::array({"did not come on " + app.data.value("day", std::string("the day"))});
    app.data["no_shows"] = app.data.value("no_shows", 0) + 1;
    app.holder.clear();
    app.hold_until = 0;
    impl_->move(a, app, Action::mark_no_show, AppState::no_show);
    return impl_->view(app);
  });
}

// ---- step 7 ---------------------------------------------------------------------

ApplicationView Office::record_biometrics(const Actor& a, const std::string& id, const std::string& station_id,
                                          const PersonRecord& capture, const ColorImage& photo,
                                          const FingerImages& finger_images) {
  // Images from the caller: checked, then encoded outside the lock.
  std::vector<std::pair<int, std::vector<std::uint8_t>>> images;
  for (const auto& [pos, img] : finger_images) {
    if (!capture.finger(pos)) refuse("record_biometrics: an image of the " + std::string(to_string(pos)) + ", which the capture does not hold");
    if (const auto p = finger_image_problem(pos, img); !p.empty()) refuse("record_biometrics: " + p);
  }
  // Checks that need the SDK (the officer's own fingers) run before the
  // transaction; the decision is taken inside it.
  std::vector<std::string> problems;
  std::string officer_fingers;
  {
    std::lock_guard lock(impl_->mu);
    auto s = impl_->db.prepare("SELECT fingers FROM officers WHERE id=?");
    s.bind(1, a.id());
    if (s.step()) officer_fingers = s.text(0);
  }
  // The quality gate.
  int good = 0;
  for (const auto& f : capture.fingers) good += f.quality >= impl_->config.min_finger_quality && !f.minutiae.empty();
  if (good < impl_->config.min_fingers)
    problems.push_back(std::to_string(good) + " fingers pass the quality gate (" +
                       std::to_string(impl_->config.min_finger_quality) + "), " +
                       std::to_string(impl_->config.min_fingers) + " are needed: recapture");
  if (photo.width < 64 || photo.height < 80) problems.push_back("no usable photo for the card: recapture the face");
  if (!officer_fingers.empty() && problems.empty()) {
    const PersonRecord own = decode_person_record(impl_->vault.get("officers", officer_fingers, true));
    const double threshold = score_for_fmr(impl_->config.officer_finger_fmr);
    auto& s = impl_->session();
    for (const auto& f : capture.fingers) {
      for (const auto& o : own.fingers) {
        if (s.compare(f, o) >= threshold) {
          problems.push_back("a captured finger (" + std::string(to_string(f.position)) +
                             ") is the recording officer's own: capture the applicant's fingers");
          break;
        }
      }
      if (!problems.empty()) break;
    }
  }
  std::vector<std::uint8_t> record_bytes;
  if (problems.empty())
    for (const auto& [pos, img] : finger_images) images.emplace_back(static_cast<int>(pos), png_of(img));
  if (problems.empty()) {
    PersonRecord r = capture;
    r.id = id;  // the gallery knows the application by its id
    try {
      record_bytes = encode_person_record(r);
    } catch (const Error& e) {
      problems.push_back(std::string("the capture does not make a record (enrolment failure): ") + e.what());
    }
  }
  return impl_->tx([&] {
    auto app = impl_->begin(a, id, Action::record_biometrics);
    const auto st = impl_->station(station_id);
    if (!st || st->kind != Station::Kind::recording) throw Error(ErrorCode::not_found, "no recording station " + station_id);
    if (!st->in_service) refuse("record_biometrics: station " + station_id + " is out of service (" + st->out_of_service_reason + ")");
    if (st->last_sync < impl_->now() - impl_->config.max_unsynced_hours * 3600)
      conflict("record_biometrics: station " + station_id +
               (st->last_sync == 0 ? std::string(" has never synchronised with the consolidation center")
                                   : " has not synchronised with the consolidation center for more than " +
                                         std::to_string(impl_->config.max_unsynced_hours) + " hours") +
               ": it takes no new recordings until it does (`tunggal office station sync --id " + station_id + "`)");
    if (st->free_disk_mb < impl_->config.min_free_disk_mb)
      refuse("record_biometrics: station " + station_id + " is low on disk (" + std::to_string(st->free_disk_mb) +
             " MB free): it takes no new recordings");
    if (!problems.empty()) {
      app.data["reasons"] = problems;
      app.holder.clear();
      app.hold_until = 0;
      impl_->move(a, app, Action::record_biometrics, AppState::recapture_needed, {{"reasons", problems}});
      return impl_->view(app);
    }
    // The capture and photo sealed in the vault (named by the application),
    // then the outbox entry: both in this step.
    impl_->vault.put_named("captures", id + ".tgr", record_bytes);
    impl_->vault.put_named("captures", id + ".photo", photo.rgb);
    app.data["photo_size"] = {photo.width, photo.height};
    Json kept = Json::array();
    for (const auto& [pos, png] : images) {
      impl_->vault.put_named("captures", id + ".f" + std::to_string(pos) + ".png", png);
      kept.push_back(pos);
    }
    app.data["finger_images"] = kept;  // this capture's (a recapture's replace the last)
    app.data.erase("reasons");
    impl_->db.prepare("INSERT INTO outbox(application, state, attempts, created) VALUES(?, 'pending', 0, ?) "
                      "ON CONFLICT(application) DO UPDATE SET state='pending', attempts=0, created=excluded.created")
        .bind(1, id)
        .bind(2, impl_->now())
        .run();
    impl_->step_done(app, SopStep::record_biometrics);
    impl_->move(a, app, Action::record_biometrics, AppState::awaiting_consolidation,
                {{"station", station_id}, {"fingers", capture.fingers.size()}, {"face", capture.face.has_value()}});
    return impl_->view(app);
  });
}

// ---- step 8: consolidation --------------------------------------------------------

std::size_t Office::process_outbox() {
  {
    std::lock_guard lock(impl_->mu);
    if (!impl_->online) return 0;  // the requests wait, durably, for the network
  }
  std::vector<std::string> pending;
  {
    std::lock_guard lock(impl_->mu);
    auto s = impl_->db.prepare("SELECT application FROM outbox WHERE state='pending' ORDER BY created, application");
    while (s.step()) pending.push_back(s.text(0));
  }
  std::size_t answered = 0;
  auto& session = impl_->session();
  for (const auto& id : pending) {
    {
      std::lock_guard lock(impl_->mu);
      if (!impl_->online) break;
    }
    const PersonRecord record = decode_person_record(impl_->vault.get("captures", id + ".tgr", false));
    // Exactly once: a capture enrolled by an attempt that died before
    // recording its answer is in the gallery already, and was unique.
    DedupDecision d;
    if (session.contains(id)) {
      d.decision = Decision::unique;
    } else {
      IdentifyOptions o = session.identify_options();
      o.target_fpir = impl_->config.target_fpir;
      d = session.deduplicate(record, o);
    }
    impl_->tx([&] {
      auto app = impl_->must_load(id);
      if (app.state != AppState::awaiting_consolidation) return;  // answered already
      Json candidates = Json::array();
      for (const auto& c : d.candidates) {
        Json k = {{"ref", c.ref}, {"score", c.score}, {"fingers_compared", c.fingers_compared}};
        if (c.fingers) k["fingers"] = *c.fingers;
        if (c.face) k["face"] = *c.face;
        candidates.push_back(std::move(k));
      }
      app.data["dedup"] = std::string(to_string(d.decision));
      app.data["candidates"] = candidates;
      impl_->db.prepare("UPDATE outbox SET state='answered', attempts=attempts+1, answered=? WHERE application=?")
          .bind(1, impl_->now())
          .bind(2, id)
          .run();
      impl_->move(system(), app, Action::consolidation_answer, AppState::deduplication_answered,
                  {{"decision", to_string(d.decision)}, {"candidates", candidates.size()}});
    });
    ++answered;
  }
  return answered;
}

ApplicationView Office::check_deduplication(const Actor& a, const std::string& id) {
  return impl_->tx([&] {
    auto app = impl_->begin(a, id, Action::check_deduplication);
    const bool unique = app.data.value("dedup", "") == "unique";
    if (unique) impl_->step_done(app, SopStep::check_deduplication);
    app.holder.clear();
    app.hold_until = 0;
    impl_->move(a, app, Action::check_deduplication, unique ? AppState::cleared : AppState::possible_duplicate,
                {{"candidates", app.data.value("candidates", Json::array()).size()}});
    return impl_->view(app);
  });
}

void Office::keep_reference_images(const Actor& admin, const std::string& ref, const std::string& label,
                                   const ColorImage& photo, const FingerImages& fingers) {
  impl_->require_admin(admin);
  check_vault_name(ref);
  if (label.size() > 200) refuse("reference " + ref + ": a label of at most 200 characters");
  Json manifest = {{"label", label}, {"fingers", Json::array()}, {"photo", photo.width > 0}};
  std::vector<std::pair<int, std::vector<std::uint8_t>>> images;
  for (const auto& [pos, img] : fingers) {
    if (const auto p = finger_image_problem(pos, img); !p.empty()) refuse("reference " + ref + ": " + p);
    images.emplace_back(static_cast<int>(pos), png_of(img));
    manifest["fingers"].push_back(static_cast<int>(pos));
  }
  if (photo.width > 0 && (photo.height <= 0 || photo.rgb.size() != static_cast<std::size_t>(photo.width) * photo.height * 3))
    refuse("reference " + ref + ": the photo has not width x height x 3 bytes");
  // The images first, the manifest last: a reference counts once its
  // manifest is there.
  for (const auto& [pos, png] : images) impl_->vault.put_named("references", ref + ".f" + std::to_string(pos) + ".png", png);
  if (photo.width > 0) impl_->vault.put_named("references", ref + ".photo.png", png_of(photo));
  const std::string text = manifest.dump();
  impl_->vault.put_named("references", ref + ".json", std::span(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()));
  // Who brought whose biometrics into the office (not the images).
  impl_->tx([&] {
    impl_->audit(admin, "", "keep_reference_images", "", "",
                 {{"reference", ref}, {"fingers", images.size()}, {"photo", photo.width > 0}});
  });
}

AdjudicationSheet Office::adjudication_sheet(const Actor& a, const std::string& id, const std::filesystem::path& png) {
  ApplicationView v;
  Json kept;
  std::vector<std::pair<ApplicationView, Json>> local;  // candidates that are applications here
  {
    std::lock_guard lock(impl_->mu);
    const Role need = impl_->role_of(SopStep::check_deduplication);
    if (a.role() != need)
      refuse("adjudication sheet: step 8 (" + std::string(to_string(SopStep::check_deduplication)) + ") is for " +
             std::string(to_string(need)) + ", not " + std::string(to_string(a.role())));
    const auto app = impl_->must_load(id);
    v = impl_->view(app);
    kept = app.data.value("finger_images", Json::array());
    if (v.candidates.empty()) refuse("adjudication sheet: application " + id + " has no candidates from consolidation");
  }
  const auto& vault = impl_->vault;
  const auto gray = [&](const std::string& sub, const std::string& name) {
    return decode_gray_image(vault.get(sub, name, false));
  };
  // The capture's row; its positions are the sheet's columns.
  detail::SheetRow me;
  me.title = "capture " + id;
  me.lines = {v.name, "NIK " + v.nik, std::string(to_string(v.state))};
  std::vector<FingerPosition> positions;
  for (const auto& p : kept) {
    const auto pos = static_cast<FingerPosition>(p.get<int>());
    positions.push_back(pos);
    me.fingers[pos] = gray("captures", id + ".f" + std::to_string(p.get<int>()) + ".png");
  }
  {
    std::lock_guard lock(impl_->mu);
    me.photo = impl_->stored_photo(impl_->must_load(id));
  }
  if (positions.empty()) {
    me.missing = "images not kept";
    for (const auto& f : decode_person_record(vault.get("captures", id + ".tgr", false)).fingers) positions.push_back(f.position);
  }
  std::vector<detail::SheetRow> rows{std::move(me)};
  AdjudicationSheet out;
  out.png = png;
  const auto fmt = [](double x) {
    std::ostringstream o;
    o.setf(std::ios::fixed);
    o.precision(2);
    o << x;
    return o.str();
  };
  for (const auto& c : v.candidates) {
    if (out.candidates == 5) break;
    detail::SheetRow r;
    r.title = "candidate " + std::to_string(++out.candidates) + ": " + c.ref;
    r.lines.push_back("fused score " + fmt(c.score));
    if (c.fingers) r.lines.push_back("fingers " + fmt(*c.fingers) + " (" + std::to_string(c.fingers_compared) + " compared)");
    if (c.face) r.lines.push_back("face " + fmt(*c.face));
    std::optional<ApplicationView> here;
    {
      std::lock_guard lock(impl_->mu);
      if (const auto other = impl_->load(c.ref)) {
        here = impl_->view(*other);
        kept = other->data.value("finger_images", Json::array());
        r.photo = impl_->stored_photo(*other);
      }
    }
    bool held = false;
    if (here) {
      r.lines.push_back(here->name + ", NIK " + here->nik);
      for (const auto& p : kept) r.fingers[static_cast<FingerPosition>(p.get<int>())] =
          gray("captures", c.ref + ".f" + std::to_string(p.get<int>()) + ".png");
      held = !r.fingers.empty() || r.photo.has_value();
    } else if (vault.has("references", c.ref + ".json")) {
      const auto m = vault.get("references", c.ref + ".json", false);
      const Json manifest = Json::parse(m.begin(), m.end());
      if (const auto label = manifest.value("label", ""); !label.empty()) r.lines.push_back(label);
      for (const auto& p : manifest["fingers"]) r.fingers[static_cast<FingerPosition>(p.get<int>())] =
          gray("references", c.ref + ".f" + std::to_string(p.get<int>()) + ".png");
      if (manifest.value("photo", false)) {
        const auto bytes = vault.get("references", c.ref + ".photo.png", false);
        r.photo = decode_color_image(bytes);
      }
      held = true;
    }
    if (!held) r.missing = "not held here";
    out.candidates_with_images += held;
    rows.push_back(std::move(r));
  }
  detail::write_adjudication_sheet(rows, positions, png);
  // Who looked at whose biometrics (not what they saw).
  impl_->tx([&] {
    const auto app = impl_->must_load(id);
    impl_->audit(a, id, "adjudication_sheet", to_string(app.state), to_string(app.state),
                 {{"candidates", out.candidates}, {"with_images", out.candidates_with_images}});
  });
  return out;
}

ApplicationView Office::adjudicate(const Actor& a, const std::string& id, const AdjudicationDecision& decision) {
  const auto* dup = std::get_if<DuplicateOf>(&decision);
  const auto* clear = std::get_if<NotDuplicate>(&decision);
  if (dup) {
    if (const auto p = nik_problem(dup->nik); !p.empty()) refuse("adjudicate: the linked NIK " + dup->nik + ": " + p);
  } else {
    if (const auto p = text_problem(clear->reason, 1, 500); !p.empty()) refuse("adjudicate: the reason " + p);
  }
  // 1. The checks (role, state, hold) and the intent, before the gallery
  //    is touched: a refused call changes nothing anywhere.
  const bool was_enrolling = impl_->tx([&] {
    auto app = impl_->begin(a, id, Action::adjudicate);
    const bool before = app.data.value("enrolling", false);
    if (clear && !before) {
      app.data["enrolling"] = true;
      impl_->save(app);
      detail::ExpectedVersion::advance();
    }
    return before;
  });
  // 2. "Not a duplicate": the capture joins the gallery now (the search did
  //    not enrol it), once. "A duplicate" after an interrupted "not a
  //    duplicate": the capture that attempt may have enrolled leaves again.
  auto& session = impl_->session();
  if (clear && !session.contains(id))
    session.enrol(decode_person_record(impl_->vault.get("captures", id + ".tgr", false)));
  if (dup && was_enrolling) session.remove(id);
  // 3. The decision.
  return impl_->tx([&] {
    auto app = impl_->begin(a, id, Action::adjudicate);
    app.data.erase("enrolling");
    if (dup) {
      app.data["linked_nik"] = dup->nik;
      app.data["reasons"] = Json::array({"duplicate of NIK " + dup->nik});
    } else {
      app.data["reasons"] = Json::array({"not a duplicate: " + clear->reason});
    }
    impl_->step_done(app, SopStep::check_deduplication);
    impl_->move(a, app, Action::adjudicate, dup ? AppState::duplicate : AppState::cleared,
                {{"duplicate", dup != nullptr}, {"note", dup ? dup->nik : clear->reason}});
    return impl_->view(app);
  });
}

ApplicationView Office::verify_print_request(const Actor& a, const std::string& id) {
  return impl_->tx([&] {
    auto app = impl_->begin(a, id, Action::verify_print_request);
    app.data["prr"] = "PRR-" + id;
    impl_->step_done(app, SopStep::verify_print_request);
    impl_->move(a, app, Action::verify_print_request, AppState::print_ready, {{"prr", "PRR-" + id}});
    return impl_->view(app);
  });
}

// ---- step 10: printing ---------------------------------------------------------------

PrintAttempt Office::print_card(const Actor& a, const std::string& id, const std::string& printer) {
  PrintAttempt out;
  // 1. The intent: a blank reserved for this application ('printing'), in
  //    a transaction; a crash after it leaves the blank accounted for.
  std::string serial;
  Station st;
  Resident res;
  std::pair<int, int> size{0, 0};
  const bool go = impl_->tx([&] {
    auto app = impl_->begin(a, id, Action::print_card);
    const auto s = impl_->station(printer);
    if (!s || s->kind != Station::Kind::printing) throw Error(ErrorCode::not_found, "no printing station " + printer);
    st = *s;
    if (!st.in_service) {
      out.held = true;
      out.outcome = sdk::PrintOutcome::printer_stopped;
      out.message = "printer " + printer + " is out of service (" + st.out_of_service_reason + "): the card waits";
      return false;
    }
    // A print cut short by a crash (the blank reserved, no outcome): whether
    // that card came out is unknown, so its blank counts as spoiled (the
    // officer destroys whatever is in the tray) and the card is printed anew.
    {
      auto stale = impl_->db.prepare("SELECT serial FROM stock WHERE application=? AND state='printing'");
      stale.bind(1, id);
      std::vector<std::string> cut;
      while (stale.step()) cut.push_back(stale.text(0));
      for (const auto& old : cut) {
        impl_->db.prepare("UPDATE stock SET state='spoiled', at=? WHERE serial=?").bind(1, impl_->now()).bind(2, old).run();
        impl_->audit(a, id, "print_interrupted", to_string(app.state), to_string(app.state),
                     {{"serial", old}, {"blank", "spoiled"}, {"why", "a print cut short: its outcome is unknown"}});
      }
    }
    auto b = impl_->db.prepare("SELECT serial FROM stock WHERE printer=? AND state='blank' ORDER BY serial LIMIT 1");
    b.bind(1, printer);
    if (!b.step()) {
      out.held = true;
      out.outcome = sdk::PrintOutcome::out_of_media;
      out.message = "no blank cards left for " + printer + ": printing holds until stock is added";
      impl_->audit(a, id, "print_held", to_string(app.state), to_string(app.state), {{"printer", printer}, {"why", "no blanks"}});
      return false;
    }
    serial = b.text(0);
    impl_->db.prepare("UPDATE stock SET state='printing', application=?, at=? WHERE serial=?")
        .bind(1, id)
        .bind(2, impl_->now())
        .bind(3, serial)
        .run();
    const auto r = impl_->resident(app.nik);
    if (!r) throw Error(ErrorCode::not_found, "print_card: NIK " + app.nik + " left the population database");
    res = *r;
    size = {app.data["photo_size"][0].get<int>(), app.data["photo_size"][1].get<int>()};
    impl_->audit(a, id, "print_started", to_string(app.state), to_string(app.state), {{"printer", printer}, {"serial", serial}});
    return true;
  });
  if (!go) return out;
  out.serial = serial;
  // 2. The card, rendered and printed outside the store's lock.
  std::string failure;
  bool consumed = true;  // a failed job may have used the blank
  try {
    ColorImage photo;
    photo.width = size.first;
    photo.height = size.second;
    photo.rgb = impl_->vault.get("captures", id + ".photo", false);
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
    d.tempat_terbit = impl_->config.issuing_office.empty() ? res.regency : impl_->config.issuing_office;
    d.tanggal_terbit = impl_->today();
    const auto card = sdk::render_card(d, photo);
    if (st.printer_queue.empty()) {
      out.outcome = sdk::PrintOutcome::completed;
    } else {
      sdk::PrintOptions po;
      po.title = "KTP-el " + serial;
      const auto r = sdk::print_pdf(st.printer_queue, card.pdf, po);
      out.outcome = r.outcome;
      out.message = r.message;
      // The printer never took the job: the blank is still in the tray.
      consumed = r.outcome == sdk::PrintOutcome::completed || r.outcome == sdk::PrintOutcome::job_failed ||
                 r.outcome == sdk::PrintOutcome::job_cancelled;
      if (!r.ok()) failure = std::string(sdk::to_string(r.outcome)) + ": " + r.message;
    }
    if (failure.empty()) {
      std::filesystem::create_directories(impl_->config.dir / "cards");
      out.pdf = impl_->config.dir / "cards" / (id + ".pdf");
      write_file_durably(out.pdf, card.pdf);
    }
  } catch (const Error& e) {
    failure = e.what();
    out.outcome = sdk::PrintOutcome::job_failed;
    consumed = false;  // nothing reached a printer
  }
  // 3. The outcome, in a transaction.
  impl_->tx([&] {
    auto app = impl_->must_load(id);
    if (failure.empty()) {
      impl_->db.prepare("UPDATE stock SET state='printed', at=? WHERE serial=?").bind(1, impl_->now()).bind(2, serial).run();
      app.data["serial"] = serial;
      app.data["printer"] = printer;
      app.data.erase("reasons");
      impl_->step_done(app, SopStep::print_card);
      impl_->move(a, app, Action::print_card, AppState::printed, {{"printer", printer}, {"serial", serial}});
    } else {
      impl_->db.prepare("UPDATE stock SET state=?, application=?, at=? WHERE serial=?")
          .bind(1, consumed ? "spoiled" : "blank")
          .bind(2, consumed ? std::optional<std::string>(id) : std::nullopt)
          .bind(3, impl_->now())
          .bind(4, serial)
          .run();
      app.data["reasons"] = Json::array({"print failed: " + failure});
      if (!consumed) {
        // A printer that does not take jobs goes out of service; its work
        // moves to another printer.
        auto s2 = impl_->station(printer);
        if (s2 && (out.outcome == sdk::PrintOutcome::printer_offline || out.outcome == sdk::PrintOutcome::printer_stopped ||
                   out.outcome == sdk::PrintOutcome::printer_missing || out.outcome == sdk::PrintOutcome::out_of_media)) {
          s2->in_service = false;
          s2->out_of_service_reason = failure;
          impl_->put_station(*s2);
          out.held = true;
        }
      }
      app.holder.clear();
      app.hold_until = 0;
      impl_->move(a, app, Action::print_card, AppState::print_ready,
                  {{"printer", printer}, {"serial", serial}, {"blank", consumed ? "spoiled" : "kept"}, {"why", failure}},
                  "print_failed");
      out.message = failure;
      out.serial = consumed ? serial : "";
    }
  });
  return out;
}

std::vector<std::pair<std::string, PrintAttempt>> Office::bulk_print(const Actor& a, const std::string& printer) {
  std::vector<std::pair<std::string, PrintAttempt>> out;
  for (const auto& v : applications(a, AppState::print_ready)) {
    take(a, v.id);
    auto r = print_card(a, v.id, printer);
    const bool held = r.held;
    out.emplace_back(v.id, std::move(r));
    if (held) {
      release(a, v.id);
      break;  // no blanks or no printer: the rest wait too
    }
  }
  return out;
}

ApplicationView Office::report_spoiled(const Actor& a, const std::string& id, const std::string& reason) {
  if (reason.empty()) refuse("report_spoiled: say what is wrong with the card");
  return impl_->tx([&] {
    auto app = impl_->begin(a, id, Action::report_spoiled);
    const std::string serial = app.data.value("serial", "");
    impl_->db.prepare("UPDATE stock SET state='spoiled', at=? WHERE serial=?").bind(1, impl_->now()).bind(2, serial).run();
    app.data["reasons"] = Json::array({"card " + serial + " spoiled: " + reason});
    app.data["spoiled"] = app.data.value("spoiled", 0) + 1;
    app.data.erase("serial");
    app.holder.clear();
    app.hold_until = 0;
    impl_->move(a, app, Action::report_spoiled, AppState::print_ready, {{"serial", serial}, {"reason", reason}});
    return impl_->view(app);
  });
}

// ---- steps 11-12 ------------------------------------------------------------------

ApplicationView Office::hand_over(const Actor& a, const std::string& id, const PersonRecord& finger) {
  // The applicant's finger against the enrolled record: the card goes to
  // the person it was made for.
  const auto v = impl_->session().verify(finger, id, impl_->config.pickup_fmr);
  return impl_->tx([&] {
    auto app = impl_->begin(a, id, Action::hand_over);
    if (!v.match) {
      app.data["reasons"] =
          Json::array({"the finger at pickup does not match the enrolled applicant (score " +
                       std::to_string(static_cast<int>(v.score)) + "): the card is not handed over"});
      impl_->save(app);
      impl_->audit(a, id, "hand_over_refused", to_string(app.state), to_string(app.state), {{"score", v.score}});
      return impl_->view(app);
    }
    app.data.erase("reasons");
    impl_->step_done(app, SopStep::hand_over);
    impl_->move(a, app, Action::hand_over, AppState::issued, {{"serial", app.data.value("serial", "")}});
    return impl_->view(app);
  });
}

ApplicationView Office::close(const Actor& a, const std::string& id) {
  return impl_->tx([&] {
    auto app = impl_->begin(a, id, Action::close);
    impl_->move(a, app, Action::close, AppState::done);
    return impl_->view(app);
  });
}

void Office::add_note(const Actor& a, const std::string& id, const std::string& text) {
  if (a.role() == Role::applicant) deny("note: officers write notes on a file");
  if (const auto p = text_problem(text, 1, 2000); !p.empty()) refuse("note: the text " + p);
  impl_->tx([&] {
    auto app = impl_->must_load(id);
    impl_->db.prepare("INSERT INTO notes(application, at, actor, text) VALUES(?,?,?,?)")
        .bind(1, id)
        .bind(2, impl_->now())
        .bind(3, a.id())
        .bind(4, text)
        .run();
    // The audit says that a note was made, not what it says.
    impl_->audit(a, id, "note", to_string(app.state), to_string(app.state), {{"length", text.size()}});
  });
}

// ---- looking --------------------------------------------------------------------------

ApplicationView Office::application(const Actor& who, const std::string& id) const {
  return impl_->tx([&] {
    const auto app = impl_->must_load(id);
    impl_->may_read(who, app, "application");
    impl_->accessed(who, id, "application");
    return impl_->view(app);
  });
}

std::vector<ApplicationView> Office::applications(const Actor& who, std::optional<AppState> state) const {
  return impl_->tx([&] {
    std::vector<std::string> ids;
    auto s = state ? impl_->db.prepare("SELECT id FROM applications WHERE state=? ORDER BY id")
                   : impl_->db.prepare("SELECT id FROM applications ORDER BY id");
    if (state) s.bind(1, to_string(*state));
    while (s.step()) ids.push_back(s.text(0));
    std::vector<ApplicationView> out;
    for (const auto& id : ids) {
      const auto app = impl_->must_load(id);
      // An applicant's list is their own applications; an officer's, all.
      if (who.role() == Role::applicant && app.nik != who.id().substr(std::string("applicant:").size())) continue;
      out.push_back(impl_->view(app));
    }
    if (!out.empty()) impl_->accessed(who, "", "list of " + std::to_string(out.size()));
    return out;
  });
}

namespace {
AuditEntry entry_from(sql::Stmt& s) {
  AuditEntry e;
  e.seq = s.integer(0);
  e.at = s.integer(1);
  e.actor = s.text(2);
  e.role = s.text(3);
  e.application = s.text(4);
  e.action = s.text(5);
  e.before = s.text(6);
  e.after = s.text(7);
  e.details = s.text(8);
  e.hash = s.text(10);
  return e;
}
}  // namespace

std::vector<AuditEntry> Office::history(const Actor& who, const std::string& id) const {
  return impl_->tx([&] {
  impl_->may_read(who, impl_->must_load(id), "history");
  impl_->accessed(who, id, "history");
  auto s = impl_->db.prepare(
      "SELECT seq, at, actor, role, application, action, before, after, details, prev, hash FROM audit "
      "WHERE application=? ORDER BY seq");
  s.bind(1, id);
  std::vector<AuditEntry> out;
  while (s.step()) out.push_back(entry_from(s));
  return out;
  });
}

std::vector<AccessEntry> Office::access_log(const Actor& admin, const std::string& id) const {
  impl_->require_admin(admin);
  std::lock_guard lock(impl_->mu);
  auto s = impl_->db.prepare("SELECT at, actor, role, application, what FROM access_log WHERE application=? ORDER BY rowid");
  s.bind(1, id);
  std::vector<AccessEntry> out;
  while (s.step()) out.push_back({s.integer(0), s.text(1), s.text(2), s.text(3), s.text(4)});
  return out;
}

AuditCheck Office::verify_audit(const std::optional<AuditAnchor>& anchor) const {
  std::lock_guard lock(impl_->mu);
  AuditCheck c;
  const auto broken = [&](std::int64_t seq, const std::string& problem) {
    c.intact = false;
    c.first_broken = seq;
    c.problem = problem;
    return c;
  };
  std::map<std::string, std::string> last_state;  // application -> the state its last transition left
  std::string anchored_hash;
  {
    auto s = impl_->db.prepare(
        "SELECT seq, at, actor, role, application, action, before, after, details, prev, hash FROM audit ORDER BY seq");
    std::string prev = "0";
    std::int64_t expect = 1;
    while (s.step()) {
      const AuditEntry e = entry_from(s);
      ++c.entries;
      std::string problem;
      if (e.seq != expect) problem = "sequence " + std::to_string(e.seq) + " where " + std::to_string(expect) + " was expected (entries missing)";
      else if (s.text(9) != prev) problem = "its link to the entry before it is broken";
      else if (impl_->link_hash(e, prev) != e.hash)
        problem = "its content does not match its hash (changed after it was written)";
      if (!problem.empty()) return broken(e.seq, "audit entry " + std::to_string(e.seq) + ": " + problem);
      if (!e.application.empty() && !e.after.empty()) last_state[e.application] = e.after;
      if (anchor && e.seq == anchor->entries) anchored_hash = e.hash;
      prev = e.hash;
      ++expect;
    }
    c.head = prev == "0" ? "" : prev;
  }
  if (anchor) {
    if (c.entries < anchor->entries)
      return broken(c.entries + 1, "the chain ends at entry " + std::to_string(c.entries) + " but " +
                                       std::to_string(anchor->entries) + " were published: its tail was cut");
    if (anchored_hash != anchor->head)
      return broken(anchor->entries, "audit entry " + std::to_string(anchor->entries) +
                                         " is not the one published (its hash differs): the chain was rewritten");
  }
  auto s = impl_->db.prepare("SELECT id, state FROM applications ORDER BY id");
  while (s.step()) {
    const std::string id = s.text(0), state = s.text(1);
    const auto it = last_state.find(id);
    const std::string audited = it == last_state.end() ? "(no audited transition)" : it->second;
    if (audited != state)
      return broken(0, "application " + id + " is " + state + " in the store, but its last audited transition left it " +
                           audited + ": changed outside the office");
  }
  return c;
}

SlaReport Office::sla_report() const {
  std::lock_guard lock(impl_->mu);
  SlaReport r;
  std::map<int, std::vector<double>> minutes;
  {
    auto s = impl_->db.prepare("SELECT step, started, finished FROM step_times");
    while (s.step()) minutes[static_cast<int>(s.integer(0))].push_back(static_cast<double>(s.integer(2) - s.integer(1)) / 60.0);
  }
  {
    // Step 12: the whole procedure, from submission to hand-over.
    auto s = impl_->db.prepare(
        "SELECT a.application, min(a.started), max(b.finished) FROM step_times a JOIN step_times b "
        "ON a.application = b.application WHERE a.step = 1 AND b.step = 11 GROUP BY a.application");
    while (s.step()) minutes[12].push_back(static_cast<double>(s.integer(2) - s.integer(1)) / 60.0);
  }
  const auto pct = [](std::vector<double> v, double p) {
    if (v.empty()) return 0.0;
    std::sort(v.begin(), v.end());
    const double at = p * static_cast<double>(v.size() - 1);
    const auto lo = static_cast<std::size_t>(std::floor(at));
    const auto hi = std::min(v.size() - 1, lo + 1);
    return v[lo] + (v[hi] - v[lo]) * (at - static_cast<double>(lo));
  };
  for (int step = 1; step <= kSopStepCount; ++step) {
    StepStats st;
    st.step = static_cast<SopStep>(step);
    const auto& v = minutes[step];
    st.count = v.size();
    st.p50_minutes = pct(v, 0.5);
    st.p95_minutes = pct(v, 0.95);
    st.max_minutes = v.empty() ? 0 : *std::max_element(v.begin(), v.end());
    st.limit_minutes = sla_minutes(st.step);
    st.over_limit = static_cast<std::size_t>(std::count_if(v.begin(), v.end(), [&](double m) { return m > st.limit_minutes; }));
    r.steps.push_back(st);
  }
  // Open applications past a limit now: the next step's, counted from the
  // last step's end; or the whole day's, counted from submission.
  auto s = impl_->db.prepare("SELECT id FROM applications ORDER BY id");
  std::vector<std::string> ids;
  while (s.step()) ids.push_back(s.text(0));
  for (const auto& id : ids) {
    const auto app = impl_->must_load(id);
    if (is_final(app.state) || app.state == AppState::issued) continue;  // issued: the card is out
    const Transition* next = main_transition(app.state);
    if (!next) continue;
    const double waited = static_cast<double>(impl_->now() - app.data.value("last_step_end", app.created_at)) / 60.0;
    const double total = static_cast<double>(impl_->now() - app.created_at) / 60.0;
    // Waiting for the applicant (a resubmission, a confirmation, the
    // appointment day) is not the office's time: the table says whose it is.
    const bool office_step = next->waits == Waits::office && impl_->role_of(next->step) != Role::applicant;
    if ((office_step && waited > sla_minutes(next->step)) || total > kWorkingDayMinutes) r.overdue.push_back(id);
  }
  return r;
}

std::vector<std::string> Office::escalate_overdue() {
  const auto report = sla_report();
  for (const auto& id : report.overdue) {
    impl_->tx([&] {
      auto app = impl_->must_load(id);
      app.data["escalated"] = app.data.value("escalated", 0) + 1;
      impl_->save(app);
      const Transition* next = main_transition(app.state);
      const Role head = next ? next->escalate_to : Role::head_identity;
      impl_->audit(system(), id, "escalate", to_string(app.state), to_string(app.state),
                   {{"to", to_string(head)}, {"step", next ? static_cast<int>(next->step) : 0}});
    });
  }
  return report.overdue;
}

std::map<std::string, int> Office::blanks_left() const {
  std::lock_guard lock(impl_->mu);
  std::map<std::string, int> out;
  auto s = impl_->db.prepare("SELECT printer, count(*) FROM stock WHERE state='blank' GROUP BY printer");
  while (s.step()) out[s.text(0)] = static_cast<int>(s.integer(1));
  return out;
}

std::vector<Station> Office::stations() const {
  std::lock_guard lock(impl_->mu);
  return impl_->all_stations();
}

std::size_t Office::outbox_pending() const {
  std::lock_guard lock(impl_->mu);
  auto s = impl_->db.prepare("SELECT count(*) FROM outbox WHERE state='pending'");
  s.step();
  return static_cast<std::size_t>(s.integer(0));
}

Resident resident_from_record(const PersonRecord& record) {
  Resident x;
  for (const auto& f : kFormFields)
    if (const std::string* v = record.attribute(std::string(f.name))) x.*f.member = *v;
  if (x.family_card.empty() && x.nik.size() == 16) x.family_card = x.nik.substr(0, 6) + "0101" + x.nik.substr(12, 4) + "99";
  return x;
}

namespace detail {
ExpectedVersion::ExpectedVersion(std::optional<std::int64_t> version) : before_(t_expected_version) {
  t_expected_version = version;
}
ExpectedVersion::~ExpectedVersion() { t_expected_version = before_; }
std::optional<std::int64_t> ExpectedVersion::current() noexcept { return t_expected_version; }
void ExpectedVersion::advance() noexcept {
  if (t_expected_version) ++*t_expected_version;
}
HoldOnAct::HoldOnAct() : before_(t_hold_on_act) { t_hold_on_act = true; }
HoldOnAct::~HoldOnAct() { t_hold_on_act = before_; }
bool HoldOnAct::active() noexcept { return t_hold_on_act; }
}  // namespace detail

}  // namespace tunggal::workflow
