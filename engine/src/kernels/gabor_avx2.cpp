// Compiled with -mavx2 (engine/CMakeLists.txt); called only when the CPU
// has AVX2. 16 taps per row = one 256-bit load; madd pairs int16 products
// into int32 exactly as the scalar loop sums them.
#include <immintrin.h>

#include <algorithm>

#include "gabor.h"

namespace tunggal::kernels {

std::int16_t gabor_finish(std::int32_t acc, int gain);

void gabor_rows_avx2(const GaborPass& p, int y0, int y1) {
  for (int y = y0; y < y1; ++y) {
    for (int x = 0; x < p.width; ++x) {
      const std::int16_t* k =
          p.bank +
          static_cast<std::size_t>(p.kernel_index[static_cast<std::size_t>(y) * p.width + x]) *
              kGaborSide * kGaborRow;
      const std::int16_t* s = p.src + static_cast<std::size_t>(y) * p.stride + x;
      __m256i acc = _mm256_setzero_si256();
      for (int r = 0; r < kGaborSide; ++r) {
        const __m256i sv = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(s + r * p.stride));
        const __m256i kv = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(k + r * kGaborRow));
        acc = _mm256_add_epi32(acc, _mm256_madd_epi16(sv, kv));
      }
      __m128i v = _mm_add_epi32(_mm256_castsi256_si128(acc), _mm256_extracti128_si256(acc, 1));
      v = _mm_add_epi32(v, _mm_shuffle_epi32(v, 0x4E));
      v = _mm_add_epi32(v, _mm_shuffle_epi32(v, 0xB1));
      p.dst[static_cast<std::size_t>(y + kGaborRadius) * p.stride + x + kGaborRadius] =
          gabor_finish(_mm_cvtsi128_si32(v), p.gain);
    }
  }
}

}  // namespace tunggal::kernels
