// The envelope shared by tunggal's native binary formats (templates "TGFT",
// person records "TGPR"): magic(4) | u16 version | u16 word (format-defined)
// | u32 payload bytes | payload | u32 CRC-32C of everything before it.
#pragma once

#include <string>

#include "../kernels/crc32c.h"
#include "byte_io.h"
#include "tunggal/formats.h"

namespace tunggal::detail {

inline constexpr std::size_t kEnvelopeHeader = 12;

struct Envelope {
  std::uint16_t version = 0;
  std::uint16_t word = 0;                // view count, flags...
  std::span<const std::uint8_t> sealed;  // header + payload (the CRC's input)
};

// Checks size limit, magic, version, payload length and checksum; the caller
// parses `sealed` from byte kEnvelopeHeader on.
inline Envelope open_envelope(std::span<const std::uint8_t> bytes, std::string_view name,
                              const std::uint8_t (&magic)[4], std::uint16_t max_version) {
  if (bytes.size() > kMaxTemplateBytes) {
    throw Error(ErrorCode::limit_exceeded, std::string(name) + ": " + std::to_string(bytes.size()) +
                                               " bytes exceed the 16 MiB limit");
  }
  ByteReader in(bytes, name);
  const auto m = in.take(4, "magic");
  if (!std::equal(m.begin(), m.end(), magic)) {
    throw_malformed(
        name, 0, "magic is not \"" + std::string(reinterpret_cast<const char*>(magic), 4) + "\"");
  }
  Envelope e;
  e.version = in.le16("version");
  if (e.version == 0 || e.version > max_version) {
    throw Error(ErrorCode::unsupported, std::string(name) + ": version " +
                                            std::to_string(e.version) +
                                            " is not readable by this library (reads up to " +
                                            std::to_string(max_version) + ")");
  }
  e.word = in.le16("header word");
  const std::uint32_t payload = in.le32("payload length");
  if (std::uint64_t{payload} + kEnvelopeHeader + 4 != bytes.size()) {
    throw_malformed(name, 8,
                    "payload length " + std::to_string(payload) + " does not match the " +
                        std::to_string(bytes.size()) + "-byte input");
  }
  e.sealed = bytes.first(kEnvelopeHeader + payload);
  ByteReader tail(bytes.subspan(kEnvelopeHeader + payload), name);
  if (tail.le32("checksum") != kernels::crc32c(e.sealed)) {
    throw Error(ErrorCode::checksum_mismatch,
                std::string(name) + ": CRC-32C mismatch, the data is corrupt");
  }
  return e;
}

inline void begin_envelope(ByteWriter& out, const std::uint8_t (&magic)[4], std::uint16_t version,
                           std::uint16_t word) {
  out.append(magic);
  out.le16(version);
  out.le16(word);
  out.le32(0);  // payload length, set by seal_envelope
}

inline void seal_envelope(ByteWriter& out) {
  auto& bytes = out.bytes();
  const auto payload = static_cast<std::uint32_t>(bytes.size() - kEnvelopeHeader);
  for (int i = 0; i < 4; ++i) bytes[8 + i] = static_cast<std::uint8_t>(payload >> (8 * i));
  out.le32(kernels::crc32c(bytes));
}

}  // namespace tunggal::detail
