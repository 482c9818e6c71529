#include <array>

#include "crc32c.h"

namespace tunggal::kernels {
namespace {
constexpr std::uint32_t kPoly = 0x82F63B78u;  // reflected Castagnoli polynomial

constexpr std::array<std::uint32_t, 256> make_table() {
  std::array<std::uint32_t, 256> t{};
  for (std::uint32_t i = 0; i < 256; ++i) {
    std::uint32_t c = i;
    for (int k = 0; k < 8; ++k) c = (c & 1) ? (c >> 1) ^ kPoly : c >> 1;
    t[i] = c;
  }
  return t;
}
constexpr auto kTable = make_table();
}  // namespace

std::uint32_t crc32c_scalar(std::uint32_t crc, std::span<const std::uint8_t> data) noexcept {
  crc = ~crc;
  for (std::uint8_t b : data) crc = kTable[(crc ^ b) & 0xFF] ^ (crc >> 8);
  return ~crc;
}

std::uint32_t crc32c(std::span<const std::uint8_t> data, std::uint32_t crc,
                     SimdLevel level) noexcept {
  if (usable_simd_level(level) >= SimdLevel::sse42) return crc32c_sse42(crc, data);
  return crc32c_scalar(crc, data);
}

}  // namespace tunggal::kernels
