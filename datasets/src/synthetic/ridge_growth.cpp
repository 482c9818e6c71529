// Ridge growth (SFinGe): start from a few random dots and filter the image
// again and again with a Gabor filter tuned, at each pixel, to the local
// ridge orientation and period, saturating after each pass, until the ridge
// pattern covers the canvas. Integer arithmetic keeps the result identical on
// every machine; the filter bank is quantised (32 orientations x 21 periods).
#include <algorithm>
#include <cmath>
#include <cstring>

#include "field.h"
#include "gabor_kernel.h"

namespace tunggal::datasets::synth {
namespace {

constexpr int kRadius = kGaborRadius;
constexpr int kSide = kGaborSide;
constexpr int kRow = kGaborRow;
constexpr int kOrientations = 32;
constexpr double kPeriodMin = 5.0, kPeriodStep = 0.5;
constexpr int kPeriods = 21;  // 5.0 .. 15.0
constexpr int kShift = kGaborShift;
constexpr double kPi = 3.14159265358979323846;

struct Bank {
  std::vector<std::int16_t> taps;  // [orientation][period][kSide][kRow]
  const std::int16_t* kernel(int o, int p) const {
    return taps.data() + (static_cast<std::size_t>(o) * kPeriods + p) * kSide * kRow;
  }
};

Bank make_bank() {
  Bank bank;
  bank.taps.assign(static_cast<std::size_t>(kOrientations) * kPeriods * kSide * kRow, 0);
  std::vector<double> k(kSide * kSide), window(kSide * kSide), wave(kSide * kSide);
  for (int o = 0; o < kOrientations; ++o) {
    const double theta = (o + 0.5) * kPi / kOrientations;
    const double s = std::sin(theta), c = std::cos(theta);
    for (int p = 0; p < kPeriods; ++p) {
      const double period = kPeriodMin + p * kPeriodStep;
      const double sigma_u = std::min(0.40 * period, 4.0);  // across ridges
      const double sigma_v = std::min(0.55 * period, 4.5);  // along ridges
      double sum = 0, wsum = 0;
      for (int dy = -kRadius; dy <= kRadius; ++dy) {
        for (int dx = -kRadius; dx <= kRadius; ++dx) {
          const int i = (dy + kRadius) * kSide + dx + kRadius;
          const double u = dx * s + dy * c;  // along the ridge normal (screen, y down)
          const double v = dx * c - dy * s;  // along the ridge
          window[i] = std::exp(-(u * u) / (2 * sigma_u * sigma_u) - (v * v) / (2 * sigma_v * sigma_v));
          wave[i] = std::cos(2 * kPi * u / period);
          k[i] = window[i] * wave[i];
          sum += k[i];
          wsum += window[i];
        }
      }
      double response = 0;
      for (int i = 0; i < kSide * kSide; ++i) {
        k[i] -= sum / wsum * window[i];  // zero DC: a flat image gives nothing
        response += k[i] * wave[i];
      }
      std::int16_t* out = bank.taps.data() + (static_cast<std::size_t>(o) * kPeriods + p) * kSide * kRow;
      for (int r = 0; r < kSide; ++r) {
        for (int col = 0; col < kSide; ++col) {
          out[r * kRow + col] = static_cast<std::int16_t>(
              std::lround(k[r * kSide + col] / response * (1 << kShift)));
        }
      }
    }
  }
  return bank;
}

const Bank& bank() {
  static const Bank b = make_bank();  // immutable after construction
  return b;
}

}  // namespace

std::vector<std::int8_t> grow_ridges(const MasterFinger& m, const MasterParams& p, Rng& rng) {
  const int w = m.width, h = m.height;
  // The padded row needs kRow - kSide extra zero columns on the right.
  const int stride = w + 2 * kRadius + (kRow - kSide);
  const std::size_t padded = static_cast<std::size_t>(stride) * (h + 2 * kRadius);
  std::vector<std::int16_t> a(padded, 0), b(padded, 0);

  std::vector<std::uint16_t> kernel_index(static_cast<std::size_t>(w) * h);
  for (int y = 0; y < h; ++y) {
    for (int x = 0; x < w; ++x) {
      int o = static_cast<int>(m.orientation_at(x, y) / kPi * kOrientations);
      o = std::clamp(o, 0, kOrientations - 1);
      int q = static_cast<int>(std::lround((m.period_at(x, y) - kPeriodMin) / kPeriodStep));
      q = std::clamp(q, 0, kPeriods - 1);
      kernel_index[static_cast<std::size_t>(y) * w + x] = static_cast<std::uint16_t>(o * kPeriods + q);
    }
  }

  const auto seeds = static_cast<std::size_t>(w * h * p.seed_density);
  for (std::size_t i = 0; i < seeds; ++i) {
    const int x = static_cast<int>(rng.below(w)), y = static_cast<int>(rng.below(h));
    a[static_cast<std::size_t>(y + kRadius) * stride + x + kRadius] = 127;
  }
  for (int it = 0; it < p.growth_iterations; ++it) {
    // Strong gain while ridges spread from the seeds, then milder so the
    // pattern settles into clean, saturated ridges.
    const int gain = it < p.growth_iterations / 2 ? 12 : 4;
    const GaborPass pass{a.data(), b.data(), stride, w, kernel_index.data(), bank().taps.data(), gain};
    gabor_rows(pass, 0, h);
    std::swap(a, b);
  }
  std::vector<std::int8_t> out(static_cast<std::size_t>(w) * h);
  for (int y = 0; y < h; ++y) {
    for (int x = 0; x < w; ++x) {
      out[static_cast<std::size_t>(y) * w + x] =
          static_cast<std::int8_t>(a[static_cast<std::size_t>(y + kRadius) * stride + x + kRadius]);
    }
  }
  return out;
}

}  // namespace tunggal::datasets::synth
