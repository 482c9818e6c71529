#include "dot_int8.h"

namespace tunggal::kernels {

void dot_int8_rows_scalar(const std::int8_t* queries, std::size_t n_queries, const std::int8_t* rows,
                          std::size_t count, std::size_t stride, std::size_t dim, std::int32_t* out) noexcept {
  for (std::size_t q = 0; q < n_queries; ++q) {
    const std::int8_t* a = queries + q * stride;
    for (std::size_t r = 0; r < count; ++r) {
      const std::int8_t* b = rows + r * stride;
      std::int32_t sum = 0;
      for (std::size_t k = 0; k < dim; ++k) sum += static_cast<std::int32_t>(a[k]) * static_cast<std::int32_t>(b[k]);
      out[q * count + r] = sum;
    }
  }
}

DotInt8RowsFn dot_int8_rows_kernel(SimdLevel level) noexcept {
  if (usable_simd_level(level) >= SimdLevel::avx2) return &dot_int8_rows_avx2;
  return &dot_int8_rows_scalar;
}

}  // namespace tunggal::kernels
