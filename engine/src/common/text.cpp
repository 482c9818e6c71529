#include "tunggal/text.h"

#include <cctype>
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

namespace {
int b64_value(unsigned char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+' || c == '-') return 62;
  if (c == '/' || c == '_') return 63;
  return -1;
}

}  // namespace

std::vector<std::uint8_t> decode_base64(std::string_view text) {
  std::vector<std::uint8_t> out;
  out.reserve(text.size() * 3 / 4);
  std::uint32_t acc = 0;
  int bits = 0;
  std::size_t pad = 0, symbols = 0;
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (std::isspace(c)) continue;
    if (c == '=') {
      ++pad;
      continue;
    }
    if (pad) throw Error(ErrorCode::malformed_data, "base64: data after the padding");
    const int v = b64_value(c);
    if (v < 0) throw Error(ErrorCode::malformed_data, "base64: a character outside the alphabet");
    ++symbols;
    acc = (acc << 6) | static_cast<std::uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<std::uint8_t>(acc >> bits));
      acc &= (1u << bits) - 1;
    }
  }
  if (symbols % 4 == 1 || pad > 2 || (pad && (symbols + pad) % 4 != 0))
    throw Error(ErrorCode::malformed_data, "base64: the length does not make whole bytes");
  return out;
}

std::string encode_base64(std::span<const std::uint8_t> bytes) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  for (std::size_t i = 0; i < bytes.size(); i += 3) {
    const std::uint32_t n = (std::uint32_t{bytes[i]} << 16) | (i + 1 < bytes.size() ? std::uint32_t{bytes[i + 1]} << 8 : 0) |
                            (i + 2 < bytes.size() ? bytes[i + 2] : 0);
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += i + 1 < bytes.size() ? kAlphabet[(n >> 6) & 63] : '=';
    out += i + 2 < bytes.size() ? kAlphabet[n & 63] : '=';
  }
  return out;
}

bool is_valid_utf8(std::string_view s) noexcept {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const std::size_t n = s.size();
  for (std::size_t i = 0; i < n;) {
    const unsigned char c = p[i];
    if (c < 0x80) {
      ++i;
      continue;
    }
    std::size_t len = 0;
    unsigned lo = 0x80, hi = 0xBF;  // the first continuation byte's range
    if (c >= 0xC2 && c <= 0xDF) {
      len = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
      len = 3;
      if (c == 0xE0) lo = 0xA0;        // overlong
      if (c == 0xED) hi = 0x9F;        // surrogates
    } else if (c >= 0xF0 && c <= 0xF4) {
      len = 4;
      if (c == 0xF0) lo = 0x90;        // overlong
      if (c == 0xF4) hi = 0x8F;        // past U+10FFFF
    } else {
      return false;  // a continuation byte, C0/C1, or F5-FF
    }
    if (i + len > n) return false;
    if (p[i + 1] < lo || p[i + 1] > hi) return false;
    for (std::size_t k = 2; k < len; ++k)
      if (p[i + k] < 0x80 || p[i + k] > 0xBF) return false;
    i += len;
  }
  return true;
}

}  // namespace tunggal
