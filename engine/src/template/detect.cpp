#include <algorithm>
#include <string>

#include "byte_io.h"
#include "tunggal/formats.h"

namespace tunggal {
namespace {

std::uint32_t be32_at(std::span<const std::uint8_t> b, std::size_t at) {
  return (std::uint32_t{b[at]} << 24) | (std::uint32_t{b[at + 1]} << 16) |
         (std::uint32_t{b[at + 2]} << 8) | b[at + 3];
}

// A length field is plausible when the record fits the input and only zero
// padding follows it.
bool plausible_length(std::span<const std::uint8_t> b, std::uint64_t length, std::size_t header) {
  if (length < header || length > b.size()) return false;
  return std::all_of(b.begin() + static_cast<std::ptrdiff_t>(length), b.end(),
                     [](std::uint8_t c) { return c == 0; });
}

bool looks_like_xyt(std::span<const std::uint8_t> b) {
  if (b.empty()) return false;
  bool digit = false;
  for (std::uint8_t c : b) {
    if (c >= '0' && c <= '9') {
      digit = true;
    } else if (c != ' ' && c != '\t' && c != '\r' && c != '\n' && c != '-') {
      return false;
    }
  }
  return digit;
}

}  // namespace

TemplateFormat detect_format(std::span<const std::uint8_t> b) {
  if (b.size() >= 4 && std::equal(b.begin(), b.begin() + 4, "TGFT")) return TemplateFormat::native;
  if (b.size() >= 8 && std::equal(b.begin(), b.begin() + 4, "FMR")) {
    if (!std::equal(b.begin() + 4, b.begin() + 8, " 20")) {
      throw Error(ErrorCode::unsupported,
                  "FMR record of a version other than \" 20\" (2004/2005 editions): not "
                  "supported");
    }
    if (b.size() < 26) {
      throw Error(ErrorCode::malformed_data,
                  "FMR record: truncated header (" + std::to_string(b.size()) + " bytes)");
    }
    const bool iso = plausible_length(b, be32_at(b, 8), 24);
    const std::uint32_t short_len = (std::uint32_t{b[8]} << 8) | b[9];
    const bool ansi = short_len != 0 ? plausible_length(b, short_len, 26)
                                     : b.size() >= 14 && plausible_length(b, be32_at(b, 10), 30);
    if (iso && !ansi) return TemplateFormat::iso19794_2_2005;
    if (ansi && !iso) return TemplateFormat::ansi378_2004;
    if (iso && ansi) return TemplateFormat::iso19794_2_2005;
    // Neither length fits: the record is damaged. Name the closer dialect so
    // its decoder reports exactly what is wrong (ISO records under 64 KiB
    // start their 4-byte length with two zero bytes; ANSI's 2-byte length
    // is non-zero there).
    return short_len == 0 ? TemplateFormat::iso19794_2_2005 : TemplateFormat::ansi378_2004;
  }
  if (looks_like_xyt(b)) return TemplateFormat::nist_xyt;
  throw Error(ErrorCode::malformed_data,
              b.empty() ? std::string("empty input is not a template")
                        : std::string("unrecognised template format (not ISO 19794-2, ANSI 378, "
                                      ".xyt or native)"));
}

std::vector<FingerTemplate> decode(std::span<const std::uint8_t> bytes, TemplateFormat format,
                                   const DecodeOptions& options) {
  switch (format) {
    case TemplateFormat::iso19794_2_2005: return decode_iso19794_2(bytes, options);
    case TemplateFormat::ansi378_2004: return decode_ansi378(bytes, options);
    case TemplateFormat::nist_xyt: return {decode_xyt(bytes, options)};
    case TemplateFormat::native: return decode_native(bytes, options);
  }
  throw Error(ErrorCode::invalid_argument, "unknown template format");
}

std::vector<std::uint8_t> encode(std::span<const FingerTemplate> views, TemplateFormat format,
                                 const EncodeOptions& options) {
  switch (format) {
    case TemplateFormat::iso19794_2_2005: return encode_iso19794_2(views);
    case TemplateFormat::ansi378_2004: return encode_ansi378(views);
    case TemplateFormat::nist_xyt:
      if (views.size() != 1) {
        throw Error(ErrorCode::invalid_argument,
                    ".xyt holds one finger view; this record has " + std::to_string(views.size()));
      }
      return encode_xyt(views.front(), options);
    case TemplateFormat::native: return encode_native(views);
  }
  throw Error(ErrorCode::invalid_argument, "unknown template format");
}

}  // namespace tunggal
