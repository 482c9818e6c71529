#include "mcc_popcount.h"
#include "mcc_popcount_impl.h"

namespace tunggal::kernels {

CylinderCounts mcc_counts_scalar(const std::uint64_t* ca, const std::uint64_t* va,
                                 const std::uint64_t* cb, const std::uint64_t* vb,
                                 int words) noexcept {
  return detail::mcc_counts_words(ca, va, cb, vb, words);
}

void mcc_counts_row_scalar(const CylinderSet& a, std::uint32_t r, const CylinderSet& b,
                           const std::uint32_t* cols, std::uint32_t n, CylinderCounts* out) noexcept {
  detail::mcc_counts_row_words(a, r, b, cols, n, out);
}

void mcc_shapes_scalar(const std::uint64_t* values, const std::uint64_t* validity, std::uint32_t n,
                       int words, std::uint32_t disc_bits, std::uint8_t* shape,
                       std::uint32_t* value_ones, std::uint32_t* valid_ones) noexcept {
  detail::mcc_shapes_words(values, validity, n, words, disc_bits, shape, value_ones, valid_ones);
}

McShapesFn mcc_shapes_kernel(SimdLevel level) noexcept {
  return usable_simd_level(level) >= SimdLevel::sse42 ? &mcc_shapes_popcnt : &mcc_shapes_scalar;
}

McRowFn mcc_counts_row_kernel(SimdLevel level) noexcept {
  const SimdLevel usable = usable_simd_level(level);
  if (usable >= SimdLevel::avx512) return &mcc_counts_row_avx512;
  if (usable >= SimdLevel::avx2) return &mcc_counts_row_avx2;
  if (usable >= SimdLevel::sse42) return &mcc_counts_row_popcnt;
  return &mcc_counts_row_scalar;
}

McCountsFn mcc_counts_kernel(SimdLevel level) noexcept {
  const SimdLevel usable = usable_simd_level(level);
  // AVX2 measured slightly ahead of POPCNT on Zen 4 for 20-word cylinders
  // (benchmarks/RESULTS.md, `tunggal bench match`).
  if (usable >= SimdLevel::avx512) return &mcc_counts_avx512;
  if (usable >= SimdLevel::avx2) return &mcc_counts_avx2;
  if (usable >= SimdLevel::sse42) return &mcc_counts_popcnt;
  return &mcc_counts_scalar;
}

}  // namespace tunggal::kernels
