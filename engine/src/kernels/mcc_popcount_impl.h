// The word loop of the scalar MCC counts, shared by the portable reference
// and the POPCNT build (the same source compiled with -mpopcnt, so that
// std::popcount becomes one instruction instead of a libgcc call).
#pragma once

#include <bit>
#include <cstddef>

#include "mcc_popcount.h"

namespace tunggal::kernels::detail {

inline CylinderCounts mcc_counts_words(const std::uint64_t* ca, const std::uint64_t* va,
                                       const std::uint64_t* cb, const std::uint64_t* vb,
                                       int words) noexcept {
  CylinderCounts c;
  for (int i = 0; i < words; ++i) {
    const std::uint64_t common = va[i] & vb[i];
    c.common += static_cast<std::uint32_t>(std::popcount(common));
    c.a += static_cast<std::uint32_t>(std::popcount(ca[i] & common));
    c.b += static_cast<std::uint32_t>(std::popcount(cb[i] & common));
    c.x += static_cast<std::uint32_t>(std::popcount((ca[i] ^ cb[i]) & common));
  }
  return c;
}

inline CylinderShape cylinder_shape_words(const std::uint64_t* c, const std::uint64_t* v,
                                           int words,
                                           std::uint32_t disc_bits, std::uint32_t* value_ones,
                                           std::uint32_t* valid_ones) noexcept {
  std::uint32_t ones_c = 0, ones_v = 0;
  bool tidy = disc_bits <= static_cast<std::uint32_t>(words) * 64;
  for (int i = 0; i < words; ++i) {
    ones_c += static_cast<std::uint32_t>(std::popcount(c[i]));
    ones_v += static_cast<std::uint32_t>(std::popcount(v[i]));
    const std::uint32_t first = static_cast<std::uint32_t>(i) * 64;
    const std::uint64_t disc = first + 64 <= disc_bits ? ~0ull
                               : first >= disc_bits ? 0ull
                                                    : (std::uint64_t{1} << (disc_bits - first)) - 1;
    tidy = tidy && (c[i] & ~v[i]) == 0 && (v[i] & ~disc) == 0;
  }
  *value_ones = ones_c;
  *valid_ones = ones_v;
  if (!tidy) return CylinderShape::other;
  return ones_v == disc_bits ? CylinderShape::full : CylinderShape::tidy;
}

inline void mcc_shapes_words(const std::uint64_t* values, const std::uint64_t* validity, std::uint32_t n,
                             int words, std::uint32_t disc_bits, std::uint8_t* shape,
                             std::uint32_t* value_ones, std::uint32_t* valid_ones) noexcept {
  for (std::uint32_t i = 0; i < n; ++i) {
    const std::size_t at = static_cast<std::size_t>(i) * static_cast<std::size_t>(words);
    shape[i] = static_cast<std::uint8_t>(cylinder_shape_words(values + at, validity + at, words, disc_bits, &value_ones[i], &valid_ones[i]));
  }
}

// The row loop of mcc_counts_row, shared in the same way.
inline void mcc_counts_row_words(const CylinderSet& a, std::uint32_t r, const CylinderSet& b,
                                 const std::uint32_t* cols, std::uint32_t n,
                                 CylinderCounts* out) noexcept {
  const int w = a.words;
  const std::uint64_t* ca = a.values + static_cast<std::size_t>(r) * w;
  const std::uint64_t* va = a.validity + static_cast<std::size_t>(r) * w;
  const auto sa = static_cast<CylinderShape>(a.shape[r]);
  for (std::uint32_t i = 0; i < n; ++i) {
    const std::uint32_t c = cols[i];
    const std::uint64_t* cb = b.values + static_cast<std::size_t>(c) * w;
    const std::uint64_t* vb = b.validity + static_cast<std::size_t>(c) * w;
    const auto sb = static_cast<CylinderShape>(b.shape[c]);
    CylinderCounts k;
    if (sa == CylinderShape::full && sb == CylinderShape::full) {
      k.common = a.disc_bits;
      k.a = a.value_ones[r];
      k.b = b.value_ones[c];
      for (int j = 0; j < w; ++j) k.x += static_cast<std::uint32_t>(std::popcount(ca[j] ^ cb[j]));
    } else if (sa == CylinderShape::full && sb == CylinderShape::tidy) {
      k.common = b.valid_ones[c];
      k.b = b.value_ones[c];
      for (int j = 0; j < w; ++j) {
        k.a += static_cast<std::uint32_t>(std::popcount(ca[j] & vb[j]));
        k.x += static_cast<std::uint32_t>(std::popcount((ca[j] ^ cb[j]) & vb[j]));
      }
    } else if (sa == CylinderShape::tidy && sb == CylinderShape::full) {
      k.common = a.valid_ones[r];
      k.a = a.value_ones[r];
      for (int j = 0; j < w; ++j) {
        k.b += static_cast<std::uint32_t>(std::popcount(cb[j] & va[j]));
        k.x += static_cast<std::uint32_t>(std::popcount((ca[j] ^ cb[j]) & va[j]));
      }
    } else {
      k = mcc_counts_words(ca, va, cb, vb, w);
    }
    out[i] = k;
  }
}

}  // namespace tunggal::kernels::detail
