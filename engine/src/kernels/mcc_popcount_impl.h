// The word loop of the scalar MCC counts, shared by the portable reference
// and the POPCNT build (the same source compiled with -mpopcnt, so that
// std::popcount becomes one instruction instead of a libgcc call).
#pragma once

#include <bit>

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

}  // namespace tunggal::kernels::detail
