#include <algorithm>
#include <cmath>

#include "field.h"

namespace tunggal::datasets {

using synth::Rng;

namespace {
constexpr double kPi = 3.14159265358979323846;
constexpr int kKnots = 8;  // angle-correction knots over (-pi, pi]

// The angle correction that turns a zero-pole core (theta = alpha / 2) into
// equidistant nested loops whose legs leave along alpha = 0: on the legs'
// side the ridges run parallel to the axis, on the cap's side they are
// circles around the core.
double loop_offset(double a) {
  a = std::remainder(a, 2 * kPi);
  if (std::abs(a) <= kPi / 2) return -a;
  return a > 0 ? a - kPi : a + kPi;
}

double corrected(const std::array<double, 9>& offset, double alpha) {
  const double pos = (alpha + kPi) / (2 * kPi) * kKnots;
  const int i = std::clamp(static_cast<int>(pos), 0, kKnots - 1);
  const double f = pos - i;
  return alpha + offset[i] * (1 - f) + offset[i + 1] * f;
}
}  // namespace

std::string_view to_string(PatternClass c) noexcept {
  switch (c) {
    case PatternClass::arch: return "arch";
    case PatternClass::tented_arch: return "tented arch";
    case PatternClass::left_loop: return "left loop";
    case PatternClass::right_loop: return "right loop";
    case PatternClass::whorl: return "whorl";
  }
  return "invalid";
}

double ValueNoise::at(double x, double y) const {
  const double gx = std::clamp(x * scale, 0.0, grid_width - 1.001);
  const double gy = std::clamp(y * scale, 0.0, grid_height - 1.001);
  const int ix = static_cast<int>(gx), iy = static_cast<int>(gy);
  double fx = gx - ix, fy = gy - iy;
  fx = fx * fx * (3 - 2 * fx);
  fy = fy * fy * (3 - 2 * fy);
  auto g = [&](int a, int b) { return grid[static_cast<std::size_t>(b) * grid_width + a]; };
  const double top = g(ix, iy) * (1 - fx) + g(ix + 1, iy) * fx;
  const double bot = g(ix, iy + 1) * (1 - fx) + g(ix + 1, iy + 1) * fx;
  return top * (1 - fy) + bot * fy;
}

bool Silhouette::contains(double x, double y) const {
  const double u = std::abs(x - cx) / half_width;
  if (u > 1.0) return false;
  if (y < cy) {
    const double v = (cy - y) / top;
    return u * u + v * v <= 1.0;
  }
  const double v = (y - cy) / bottom;
  return u * u * u * u + v * v * v * v <= 1.0;
}

double MasterFinger::orientation_at(double x, double y) const {
  double theta = 0;
  if (pattern == PatternClass::arch) {
    // No singular points: ridges rise over a bump, highest in the lower middle.
    const double dx = (x - width / 2.0) / arch_width;
    const double a = arch_amplitude * std::exp(-std::pow((y - arch_centre_y) / (height * 0.35), 2));
    theta = std::atan(-a * 2.0 * dx * std::exp(-dx * dx / 2));
  } else {
    // Zero-pole model (Sherlock-Monro) in the math convention (y up): cores
    // have index +1/2, deltas -1/2; each angle bent by its correction.
    for (std::size_t k = 0; k < singular_points.size(); ++k) {
      const double alpha = std::atan2(-(y - singular_points[k].y), x - singular_points[k].x);
      double a = corrected(corrections[k], alpha);
      if (!loop_shape.empty() && loop_shape[k] > 0) a += loop_shape[k] * loop_offset(alpha - loop_axis[k]);
      theta += (singular_points[k].core ? 0.5 : -0.5) * a;
    }
  }
  if (whorl_shape > 0) {
    // Towards equidistant circles around the whorl's centre, between its
    // two cores and where the deltas take over (blended as an angle
    // correction, which leaves the singular points where they are).
    const double dx = x - whorl_cx, dy = y - whorl_cy, r = std::hypot(dx, dy);
    const double in = std::clamp((r - whorl_inner) / 15.0, 0.0, 1.0);
    const double out = std::clamp((whorl_outer - r) / 50.0, 0.0, 1.0);
    const double w = whorl_shape * in * in * (3 - 2 * in) * out * out * (3 - 2 * out);
    if (w > 0) {
      const double circle = std::atan2(-dy, dx) + kPi / 2;
      theta += w * std::remainder(circle - theta, kPi);
    }
  }
  theta += wobble_amplitude * wobble.at(x, y);
  theta = std::fmod(theta, kPi);
  return theta < 0 ? theta + kPi : theta;
}

double PeriodMap::at(double x, double y) const {
  const double gx = std::clamp(x / spacing, 0.0, nx - 1.001);
  const double gy = std::clamp(y / spacing, 0.0, ny - 1.001);
  const int ix = static_cast<int>(gx), iy = static_cast<int>(gy);
  const double fx = gx - ix, fy = gy - iy;
  auto g = [&](int a, int b) { return static_cast<double>(period[static_cast<std::size_t>(b) * nx + a]); };
  return (g(ix, iy) * (1 - fx) + g(ix + 1, iy) * fx) * (1 - fy) +
         (g(ix, iy + 1) * (1 - fx) + g(ix + 1, iy + 1) * fx) * fy;
}

double MasterFinger::period_at(double x, double y) const {
  if (!period_map.period.empty()) return period_map.at(x, y);
  return mean_period * (1.0 + period_variation * period_noise.at(x, y));
}

namespace synth {

ValueNoise make_noise(Rng& rng, int w, int h, int cells) {
  ValueNoise n;
  n.grid_width = cells + 2;
  n.grid_height = cells * h / std::max(w, 1) + 2;
  n.scale = static_cast<double>(cells) / w;
  n.grid.resize(static_cast<std::size_t>(n.grid_width) * n.grid_height);
  for (auto& g : n.grid) g = rng.uniform(-1.0, 1.0);
  return n;
}

std::vector<SingularPoint> place_singular_points(PatternClass c, int w, int h, Rng& rng) {
  const double cx = w / 2.0 + rng.normal(0, 14), cy = h * 0.45 + rng.normal(0, 18);
  std::vector<SingularPoint> sp;
  auto add = [&](double x, double y, bool core) {
    sp.push_back({static_cast<float>(x), static_cast<float>(y), core});
  };
  switch (c) {
    case PatternClass::arch: break;
    case PatternClass::tented_arch:
      add(cx, cy - 10, true);
      add(cx + rng.normal(0, 6), cy + rng.uniform(55, 95), false);
      break;
    case PatternClass::left_loop:  // opens to the left: delta lower right
    case PatternClass::right_loop: {
      const double side = c == PatternClass::left_loop ? 1.0 : -1.0;
      const double corex = cx - side * rng.uniform(0, 20);
      add(corex, cy - rng.uniform(0, 25), true);
      // Core to delta: 7 to 20 ridges apart, the line between them 15 to 75
      // degrees below the horizontal.
      const double d = rng.uniform(70, 200), a = rng.uniform(15, 75) * kPi / 180;
      add(corex + side * d * std::cos(a), cy + d * std::sin(a), false);
      break;
    }
    case PatternClass::whorl: {
      const double dx = rng.normal(0, 8), dy = rng.uniform(14, 32);
      add(cx + dx, cy - dy / 2 - 10, true);
      add(cx - dx, cy + dy / 2 - 10, true);
      add(cx - rng.uniform(85, 125), cy + rng.uniform(80, 125), false);
      add(cx + rng.uniform(85, 125), cy + rng.uniform(80, 125), false);
      break;
    }
  }
  return sp;
}

Silhouette make_silhouette(int w, int h, Rng& rng) {
  Silhouette s;
  s.cx = w / 2.0;
  s.cy = h * 0.47;
  s.half_width = w * rng.uniform(0.40, 0.47);
  s.top = h * rng.uniform(0.40, 0.46);
  s.bottom = h * rng.uniform(0.45, 0.52);
  return s;
}

std::vector<std::uint8_t> silhouette_mask(const MasterFinger& m) {
  std::vector<std::uint8_t> mask(static_cast<std::size_t>(m.width) * m.height);
  for (int y = 0; y < m.height; ++y) {
    for (int x = 0; x < m.width; ++x) {
      mask[static_cast<std::size_t>(y) * m.width + x] = m.inside(x, y) ? 1 : 0;
    }
  }
  return mask;
}

}  // namespace synth

PatternClass draw_pattern_class(std::uint64_t seed, const MasterParams& params) {
  Rng rng(synth::splitmix64(seed ^ 0xC1A55ull));
  double total = 0;
  for (double f : params.class_frequencies) total += f;
  double u = rng.uniform() * total;
  for (int c = 0; c < kPatternClassCount; ++c) {
    u -= params.class_frequencies[c];
    if (u < 0) return static_cast<PatternClass>(c);
  }
  return PatternClass::whorl;
}

namespace {

// Template-only mode: minutiae by dart throwing inside the silhouette, at
// least `sampled_min_distance` apart (checked on a grid), directions from the
// orientation field with a random sense.
std::vector<Minutia> sample_minutiae(const MasterFinger& m, const MasterParams& p, Rng& rng) {
  const Silhouette& s = m.silhouette;
  const double area = kPi / 4 * (2 * s.half_width) * (s.top + s.bottom) * 0.95;
  const int target =
      static_cast<int>(std::lround(area * p.sampled_minutiae_density * rng.uniform(0.8, 1.2)));
  const double cell = p.sampled_min_distance;
  const int gw = static_cast<int>(m.width / cell) + 1, gh = static_cast<int>(m.height / cell) + 1;
  std::vector<std::vector<int>> grid(static_cast<std::size_t>(gw) * gh);
  std::vector<Minutia> out;
  const double min_d2 = cell * cell, margin = p.border_margin;
  for (int attempt = 0; attempt < target * 30 && static_cast<int>(out.size()) < target; ++attempt) {
    const double x = rng.uniform(s.cx - s.half_width, s.cx + s.half_width);
    const double y = rng.uniform(s.cy - s.top, s.cy + s.bottom);
    if (!m.inside(x - margin, y) || !m.inside(x + margin, y) || !m.inside(x, y - margin) ||
        !m.inside(x, y + margin) || x < 0 || y < 0 || x >= m.width || y >= m.height) {
      continue;
    }
    const int gx = static_cast<int>(x / cell), gy = static_cast<int>(y / cell);
    bool ok = true;
    for (int yy = std::max(0, gy - 1); ok && yy <= std::min(gh - 1, gy + 1); ++yy) {
      for (int xx = std::max(0, gx - 1); ok && xx <= std::min(gw - 1, gx + 1); ++xx) {
        for (int idx : grid[static_cast<std::size_t>(yy) * gw + xx]) {
          const double dx = out[idx].x - x, dy = out[idx].y - y;
          if (dx * dx + dy * dy < min_d2) {
            ok = false;
            break;
          }
        }
      }
    }
    if (!ok) continue;
    double a = m.orientation_at(x, y);
    if (rng.chance(0.5)) a += kPi;
    Minutia mi;
    mi.x = static_cast<std::uint16_t>(x);
    mi.y = static_cast<std::uint16_t>(y);
    mi.angle = static_cast<float>(a);
    if (mi.angle >= static_cast<float>(2 * kPi)) mi.angle = 0.0f;
    mi.type =
        rng.chance(p.sampled_bifurcation_share) ? MinutiaType::bifurcation : MinutiaType::ending;
    mi.quality = 100;
    grid[static_cast<std::size_t>(gy) * gw + gx].push_back(static_cast<int>(out.size()));
    out.push_back(mi);
  }
  return out;
}

}  // namespace

MasterFinger generate_master(std::uint64_t seed, const MasterParams& p, bool render) {
  Rng rng(seed);
  MasterFinger m;
  m.width = p.width;
  m.height = p.height;
  m.pattern = draw_pattern_class(seed, p);
  m.singular_points = synth::place_singular_points(m.pattern, m.width, m.height, rng);
  m.silhouette = synth::make_silhouette(m.width, m.height, rng);
  m.corrections.resize(m.singular_points.size());
  for (auto& c : m.corrections) {
    c.fill(0.0);
    for (int k = 1; k < kKnots; ++k)
      c[k] = rng.uniform(-p.orientation_correction, p.orientation_correction);
  }
  // A loop's legs leave the core where the zero-pole field is radial: where
  // alpha / 2 plus the other singular points' turn at the core equals alpha.
  m.loop_shape.assign(m.singular_points.size(), 0.0);
  m.loop_axis.assign(m.singular_points.size(), 0.0);
  if (m.pattern == PatternClass::left_loop || m.pattern == PatternClass::right_loop ||
      m.pattern == PatternClass::tented_arch) {
    const double shape = rng.uniform(p.loop_shape_min, p.loop_shape_max);
    for (std::size_t k = 0; k < m.singular_points.size(); ++k) {
      if (!m.singular_points[k].core) continue;
      double turn = 0;
      for (std::size_t j = 0; j < m.singular_points.size(); ++j) {
        if (j == k) continue;
        const auto& a = m.singular_points[k];
        const auto& b = m.singular_points[j];
        turn += (b.core ? 0.5 : -0.5) * std::atan2(-(a.y - b.y), a.x - b.x);
      }
      m.loop_axis[k] = 2 * turn;
      m.loop_shape[k] = shape;
    }
  }
  if (m.pattern == PatternClass::whorl) {
    const auto& c1 = m.singular_points[0];
    const auto& c2 = m.singular_points[1];
    m.whorl_cx = (c1.x + c2.x) / 2.0;
    m.whorl_cy = (c1.y + c2.y) / 2.0;
    m.whorl_inner = 1.2 * std::hypot(c1.x - c2.x, c1.y - c2.y);
    m.whorl_outer = rng.uniform(p.whorl_radius_min, p.whorl_radius_max);
    m.whorl_shape = rng.uniform(p.loop_shape_min, p.loop_shape_max);
  }
  m.arch_amplitude = rng.uniform(0.35, 0.75);
  m.arch_width = m.width * rng.uniform(0.16, 0.24);
  m.arch_centre_y = m.height * rng.uniform(0.5, 0.65);
  m.wobble = synth::make_noise(rng, m.width, m.height, 4);
  m.mean_period = std::clamp(rng.normal(p.ridge_period_mean, p.ridge_period_sd),
                             p.ridge_period_mean - 2.5 * p.ridge_period_sd,
                             p.ridge_period_mean + 2.5 * p.ridge_period_sd);
  m.period_variation = p.ridge_period_variation;
  m.period_noise = synth::make_noise(rng, m.width, m.height, 3);
  if (render) {
    m.period_map = synth::flow_period_map(m, p);
    m.ridges = synth::grow_ridges(m, p, rng);
    synth::cut_bifurcations(m, p, rng);
    m.minutiae = synth::skeleton_minutiae(m, p);
    m.creases = synth::draw_creases(m, p, rng);
  } else {
    m.minutiae = sample_minutiae(m, p, rng);
  }
  return m;
}

}  // namespace tunggal::datasets
