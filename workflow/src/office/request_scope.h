// What one Office::execute asks of the office's checks on this thread:
// the application version the caller saw (take and every step refuse a
// file whose version moved on, ErrorCode::conflict, and move the
// expectation along with their own writes), and that a step take the hold
// itself, in its own transaction, so that a refused step leaves no hold
// and no audit entry behind.
#pragma once

#include <cstdint>
#include <optional>

namespace tunggal::workflow::detail {

class ExpectedVersion {
 public:
  // For the scope of this object (nothing: no expectation, as for the
  // office's own writes); the one before it comes back after.
  explicit ExpectedVersion(std::optional<std::int64_t> version);
  ~ExpectedVersion();
  ExpectedVersion(const ExpectedVersion&) = delete;
  ExpectedVersion& operator=(const ExpectedVersion&) = delete;

  static std::optional<std::int64_t> current() noexcept;
  // The office's own write on the file (a hold taken, an intent recorded).
  static void advance() noexcept;

 private:
  std::optional<std::int64_t> before_;
};

class HoldOnAct {
 public:
  HoldOnAct();
  ~HoldOnAct();
  HoldOnAct(const HoldOnAct&) = delete;
  HoldOnAct& operator=(const HoldOnAct&) = delete;
  static bool active() noexcept;

 private:
  bool before_;
};

}  // namespace tunggal::workflow::detail
