// Impressions of a master fingerprint: where the finger lands (rotation,
// translation), how the skin stretches (Cappelli-Maio-Maltoni plastic
// distortion: a close-contact ellipse that stays put, a smooth transition
// governed by a brake function, a rigid displacement outside), how much of it
// touches (partial contact), the skin's state (dry ridges break, wet ridges
// merge), sensor noise, scratches and background. Ground-truth minutiae are
// the master's, carried through the exact same transform.
#include <algorithm>
#include <cmath>

#include "field.h"
#include "tunggal/error.h"

namespace tunggal::datasets {
namespace {

constexpr double kPi = 3.14159265358979323846;

// The transform plus shorthands used in the hot loops.
struct Geometry {
  ImpressionTransform t;
  double& mcx = t.master_cx;
  double& mcy = t.master_cy;
  double& vis_cx = t.visible_cx;
  double& vis_cy = t.visible_cy;
  double& vis_rx = t.visible_rx;
  double& vis_ry = t.visible_ry;
  double& brake_width = t.brake_width;
  // cos/sin of the two rotations, computed once (the loops call forward and
  // backward per pixel).
  double cr = 1, sr = 0, cd = 1, sd = 0;
  Geometry() = default;
  explicit Geometry(const ImpressionTransform& tr) : t(tr) { update(); }
  Geometry(const Geometry& o) : t(o.t) { update(); }
  void update() {
    cr = std::cos(t.rotation);
    sr = std::sin(t.rotation);
    cd = std::cos(t.distortion_rotation);
    sd = std::sin(t.distortion_rotation);
  }
  Geometry& operator=(const Geometry&) = delete;
};

// Displacement of the plastic distortion at master point (x, y).
void distortion(const Geometry& g, double x, double y, double& dx, double& dy) {
  const ImpressionTransform& t = g.t;
  const double ex = (x - t.contact_cx) / t.contact_rx, ey = (y - t.contact_cy) / t.contact_ry;
  const double r = std::sqrt(ex * ex + ey * ey);
  if (r <= 1.0) {
    dx = dy = 0;
    return;
  }
  // Distance outside the close-contact ellipse, approximately in pixels.
  const double d = (r - 1.0) * std::sqrt(t.contact_rx * t.contact_ry);
  const double brake = d >= g.brake_width ? 1.0 : 0.5 * (1.0 - std::cos(kPi * d / g.brake_width));
  const double c = g.cd, s = g.sd;
  const double rx = x - t.contact_cx, ry = y - t.contact_cy;
  const double tx = t.contact_cx + c * rx + s * ry + t.distortion_dx;
  const double ty = t.contact_cy - s * rx + c * ry + t.distortion_dy;
  dx = (tx - x) * brake;
  dy = (ty - y) * brake;
}

void forward(const Geometry& g, double mx, double my, double& ix, double& iy) {
  double dx, dy;
  distortion(g, mx, my, dx, dy);
  const double ux = mx + dx - g.mcx, uy = my + dy - g.mcy;
  const double c = g.cr, s = g.sr;
  ix = g.t.tx + c * ux + s * uy;
  iy = g.t.ty - s * ux + c * uy;
}

// Frame point -> master point: exact inverse of the rigid part, fixed-point
// iteration for the distortion (a contraction for these displacements).
void backward(const Geometry& g, double ix, double iy, double& mx, double& my) {
  const double c = g.cr, s = g.sr;
  const double px = ix - g.t.tx, py = iy - g.t.ty;
  const double ux = c * px - s * py + g.mcx, uy = s * px + c * py + g.mcy;
  mx = ux;
  my = uy;
  for (int k = 0; k < 8; ++k) {
    double dx, dy;
    distortion(g, mx, my, dx, dy);
    mx = ux - dx;
    my = uy - dy;
  }
}

bool visible(const Geometry& g, const MasterFinger& m, double x, double y) {
  if (!m.inside(x, y)) return false;
  const double ex = (x - g.vis_cx) / g.vis_rx, ey = (y - g.vis_cy) / g.vis_ry;
  return ex * ex + ey * ey <= 1.0;
}

// Distance (pixels, approximate) from a master point to the border of the
// visible area, probing 16 directions up to `limit`.
double border_distance(const Geometry& g, const MasterFinger& m, double x, double y, double limit) {
  for (double r = 2; r <= limit; r += 2) {
    for (int k = 0; k < 16; ++k) {
      const double a = k * kPi / 8;
      if (!visible(g, m, x + r * std::cos(a), y + r * std::sin(a))) return r;
    }
  }
  return limit;
}

double wrap_angle(double a) {
  a = std::fmod(a, 2 * kPi);
  if (a < 0) a += 2 * kPi;
  return a >= 2 * kPi ? 0.0 : a;
}

Geometry make_geometry(const MasterFinger& m, synth::Rng& rng, const ImpressionParams& p) {
  const Silhouette& sil = m.silhouette;
  const double x0 = sil.cx - sil.half_width, x1 = sil.cx + sil.half_width;
  const double y0 = sil.cy - sil.top, y1 = sil.cy + sil.bottom;
  Geometry g;
  g.mcx = (x0 + x1) / 2.0;
  g.mcy = (y0 + y1) / 2.0;
  const double hw = (x1 - x0) / 2.0, hh = (y1 - y0) / 2.0;
  ImpressionTransform& t = g.t;
  t.rotation = rng.uniform(-p.max_rotation_deg, p.max_rotation_deg) * kPi / 180;
  t.tx = p.width / 2.0 + rng.normal(0, p.translation_sd);
  t.ty = p.height / 2.0 + rng.normal(0, p.translation_sd);
  t.distortion_rotation = std::clamp(rng.normal(0, p.distortion_rotation_deg / 2),
                                     -p.distortion_rotation_deg, p.distortion_rotation_deg) *
                          kPi / 180;
  const double shift_a = rng.uniform(0, 2 * kPi),
               shift_r = p.distortion_shift * std::sqrt(rng.uniform());
  t.distortion_dx = shift_r * std::cos(shift_a);
  t.distortion_dy = shift_r * std::sin(shift_a);
  t.contact_cx = g.mcx + rng.normal(0, hw * 0.12);
  t.contact_cy = g.mcy + rng.normal(0, hh * 0.12);
  t.contact_rx = hw * rng.uniform(0.25, 0.4);
  t.contact_ry = hh * rng.uniform(0.25, 0.4);
  t.dryness = rng.uniform(-p.max_wet, p.max_dry);
  g.brake_width = p.brake_width;
  const double frac = rng.uniform(p.contact_min, p.contact_max);
  g.vis_cx = g.mcx + rng.normal(0, hw * 0.1);
  g.vis_cy = g.mcy + rng.normal(0, hh * 0.1);
  g.vis_rx = hw * frac * 1.05;
  g.vis_ry = hh * frac * 1.05;
  g.update();
  return g;
}

void render(const MasterFinger& m, const Geometry& g, synth::Rng& rng, const ImpressionParams& p,
            GrayImage& img) {
  img.width = p.width;
  img.height = p.height;
  img.dpi = 500;
  img.pixels.assign(static_cast<std::size_t>(p.width) * p.height, 0);
  const double bg = rng.uniform(p.background_min, p.background_max);
  const double contrast = rng.uniform(150, 215);
  const double grad_x = rng.uniform(-0.06, 0.06), grad_y = rng.uniform(-0.06, 0.06);
  const ValueNoise blotch =
      synth::make_noise(rng, m.width, m.height, 40);  // skin texture ~ ridge scale
  const ValueNoise pores =
      synth::make_noise(rng, m.width, m.height, 70);  // breaks and pores along ridges
  const ValueNoise pressure = synth::make_noise(rng, m.width, m.height, 3);  // uneven pressure
  // Fine skin texture (features of 2-3 px): ragged ridge edges and ink that
  // does not take evenly.
  const ValueNoise grain = synth::make_noise(rng, m.width, m.height, m.width / 3);
  const double dry = std::max(0.0, g.t.dryness), wet = std::max(0.0, -g.t.dryness);
  // Smudges, in master coordinates: ink floods (+1) or is lifted (-1).
  struct Smudge {
    double x, y, r, sign;
  };
  std::vector<Smudge> smudges;
  const int smudge_count = static_cast<int>(rng.below(static_cast<std::uint64_t>(p.max_smudges) + 1));
  for (int k = 0; k < smudge_count; ++k) {
    const Silhouette& s = m.silhouette;
    smudges.push_back({rng.uniform(s.cx - s.half_width, s.cx + s.half_width),
                       rng.uniform(s.cy - s.top, s.cy + s.bottom), rng.uniform(12, p.smudge_radius_max),
                       rng.chance(0.5) ? 1.0 : -1.0});
  }
  std::vector<double> value(img.pixels.size());
  for (int y = 0; y < p.height; ++y) {
    for (int x = 0; x < p.width; ++x) {
      double mx, my;
      backward(g, x + 0.5, y + 0.5, mx, my);
      double ink = 0;
      if (visible(g, m, mx, my)) {
        // Bilinear sample of the master's ridge signal.
        const double sx = std::clamp(mx - 0.5, 0.0, m.width - 1.001);
        const double sy = std::clamp(my - 0.5, 0.0, m.height - 1.001);
        const int ix = static_cast<int>(sx), iy = static_cast<int>(sy);
        const double fx = sx - ix, fy = sy - iy;
        // Bilinear sample of a master canvas map at (ix + fx, iy + fy).
        const auto sample = [&](const auto& map) {
          const auto at = [&](int a, int b) { return static_cast<double>(map[static_cast<std::size_t>(b) * m.width + a]); };
          return (at(ix, iy) * (1 - fx) + at(ix + 1, iy) * fx) * (1 - fy) +
                 (at(ix, iy + 1) * (1 - fx) + at(ix + 1, iy + 1) * fx) * fy;
        };
        double r = sample(m.ridges);
        // Dry skin: ridges thin and break where the texture is low; wet skin:
        // ridges thicken and merge.
        const double b = std::max(0.0, blotch.at(mx, my));
        r -= dry * (45 + 70 * b);
        r += wet * (40 + 30 * b);
        double flood = 0, lift = 0;
        for (const auto& sm : smudges) {
          const double d = std::hypot(mx - sm.x, my - sm.y) / sm.r;
          if (d >= 1) continue;
          const double w = 0.5 * (1 + std::cos(kPi * d));
          (sm.sign > 0 ? flood : lift) = std::max(sm.sign > 0 ? flood : lift, w);
        }
        r += 120 * flood;
        // Ridges print a little thinner than valleys, broken by pores.
        r -= 25 + p.pore_strength * std::max(0.0, pores.at(mx, my) - 0.25 + 0.3 * dry);
        if (!m.creases.empty()) {
          r -= sample(m.creases) * (1.2 - 0.6 * wet);  // wet skin fills creases partly
        }
        const double gr = grain.at(mx, my);
        r += p.grain_strength * gr;
        ink = std::clamp(0.5 + r / 70.0, 0.0, 1.0) * (1.0 - 0.35 * p.grain_strength / 60.0 * std::max(0.0, -gr));
        // Pressure fades towards the edge of the contact and varies.
        const double ex = (mx - g.vis_cx) / g.vis_rx, ey = (my - g.vis_cy) / g.vis_ry;
        const double edge = std::clamp((1.0 - std::sqrt(ex * ex + ey * ey)) * 8.0, 0.0, 1.0);
        ink *= edge * std::clamp(1.0 + p.pressure_variation * pressure.at(mx, my), 0.0, 1.0) *
               (1.0 - 0.85 * lift);
      }
      value[static_cast<std::size_t>(y) * p.width + x] =
          bg * (1 + grad_x * (x - p.width / 2.0) / p.width +
                grad_y * (y - p.height / 2.0) / p.height) -
          contrast * ink;
    }
  }
  // Scratches on the platen: thin light lines.
  if (rng.chance(p.scratch_probability)) {
    const int count = 1 + static_cast<int>(rng.below(3));
    for (int k = 0; k < count; ++k) {
      const double x0 = rng.uniform(0, p.width), y0 = rng.uniform(0, p.height);
      const double a = rng.uniform(0, kPi), len = rng.uniform(40, 200);
      for (double s = 0; s < len; s += 0.5) {
        const int x = static_cast<int>(x0 + s * std::cos(a)),
                  y = static_cast<int>(y0 + s * std::sin(a));
        if (x >= 0 && y >= 0 && x < p.width && y < p.height) {
          double& v = value[static_cast<std::size_t>(y) * p.width + x];
          v = 0.3 * v + 0.7 * bg;
        }
      }
    }
  }
  // Sensor blur (3x3 binomial) and noise, then 8-bit.
  for (int y = 0; y < p.height; ++y) {
    for (int x = 0; x < p.width; ++x) {
      double acc = 0;
      int wsum = 0;
      for (int dy = -1; dy <= 1; ++dy) {
        for (int dx = -1; dx <= 1; ++dx) {
          const int xx = std::clamp(x + dx, 0, p.width - 1),
                    yy = std::clamp(y + dy, 0, p.height - 1);
          const int w = (dx == 0 ? 2 : 1) * (dy == 0 ? 2 : 1);
          acc += w * value[static_cast<std::size_t>(yy) * p.width + xx];
          wsum += w;
        }
      }
      const double v = acc / wsum + rng.normal(0, p.noise_sd);
      img.pixels[static_cast<std::size_t>(y) * p.width + x] =
          static_cast<std::uint8_t>(std::clamp(std::lround(v), 0L, 255L));
    }
  }
}

}  // namespace

void map_to_impression(const ImpressionTransform& t, double mx, double my, double& ix, double& iy) {
  forward(Geometry(t), mx, my, ix, iy);
}

ImpressionParams hard_conditions(ImpressionParams p) {
  p.max_rotation_deg = 45;
  p.translation_sd = 40;
  p.distortion_rotation_deg = 14;
  p.distortion_shift = 26;
  p.brake_width = 70;
  p.contact_min = 0.35;
  p.contact_max = 0.8;
  p.max_wet = 1.0;
  p.max_dry = 1.0;
  p.noise_sd = 14;
  p.scratch_probability = 0.5;
  p.max_smudges = 6;
  p.grain_strength = 140;
  return p;
}

ImpressionParams enrolment_desk_conditions(ImpressionParams p) {
  p.max_rotation_deg = 20;
  p.translation_sd = 12;
  p.distortion_rotation_deg = 4;
  p.distortion_shift = 7;
  p.contact_min = 0.6;
  p.contact_max = 0.95;
  return p;
}

ImpressionParams impression_conditions(std::string_view name) {
  const ImpressionParams normal{}, hard = hard_conditions();
  ImpressionParams p = normal;
  if (name == "fvc2002") return normal;
  if (name == "hard") return hard;
  if (name == "desk") return enrolment_desk_conditions();
  if (name == "distortion") {
    p.distortion_rotation_deg = hard.distortion_rotation_deg;
    p.distortion_shift = hard.distortion_shift;
    p.brake_width = hard.brake_width;
  } else if (name == "dry") {
    p.max_wet = 0;
    p.max_dry = hard.max_dry;
  } else if (name == "wet") {
    p.max_dry = 0;
    p.max_wet = hard.max_wet;
  } else if (name == "partial") {
    p.contact_min = hard.contact_min;
    p.contact_max = hard.contact_max;
  } else if (name == "rotation") {
    p.max_rotation_deg = hard.max_rotation_deg;
    p.translation_sd = hard.translation_sd;
  } else {
    std::string names;
    for (const auto& n : impression_condition_names()) names += (names.empty() ? "" : ", ") + n;
    throw Error(ErrorCode::invalid_argument,
                "unknown impression conditions '" + std::string(name) + "' (choose " + names + ")");
  }
  return p;
}

std::vector<std::string> impression_condition_names() {
  return {"fvc2002", "hard", "desk", "distortion", "dry", "wet", "partial", "rotation"};
}

Impression make_impression(const MasterFinger& m, std::uint64_t seed, const ImpressionParams& p,
                           bool render_image) {
  synth::Rng rng(seed);
  Impression out;
  const Geometry g = make_geometry(m, rng, p);
  out.transform = g.t;
  for (FingerTemplate* t : {&out.truth, &out.observed}) {
    t->width = static_cast<std::uint16_t>(p.width);
    t->height = static_cast<std::uint16_t>(p.height);
    t->dpi_x = t->dpi_y = 500;
    t->quality = 100;
  }
  for (const Minutia& mi : m.minutiae) {
    if (!visible(g, m, mi.x, mi.y)) continue;
    if (border_distance(g, m, mi.x, mi.y, p.contact_margin) < p.contact_margin) continue;
    double ix, iy, jx, jy;
    forward(g, mi.x, mi.y, ix, iy);
    const double step = 3.0;
    forward(g, mi.x + step * std::cos(mi.angle), mi.y - step * std::sin(mi.angle), jx, jy);
    const long rx = std::lround(ix), ry = std::lround(iy);
    if (rx < 0 || ry < 0 || rx >= p.width || ry >= p.height) continue;
    Minutia t = mi;
    t.x = static_cast<std::uint16_t>(rx);
    t.y = static_cast<std::uint16_t>(ry);
    t.angle = static_cast<float>(wrap_angle(std::atan2(-(jy - iy), jx - ix)));
    if (t.angle >= static_cast<float>(2 * kPi)) t.angle = 0.0f;
    out.truth.minutiae.push_back(t);
  }
  // What an extractor would report: jittered, some missed, some spurious,
  // some types confused.
  for (const Minutia& t : out.truth.minutiae) {
    if (rng.chance(p.drop_rate)) continue;
    Minutia o = t;
    o.x = static_cast<std::uint16_t>(std::clamp(std::lround(t.x + rng.normal(0, p.position_jitter)),
                                                0L, static_cast<long>(p.width - 1)));
    o.y = static_cast<std::uint16_t>(std::clamp(std::lround(t.y + rng.normal(0, p.position_jitter)),
                                                0L, static_cast<long>(p.height - 1)));
    o.angle =
        static_cast<float>(wrap_angle(t.angle + rng.normal(0, p.angle_jitter_deg * kPi / 180)));
    if (o.angle >= static_cast<float>(2 * kPi)) o.angle = 0.0f;
    if (rng.chance(p.type_flip_rate)) {
      o.type = o.type == MinutiaType::ending ? MinutiaType::bifurcation : MinutiaType::ending;
    }
    o.quality = static_cast<std::uint8_t>(std::clamp(std::lround(rng.normal(70, 15)), 1L, 100L));
    out.observed.minutiae.push_back(o);
  }
  const auto spurious = static_cast<int>(
      std::lround(out.truth.minutiae.size() * p.spurious_rate * rng.uniform(0.5, 1.5)));
  for (int k = 0; k < spurious; ++k) {
    // Spurious minutiae fall inside the visible print.
    for (int attempt = 0; attempt < 50; ++attempt) {
      const double x = rng.uniform(0, p.width), y = rng.uniform(0, p.height);
      double mx, my;
      backward(g, x, y, mx, my);
      if (!visible(g, m, mx, my)) continue;
      Minutia o;
      o.x = static_cast<std::uint16_t>(x);
      o.y = static_cast<std::uint16_t>(y);
      o.angle = static_cast<float>(wrap_angle(rng.uniform(0, 2 * kPi)));
      if (o.angle >= static_cast<float>(2 * kPi)) o.angle = 0.0f;
      o.type = rng.chance(0.5) ? MinutiaType::ending : MinutiaType::bifurcation;
      o.quality = static_cast<std::uint8_t>(std::clamp(std::lround(rng.normal(40, 15)), 1L, 100L));
      out.observed.minutiae.push_back(o);
      break;
    }
  }
  if (render_image && !m.ridges.empty()) render(m, g, rng, p, out.image);
  return out;
}

}  // namespace tunggal::datasets
