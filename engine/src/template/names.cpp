#include <cstdio>

#include "tunggal/error.h"
#include "tunggal/finger_template.h"
#include "tunggal/formats.h"
#include "tunggal/version.h"

namespace tunggal {

std::string_view version() noexcept {
  return TUNGGAL_VERSION_STRING;
}

std::string_view to_string(ErrorCode code) noexcept {
  switch (code) {
    case ErrorCode::ok: return "ok";
    case ErrorCode::invalid_argument: return "invalid argument";
    case ErrorCode::malformed_data: return "malformed data";
    case ErrorCode::unsupported: return "unsupported";
    case ErrorCode::checksum_mismatch: return "checksum mismatch";
    case ErrorCode::io: return "i/o error";
    case ErrorCode::not_found: return "not found";
    case ErrorCode::limit_exceeded: return "limit exceeded";
    case ErrorCode::busy: return "busy";
    case ErrorCode::denied: return "denied";
    case ErrorCode::conflict: return "conflict";
    case ErrorCode::internal: return "internal error";
  }
  return "unknown error";
}

std::string_view to_string(MinutiaType type) noexcept {
  switch (type) {
    case MinutiaType::other: return "other";
    case MinutiaType::ending: return "ending";
    case MinutiaType::bifurcation: return "bifurcation";
  }
  return "invalid";
}

std::string_view to_string(FingerPosition position) noexcept {
  static constexpr std::string_view kNames[] = {
      "unknown",    "right thumb", "right index", "right middle", "right ring", "right little",
      "left thumb", "left index",  "left middle", "left ring",    "left little"};
  const auto i = static_cast<unsigned>(position);
  return i < std::size(kNames) ? kNames[i] : "invalid";
}

std::string_view to_string(ImpressionType type) noexcept {
  switch (type) {
    case ImpressionType::live_scan_plain: return "live-scan plain";
    case ImpressionType::live_scan_rolled: return "live-scan rolled";
    case ImpressionType::nonlive_scan_plain: return "non-live-scan plain";
    case ImpressionType::nonlive_scan_rolled: return "non-live-scan rolled";
    case ImpressionType::live_scan_swipe: return "live-scan swipe";
    case ImpressionType::live_scan_contactless: return "live-scan contactless";
  }
  return "invalid";
}

bool is_known_impression_type(std::uint8_t code) noexcept {
  return code <= 3 || code == 8 || code == 9;
}

std::string_view to_string(TemplateFormat format) noexcept {
  switch (format) {
    case TemplateFormat::iso19794_2_2005: return "iso";
    case TemplateFormat::ansi378_2004: return "ansi";
    case TemplateFormat::nist_xyt: return "xyt";
    case TemplateFormat::native: return "native";
  }
  return "invalid";
}

std::optional<TemplateFormat> format_from_name(std::string_view name) noexcept {
  for (auto f : {TemplateFormat::iso19794_2_2005, TemplateFormat::ansi378_2004,
                 TemplateFormat::nist_xyt, TemplateFormat::native}) {
    if (name == to_string(f)) return f;
  }
  if (name == "iso19794-2" || name == "iso19794_2") return TemplateFormat::iso19794_2_2005;
  if (name == "ansi378" || name == "incits378") return TemplateFormat::ansi378_2004;
  return std::nullopt;
}

std::optional<TemplateFormat> format_from_extension(std::string_view path) noexcept {
  const auto dot = path.rfind('.');
  if (dot == std::string_view::npos) return std::nullopt;
  std::string ext(path.substr(dot + 1));
  for (auto& c : ext) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  if (ext == "iso" || ext == "ist" || ext == "fmr") return TemplateFormat::iso19794_2_2005;
  if (ext == "ansi" || ext == "378") return TemplateFormat::ansi378_2004;
  if (ext == "xyt") return TemplateFormat::nist_xyt;
  if (ext == "tgt") return TemplateFormat::native;
  return std::nullopt;
}

}  // namespace tunggal
