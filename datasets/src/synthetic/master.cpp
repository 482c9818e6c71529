#include <algorithm>
#include <cmath>

#include "field.h"

namespace tunggal::datasets {

using synth::Rng;

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

namespace synth {

constexpr double kPi = 3.14159265358979323846;

SmoothNoise::SmoothNoise(Rng& rng, int w, int h, int cells)
    : gw_(cells + 2), gh_(cells * h / std::max(w, 1) + 2) {
  sx_ = static_cast<double>(cells) / w;
  sy_ = sx_;
  grid_.resize(static_cast<std::size_t>(gw_) * gh_);
  for (auto& g : grid_) g = rng.uniform(-1.0, 1.0);
}

double SmoothNoise::at(double x, double y) const {
  const double gx = std::clamp(x * sx_, 0.0, gw_ - 1.001);
  const double gy = std::clamp(y * sy_, 0.0, gh_ - 1.001);
  const int ix = static_cast<int>(gx), iy = static_cast<int>(gy);
  double fx = gx - ix, fy = gy - iy;
  fx = fx * fx * (3 - 2 * fx);  // smoothstep: continuous derivative
  fy = fy * fy * (3 - 2 * fy);
  auto g = [&](int a, int b) { return grid_[static_cast<std::size_t>(b) * gw_ + a]; };
  const double top = g(ix, iy) * (1 - fx) + g(ix + 1, iy) * fx;
  const double bot = g(ix, iy + 1) * (1 - fx) + g(ix + 1, iy + 1) * fx;
  return top * (1 - fy) + bot * fy;
}

double AngleCorrection::apply(double alpha) const {
  const double pos = (alpha + kPi) / (2 * kPi) * kKnots;  // 0..kKnots
  const int i = std::clamp(static_cast<int>(pos), 0, kKnots - 1);
  const double f = pos - i;
  return alpha + offset[i] * (1 - f) + offset[i + 1] * f;
}

std::vector<SingularPoint> place_singular_points(PatternClass c, int w, int h, Rng& rng) {
  const double cx = w / 2.0 + rng.normal(0, 8), cy = h * 0.45 + rng.normal(0, 12);
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
      add(corex + side * rng.uniform(85, 125), cy + rng.uniform(85, 135), false);
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

std::vector<std::uint8_t> make_silhouette(int w, int h, Rng& rng) {
  // A fingertip: elliptical top, squarer bottom (SFinGe uses arcs and a
  // rectangle; a superellipse gives the same outline with one parameter).
  const double cx = w / 2.0, cy = h * 0.47;
  const double a = w * rng.uniform(0.40, 0.47);
  const double top = h * rng.uniform(0.40, 0.46), bottom = h * rng.uniform(0.45, 0.52);
  std::vector<std::uint8_t> s(static_cast<std::size_t>(w) * h, 0);
  for (int y = 0; y < h; ++y) {
    for (int x = 0; x < w; ++x) {
      const double u = std::abs(x - cx) / a;
      bool in;
      if (y < cy) {
        const double v = (cy - y) / top;
        in = u * u + v * v <= 1.0;
      } else {
        const double v = (y - cy) / bottom;
        in = u * u * u * u + v * v * v * v <= 1.0;
      }
      s[static_cast<std::size_t>(y) * w + x] = in ? 1 : 0;
    }
  }
  return s;
}

// Ridge orientation at (x, y) in radians [0, pi), counter-clockwise on screen.
double zero_pole_orientation(const std::vector<SingularPoint>& sp,
                             const std::vector<AngleCorrection>& corr, double x, double y) {
  double theta = 0;
  for (std::size_t k = 0; k < sp.size(); ++k) {
    // Math convention (y up): cores have index +1/2, deltas -1/2.
    const double alpha = std::atan2(-(y - sp[k].y), x - sp[k].x);
    theta += (sp[k].core ? 0.5 : -0.5) * corr[k].apply(alpha);
  }
  return theta;
}

}  // namespace synth

float MasterFinger::orientation_at(float x, float y) const {
  const int ix = std::clamp(static_cast<int>(std::lround(x)), 0, width - 1);
  const int iy = std::clamp(static_cast<int>(std::lround(y)), 0, height - 1);
  return orientation[static_cast<std::size_t>(iy) * width + ix];
}

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

// Template-only mode: minutiae by dart throwing inside the silhouette, with a
// minimum spacing, directions from the orientation field.
std::vector<Minutia> sample_minutiae(const MasterFinger& m, const MasterParams& p, Rng& rng) {
  std::size_t area = 0;
  for (auto v : m.silhouette) area += v;
  const int target = static_cast<int>(std::lround(area * p.sampled_minutiae_density *
                                                  rng.uniform(0.8, 1.2)));
  std::vector<Minutia> out;
  const double min_d2 = p.sampled_min_distance * p.sampled_min_distance;
  for (int attempt = 0; attempt < target * 30 && static_cast<int>(out.size()) < target; ++attempt) {
    const int x = static_cast<int>(rng.below(m.width));
    const int y = static_cast<int>(rng.below(m.height));
    bool ok = true;
    for (int dy = -p.border_margin; ok && dy <= p.border_margin; dy += p.border_margin) {
      for (int dx = -p.border_margin; ok && dx <= p.border_margin; dx += p.border_margin) {
        ok = m.inside(x + dx, y + dy);
      }
    }
    for (const auto& o : out) {
      if (!ok) break;
      const double ddx = o.x - x, ddy = o.y - y;
      ok = ddx * ddx + ddy * ddy >= min_d2;
    }
    if (!ok) continue;
    double a = m.orientation[static_cast<std::size_t>(y) * m.width + x];
    if (rng.chance(0.5)) a += synth::kPi;
    Minutia mi;
    mi.x = static_cast<std::uint16_t>(x);
    mi.y = static_cast<std::uint16_t>(y);
    mi.angle = static_cast<float>(std::fmod(a + 2 * synth::kPi, 2 * synth::kPi));
    if (mi.angle >= static_cast<float>(2 * synth::kPi)) mi.angle = 0.0f;
    mi.type = rng.chance(p.sampled_bifurcation_share) ? MinutiaType::bifurcation
                                                      : MinutiaType::ending;
    mi.quality = 100;
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

  std::vector<synth::AngleCorrection> corr(m.singular_points.size());
  for (auto& c : corr) {
    for (int k = 1; k < synth::AngleCorrection::kKnots; ++k) {
      c.offset[k] = rng.uniform(-p.orientation_correction, p.orientation_correction);
    }
  }
  // Arches have no singular points: ridges rise over a bump whose height
  // grows towards the lower middle of the finger.
  const double arch_amp = rng.uniform(0.35, 0.75), arch_s = m.width * rng.uniform(0.16, 0.24);
  const double arch_cy = m.height * rng.uniform(0.5, 0.65);
  synth::SmoothNoise wobble(rng, m.width, m.height, 4);
  const double wobble_amp = 0.08;

  m.orientation.resize(static_cast<std::size_t>(m.width) * m.height);
  const double cx = m.width / 2.0;
  for (int y = 0; y < m.height; ++y) {
    for (int x = 0; x < m.width; ++x) {
      double theta;
      if (m.pattern == PatternClass::arch) {
        const double dx = (x - cx) / arch_s;
        const double a = arch_amp * std::exp(-std::pow((y - arch_cy) / (m.height * 0.35), 2));
        theta = std::atan(-a * 2.0 * dx * std::exp(-dx * dx / 2));
      } else {
        theta = synth::zero_pole_orientation(m.singular_points, corr, x, y);
      }
      theta += wobble_amp * wobble.at(x, y);
      theta = std::fmod(theta, synth::kPi);
      if (theta < 0) theta += synth::kPi;
      m.orientation[static_cast<std::size_t>(y) * m.width + x] = static_cast<float>(theta);
    }
  }

  m.mean_period = std::clamp(rng.normal(p.ridge_period_mean, p.ridge_period_sd),
                             p.ridge_period_mean - 2.5 * p.ridge_period_sd,
                             p.ridge_period_mean + 2.5 * p.ridge_period_sd);
  synth::SmoothNoise period_noise(rng, m.width, m.height, 3);
  m.period.resize(m.orientation.size());
  for (int y = 0; y < m.height; ++y) {
    for (int x = 0; x < m.width; ++x) {
      m.period[static_cast<std::size_t>(y) * m.width + x] = static_cast<float>(
          m.mean_period * (1.0 + p.ridge_period_variation * period_noise.at(x, y)));
    }
  }

  if (render) {
    m.ridges = synth::grow_ridges(m, p, rng);
    m.minutiae = synth::skeleton_minutiae(m, p);
  } else {
    m.minutiae = sample_minutiae(m, p, rng);
  }
  return m;
}

}  // namespace tunggal::datasets
