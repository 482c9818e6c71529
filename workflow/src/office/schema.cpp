// The store's schema and its migrations, in order, each in the
// transaction that opens the store.
#include "office_impl.h"

namespace tunggal::workflow {

namespace {
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

void Office::Impl::migrate() {
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

}  // namespace tunggal::workflow
