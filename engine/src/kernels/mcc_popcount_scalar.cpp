#include <bit>

#include "mcc_popcount.h"

namespace tunggal::kernels {

CylinderCounts mcc_counts_scalar(const std::uint64_t* ca, const std::uint64_t* va,
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

McCountsFn mcc_counts_kernel(SimdLevel level) noexcept {
  return usable_simd_level(level) >= SimdLevel::avx2 ? &mcc_counts_avx2 : &mcc_counts_scalar;
}

}  // namespace tunggal::kernels
