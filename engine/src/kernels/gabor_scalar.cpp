#include <algorithm>
#include <cmath>

#include "gabor.h"

namespace tunggal::kernels {

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
          p.bank +
          static_cast<std::size_t>(p.kernel_index[static_cast<std::size_t>(y) * p.width + x]) *
              kGaborSide * kGaborRow;
      const std::int16_t* s = p.src + static_cast<std::size_t>(y) * p.stride + x;
      std::int32_t acc = 0;
      for (int r = 0; r < kGaborSide; ++r) {
        for (int c = 0; c < kGaborRow; ++c) {
          acc += static_cast<std::int32_t>(s[r * p.stride + c]) * k[r * kGaborRow + c];
        }
      }
      p.dst[static_cast<std::size_t>(y + kGaborRadius) * p.stride + x + kGaborRadius] =
          finish(acc, p.gain);
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

std::int16_t gabor_finish(std::int32_t acc, int gain) {
  return finish(acc, gain);
}

GaborBank::GaborBank(double across, double across_cap, double along, double along_cap) {
  constexpr double kPi = 3.14159265358979323846;
  constexpr int r0 = kGaborRadius;
  taps_.assign(static_cast<std::size_t>(kOrientations) * kPeriods * kGaborSide * kGaborRow, 0);
  std::vector<double> k(kGaborSide * kGaborSide), window(k.size()), wave(k.size());
  for (int o = 0; o < kOrientations; ++o) {
    const double theta = (o + 0.5) * kPi / kOrientations;
    const double s = std::sin(theta), c = std::cos(theta);
    for (int p = 0; p < kPeriods; ++p) {
      const double period = kPeriodMin + p * kPeriodStep;
      const double su = std::min(across * period, across_cap);
      const double sv = std::min(along * period, along_cap);
      double sum = 0, wsum = 0;
      for (int dy = -r0; dy <= r0; ++dy) {
        for (int dx = -r0; dx <= r0; ++dx) {
          const int i = (dy + r0) * kGaborSide + dx + r0;
          const double u = dx * s + dy * c;  // across the ridges (screen, y down)
          const double v = dx * c - dy * s;  // along the ridges
          window[i] = std::exp(-(u * u) / (2 * su * su) - (v * v) / (2 * sv * sv));
          wave[i] = std::cos(2 * kPi * u / period);
          k[i] = window[i] * wave[i];
          sum += k[i];
          wsum += window[i];
        }
      }
      double response = 0;
      for (std::size_t i = 0; i < k.size(); ++i) {
        k[i] -= sum / wsum * window[i];  // zero DC: a flat image gives nothing
        response += k[i] * wave[i];
      }
      std::int16_t* out =
          taps_.data() + (static_cast<std::size_t>(o) * kPeriods + p) * kGaborSide * kGaborRow;
      for (int row = 0; row < kGaborSide; ++row) {
        for (int col = 0; col < kGaborSide; ++col) {
          out[row * kGaborRow + col] = static_cast<std::int16_t>(
              std::lround(k[row * kGaborSide + col] / response * (1 << kGaborShift)));
        }
      }
    }
  }
}

const GaborBank& default_gabor_bank() {
  static const GaborBank bank;
  return bank;
}

std::uint16_t GaborBank::index(double orientation, double period) {
  constexpr double kPi = 3.14159265358979323846;
  const int o =
      std::clamp(static_cast<int>(orientation / kPi * kOrientations), 0, kOrientations - 1);
  const int q = std::clamp(static_cast<int>(std::lround((period - kPeriodMin) / kPeriodStep)), 0,
                           kPeriods - 1);
  return static_cast<std::uint16_t>(o * kPeriods + q);
}

}  // namespace tunggal::kernels
