#include "mcc_popcount.h"
#include "mcc_popcount_impl.h"

namespace tunggal::kernels {

CylinderCounts mcc_counts_scalar(const std::uint64_t* ca, const std::uint64_t* va,
                                 const std::uint64_t* cb, const std::uint64_t* vb,
                                 int words) noexcept {
  return detail::mcc_counts_words(ca, va, cb, vb, words);
}

McCountsFn mcc_counts_kernel(SimdLevel level) noexcept {
  const SimdLevel usable = usable_simd_level(level);
  // AVX2 measured slightly ahead of POPCNT on Zen 4 for 20-word cylinders
  // (benchmarks/RESULTS.md, `tunggal bench match`).
  if (usable >= SimdLevel::avx2) return &mcc_counts_avx2;
  if (usable >= SimdLevel::sse42) return &mcc_counts_popcnt;
  return &mcc_counts_scalar;
}

}  // namespace tunggal::kernels
