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

#include "../kernels/crc32c.h"
#include "byte_io.h"
#include "tunggal/formats.h"

namespace tunggal {
namespace {
constexpr std::string_view kName = "native template";
constexpr std::uint8_t kMagic[4] = {'T', 'G', 'F', 'T'};
constexpr std::uint16_t kVersion = 1;
constexpr std::size_t kHeaderBytes = 12;
}  // namespace

std::vector<FingerTemplate> decode_native(std::span<const std::uint8_t> bytes,
                                          const DecodeOptions& options) {
  if (bytes.size() > kMaxTemplateBytes) {
    throw Error(ErrorCode::limit_exceeded, std::string(kName) + ": " +
                                               std::to_string(bytes.size()) +
                                               " bytes exceed the 16 MiB limit");
  }
  detail::ByteReader in(bytes, kName);
  const auto magic = in.take(4, "magic");
  if (!std::equal(magic.begin(), magic.end(), kMagic)) {
    detail::throw_malformed(kName, 0, "magic is not \"TGFT\"");
  }
  const std::uint16_t version = in.le16("version");
  if (version == 0 || version > kVersion) {
    throw Error(ErrorCode::unsupported, std::string(kName) + ": version " +
                                            std::to_string(version) +
                                            " is not readable by this library (reads 1)");
  }
  const std::uint16_t view_count = in.le16("view count");
  const std::uint32_t payload = in.le32("payload length");
  if (std::uint64_t{payload} + kHeaderBytes + 4 != bytes.size()) {
    detail::throw_malformed(kName, 8,
                            "payload length " + std::to_string(payload) + " does not match the " +
                                std::to_string(bytes.size()) + "-byte input");
  }
  const auto body_span = bytes.first(kHeaderBytes + payload);
  detail::ByteReader tail(bytes.subspan(kHeaderBytes + payload), kName);
  const std::uint32_t stored = tail.le32("checksum");
  const std::uint32_t actual = kernels::crc32c(body_span);
  if (stored != actual) {
    throw Error(ErrorCode::checksum_mismatch,
                std::string(kName) + ": CRC-32C mismatch, the data is corrupt");
  }
  if (view_count == 0) detail::throw_malformed(kName, 6, "no views");
  if (view_count > kMaxViewsPerRecord) {
    throw Error(ErrorCode::limit_exceeded, std::string(kName) + ": " + std::to_string(view_count) +
                                               " views exceed the limit of " +
                                               std::to_string(kMaxViewsPerRecord));
  }
  detail::ByteReader body(body_span, kName);
  body.take(kHeaderBytes, "header");
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
  out.append(kMagic);
  out.le16(kVersion);
  out.le16(static_cast<std::uint16_t>(views.size()));
  out.le32(0);  // payload length, patched below
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
  auto& bytes = out.bytes();
  const auto payload = static_cast<std::uint32_t>(bytes.size() - kHeaderBytes);
  for (int i = 0; i < 4; ++i) bytes[8 + i] = static_cast<std::uint8_t>(payload >> (8 * i));
  out.le32(kernels::crc32c(bytes));
  return std::move(bytes);
}

}  // namespace tunggal
