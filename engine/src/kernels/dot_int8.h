// The face scan: int8 dot products of one or more query embeddings with a
// block of gallery rows (row-major, `stride` bytes apart, values in
// [-127, 127]; -128 is never stored). `dim` must be a multiple of 32 for the
// AVX2 kernel (the gallery pads rows with zeros). out[q * count + r] =
// sum_k query[q][k] * rows[r][k], exactly, in int32.
// Scalar reference and AVX2 (sign + maddubs); equal by test. The batched
// form reads each gallery row once for up to four queries, which is what
// keeps a day's batch from being memory-bound.
#pragma once

#include <cstddef>
#include <cstdint>

#include "tunggal/simd.h"

namespace tunggal::kernels {

void dot_int8_rows_scalar(const std::int8_t* queries, std::size_t n_queries, const std::int8_t* rows,
                          std::size_t count, std::size_t stride, std::size_t dim, std::int32_t* out) noexcept;
void dot_int8_rows_avx2(const std::int8_t* queries, std::size_t n_queries, const std::int8_t* rows,
                        std::size_t count, std::size_t stride, std::size_t dim, std::int32_t* out) noexcept;

using DotInt8RowsFn = void (*)(const std::int8_t*, std::size_t, const std::int8_t*, std::size_t, std::size_t,
                               std::size_t, std::int32_t*) noexcept;
// The best kernel for `level` on this CPU.
DotInt8RowsFn dot_int8_rows_kernel(SimdLevel level = detected_simd_level()) noexcept;

}  // namespace tunggal::kernels
