// Compiled with -mavx512f -mavx512vl -mavx512vpopcntdq; called only when the
// CPU has AVX-512 with VPOPCNTDQ (detected_simd_level() == avx512). One
// VPOPCNTQ per 512 bits replaces AVX2's nibble lookup (two shuffles, two
// masks, a shift and an add per 256 bits). A cylinder's words come in whole
// 256-bit vectors (a multiple of 4), so the last step may be half a
// register: it is loaded under a mask (any remainder is, so this kernel
// takes any number of words).
#include <immintrin.h>

#include <cstddef>

#include "mcc_popcount.h"

namespace tunggal::kernels {
namespace {

// The words of p under `m` (bit j: word j), zeros elsewhere; masked-off
// words are not read.
inline __m512i load(const std::uint64_t* p, __mmask8 m) { return _mm512_maskz_loadu_epi64(m, p); }

// The sum of the eight 64-bit lanes, added as unsigned (a packed sum's top
// field may fill the sign bit, and a signed scalar add would overflow).
inline std::uint64_t lane_sum(__m512i v) {
  const __m256i h = _mm256_add_epi64(_mm512_castsi512_si256(v), _mm512_extracti64x4_epi64(v, 1));
  const __m128i q = _mm_add_epi64(_mm256_castsi256_si128(h), _mm256_extracti128_si256(h, 1));
  return static_cast<std::uint64_t>(_mm_cvtsi128_si64(q)) + static_cast<std::uint64_t>(_mm_extract_epi64(q, 1));
}

// K counts at once: F(i, m, v) writes the K vectors at word i, under m. Lanes sum
// as 64-bit integers; the K totals then share one reduction in 16-bit
// fields when every count fits one (words * 64 < 2^16 bits), as in AVX2.
template <int K, class F>
inline void count_words(int words, F f, std::uint32_t (&out)[K]) {
  __m512i sums[K], v[K];
  for (int k = 0; k < K; ++k) sums[k] = _mm512_setzero_si512();
  for (int i = 0; i < words; i += 8) {
    const __mmask8 m = words - i >= 8 ? __mmask8{0xFF} : static_cast<__mmask8>((1u << (words - i)) - 1);
    f(i, m, v);
    for (int k = 0; k < K; ++k) sums[k] = _mm512_add_epi64(sums[k], _mm512_popcnt_epi64(v[k]));
  }
  if (K > 1 && words * 64 < 0x10000) {
    __m512i packed = sums[0];
    for (int k = 1; k < K; ++k) packed = _mm512_or_si512(packed, _mm512_slli_epi64(sums[k], 16 * static_cast<unsigned>(k)));
    const std::uint64_t total = lane_sum(packed);
    for (int k = 0; k < K; ++k) out[k] = static_cast<std::uint32_t>((total >> (16 * k)) & 0xFFFF);
  } else {
    for (int k = 0; k < K; ++k) out[k] = static_cast<std::uint32_t>(lane_sum(sums[k]));
  }
}

// The general case's vectors at word i under m: common = va & vb, then ca,
// cb and ca ^ cb within it.
inline void four_counts(const std::uint64_t* ca, const std::uint64_t* va, const std::uint64_t* cb,
                        const std::uint64_t* vb, int i, __mmask8 m, __m512i* v) {
  const __m512i vca = load(ca + i, m), vcb = load(cb + i, m);
  const __m512i common = _mm512_and_si512(load(va + i, m), load(vb + i, m));
  v[0] = common;
  v[1] = _mm512_and_si512(vca, common);
  v[2] = _mm512_and_si512(vcb, common);
  v[3] = _mm512_and_si512(_mm512_xor_si512(vca, vcb), common);
}

inline CylinderCounts counts_of(const std::uint64_t* ca, const std::uint64_t* va,
                                const std::uint64_t* cb, const std::uint64_t* vb, int words) {
  std::uint32_t n[4];
  count_words<4>(words, [&](int i, __mmask8 m, __m512i* v) { four_counts(ca, va, cb, vb, i, m, v); }, n);
  return {n[0], n[1], n[2], n[3]};
}

}  // namespace

CylinderCounts mcc_counts_avx512(const std::uint64_t* ca, const std::uint64_t* va,
                                 const std::uint64_t* cb, const std::uint64_t* vb,
                                 int words) noexcept {
  return counts_of(ca, va, cb, vb, words);
}

namespace {

// Per-lane sums of the K counts F(j, m, v) writes for each chunk of 8 words,
// packed into 16-bit fields at `shift[k]` bits (a lane's sum is below 2^16
// whenever the whole count is).
template <int W, int K, class F>
inline __m512i packed_lanes(int w, const unsigned (&shift)[K], F f) {
  __m512i sums[K], v[K];
  for (int k = 0; k < K; ++k) sums[k] = _mm512_setzero_si512();
  for (int j = 0; j < (W > 0 ? W : w); j += 8) {
    const int left = (W > 0 ? W : w) - j;
    const __mmask8 m = left >= 8 ? __mmask8{0xFF} : static_cast<__mmask8>((1u << left) - 1);
    f(j, m, v);
    for (int k = 0; k < K; ++k) sums[k] = _mm512_add_epi64(sums[k], _mm512_popcnt_epi64(v[k]));
  }
  __m512i packed = _mm512_slli_epi64(sums[0], shift[0]);
  for (int k = 1; k < K; ++k) packed = _mm512_or_si512(packed, _mm512_slli_epi64(sums[k], shift[k]));
  return packed;
}

// The eight lane sums of v[0..8) as the eight lanes of one vector (lane i:
// the sum of v[i]'s lanes), by a tree of unpacks and 128-bit shuffles:
// 21 instructions for eight pairs instead of seven or so per pair.
inline __m512i transpose_sum(const __m512i (&v)[8]) {
  __m512i a[4];
  for (int i = 0; i < 4; ++i) {
    a[i] = _mm512_add_epi64(_mm512_unpacklo_epi64(v[2 * i], v[2 * i + 1]),
                            _mm512_unpackhi_epi64(v[2 * i], v[2 * i + 1]));
  }
  __m512i c[2];
  for (int i = 0; i < 2; ++i) {
    c[i] = _mm512_add_epi64(_mm512_shuffle_i64x2(a[2 * i], a[2 * i + 1], 0x88),   // blocks 0, 2 | 0, 2
                            _mm512_shuffle_i64x2(a[2 * i], a[2 * i + 1], 0xDD));  // blocks 1, 3 | 1, 3
  }
  return _mm512_add_epi64(_mm512_shuffle_i64x2(c[0], c[1], 0x88), _mm512_shuffle_i64x2(c[0], c[1], 0xDD));
}

// The row for W words (0: a.words, known only at run time). Each pair's
// counts are lane sums packed as four 16-bit fields (common, a, b, x, the
// layout of CylinderCounts once widened) plus the fields its shapes make
// known; eight pairs are then reduced together and widened into out[]. A
// count needs words * 64 < 2^16 for its field (the caller checks).
template <int W>
void counts_row(const CylinderSet& a, std::uint32_t r, const CylinderSet& b, const std::uint32_t* cols,
                std::uint32_t n, CylinderCounts* out) {
  const int w = W > 0 ? W : a.words;
  const std::uint64_t* ca = a.values + static_cast<std::size_t>(r) * w;
  const std::uint64_t* va = a.validity + static_cast<std::size_t>(r) * w;
  const auto sa = static_cast<CylinderShape>(a.shape[r]);
  constexpr unsigned kCommon = 0, kA = 16, kB = 32, kX = 48;
  const auto field = [](std::uint32_t v, unsigned at) { return static_cast<std::uint64_t>(v) << at; };
  __m512i lanes[8];
  alignas(64) std::uint64_t known[8];
  std::uint32_t done = 0;
  for (std::uint32_t i = 0; i < n; ++i) {
    const std::uint32_t c = cols[i];
    const std::uint64_t* cb = b.values + static_cast<std::size_t>(c) * w;
    const std::uint64_t* vb = b.validity + static_cast<std::size_t>(c) * w;
    const auto sb = static_cast<CylinderShape>(b.shape[c]);
    const std::uint32_t k = i - done;
    if (sa == CylinderShape::full && sb == CylinderShape::full) {
      lanes[k] = packed_lanes<W, 1>(w, {kX}, [&](int j, __mmask8 m, __m512i* v) {
        v[0] = _mm512_xor_si512(load(ca + j, m), load(cb + j, m));
      });
      known[k] = field(a.disc_bits, kCommon) | field(a.value_ones[r], kA) | field(b.value_ones[c], kB);
    } else if (sa != sb && (sa == CylinderShape::full || sb == CylinderShape::full) &&
               (sa == CylinderShape::tidy || sb == CylinderShape::tidy)) {
      // One full, one tidy: the tidy one's validity is the common part.
      const bool a_full = sa == CylinderShape::full;
      const std::uint64_t* v = a_full ? vb : va;
      const std::uint64_t* f = a_full ? ca : cb;  // the full one's values
      // |full's values & v| is a's count when A is the full one, else b's.
      lanes[k] = packed_lanes<W, 2>(w, {a_full ? kA : kB, kX}, [&](int j, __mmask8 m, __m512i* out2) {
        const __m512i vv = load(v + j, m);
        out2[0] = _mm512_and_si512(load(f + j, m), vv);
        out2[1] = _mm512_and_si512(_mm512_xor_si512(load(ca + j, m), load(cb + j, m)), vv);
      });
      known[k] = a_full ? field(b.valid_ones[c], kCommon) | field(b.value_ones[c], kB)
                        : field(a.valid_ones[r], kCommon) | field(a.value_ones[r], kA);
    } else {
      lanes[k] = packed_lanes<W, 4>(w, {kCommon, kA, kB, kX}, [&](int j, __mmask8 m, __m512i* v) {
        four_counts(ca, va, cb, vb, j, m, v);
      });
      known[k] = 0;
    }
    if (k == 7 || i + 1 == n) {
      const std::uint32_t m = k + 1;
      for (std::uint32_t z = m; z < 8; ++z) {
        lanes[z] = _mm512_setzero_si512();
        known[z] = 0;
      }
      const __m512i totals = _mm512_add_epi64(transpose_sum(lanes), _mm512_load_si512(known));
      // Widen the 16-bit fields: pairs 0-3, then 4-7, as CylinderCounts.
      auto* dst = reinterpret_cast<std::uint32_t*>(out + done);
      const __m512i lo = _mm512_cvtepu16_epi32(_mm512_castsi512_si256(totals));
      const __m512i hi = _mm512_cvtepu16_epi32(_mm512_extracti64x4_epi64(totals, 1));
      _mm512_mask_storeu_epi32(dst, static_cast<__mmask16>(m >= 4 ? 0xFFFF : (1u << (4 * m)) - 1), lo);
      if (m > 4) _mm512_mask_storeu_epi32(dst + 16, static_cast<__mmask16>((1u << (4 * (m - 4))) - 1), hi);
      done = i + 1;
    }
  }
}

}  // namespace

void mcc_counts_row_avx512(const CylinderSet& a, std::uint32_t r, const CylinderSet& b,
                           const std::uint32_t* cols, std::uint32_t n, CylinderCounts* out) noexcept {
  static_assert(sizeof(CylinderCounts) == 16 && offsetof(CylinderCounts, a) == 4 &&
                    offsetof(CylinderCounts, b) == 8 && offsetof(CylinderCounts, x) == 12,
                "the widened fields are stored as common, a, b, x");
  if (a.words * 64 >= 0x10000) {  // a count may not fit 16 bits: one pair at a time
    for (std::uint32_t i = 0; i < n; ++i) {
      const std::size_t c = cols[i];
      out[i] = counts_of(a.values + static_cast<std::size_t>(r) * a.words, a.validity + static_cast<std::size_t>(r) * a.words,
                         b.values + c * b.words, b.validity + c * b.words, a.words);
    }
  } else if (a.words == 20) {  // the default cylinders (Ns 16, Nd 6: 1,248 disc bits)
    counts_row<20>(a, r, b, cols, n, out);
  } else {
    counts_row<0>(a, r, b, cols, n, out);
  }
}

}  // namespace tunggal::kernels
