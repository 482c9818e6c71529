// The hot loop of ridge growth: one pass of a space-variant Gabor filter
// (each pixel picks its 15x15 kernel from a bank). Integer arithmetic, so the
// AVX2 version equals the scalar reference bit for bit (tests/test_kernels.cpp)
// and the generator's output does not depend on the CPU.
#pragma once

#include <cstdint>

#include "tunggal/simd.h"

namespace tunggal::datasets::synth {

inline constexpr int kGaborRadius = 7;
inline constexpr int kGaborSide = 2 * kGaborRadius + 1;  // 15
inline constexpr int kGaborRow = 16;                     // padded row (one AVX2 load)
inline constexpr int kGaborShift = 14;                   // fixed-point scale of the taps

struct GaborPass {
  const std::int16_t* src;  // padded by kGaborRadius on each side (+1 column right)
  std::int16_t* dst;        // same layout
  int stride;               // of src and dst
  int width;                // unpadded
  const std::uint16_t* kernel_index;  // per unpadded pixel, into `bank`
  const std::int16_t* bank;           // kernels of kGaborSide x kGaborRow taps
  int gain;                           // output = clamp(acc * gain >> shift, +-127)
};

void gabor_rows_scalar(const GaborPass& pass, int y0, int y1);
void gabor_rows_avx2(const GaborPass& pass, int y0, int y1);
void gabor_rows(const GaborPass& pass, int y0, int y1, SimdLevel level = detected_simd_level());

}  // namespace tunggal::datasets::synth
