// Compiled with -mpopcnt; called only when the CPU has SSE4.2 (which
// implies POPCNT on every x86-64 CPU that has shipped).
#include "mcc_popcount.h"
#include "mcc_popcount_impl.h"

namespace tunggal::kernels {

CylinderCounts mcc_counts_popcnt(const std::uint64_t* ca, const std::uint64_t* va,
                                 const std::uint64_t* cb, const std::uint64_t* vb,
                                 int words) noexcept {
  return detail::mcc_counts_words(ca, va, cb, vb, words);
}

void mcc_counts_row_popcnt(const CylinderSet& a, std::uint32_t r, const CylinderSet& b,
                           const std::uint32_t* cols, std::uint32_t n, CylinderCounts* out) noexcept {
  detail::mcc_counts_row_words(a, r, b, cols, n, out);
}

void mcc_shapes_popcnt(const std::uint64_t* values, const std::uint64_t* validity, std::uint32_t n,
                       int words, std::uint32_t disc_bits, std::uint8_t* shape,
                       std::uint32_t* value_ones, std::uint32_t* valid_ones) noexcept {
  detail::mcc_shapes_words(values, validity, n, words, disc_bits, shape, value_ones, valid_ones);
}

}  // namespace tunggal::kernels
