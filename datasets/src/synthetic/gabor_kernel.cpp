#include <algorithm>

#include "gabor_kernel.h"

namespace tunggal::datasets::synth {

namespace {
inline std::int16_t finish(std::int32_t acc, int gain) {
  const std::int32_t v = (acc >> 8) * gain >> (kGaborShift - 8);
  return static_cast<std::int16_t>(std::clamp<std::int32_t>(v, -127, 127));
}
}  // namespace

void gabor_rows_scalar(const GaborPass& p, int y0, int y1) {
  for (int y = y0; y < y1; ++y) {
    for (int x = 0; x < p.width; ++x) {
      const std::int16_t* k =
          p.bank + static_cast<std::size_t>(p.kernel_index[static_cast<std::size_t>(y) * p.width + x]) *
                       kGaborSide * kGaborRow;
      const std::int16_t* s = p.src + static_cast<std::size_t>(y) * p.stride + x;
      std::int32_t acc = 0;
      for (int r = 0; r < kGaborSide; ++r) {
        for (int c = 0; c < kGaborRow; ++c) {
          acc += static_cast<std::int32_t>(s[r * p.stride + c]) * k[r * kGaborRow + c];
        }
      }
      p.dst[static_cast<std::size_t>(y + kGaborRadius) * p.stride + x + kGaborRadius] = finish(acc, p.gain);
    }
  }
}

void gabor_rows(const GaborPass& p, int y0, int y1, SimdLevel level) {
  if (usable_simd_level(level) >= SimdLevel::avx2) {
    gabor_rows_avx2(p, y0, y1);
  } else {
    gabor_rows_scalar(p, y0, y1);
  }
}

std::int16_t gabor_finish(std::int32_t acc, int gain) { return finish(acc, gain); }

}  // namespace tunggal::datasets::synth
