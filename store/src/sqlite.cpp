#include "tunggal/store/sqlite.h"

#include <unistd.h>

#include <utility>

namespace tunggal::store::sql {

Db::Db(const std::filesystem::path& path) : path_(path) {
  const int rc = sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
                                 nullptr);
  if (rc != SQLITE_OK) {
    const std::string msg = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
    sqlite3_close(db_);
    db_ = nullptr;
    throw Error(ErrorCode::io, path.string() + ": cannot open the store: " + msg);
  }
  // Several officers (threads, processes) on one store: wait for a lock
  // rather than fail at once.
  sqlite3_busy_timeout(db_, 10000);
  exec("PRAGMA journal_mode=WAL");
  // Durable before acknowledged: a committed transaction survives power
  // loss (WAL with synchronous=FULL syncs the log at each commit).
  exec("PRAGMA synchronous=FULL");
  exec("PRAGMA foreign_keys=ON");
}

Db::~Db() { sqlite3_close(db_); }

void Db::fail(const std::string& what, int rc) const {
  std::string msg = sqlite3_errmsg(db_);
  if ((rc & 0xFF) == SQLITE_READONLY) {
    // Name the file that cannot be written: the database or one of the
    // files SQLite keeps beside it (a -wal or -shm left read-only by
    // someone is otherwise a mystery).
    for (const char* side : {"", "-wal", "-shm"}) {
      const std::string f = path_.string() + side;
      if (::access(f.c_str(), F_OK) == 0 && ::access(f.c_str(), W_OK) != 0) {
        throw Error(ErrorCode::io, path_.string() + ": " + what + ": " + f + " is read-only (make it writable by " +
                                       "the office's user, mode 0600)");
      }
    }
  }
  const ErrorCode code = rc == SQLITE_BUSY || rc == SQLITE_LOCKED    ? ErrorCode::busy
                         : rc == SQLITE_CORRUPT || rc == SQLITE_NOTADB ? ErrorCode::checksum_mismatch
                         : rc == SQLITE_CONSTRAINT                    ? ErrorCode::invalid_argument
                         : rc == SQLITE_FULL || rc == SQLITE_IOERR     ? ErrorCode::io
                                                                      : ErrorCode::internal;
  throw Error(code, path_.string() + ": " + what + ": " + msg);
}

void Db::exec(const std::string& sql) {
  char* err = nullptr;
  const int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err);
  if (rc != SQLITE_OK) {
    sqlite3_free(err);
    fail(sql.substr(0, 60), rc);
  }
}

Stmt Db::prepare(const std::string& sql) { return Stmt(*this, sql); }
std::int64_t Db::changes() const { return sqlite3_changes64(db_); }
std::int64_t Db::last_insert_rowid() const { return sqlite3_last_insert_rowid(db_); }

Stmt::Stmt(Db& db, const std::string& sql) : db_(&db), sql_(sql) {
  const int rc = sqlite3_prepare_v2(db.get(), sql.c_str(), static_cast<int>(sql.size()), &s_, nullptr);
  if (rc != SQLITE_OK) db.fail("prepare " + sql.substr(0, 60), rc);
}
Stmt::~Stmt() { sqlite3_finalize(s_); }
Stmt::Stmt(Stmt&& o) noexcept : db_(o.db_), s_(std::exchange(o.s_, nullptr)), sql_(std::move(o.sql_)) {}

Stmt& Stmt::bind(int i, std::int64_t v) {
  if (int rc = sqlite3_bind_int64(s_, i, v); rc != SQLITE_OK) db_->fail("bind", rc);
  return *this;
}
Stmt& Stmt::bind(int i, const std::string& v) {
  if (int rc = sqlite3_bind_text(s_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT); rc != SQLITE_OK)
    db_->fail("bind", rc);
  return *this;
}
Stmt& Stmt::bind(int i, double v) {
  if (int rc = sqlite3_bind_double(s_, i, v); rc != SQLITE_OK) db_->fail("bind", rc);
  return *this;
}
Stmt& Stmt::bind_null(int i) {
  if (int rc = sqlite3_bind_null(s_, i); rc != SQLITE_OK) db_->fail("bind", rc);
  return *this;
}

bool Stmt::step() {
  const int rc = sqlite3_step(s_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  db_->fail(sql_.substr(0, 60), rc);
}

std::int64_t Stmt::integer(int col) const { return sqlite3_column_int64(s_, col); }
double Stmt::real(int col) const { return sqlite3_column_double(s_, col); }
std::string Stmt::text(int col) const {
  const auto* p = sqlite3_column_text(s_, col);
  return p ? std::string(reinterpret_cast<const char*>(p), static_cast<std::size_t>(sqlite3_column_bytes(s_, col)))
           : std::string();
}
std::optional<std::string> Stmt::text_or_null(int col) const {
  if (sqlite3_column_type(s_, col) == SQLITE_NULL) return std::nullopt;
  return text(col);
}
std::optional<std::int64_t> Stmt::integer_or_null(int col) const {
  if (sqlite3_column_type(s_, col) == SQLITE_NULL) return std::nullopt;
  return integer(col);
}
void Stmt::reset() {
  sqlite3_reset(s_);
  sqlite3_clear_bindings(s_);
}

}  // namespace tunggal::store::sql
