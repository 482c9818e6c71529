// Compiled with -msse4.2 (engine/CMakeLists.txt); only called after runtime
// detection says the CPU has SSE4.2.
#include <nmmintrin.h>

#include <cstring>

#include "crc32c.h"

namespace tunggal::kernels {

std::uint32_t crc32c_sse42(std::uint32_t crc, std::span<const std::uint8_t> data) noexcept {
  std::uint64_t c = ~crc;
  const std::uint8_t* p = data.data();
  std::size_t n = data.size();
  while (n >= 8) {
    std::uint64_t word;
    std::memcpy(&word, p, 8);  // unaligned-safe load
    c = _mm_crc32_u64(c, word);
    p += 8;
    n -= 8;
  }
  auto c32 = static_cast<std::uint32_t>(c);
  while (n-- > 0) c32 = _mm_crc32_u8(c32, *p++);
  return ~c32;
}

}  // namespace tunggal::kernels
