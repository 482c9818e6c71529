// One error policy for the whole SDK: every failure the caller can act on is a
// tunggal::Error carrying an ErrorCode and a message naming what is wrong.
// The C ABI maps the same codes to tg_status values (bindings/c).
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>

namespace tunggal {

enum class ErrorCode : int {
  ok = 0,
  invalid_argument = 1,   // the caller passed something unusable
  malformed_data = 2,     // outside data (template, image, file) does not parse
  unsupported = 3,        // well-formed but a variant we do not handle
  checksum_mismatch = 4,  // stored data failed its integrity check
  io = 5,                 // the operating system refused a read or write
  not_found = 6,          // a file, record or id does not exist
  limit_exceeded = 7,     // input larger than a documented limit
  busy = 8,               // in use by another process or device: retry later
  denied = 9,             // the caller is not allowed (a service refused its credentials or its role)
  conflict = 10,          // not now: the thing is in another state or version than the request assumed
  internal = 99,          // a bug: please report it
};

std::string_view to_string(ErrorCode code) noexcept;

class Error : public std::runtime_error {
 public:
  Error(ErrorCode code, const std::string& message) : std::runtime_error(message), code_(code) {}
  ErrorCode code() const noexcept { return code_; }

 private:
  ErrorCode code_;
};

}  // namespace tunggal
