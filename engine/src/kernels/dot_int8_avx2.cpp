// Built with -mavx2; called only after runtime detection.
#include <immintrin.h>

#include <algorithm>

#include "dot_int8.h"

namespace tunggal::kernels {
namespace {

// sum of a[k] * b[k] over 32 bytes into 8 int32 lanes: |b| as unsigned
// times a with b's sign, pairwise (at most 2 * 127 * 127, no saturation),
// then widened.
inline __m256i dot32(__m256i abs_b, __m256i a_signed_by_b, __m256i ones) {
  return _mm256_madd_epi16(_mm256_maddubs_epi16(abs_b, a_signed_by_b), ones);
}

constexpr std::size_t kAhead = 8;  // rows prefetched ahead of the single-query scan

inline std::int32_t hsum(__m256i v) {
  __m128i s = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
  s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0x4e));
  s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0xb1));
  return _mm_cvtsi128_si32(s);
}

}  // namespace

void dot_int8_rows_avx2(const std::int8_t* queries, std::size_t n_queries, const std::int8_t* rows,
                        std::size_t count, std::size_t stride, std::size_t dim,
                        std::int32_t* out) noexcept {
  const __m256i ones = _mm256_set1_epi16(1);
  const std::size_t full = n_queries / 4 * 4;
  // Four queries per pass over a tile of rows small enough to stay in L2
  // (each row loaded from memory once for all queries, then from cache once
  // per four).
  constexpr std::size_t kTile = 256;
  for (std::size_t t0 = 0; t0 < count && full > 0; t0 += kTile) {
    const std::size_t t1 = std::min(count, t0 + kTile);
    for (std::size_t q0 = 0; q0 < full; q0 += 4) {
      const std::int8_t* a0 = queries + q0 * stride;
      for (std::size_t r = t0; r < t1; ++r) {
        const std::int8_t* b = rows + r * stride;
        __m256i s0 = _mm256_setzero_si256(), s1 = s0, s2 = s0, s3 = s0;
        for (std::size_t k = 0; k < dim; k += 32) {
          const __m256i vb = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b + k));
          const __m256i ab = _mm256_sign_epi8(vb, vb);
          const auto qa = [&](std::size_t i) {
            return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(a0 + i * stride + k));
          };
          s0 = _mm256_add_epi32(s0, dot32(ab, _mm256_sign_epi8(qa(0), vb), ones));
          s1 = _mm256_add_epi32(s1, dot32(ab, _mm256_sign_epi8(qa(1), vb), ones));
          s2 = _mm256_add_epi32(s2, dot32(ab, _mm256_sign_epi8(qa(2), vb), ones));
          s3 = _mm256_add_epi32(s3, dot32(ab, _mm256_sign_epi8(qa(3), vb), ones));
        }
        out[(q0 + 0) * count + r] = hsum(s0);
        out[(q0 + 1) * count + r] = hsum(s1);
        out[(q0 + 2) * count + r] = hsum(s2);
        out[(q0 + 3) * count + r] = hsum(s3);
      }
    }
  }
  // The rest one query at a time, two rows per step (two dependency chains).
  for (std::size_t q0 = full; q0 < n_queries; ++q0) {
    const std::int8_t* a = queries + q0 * stride;
    std::size_t r = 0;
    for (; r + 2 <= count; r += 2) {
      const std::int8_t* b0 = rows + r * stride;
      const std::int8_t* b1 = b0 + stride;
      __m256i s0 = _mm256_setzero_si256(), s1 = s0;
      for (std::size_t k = 0; k < dim; k += 32) {
        // One probe streams the gallery from memory: fetch a few rows ahead
        // (measured on 100,000 rows: 16 -> 22 M rows/s).
        _mm_prefetch(reinterpret_cast<const char*>(b0 + kAhead * stride + k), _MM_HINT_T0);
        _mm_prefetch(reinterpret_cast<const char*>(b1 + kAhead * stride + k), _MM_HINT_T0);
        const __m256i va = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(a + k));
        const __m256i x0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b0 + k));
        const __m256i x1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b1 + k));
        s0 = _mm256_add_epi32(s0, dot32(_mm256_sign_epi8(x0, x0), _mm256_sign_epi8(va, x0), ones));
        s1 = _mm256_add_epi32(s1, dot32(_mm256_sign_epi8(x1, x1), _mm256_sign_epi8(va, x1), ones));
      }
      out[q0 * count + r] = hsum(s0);
      out[q0 * count + r + 1] = hsum(s1);
    }
    for (; r < count; ++r) {
      const std::int8_t* b = rows + r * stride;
      __m256i s = _mm256_setzero_si256();
      for (std::size_t k = 0; k < dim; k += 32) {
        const __m256i va = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(a + k));
        const __m256i x = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b + k));
        s = _mm256_add_epi32(s, dot32(_mm256_sign_epi8(x, x), _mm256_sign_epi8(va, x), ones));
      }
      out[q0 * count + r] = hsum(s);
    }
  }
}

}  // namespace tunggal::kernels
