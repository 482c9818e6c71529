// Runtime SIMD dispatch. Each kernel has a scalar reference and one or more
// vectorised versions; the best one the CPU supports is picked at run time.
// Tests and benchmarks may ask for a lower level explicitly.
#pragma once

#include <string_view>

namespace tunggal {

enum class SimdLevel : int { scalar = 0, sse42 = 1, avx2 = 2, avx512 = 3 };

std::string_view to_string(SimdLevel level) noexcept;

// Highest level this CPU (and OS) supports; computed once, then constant.
SimdLevel detected_simd_level() noexcept;

// `requested` lowered to what the CPU supports.
inline SimdLevel usable_simd_level(SimdLevel requested) noexcept {
  const SimdLevel best = detected_simd_level();
  return static_cast<int>(requested) < static_cast<int>(best) ? requested : best;
}

}  // namespace tunggal
