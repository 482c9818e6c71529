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

inline std::uint32_t horizontal_sum(__m256i bytes_sums) {  // 4 x u64 from sad
  const __m128i s =
      _mm_add_epi64(_mm256_castsi256_si128(bytes_sums), _mm256_extracti128_si256(bytes_sums, 1));
  return static_cast<std::uint32_t>(_mm_cvtsi128_si64(s) + _mm_extract_epi64(s, 1));
}

// |f(i)| summed over the words, f giving the 256-bit vector at word i.
template <class F>
inline std::uint32_t count_words(int words, F f) {
  const __m256i zero = _mm256_setzero_si256();
  __m256i sum = zero;
  for (int i = 0; i < words; i += 4) sum = _mm256_add_epi64(sum, _mm256_sad_epu8(popcount_bytes(f(i)), zero));
  return horizontal_sum(sum);
}

}  // namespace

CylinderCounts mcc_counts_avx2(const std::uint64_t* ca, const std::uint64_t* va,
                               const std::uint64_t* cb, const std::uint64_t* vb,
                               int words) noexcept {
  __m256i common = _mm256_setzero_si256(), a = common, b = common, x = common;
  const __m256i zero = _mm256_setzero_si256();
  for (int i = 0; i < words; i += 4) {
    const __m256i vca = load(ca + i), vcb = load(cb + i);
    const __m256i vv = _mm256_and_si256(load(va + i), load(vb + i));
    common = _mm256_add_epi64(common, _mm256_sad_epu8(popcount_bytes(vv), zero));
    a = _mm256_add_epi64(a, _mm256_sad_epu8(popcount_bytes(_mm256_and_si256(vca, vv)), zero));
    b = _mm256_add_epi64(b, _mm256_sad_epu8(popcount_bytes(_mm256_and_si256(vcb, vv)), zero));
    x = _mm256_add_epi64(
        x, _mm256_sad_epu8(popcount_bytes(_mm256_and_si256(_mm256_xor_si256(vca, vcb), vv)), zero));
  }
  return {horizontal_sum(common), horizontal_sum(a), horizontal_sum(b), horizontal_sum(x)};
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
      const std::uint32_t x =
          count_words(w, [&](int j) { return _mm256_xor_si256(load(ca + j), load(cb + j)); });
      out[i] = {a.disc_bits, a.value_ones[r], b.value_ones[c], x};
    } else if (sa != sb && (sa == CylinderShape::full || sb == CylinderShape::full) &&
               (sa == CylinderShape::tidy || sb == CylinderShape::tidy)) {
      // One full, one tidy: the tidy one's validity is the common part.
      const std::uint64_t* v = sa == CylinderShape::full ? vb : va;
      const std::uint64_t* full = sa == CylinderShape::full ? ca : cb;  // the full one's values
      const std::uint32_t y = count_words(w, [&](int j) { return _mm256_and_si256(load(full + j), load(v + j)); });
      const std::uint32_t x = count_words(w, [&](int j) {
        return _mm256_and_si256(_mm256_xor_si256(load(ca + j), load(cb + j)), load(v + j));
      });
      if (sa == CylinderShape::full) {
        out[i] = {b.valid_ones[c], y, b.value_ones[c], x};
      } else {
        out[i] = {a.valid_ones[r], a.value_ones[r], y, x};
      }
    } else {
      out[i] = mcc_counts_avx2(ca, va, cb, vb, w);
    }
  }
}

}  // namespace tunggal::kernels
