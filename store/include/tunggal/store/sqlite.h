// A thin RAII layer over SQLite's C API: a connection, prepared statements
// with typed binding and reading, and every failure as a tunggal::Error
// naming the statement. Internal to tunggal: the office's store
// (tunggal::workflow) and the ABIS job journal (tunggal::abis) use it.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "tunggal/error.h"

namespace tunggal::store::sql {

class Stmt;

class Db {
 public:
  explicit Db(const std::filesystem::path& path);  // WAL mode, foreign keys, busy timeout
  ~Db();
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;
  sqlite3* get() const { return db_; }
  void exec(const std::string& sql);  // statements without results
  Stmt prepare(const std::string& sql);
  std::int64_t changes() const;
  std::int64_t last_insert_rowid() const;
  [[noreturn]] void fail(const std::string& what, int rc) const;
  // Runs f in one transaction: BEGIN IMMEDIATE takes the write lock at
  // once (writers are ordered, never interleaved), COMMIT after f, ROLLBACK
  // when f throws (and the exception goes on).
  template <typename F>
  auto immediate(F&& f) -> decltype(f()) {
    exec("BEGIN IMMEDIATE");
    try {
      if constexpr (std::is_void_v<decltype(f())>) {
        f();
        exec("COMMIT");
      } else {
        auto r = f();
        exec("COMMIT");
        return r;
      }
    } catch (...) {
      try {
        exec("ROLLBACK");
      } catch (...) {
      }
      throw;
    }
  }

 private:
  sqlite3* db_ = nullptr;
  std::filesystem::path path_;
};

class Stmt {
 public:
  Stmt(Db& db, const std::string& sql);
  ~Stmt();
  Stmt(Stmt&& o) noexcept;
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;
  Stmt& bind(int i, std::int64_t v);
  Stmt& bind(int i, const std::string& v);
  Stmt& bind(int i, std::string_view v) { return bind(i, std::string(v)); }
  Stmt& bind(int i, const char* v) { return bind(i, std::string(v)); }
  Stmt& bind(int i, double v);
  Stmt& bind_null(int i);
  Stmt& bind(int i, const std::optional<std::string>& v) { return v ? bind(i, *v) : bind_null(i); }
  Stmt& bind(int i, const std::optional<std::int64_t>& v) { return v ? bind(i, *v) : bind_null(i); }
  // Steps once: true while a row is there.
  bool step();
  void run() {
    while (step()) {
    }
  }
  std::int64_t integer(int col) const;
  double real(int col) const;
  std::string text(int col) const;
  std::optional<std::string> text_or_null(int col) const;
  std::optional<std::int64_t> integer_or_null(int col) const;
  void reset();

 private:
  Db* db_;
  sqlite3_stmt* s_ = nullptr;
  std::string sql_;
};

}  // namespace tunggal::store::sql
