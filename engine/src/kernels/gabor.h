// One pass of a space-variant Gabor filter: each pixel picks its 15x15 kernel
// from a bank (by local ridge orientation and period). The hot loop of both
// ridge growth (synthetic fingerprints) and contextual enhancement
// (extraction). Integer arithmetic, so the AVX2 version equals the scalar
// reference bit for bit (tests/test_kernels.cpp) and results do not depend on
// the CPU.
#pragma once

#include <cstdint>
#include <vector>

#include "tunggal/simd.h"

namespace tunggal::kernels {

inline constexpr int kGaborRadius = 7;
inline constexpr int kGaborSide = 2 * kGaborRadius + 1;  // 15
inline constexpr int kGaborRow = 16;                     // padded row (one AVX2 load)
inline constexpr int kGaborShift = 14;                   // fixed-point scale of the taps

struct GaborPass {
  const std::int16_t* src;            // padded by kGaborRadius on each side (+1 column right)
  std::int16_t* dst;                  // same layout
  int stride;                         // of src and dst
  int width;                          // unpadded
  const std::uint16_t* kernel_index;  // per unpadded pixel, into `bank`
  const std::int16_t* bank;           // kernels of kGaborSide x kGaborRow taps
  int gain;                           // output = clamp(acc * gain >> shift, +-127)
};

// A bank of zero-DC Gabor kernels, normalised so a sinusoid of the tuned
// period and unit amplitude gives unit response: `orientations` bins over
// [0, pi) times periods from 5.0 to 15.0 px in 0.5 px steps.
class GaborBank {
 public:
  static constexpr int kOrientations = 32;
  static constexpr double kPeriodMin = 5.0, kPeriodStep = 0.5;
  static constexpr int kPeriods = 21;
  // sigma across ridges = min(across * period, across_cap), along likewise.
  GaborBank(double across = 0.40, double across_cap = 4.0, double along = 0.55,
            double along_cap = 4.5);
  const std::int16_t* taps() const { return taps_.data(); }
  // Kernel index for a ridge direction (radians [0, pi), counter-clockwise
  // on screen) and a period in pixels.
  static std::uint16_t index(double orientation, double period);

 private:
  std::vector<std::int16_t> taps_;
};

// The bank with default parameters, built once (immutable, thread-safe);
// shared by ridge growth and enhancement.
const GaborBank& default_gabor_bank();

void gabor_rows_scalar(const GaborPass& pass, int y0, int y1);
void gabor_rows_avx2(const GaborPass& pass, int y0, int y1);
void gabor_rows(const GaborPass& pass, int y0, int y1, SimdLevel level = detected_simd_level());

}  // namespace tunggal::kernels
