// ISO/IEC 19794-2:2005 and ANSI INCITS 378-2004 finger minutiae records.
// The two share their finger-view layout; they differ in the general header
// (ANSI has a 2- or 6-byte length and a CBEFF product id) and in angle units
// (ISO: 256 per turn, ANSI: 2 degrees, 0-179).
#include <algorithm>
#include <string>

#include "byte_io.h"
#include "tunggal/formats.h"

namespace tunggal {
namespace {

enum class Dialect { iso, ansi };

constexpr std::uint8_t kMagic[8] = {'F', 'M', 'R', 0, ' ', '2', '0', 0};

std::string_view dialect_name(Dialect d) {
  return d == Dialect::iso ? "ISO 19794-2" : "ANSI 378";
}
unsigned units_per_turn(Dialect d) {
  return d == Dialect::iso ? 256u : 180u;
}

// ISO and ANSI store resolution in pixels per centimetre; we keep dpi. Several
// dpi values share one ppcm (600 and 599 are both 236), so a ppcm decodes to
// the roundest dpi that encodes back to it (600, not 599): ppcm -> dpi -> ppcm
// is exact, and so is dpi -> ppcm -> dpi for the usual resolutions.
std::uint16_t dpi_to_ppcm(std::uint16_t dpi);
std::uint16_t ppcm_to_dpi(std::uint16_t ppcm) {
  const long centre = std::lround(ppcm * 2.54);
  long best = -1;
  int best_rank = -1;
  for (long d = std::max(1L, centre - 2); d <= std::min(65535L, centre + 2); ++d) {
    if (dpi_to_ppcm(static_cast<std::uint16_t>(d)) != ppcm) continue;
    const int rank = d % 100 == 0 ? 4 : d % 50 == 0 ? 3 : d % 10 == 0 ? 2 : d == centre ? 1 : 0;
    if (rank > best_rank) {
      best_rank = rank;
      best = d;
    }
  }
  return static_cast<std::uint16_t>(best < 0 ? std::min(65535L, centre) : best);
}
std::uint16_t dpi_to_ppcm(std::uint16_t dpi) {
  return static_cast<std::uint16_t>(std::lround(dpi / 2.54));
}

std::vector<FingerTemplate> decode_fmr(std::span<const std::uint8_t> bytes,
                                       const DecodeOptions& options, Dialect dialect) {
  const std::string_view name = dialect_name(dialect);
  if (bytes.size() > kMaxTemplateBytes) {
    throw Error(ErrorCode::limit_exceeded, std::string(name) + ": record of " +
                                               std::to_string(bytes.size()) +
                                               " bytes exceeds the 16 MiB limit");
  }
  detail::ByteReader in(bytes, name);
  const auto magic = in.take(8, "format identifier and version");
  if (!std::equal(magic.begin(), magic.begin() + 4, kMagic)) {
    detail::throw_malformed(name, 0, "format identifier is not \"FMR\\0\"");
  }
  if (!std::equal(magic.begin() + 4, magic.end(), kMagic + 4)) {
    throw Error(ErrorCode::unsupported,
                std::string(name) + ": version \"" +
                    std::string(reinterpret_cast<const char*>(magic.data()) + 4, 3) +
                    "\" is not supported (only \" 20\", the 2004/2005 editions)");
  }
  std::uint64_t length = 0;
  std::uint32_t product_id = 0;
  if (dialect == Dialect::iso) {
    length = in.be32("record length");
  } else {
    length = in.be16("record length");
    if (length == 0) length = in.be32("extended record length");
    product_id = in.be32("CBEFF product identifier");
  }
  const std::size_t header_len = in.offset() + 12;
  if (length < header_len) {
    detail::throw_malformed(name, 8,
                            "record length " + std::to_string(length) +
                                " is shorter than the header (" + std::to_string(header_len) +
                                " bytes)");
  }
  if (length > bytes.size()) {
    detail::throw_malformed(name, 8,
                            "truncated: record length says " + std::to_string(length) +
                                " bytes, only " + std::to_string(bytes.size()) + " present");
  }
  // Some writers pad records to a fixed size with zeros; anything else after
  // the record is not ours to ignore.
  for (std::size_t i = length; i < bytes.size(); ++i) {
    if (bytes[i] != 0) {
      detail::throw_malformed(name, i,
                              std::to_string(bytes.size() - length) +
                                  " unexpected non-zero bytes after the record's " +
                                  std::to_string(length) + " bytes");
    }
  }
  const std::uint16_t equipment = in.be16("capture equipment");
  const std::uint16_t width = in.be16("image width");
  const std::uint16_t height = in.be16("image height");
  const std::uint16_t res_x = in.be16("x resolution");
  const std::uint16_t res_y = in.be16("y resolution");
  const std::uint8_t view_count = in.u8("number of finger views");
  in.u8("reserved byte");
  if (width == 0 || height == 0) {
    detail::throw_malformed(
        name, in.offset() - 10,
        "image size " + std::to_string(width) + "x" + std::to_string(height) + " is empty");
  }
  if (res_x == 0 || res_y == 0)
    detail::throw_malformed(name, in.offset() - 6, "resolution is zero");
  if (view_count == 0) detail::throw_malformed(name, in.offset() - 2, "record has no finger views");
  if (view_count > kMaxViewsPerRecord) {
    throw Error(ErrorCode::limit_exceeded, std::string(name) + ": " + std::to_string(view_count) +
                                               " finger views exceed the limit of " +
                                               std::to_string(kMaxViewsPerRecord));
  }

  detail::ByteReader body(bytes.first(length), name);
  body.take(in.offset(), "header");
  std::vector<FingerTemplate> views;
  views.reserve(view_count);
  for (unsigned v = 0; v < view_count; ++v) {
    const std::string where = std::string(name) + " view " + std::to_string(v + 1);
    FingerTemplate t;
    t.width = width;
    t.height = height;
    t.dpi_x = ppcm_to_dpi(res_x);
    t.dpi_y = ppcm_to_dpi(res_y);
    t.capture_equipment = equipment;
    t.product_id = product_id;
    const std::size_t view_at = body.offset();
    const std::uint8_t position = body.u8("finger position");
    const std::uint8_t view_impression = body.u8("view number / impression type");
    t.quality = body.u8("finger quality");
    const std::uint8_t count = body.u8("number of minutiae");
    if (position > kMaxFingerPosition) {
      detail::throw_malformed(where, view_at,
                              "finger position " + std::to_string(position) +
                                  " is not a single-finger ISO code (0-10)");
    }
    t.position = static_cast<FingerPosition>(position);
    t.view = view_impression >> 4;
    t.impression = static_cast<ImpressionType>(view_impression & 0x0F);
    body.need(std::size_t{count} * 6, "minutiae");
    t.minutiae.resize(count);
    for (unsigned i = 0; i < count; ++i) {
      const std::size_t at = body.offset();
      const std::uint16_t tx = body.be16("minutia type/x");
      const std::uint16_t ry = body.be16("minutia y");
      const std::uint8_t angle = body.u8("minutia angle");
      const std::uint8_t quality = body.u8("minutia quality");
      const unsigned type = tx >> 14;
      if (type == 3) {
        detail::throw_malformed(
            where, at, "minutia " + std::to_string(i + 1) + " has the reserved type code 3");
      }
      if ((ry >> 14) != 0) {
        detail::throw_malformed(
            where, at + 2, "minutia " + std::to_string(i + 1) + " sets the reserved bits of y");
      }
      if (angle >= units_per_turn(dialect)) {
        detail::throw_malformed(where, at + 4,
                                "minutia " + std::to_string(i + 1) + " angle " +
                                    std::to_string(angle) + " exceeds 179");
      }
      Minutia& m = t.minutiae[i];
      m.x = tx & 0x3FFF;
      m.y = ry & 0x3FFF;
      m.angle = detail::angle_from_units(angle, units_per_turn(dialect));
      m.type = static_cast<MinutiaType>(type);
      m.quality = quality;
    }
    // Extended data: a 2-byte block length, then areas; validate() checks
    // their structure (shared with the native format).
    const std::uint16_t ext_len = body.be16("extended data block length");
    const auto ext = body.take(ext_len, "extended data block");
    t.extended_data.assign(ext.begin(), ext.end());
    validate(t, options, where);
    views.push_back(std::move(t));
  }
  if (body.remaining() != 0) {
    detail::throw_malformed(name, body.offset(),
                            std::to_string(body.remaining()) +
                                " bytes inside the record length follow the last finger view");
  }
  return views;
}

std::vector<std::uint8_t> encode_fmr(std::span<const FingerTemplate> views, Dialect dialect) {
  const std::string_view name = dialect_name(dialect);
  auto invalid = [&](const std::string& what) {
    throw Error(ErrorCode::invalid_argument, std::string(name) + " encoder: " + what);
  };
  if (views.empty()) invalid("no finger views to write");
  if (views.size() > static_cast<std::size_t>(kMaxViewsPerRecord)) {
    invalid("more than " + std::to_string(kMaxViewsPerRecord) + " finger views");
  }
  const FingerTemplate& first = views.front();
  if (first.width == 0 || first.height == 0) invalid("image size unknown (0)");
  if (dpi_to_ppcm(first.dpi_x) == 0 || dpi_to_ppcm(first.dpi_y) == 0) {
    invalid("resolution below 1 pixel per centimetre");
  }
  DecodeOptions rules;
  rules.allow_empty = true;
  for (std::size_t v = 0; v < views.size(); ++v) {
    const FingerTemplate& t = views[v];
    detail::as_encoder_argument(
        [&] { validate(t, rules, std::string(name) + " encoder view " + std::to_string(v + 1)); });
    if (t.width != first.width || t.height != first.height || t.dpi_x != first.dpi_x ||
        t.dpi_y != first.dpi_y || t.capture_equipment != first.capture_equipment ||
        t.product_id != first.product_id) {
      invalid("all views of one record must share image size, resolution and capture device");
    }
    if (t.extended_data.size() > 65535) invalid("extended data longer than 65535 bytes");
    for (const auto& m : t.minutiae) {
      if (m.x > 0x3FFF || m.y > 0x3FFF) invalid("coordinate exceeds 14 bits");
    }
  }
  detail::ByteWriter out;
  out.append(kMagic);
  std::size_t length_at = out.bytes().size();
  if (dialect == Dialect::iso) {
    out.be32(0);
  } else {
    out.be16(0);  // patched below; becomes 0 + 4-byte length if the record is large
    out.be32(first.product_id);
  }
  out.be16(first.capture_equipment);
  out.be16(first.width);
  out.be16(first.height);
  out.be16(dpi_to_ppcm(first.dpi_x));
  out.be16(dpi_to_ppcm(first.dpi_y));
  out.u8(static_cast<std::uint8_t>(views.size()));
  out.u8(0);
  for (const FingerTemplate& t : views) {
    out.u8(static_cast<std::uint8_t>(t.position));
    out.u8(static_cast<std::uint8_t>((t.view << 4) | static_cast<std::uint8_t>(t.impression)));
    out.u8(t.quality);
    out.u8(static_cast<std::uint8_t>(t.minutiae.size()));
    for (const Minutia& m : t.minutiae) {
      out.be16(static_cast<std::uint16_t>((static_cast<unsigned>(m.type) << 14) | m.x));
      out.be16(m.y);
      out.u8(static_cast<std::uint8_t>(detail::angle_to_units(m.angle, units_per_turn(dialect))));
      out.u8(m.quality);
    }
    out.be16(static_cast<std::uint16_t>(t.extended_data.size()));
    out.append(t.extended_data);
  }
  auto& bytes = out.bytes();
  if (dialect == Dialect::iso) {
    out.put_be32_at(length_at, static_cast<std::uint32_t>(bytes.size()));
  } else if (bytes.size() <= 0xFFFF) {
    bytes[length_at] = static_cast<std::uint8_t>(bytes.size() >> 8);
    bytes[length_at + 1] = static_cast<std::uint8_t>(bytes.size());
  } else {
    // 6-byte form: 0x0000 then a 4-byte length covering the 4 inserted bytes.
    bytes.insert(bytes.begin() + static_cast<std::ptrdiff_t>(length_at) + 2, 4, 0);
    out.put_be32_at(length_at + 2, static_cast<std::uint32_t>(bytes.size()));
  }
  return std::move(bytes);
}

}  // namespace

std::vector<FingerTemplate> decode_iso19794_2(std::span<const std::uint8_t> bytes,
                                              const DecodeOptions& options) {
  return decode_fmr(bytes, options, Dialect::iso);
}
std::vector<std::uint8_t> encode_iso19794_2(std::span<const FingerTemplate> views) {
  return encode_fmr(views, Dialect::iso);
}
std::vector<FingerTemplate> decode_ansi378(std::span<const std::uint8_t> bytes,
                                           const DecodeOptions& options) {
  return decode_fmr(bytes, options, Dialect::ansi);
}
std::vector<std::uint8_t> encode_ansi378(std::span<const FingerTemplate> views) {
  return encode_fmr(views, Dialect::ansi);
}

}  // namespace tunggal
