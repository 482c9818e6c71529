#include "tunggal/text.h"

#include <charconv>
#include <cmath>

#include "tunggal/error.h"

namespace tunggal {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

[[noreturn]] void not_a(std::string_view field, std::string_view where, const char* what) {
  // Outside text may be anything: show a bounded, printable excerpt.
  std::string shown;
  for (char c : field.substr(0, 40)) shown += (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) ? '?' : c;
  if (field.size() > 40) shown += "...";
  throw Error(ErrorCode::malformed_data, std::string(where) + ": '" + shown + "' is not " + what);
}

}  // namespace

double parse_number(std::string_view field, std::string_view where) {
  const std::string_view t = trim(field);
  double v = 0;
  const char* end = t.data() + t.size();
  const auto [ptr, ec] = std::from_chars(t.data(), end, v);
  if (t.empty() || ec != std::errc() || ptr != end || !std::isfinite(v)) not_a(field, where, "a number");
  return v;
}

long long parse_integer(std::string_view field, std::string_view where, long long lo, long long hi) {
  const std::string_view t = trim(field);
  long long v = 0;
  const char* end = t.data() + t.size();
  const auto [ptr, ec] = std::from_chars(t.data(), end, v);
  if (t.empty() || ec != std::errc() || ptr != end) not_a(field, where, "a whole number");
  if (v < lo || v > hi)
    throw Error(ErrorCode::malformed_data, std::string(where) + ": " + std::to_string(v) + " is outside " +
                                               std::to_string(lo) + ".." + std::to_string(hi));
  return v;
}

std::string csv_field(std::string_view s) {
  if (s.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(s);
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + '"';
}

std::vector<std::string> split_csv_line(std::string_view line, std::string_view where) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  std::vector<std::string> out(1);
  for (std::size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (c == ',') {
      out.emplace_back();
    } else if (c == '"' && out.back().empty()) {
      // A quoted field: up to the closing quote; "" is a quote inside.
      for (++i;; ++i) {
        if (i >= line.size())
          throw Error(ErrorCode::malformed_data, std::string(where) + ": a quoted field does not close");
        if (line[i] == '"') {
          if (i + 1 < line.size() && line[i + 1] == '"') {
            out.back() += '"';
            ++i;
            continue;
          }
          break;
        }
        out.back() += line[i];
      }
      if (i + 1 < line.size() && line[i + 1] != ',')
        throw Error(ErrorCode::malformed_data, std::string(where) + ": text after a quoted field");
    } else {
      out.back() += c;
    }
  }
  return out;
}

}  // namespace tunggal
