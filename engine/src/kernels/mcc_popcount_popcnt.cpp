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

}  // namespace tunggal::kernels
