// tunggal native template format, version 1. Little-endian, fixed widths, for
// fast gallery loading:
//   magic "TGFT" | u16 version | u16 view count | u32 payload bytes |
//   payload | u32 CRC-32C of everything before it
// Each view in the payload:
//   u16 width, height, dpi_x, dpi_y | u8 position, impression, view, quality |
//   u16 capture equipment | u32 product id | u16 minutiae | u16 extended bytes |
//   minutiae (u16 x, u16 y, f32 angle, u8 type, u8 quality) | extended data
#include <cstring>
#include <string>

#include "envelope.h"
#include "tunggal/formats.h"

namespace tunggal {
namespace {
constexpr std::string_view kName = "native template";
constexpr std::uint8_t kMagic[4] = {'T', 'G', 'F', 'T'};
constexpr std::uint16_t kVersion = 1;
}  // namespace

std::vector<FingerTemplate> decode_native(std::span<const std::uint8_t> bytes,
                                          const DecodeOptions& options) {
  const detail::Envelope env = detail::open_envelope(bytes, kName, kMagic, kVersion);
  const std::uint16_t view_count = env.word;
  if (view_count == 0) detail::throw_malformed(kName, 6, "no views");
  if (view_count > kMaxViewsPerRecord) {
    throw Error(ErrorCode::limit_exceeded, std::string(kName) + ": " + std::to_string(view_count) +
                                               " views exceed the limit of " +
                                               std::to_string(kMaxViewsPerRecord));
  }
  detail::ByteReader body(env.sealed, kName);
  body.take(detail::kEnvelopeHeader, "header");
  std::vector<FingerTemplate> views(view_count);
  for (unsigned v = 0; v < view_count; ++v) {
    FingerTemplate& t = views[v];
    t.width = body.le16("width");
    t.height = body.le16("height");
    t.dpi_x = body.le16("dpi x");
    t.dpi_y = body.le16("dpi y");
    t.position = static_cast<FingerPosition>(body.u8("finger position"));
    t.impression = static_cast<ImpressionType>(body.u8("impression type"));
    t.view = body.u8("view number");
    t.quality = body.u8("quality");
    t.capture_equipment = body.le16("capture equipment");
    t.product_id = body.le32("product id");
    const std::uint16_t count = body.le16("minutiae count");
    const std::uint16_t ext = body.le16("extended data length");
    if (count > options.max_minutiae) {
      throw Error(ErrorCode::limit_exceeded, std::string(kName) + " view " + std::to_string(v + 1) +
                                                 ": " + std::to_string(count) +
                                                 " minutiae exceed the limit of " +
                                                 std::to_string(options.max_minutiae));
    }
    // One bounds check for the whole array, then plain loads: this loop is
    // what gallery loading spends its time in.
    const std::uint8_t* p = body.take(std::size_t{count} * 10, "minutiae").data();
    t.minutiae.resize(count);
    for (Minutia& m : t.minutiae) {
      std::uint32_t angle_bits = std::uint32_t{p[4]} | (std::uint32_t{p[5]} << 8) |
                                 (std::uint32_t{p[6]} << 16) | (std::uint32_t{p[7]} << 24);
      m.x = static_cast<std::uint16_t>(p[0] | (p[1] << 8));
      m.y = static_cast<std::uint16_t>(p[2] | (p[3] << 8));
      std::memcpy(&m.angle, &angle_bits, sizeof m.angle);
      m.type = static_cast<MinutiaType>(p[8]);
      m.quality = p[9];
      p += 10;
    }
    const auto ext_bytes = body.take(ext, "extended data");
    t.extended_data.assign(ext_bytes.begin(), ext_bytes.end());
    validate(t, options, std::string(kName) + " view " + std::to_string(v + 1));
  }
  if (body.remaining() != 0) {
    detail::throw_malformed(kName, body.offset(),
                            std::to_string(body.remaining()) + " bytes follow the last view");
  }
  return views;
}

std::vector<std::uint8_t> encode_native(std::span<const FingerTemplate> views) {
  if (views.empty() || views.size() > kMaxViewsPerRecord) {
    throw Error(ErrorCode::invalid_argument, std::string(kName) + " encoder: needs 1 to " +
                                                 std::to_string(kMaxViewsPerRecord) + " views");
  }
  DecodeOptions rules;  // the decoder's default limits, so what we write reads back
  rules.allow_empty = true;
  detail::ByteWriter out;
  detail::begin_envelope(out, kMagic, kVersion, static_cast<std::uint16_t>(views.size()));
  for (std::size_t v = 0; v < views.size(); ++v) {
    const FingerTemplate& t = views[v];
    detail::as_encoder_argument(
        [&] { validate(t, rules, std::string(kName) + " encoder view " + std::to_string(v + 1)); });
    if (t.extended_data.size() > 65535) {
      throw Error(ErrorCode::invalid_argument,
                  std::string(kName) + " encoder: extended data longer than 65535 bytes");
    }
    out.le16(t.width);
    out.le16(t.height);
    out.le16(t.dpi_x);
    out.le16(t.dpi_y);
    out.u8(static_cast<std::uint8_t>(t.position));
    out.u8(static_cast<std::uint8_t>(t.impression));
    out.u8(t.view);
    out.u8(t.quality);
    out.le16(t.capture_equipment);
    out.le32(t.product_id);
    out.le16(static_cast<std::uint16_t>(t.minutiae.size()));
    out.le16(static_cast<std::uint16_t>(t.extended_data.size()));
    for (const Minutia& m : t.minutiae) {
      out.le16(m.x);
      out.le16(m.y);
      out.lef32(m.angle);
      out.u8(static_cast<std::uint8_t>(m.type));
      out.u8(m.quality);
    }
    out.append(t.extended_data);
  }
  detail::seal_envelope(out);
  return std::move(out.bytes());
}

}  // namespace tunggal
