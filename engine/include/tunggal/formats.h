// Template codecs: bytes <-> FingerTemplate, both directions, fully validated.
// Decoders never trust a length field, and reject malformed input with a
// tunggal::Error (ErrorCode::malformed_data, unsupported or limit_exceeded)
// whose message names the format, the field and the byte offset.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "tunggal/finger_template.h"

namespace tunggal {

enum class TemplateFormat : std::uint8_t {
  iso19794_2_2005,  // ISO/IEC 19794-2:2005 finger minutiae record
  ansi378_2004,     // ANSI INCITS 378-2004 finger minutiae record
  nist_xyt,         // NIST NBIS .xyt text ("x y theta [quality]" per line)
  native,           // tunggal's versioned little-endian binary with CRC-32C
};

// Short names used on the command line: "iso", "ansi", "xyt", "native".
std::string_view to_string(TemplateFormat format) noexcept;
std::optional<TemplateFormat> format_from_name(std::string_view name) noexcept;
// Guess from a file extension (".iso", ".ist", ".ansi", ".xyt", ".tgt").
std::optional<TemplateFormat> format_from_extension(std::string_view path) noexcept;

// How .xyt coordinates are written. mindtct's default is the NIST internal
// convention: origin bottom-left, theta in degrees pointing away from the
// ridge ending (180 degrees from ISO). mindtct -m1 writes the ANSI (M1) one:
// origin top-left, theta in 2-degree units (0-179) in the ISO direction.
enum class XytConvention : std::uint8_t { nist, m1 };

struct DecodeOptions {
  // A view with more minutiae than this is rejected (ISO and ANSI cannot store
  // more than 255 per view; real prints have 20-100).
  int max_minutiae = 255;
  // A view with no minutiae is rejected unless allowed: it cannot be matched,
  // and in a gallery it is almost always a failed capture.
  bool allow_empty = false;
  // .xyt only: the text carries no image header, so size and resolution come
  // from here. The NIST convention needs the image height to flip y.
  XytConvention xyt_convention = XytConvention::nist;
  std::uint16_t xyt_width = 0;
  std::uint16_t xyt_height = 0;
  std::uint16_t xyt_dpi = 500;
};

struct EncodeOptions {
  XytConvention xyt_convention = XytConvention::nist;
  bool xyt_quality = true;  // write the fourth (quality) column
};

// Limits shared by every decoder.
inline constexpr std::size_t kMaxTemplateBytes = 16u << 20;  // 16 MiB
inline constexpr int kMaxViewsPerRecord = 32;

std::vector<FingerTemplate> decode_iso19794_2(std::span<const std::uint8_t> bytes,
                                              const DecodeOptions& options = {});
std::vector<std::uint8_t> encode_iso19794_2(std::span<const FingerTemplate> views);

std::vector<FingerTemplate> decode_ansi378(std::span<const std::uint8_t> bytes,
                                           const DecodeOptions& options = {});
std::vector<std::uint8_t> encode_ansi378(std::span<const FingerTemplate> views);

// .xyt holds exactly one view.
FingerTemplate decode_xyt(std::span<const std::uint8_t> bytes, const DecodeOptions& options = {});
std::vector<std::uint8_t> encode_xyt(const FingerTemplate& view, const EncodeOptions& options = {});

std::vector<FingerTemplate> decode_native(std::span<const std::uint8_t> bytes,
                                          const DecodeOptions& options = {});
std::vector<std::uint8_t> encode_native(std::span<const FingerTemplate> views);

// Recognise a format from content (magic bytes and length fields), throwing
// ErrorCode::malformed_data or unsupported when nothing fits. A damaged
// ISO/ANSI record is still recognised (by the closer header layout) so that
// decoding it reports the precise problem.
TemplateFormat detect_format(std::span<const std::uint8_t> bytes);

std::vector<FingerTemplate> decode(std::span<const std::uint8_t> bytes, TemplateFormat format,
                                   const DecodeOptions& options = {});
std::vector<std::uint8_t> encode(std::span<const FingerTemplate> views, TemplateFormat format,
                                 const EncodeOptions& options = {});

// Checks one view against the rules every codec applies (positions and
// qualities in range, minutiae inside the image, counts within limits);
// throws ErrorCode::malformed_data naming the first problem. `where` prefixes
// the message (e.g. "ISO 19794-2 view 2").
void validate(const FingerTemplate& view, const DecodeOptions& options, std::string_view where);

}  // namespace tunggal
