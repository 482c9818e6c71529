// Ridge growth (SFinGe): start from a few random dots and filter the image
// again and again with a Gabor filter tuned, at each pixel, to the local
// ridge orientation and period, saturating after each pass, until the ridge
// pattern covers the canvas. Integer arithmetic keeps the result identical on
// every machine; the filter bank is quantised (32 orientations x 21 periods).
#include <algorithm>
#include <cmath>
#include <cstring>

#include "field.h"
#include "kernels/gabor.h"

namespace tunggal::datasets::synth {
namespace {

constexpr int kRadius = kernels::kGaborRadius;
constexpr int kRow = kernels::kGaborRow;
constexpr int kSide = kernels::kGaborSide;

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
      kernel_index[static_cast<std::size_t>(y) * w + x] =
          kernels::GaborBank::index(m.orientation_at(x, y), m.period_at(x, y));
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
    const kernels::GaborPass pass{
        a.data(), b.data(), stride, w, kernel_index.data(), kernels::default_gabor_bank().taps(),
        gain};
    kernels::gabor_rows(pass, 0, h);
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
