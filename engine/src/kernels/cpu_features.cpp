#include "tunggal/simd.h"

namespace tunggal {

std::string_view to_string(SimdLevel level) noexcept {
  switch (level) {
    case SimdLevel::scalar: return "scalar";
    case SimdLevel::sse42: return "sse4.2";
    case SimdLevel::avx2: return "avx2";
    case SimdLevel::avx512: return "avx512";
  }
  return "invalid";
}

namespace {
SimdLevel detect() noexcept {
#if defined(__x86_64__) || defined(__i386__)
  // libgcc's checks include the OS's XSAVE state, so a level reported here
  // is usable, not just present in CPUID.
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
      __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512vpopcntdq")) {
    return SimdLevel::avx512;
  }
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("popcnt") &&
      __builtin_cpu_supports("fma")) {
    return SimdLevel::avx2;
  }
  if (__builtin_cpu_supports("sse4.2") && __builtin_cpu_supports("popcnt")) {
    return SimdLevel::sse42;
  }
#endif
  return SimdLevel::scalar;
}
}  // namespace

SimdLevel detected_simd_level() noexcept {
  static const SimdLevel level = detect();  // thread-safe, computed once
  return level;
}

}  // namespace tunggal
