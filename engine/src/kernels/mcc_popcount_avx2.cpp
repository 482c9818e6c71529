// Compiled with -mavx2; called only when the CPU has AVX2. Popcount of
// 256-bit vectors by the nibble lookup (Mula), accumulated with sad_epu8.
#include <immintrin.h>

#include "mcc_popcount.h"

namespace tunggal::kernels {
namespace {

inline __m256i popcount_bytes(__m256i v) {
  const __m256i table = _mm256_setr_epi8(0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4, 0, 1, 1, 2,
                                         1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4);
  const __m256i low = _mm256_set1_epi8(0x0F);
  const __m256i lo = _mm256_shuffle_epi8(table, _mm256_and_si256(v, low));
  const __m256i hi = _mm256_shuffle_epi8(table, _mm256_and_si256(_mm256_srli_epi16(v, 4), low));
  return _mm256_add_epi8(lo, hi);
}

inline std::uint32_t horizontal_sum(__m256i bytes_sums) {  // 4 x u64 from sad
  const __m128i s =
      _mm_add_epi64(_mm256_castsi256_si128(bytes_sums), _mm256_extracti128_si256(bytes_sums, 1));
  return static_cast<std::uint32_t>(_mm_cvtsi128_si64(s) + _mm_extract_epi64(s, 1));
}

}  // namespace

CylinderCounts mcc_counts_avx2(const std::uint64_t* ca, const std::uint64_t* va,
                               const std::uint64_t* cb, const std::uint64_t* vb,
                               int words) noexcept {
  __m256i common = _mm256_setzero_si256(), a = common, b = common, x = common;
  const __m256i zero = _mm256_setzero_si256();
  for (int i = 0; i < words; i += 4) {
    const __m256i vca = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(ca + i));
    const __m256i vcb = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(cb + i));
    const __m256i vv =
        _mm256_and_si256(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(va + i)),
                         _mm256_loadu_si256(reinterpret_cast<const __m256i*>(vb + i)));
    // Byte counts are at most 8 each: summing four stays below 256, but sad
    // per step keeps it simple and exact.
    common = _mm256_add_epi64(common, _mm256_sad_epu8(popcount_bytes(vv), zero));
    a = _mm256_add_epi64(a, _mm256_sad_epu8(popcount_bytes(_mm256_and_si256(vca, vv)), zero));
    b = _mm256_add_epi64(b, _mm256_sad_epu8(popcount_bytes(_mm256_and_si256(vcb, vv)), zero));
    x = _mm256_add_epi64(
        x, _mm256_sad_epu8(popcount_bytes(_mm256_and_si256(_mm256_xor_si256(vca, vcb), vv)), zero));
  }
  return {horizontal_sum(common), horizontal_sum(a), horizontal_sum(b), horizontal_sum(x)};
}

}  // namespace tunggal::kernels
