// The inner loop of MCC comparison: for two cylinders (value bits c, validity
// bits v, `words` 64-bit words each) count
//   common = |va & vb|, a = |ca & common|, b = |cb & common|, x = |(ca ^ cb) & common|.
// Scalar reference, the same loop built with POPCNT, an AVX2 version
// (nibble-table popcount) and an AVX-512 one (VPOPCNTQ); all equal by test.
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
CylinderCounts mcc_counts_avx512(const std::uint64_t* ca, const std::uint64_t* va,
                                 const std::uint64_t* cb, const std::uint64_t* vb,
                                 int words) noexcept;

using McCountsFn = CylinderCounts (*)(const std::uint64_t*, const std::uint64_t*,
                                      const std::uint64_t*, const std::uint64_t*, int) noexcept;
// The best kernel for `level` on this CPU (words must be a multiple of 4 for
// AVX2; AVX-512 takes any number).
McCountsFn mcc_counts_kernel(SimdLevel level = detected_simd_level()) noexcept;

// How a cylinder's bits sit in its disc (D = disc cells x Nd bits, the first
// D bits of the vector): `full` when its validity is exactly the disc and its
// values lie inside it, `tidy` when values lie inside validity and validity
// inside the disc (every cylinder enroll_finger makes is tidy), `other` for
// anything else a snapshot may hold.
enum class CylinderShape : std::uint8_t { other = 0, tidy = 1, full = 2 };

// The cylinders of one template with what the short paths need.
struct CylinderSet {
  const std::uint64_t* values = nullptr;    // cylinder i at [i * words, (i + 1) * words)
  const std::uint64_t* validity = nullptr;  // same layout
  const std::uint8_t* shape = nullptr;  // CylinderShape values
  const std::uint32_t* value_ones = nullptr;  // |c_i|
  const std::uint32_t* valid_ones = nullptr;  // |v_i|
  int words = 0;
  std::uint32_t disc_bits = 0;  // D
};

// Counts of cylinder `r` of A against cylinders cols[0..n) of B, into out[],
// equal to mcc_counts(A_r, B_c) for every pair. Known shapes take short
// paths: full x full is one popcount (common = D, a = |ca|, b = |cb|,
// x = |ca ^ cb|), full x tidy two (common = |vb|, a = |ca & vb|, b = |cb|,
// x = |(ca ^ cb) & vb|).
void mcc_counts_row_scalar(const CylinderSet& a, std::uint32_t r, const CylinderSet& b,
                           const std::uint32_t* cols, std::uint32_t n, CylinderCounts* out) noexcept;
void mcc_counts_row_popcnt(const CylinderSet& a, std::uint32_t r, const CylinderSet& b,
                           const std::uint32_t* cols, std::uint32_t n, CylinderCounts* out) noexcept;
void mcc_counts_row_avx2(const CylinderSet& a, std::uint32_t r, const CylinderSet& b,
                         const std::uint32_t* cols, std::uint32_t n, CylinderCounts* out) noexcept;
void mcc_counts_row_avx512(const CylinderSet& a, std::uint32_t r, const CylinderSet& b,
                           const std::uint32_t* cols, std::uint32_t n, CylinderCounts* out) noexcept;
using McRowFn = void (*)(const CylinderSet&, std::uint32_t, const CylinderSet&, const std::uint32_t*,
                         std::uint32_t, CylinderCounts*) noexcept;
McRowFn mcc_counts_row_kernel(SimdLevel level = detected_simd_level()) noexcept;

// Shape, |c| and |v| of each of n cylinders (once per cylinder per
// comparison, so it is dispatched too: through libgcc's popcount it was a
// fifth of the comparison).
void mcc_shapes_scalar(const std::uint64_t* values, const std::uint64_t* validity, std::uint32_t n,
                       int words, std::uint32_t disc_bits, std::uint8_t* shape,
                       std::uint32_t* value_ones, std::uint32_t* valid_ones) noexcept;
void mcc_shapes_popcnt(const std::uint64_t* values, const std::uint64_t* validity, std::uint32_t n,
                       int words, std::uint32_t disc_bits, std::uint8_t* shape,
                       std::uint32_t* value_ones, std::uint32_t* valid_ones) noexcept;
using McShapesFn = void (*)(const std::uint64_t*, const std::uint64_t*, std::uint32_t, int,
                            std::uint32_t, std::uint8_t*, std::uint32_t*, std::uint32_t*) noexcept;
McShapesFn mcc_shapes_kernel(SimdLevel level = detected_simd_level()) noexcept;

}  // namespace tunggal::kernels
