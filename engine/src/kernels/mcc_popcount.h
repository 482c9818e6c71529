// The inner loop of MCC comparison: for two cylinders (value bits c, validity
// bits v, `words` 64-bit words each) count
//   common = |va & vb|, a = |ca & common|, b = |cb & common|, x = |(ca ^ cb) & common|.
// Scalar reference, the same loop built with POPCNT, and an AVX2 version
// (nibble-table popcount); all equal by test.
#pragma once

#include <cstdint>

#include "tunggal/simd.h"

namespace tunggal::kernels {

struct CylinderCounts {
  std::uint32_t common = 0, a = 0, b = 0, x = 0;
  friend bool operator==(const CylinderCounts&, const CylinderCounts&) = default;
};

CylinderCounts mcc_counts_scalar(const std::uint64_t* ca, const std::uint64_t* va,
                                 const std::uint64_t* cb, const std::uint64_t* vb,
                                 int words) noexcept;
CylinderCounts mcc_counts_popcnt(const std::uint64_t* ca, const std::uint64_t* va,
                                 const std::uint64_t* cb, const std::uint64_t* vb,
                                 int words) noexcept;
CylinderCounts mcc_counts_avx2(const std::uint64_t* ca, const std::uint64_t* va,
                               const std::uint64_t* cb, const std::uint64_t* vb,
                               int words) noexcept;

using McCountsFn = CylinderCounts (*)(const std::uint64_t*, const std::uint64_t*,
                                      const std::uint64_t*, const std::uint64_t*, int) noexcept;
// The best kernel for `level` on this CPU (words must be a multiple of 4 for AVX2).
McCountsFn mcc_counts_kernel(SimdLevel level = detected_simd_level()) noexcept;

}  // namespace tunggal::kernels
