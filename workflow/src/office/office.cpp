// The office's state machine over its SQLite store. Each action runs in one
// BEGIN IMMEDIATE transaction under the office's mutex (one connection per
// Office; SQLite's locks order the processes): it reads the application,
// checks the actor's role and hold and the state's rule, writes the new
// state, the step's time and the audit entry, and commits. Work outside the
// store (the SDK's deduplication, printing) happens between two
// transactions, with its intent recorded first, so that a crash in the
// middle is seen and accounted for on restart.
//
// This file: opening the store, who acts, the gallery's doors. The steps
// are in intake.cpp (1-6), recording.cpp (7), consolidation.cpp (8),
// printing.cpp (9-10), issue.cpp (11-12); administration.cpp, audit.cpp,
// schema.cpp, reads.cpp and sla.cpp hold the rest.
#include "office_impl.h"

namespace tunggal::workflow {

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

}  // namespace tunggal::workflow
