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

inline __m256i load(const std::uint64_t* p) { return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)); }

inline std::uint32_t horizontal_sum(__m256i sums) {  // 4 x u64
  const __m128i s = _mm_add_epi64(_mm256_castsi256_si128(sums), _mm256_extracti128_si256(sums, 1));
  return static_cast<std::uint32_t>(_mm_cvtsi128_si64(s) + _mm_extract_epi64(s, 1));
}

// Per-byte popcounts of up to 31 vectors fit a byte (31 x 8 = 248), so they
// are summed as bytes and widened (sad_epu8) once per 31 vectors instead of
// once per vector.
constexpr int kByteSpan = 31 * 4;  // words

// |f_k(i)| for K functions at once, summed over the words; F(i, out) writes
// the K 256-bit vectors at word i.
template <int K, class F>
inline void count_words(int words, F f, std::uint32_t (&out)[K]) {
  const __m256i zero = _mm256_setzero_si256();
  __m256i wide[K], bytes[K], v[K];
  for (int k = 0; k < K; ++k) wide[k] = zero;
  for (int from = 0; from < words; from += kByteSpan) {
    const int to = words - from < kByteSpan ? words : from + kByteSpan;
    for (int k = 0; k < K; ++k) bytes[k] = zero;
    for (int i = from; i < to; i += 4) {
      f(i, v);
      for (int k = 0; k < K; ++k) bytes[k] = _mm256_add_epi8(bytes[k], popcount_bytes(v[k]));
    }
    for (int k = 0; k < K; ++k) wide[k] = _mm256_add_epi64(wide[k], _mm256_sad_epu8(bytes[k], zero));
  }
  if constexpr (K == 1) {
    out[0] = horizontal_sum(wide[0]);
  } else {
    // Each lane sum of a count is below 2^16 whenever the whole count is
    // (words * 64 bits), so the counts share one reduction in 16-bit fields.
    if (words * 64 < 0x10000) {
      __m256i packed = wide[0];
      for (int k = 1; k < K; ++k) packed = _mm256_or_si256(packed, _mm256_slli_epi64(wide[k], 16 * k));
      const __m128i s = _mm_add_epi64(_mm256_castsi256_si128(packed), _mm256_extracti128_si256(packed, 1));
      // Added as unsigned: the top field fills the sign bit.
      const std::uint64_t total = static_cast<std::uint64_t>(_mm_cvtsi128_si64(s)) +
                                  static_cast<std::uint64_t>(_mm_extract_epi64(s, 1));
      for (int k = 0; k < K; ++k) out[k] = static_cast<std::uint32_t>((total >> (16 * k)) & 0xFFFF);
    } else {
      for (int k = 0; k < K; ++k) out[k] = horizontal_sum(wide[k]);
    }
  }
}

inline CylinderCounts counts_of(const std::uint64_t* ca, const std::uint64_t* va,
                                const std::uint64_t* cb, const std::uint64_t* vb, int words) {
  std::uint32_t n[4];
  count_words<4>(words, [&](int i, __m256i* v) {
    const __m256i vca = load(ca + i), vcb = load(cb + i);
    const __m256i common = _mm256_and_si256(load(va + i), load(vb + i));
    v[0] = common;
    v[1] = _mm256_and_si256(vca, common);
    v[2] = _mm256_and_si256(vcb, common);
    v[3] = _mm256_and_si256(_mm256_xor_si256(vca, vcb), common);
  }, n);
  return {n[0], n[1], n[2], n[3]};
}

}  // namespace

CylinderCounts mcc_counts_avx2(const std::uint64_t* ca, const std::uint64_t* va,
                               const std::uint64_t* cb, const std::uint64_t* vb,
                               int words) noexcept {
  return counts_of(ca, va, cb, vb, words);
}


void mcc_counts_row_avx2(const CylinderSet& a, std::uint32_t r, const CylinderSet& b,
                         const std::uint32_t* cols, std::uint32_t n, CylinderCounts* out) noexcept {
  const int w = a.words;
  const std::uint64_t* ca = a.values + static_cast<std::size_t>(r) * w;
  const std::uint64_t* va = a.validity + static_cast<std::size_t>(r) * w;
  const auto sa = static_cast<CylinderShape>(a.shape[r]);
  for (std::uint32_t i = 0; i < n; ++i) {
    const std::uint32_t c = cols[i];
    const std::uint64_t* cb = b.values + static_cast<std::size_t>(c) * w;
    const std::uint64_t* vb = b.validity + static_cast<std::size_t>(c) * w;
    const auto sb = static_cast<CylinderShape>(b.shape[c]);
    if (sa == CylinderShape::full && sb == CylinderShape::full) {
      std::uint32_t x[1];
      count_words<1>(w, [&](int j, __m256i* v) { v[0] = _mm256_xor_si256(load(ca + j), load(cb + j)); }, x);
      out[i] = {a.disc_bits, a.value_ones[r], b.value_ones[c], x[0]};
    } else if (sa != sb && (sa == CylinderShape::full || sb == CylinderShape::full) &&
               (sa == CylinderShape::tidy || sb == CylinderShape::tidy)) {
      // One full, one tidy: the tidy one's validity is the common part.
      const std::uint64_t* v = sa == CylinderShape::full ? vb : va;
      const std::uint64_t* full = sa == CylinderShape::full ? ca : cb;  // the full one's values
      std::uint32_t yx[2];  // |full's values & v|, |(ca ^ cb) & v|
      count_words<2>(w, [&](int j, __m256i* out2) {
        const __m256i vv = load(v + j);
        out2[0] = _mm256_and_si256(load(full + j), vv);
        out2[1] = _mm256_and_si256(_mm256_xor_si256(load(ca + j), load(cb + j)), vv);
      }, yx);
      if (sa == CylinderShape::full) {
        out[i] = {b.valid_ones[c], yx[0], b.value_ones[c], yx[1]};
      } else {
        out[i] = {a.valid_ones[r], a.value_ones[r], yx[0], yx[1]};
      }
    } else {
      out[i] = counts_of(ca, va, cb, vb, w);
    }
  }
}

}  // namespace tunggal::kernels
