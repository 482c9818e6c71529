// Bit-based Minutia Cylinder-Code and LSS-R (Cappelli, Ferrara, Maltoni 2010).
#include <algorithm>
#include <bit>
#include <cmath>
#include <cstddef>
#include <cstring>
#include <functional>
#include <limits>
#include <memory>
#include <numeric>
#include <opencv2/imgproc.hpp>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "../common/param_table.h"
#include "../kernels/mcc_popcount.h"
#include "fast_angles.h"
#include "tunggal/comparison.h"
#include "tunggal/error.h"

namespace tunggal {
namespace {

using namespace comparison_detail;

constexpr double kPi = 3.14159265358979323846;

// Difference of two angles, in [-pi, pi).
double dphi(double a, double b) {
  double d = std::fmod(a - b + kPi, 2 * kPi);
  if (d < 0) d += 2 * kPi;
  return d - kPi;
}

double sigmoid(double v, double mu, double tau) {
  return 1.0 / (1.0 + std::exp(-tau * (v - mu)));
}

// A sigmoid tabulated over [0, max): the compatibility terms of LSS-R.
struct SigmoidTable {
  static constexpr int kSize = 1024;
  float max = 1, step = 1;
  float v[kSize + 1];
  SigmoidTable(double mu, double tau, double range) : max(static_cast<float>(range)) {
    step = max / kSize;
    for (int i = 0; i <= kSize; ++i) v[i] = static_cast<float>(sigmoid(i * step, mu, tau));
  }
  float operator()(float x) const {
    const int i = static_cast<int>(x / step);
    return i >= kSize ? v[kSize] : v[i];
  }
};

struct RelaxationTables {
  double key[6];
  SigmoidTable z1, z2, z3;
  explicit RelaxationTables(const MccParams& p)
      : key{p.mu1, p.tau1, p.mu2, p.tau2, p.mu3, p.tau3},
        z1(p.mu1, p.tau1, 64.0),
        z2(p.mu2, p.tau2, kPi),
        z3(p.mu3, p.tau3, kPi) {}
  bool fits(const MccParams& p) const {
    return key[0] == p.mu1 && key[1] == p.tau1 && key[2] == p.mu2 && key[3] == p.tau2 &&
           key[4] == p.mu3 && key[5] == p.tau3;
  }
};

// Built once per thread and parameter set (not per comparison: 3,000 exp).
const RelaxationTables& relaxation_tables(const MccParams& p) {
  thread_local std::unique_ptr<RelaxationTables> cached;
  if (!cached || !cached->fits(p)) cached = std::make_unique<RelaxationTables>(p);
  return *cached;
}

// Whether (x, y) lies inside the convex polygon `hull` or within `margin`
// of it. Replaces cv::pointPolygonTest, which measured the distance for every
// cell and was 40% of enrolment.
bool within_hull(const std::vector<cv::Point2f>& hull, double x, double y, double margin) {
  bool left = false, right = false;
  double best = std::numeric_limits<double>::infinity();
  for (std::size_t i = 0; i < hull.size(); ++i) {
    const cv::Point2f& a = hull[i];
    const cv::Point2f& b = hull[(i + 1) % hull.size()];
    const double ex = b.x - a.x, ey = b.y - a.y, wx = x - a.x, wy = y - a.y;
    const double cross = ex * wy - ey * wx;
    left |= cross > 0;
    right |= cross < 0;
    const double len2 = ex * ex + ey * ey;
    const double t = len2 > 0 ? std::clamp((wx * ex + wy * ey) / len2, 0.0, 1.0) : 0.0;
    const double dx = wx - t * ex, dy = wy - t * ey;
    best = std::min(best, dx * dx + dy * dy);
  }
  if (!(left && right)) return true;  // on one side of every edge: inside
  return best <= margin * margin;
}

// Whether (x, y) is inside the convex polygon at least `depth` from every
// edge (so a disc of that radius around it lies inside).
bool inside_by(const std::vector<cv::Point2f>& hull, double x, double y, double depth) {
  bool left = false, right = false;
  double nearest = std::numeric_limits<double>::infinity();
  for (std::size_t i = 0; i < hull.size(); ++i) {
    const cv::Point2f& a = hull[i];
    const cv::Point2f& b = hull[(i + 1) % hull.size()];
    const double ex = b.x - a.x, ey = b.y - a.y;
    const double len = std::hypot(ex, ey);
    if (len == 0) continue;
    const double cross = (ex * (y - a.y) - ey * (x - a.x)) / len;  // signed distance to the edge's line
    left |= cross > 0;
    right |= cross < 0;
    nearest = std::min(nearest, std::abs(cross));
  }
  return !(left && right) && nearest >= depth;
}

}  // namespace

namespace {

constexpr detail::ParamField<MccParams> kParamFields[] = {
    {"radius", &MccParams::radius, nullptr, 10, 300},
    {"ns", nullptr, &MccParams::ns, 2, 32},
    {"nd", nullptr, &MccParams::nd, 1, 16},
    {"sigma_s", &MccParams::sigma_s, nullptr, 0.1, 100},
    {"sigma_d", &MccParams::sigma_d, nullptr, 0.01, 6.3},
    {"mu_psi", &MccParams::mu_psi, nullptr, 0, 1},
    {"omega", &MccParams::omega, nullptr, 0, 500},
    {"min_valid_cells", &MccParams::min_valid_cells, nullptr, 0, 1},
    {"min_contributing", nullptr, &MccParams::min_contributing, 0, 100},
    {"min_cylinders", nullptr, &MccParams::min_cylinders, 1, 1000},
    {"min_matchable", &MccParams::min_matchable, nullptr, 0, 1},
    {"max_direction_difference", &MccParams::max_direction_difference, nullptr, 0, 3.1416},
    {"relaxation_iterations", nullptr, &MccParams::relaxation_iterations, 0, 100},
    {"max_relaxation_pairs", nullptr, &MccParams::max_relaxation_pairs, 0, 10000},
    {"relaxation_weight", &MccParams::relaxation_weight, nullptr, 0, 1},
    {"np_mu", &MccParams::np_mu, nullptr, 0, 1000},
    {"np_tau", &MccParams::np_tau, nullptr, -100, 100},
    {"min_np", nullptr, &MccParams::min_np, 1, 1000},
    {"max_np", nullptr, &MccParams::max_np, 1, 1000},
    {"mu1", &MccParams::mu1, nullptr, 0, 1000},
    {"tau1", &MccParams::tau1, nullptr, -1000, 1000},
    {"mu2", &MccParams::mu2, nullptr, 0, 3.1416},
    {"tau2", &MccParams::tau2, nullptr, -1000, 1000},
    {"mu3", &MccParams::mu3, nullptr, 0, 3.1416},
    {"tau3", &MccParams::tau3, nullptr, -1000, 1000},
};

}  // namespace

void set_mcc_param(MccParams& p, std::string_view name, double value) {
  detail::set_param(p, kParamFields, "MCC", name, value);
}

std::vector<std::string> mcc_param_names() { return detail::param_names(kParamFields); }

EnrolledFinger enroll_finger(const FingerTemplate& t, const MccParams& p) {
  EnrolledFinger e;
  // Every template is compared in a 500 dpi frame; a resolution of 0 (some
  // ANSI/ISO writers leave it unset) is taken as 500.
  const double sx = t.dpi_x > 0 ? 500.0 / t.dpi_x : 1.0, sy = t.dpi_y > 0 ? 500.0 / t.dpi_y : 1.0;
  std::vector<EnrolledFinger::Point> pts;
  for (const auto& m : t.minutiae) {
    pts.push_back({static_cast<float>(m.x * sx), static_cast<float>(m.y * sy), m.angle});
  }
  for (int i = 0; i < p.ns; ++i) {
    for (int j = 0; j < p.ns; ++j) {
      const double u = (i + 0.5 - p.ns / 2.0) * 2 * p.radius / p.ns,
                   v = (j + 0.5 - p.ns / 2.0) * 2 * p.radius / p.ns;
      e.disc_cells += u * u + v * v <= p.radius * p.radius;
    }
  }
  // Only the disc's cells are stored (a fifth of the square is always empty),
  // in whole 256-bit vectors.
  e.words = (e.disc_cells * p.nd + 255) / 256 * 4;
  if (pts.size() < 2) return e;
  // Cell validity: inside the convex hull of the minutiae enlarged by omega.
  std::vector<cv::Point2f> cloud, hull;
  for (const auto& q : pts) cloud.emplace_back(q.x, q.y);
  cv::convexHull(cloud, hull);
  const double ds = 2 * p.radius / p.ns, dd = 2 * kPi / p.nd;
  const double neighbour = 3 * p.sigma_s;
  const double gs_norm = 1.0 / (p.sigma_s * std::sqrt(2 * kPi));
  const double inv_sqrt2_sd = 1.0 / (p.sigma_d * std::sqrt(2.0));
  std::vector<std::uint64_t> value(static_cast<std::size_t>(e.words)), valid(value.size());
  std::vector<std::size_t> neighbours;
  std::vector<double> directional;  // neighbours x nd
  for (std::size_t mi = 0; mi < pts.size(); ++mi) {
    const auto& m = pts[mi];
    const double c = std::cos(m.angle), s = std::sin(m.angle);
    std::fill(value.begin(), value.end(), 0);
    std::fill(valid.begin(), valid.end(), 0);
    int disc_cells = 0, valid_cells = 0;
    // Only minutiae within R + 3 sigma_S can reach a cell; their directional
    // contributions depend on the pair, not the cell, so they are computed
    // once here (this made enrolment ~8x faster; the bits are unchanged).
    neighbours.clear();
    directional.clear();
    for (std::size_t j = 0; j < pts.size(); ++j) {
      if (j == mi || std::hypot(pts[j].x - m.x, pts[j].y - m.y) > p.radius + neighbour) continue;
      neighbours.push_back(j);
      const double dtheta = dphi(m.angle, pts[j].angle);
      for (int k = 0; k < p.nd; ++k) {
        const double phik = -kPi + (k + 0.5) * dd;
        const double diff = dphi(phik, dtheta);
        directional.push_back(0.5 * (std::erf((diff + dd / 2) * inv_sqrt2_sd) -
                                     std::erf((diff - dd / 2) * inv_sqrt2_sd)));
      }
    }
    const int contributing = static_cast<int>(neighbours.size());
    if (contributing < p.min_contributing) continue;  // too isolated: an invalid cylinder
    // A disc lying wholly inside the hull needs no per-cell test.
    const bool disc_inside = hull.size() >= 3 && inside_by(hull, m.x, m.y, p.radius);
    for (int i = 0; i < p.ns; ++i) {
      for (int jj = 0; jj < p.ns; ++jj) {
        const double u = (i + 0.5 - p.ns / 2.0) * ds, v = (jj + 0.5 - p.ns / 2.0) * ds;
        if (u * u + v * v > p.radius * p.radius) continue;
        ++disc_cells;
        // Cell centre, rotated with the minutia (screen coordinates, y down).
        const double px = m.x + c * u + s * v, py = m.y - s * u + c * v;
        if (!disc_inside && hull.size() >= 3 && !within_hull(hull, px, py, p.omega)) continue;
        ++valid_cells;
        const int cell = disc_cells - 1;  // index among the disc's cells
        for (int k = 0; k < p.nd; ++k) {
          const int bit = cell * p.nd + k;
          valid[static_cast<std::size_t>(bit / 64)] |= std::uint64_t{1} << (bit % 64);
        }
        double sums[16] = {};
        for (std::size_t n = 0; n < neighbours.size(); ++n) {
          const auto& q = pts[neighbours[n]];
          const double dx = q.x - px, dy = q.y - py;
          const double d2 = dx * dx + dy * dy;
          if (d2 > neighbour * neighbour) continue;
          const double gs = gs_norm * std::exp(-d2 / (2 * p.sigma_s * p.sigma_s));
          const double* cd = &directional[n * static_cast<std::size_t>(p.nd)];
          for (int k = 0; k < p.nd; ++k) sums[k] += gs * cd[k];
        }
        for (int k = 0; k < p.nd; ++k) {
          if (sums[k] > p.mu_psi) {
            const int bit = cell * p.nd + k;
            value[static_cast<std::size_t>(bit / 64)] |= std::uint64_t{1} << (bit % 64);
          }
        }
      }
    }
    if (disc_cells == 0 || valid_cells < p.min_valid_cells * disc_cells) {
      continue;  // an invalid cylinder: too close to the border
    }
    e.minutiae.push_back(m);
    e.values.insert(e.values.end(), value.begin(), value.end());
    e.validity.insert(e.validity.end(), valid.begin(), valid.end());
  }
  refresh_cylinder_stats(e, p);
  return e;
}

void refresh_cylinder_stats(EnrolledFinger& f, const MccParams& p) {
  auto& st = f.stats;
  const std::size_t n = f.size();
  st.disc_bits = static_cast<std::uint32_t>(std::max(0, f.disc_cells * p.nd));
  st.shape.assign(n, 0);
  st.value_ones.assign(n, 0);
  st.valid_ones.assign(n, 0);
  if (n == 0 || f.words <= 0 || f.values.size() != n * static_cast<std::size_t>(f.words) ||
      f.validity.size() != f.values.size()) {
    st.disc_bits = 0;
    return;
  }
  kernels::mcc_shapes_kernel(p.simd)(f.values.data(), f.validity.data(), static_cast<std::uint32_t>(n),
                                     f.words, st.disc_bits, st.shape.data(), st.value_ones.data(),
                                     st.valid_ones.data());
}

namespace {

// Per-thread buffers of one comparison, so that the loop allocates nothing
// once warm.
struct CompareScratch {
  std::vector<std::uint64_t> keys;  // pair sort keys (see pair_key)
  std::vector<char> used_r, used_c;
  std::vector<std::uint32_t> sel_r, sel_c;
  std::vector<float> sel_sim, lambda, next;
  std::vector<std::uint32_t> edge_row, edge_col;  // non-zero compatibilities
  std::vector<float> edge_rho;
  std::vector<std::uint32_t> nz_col, nz_start;  // rho's non-zeros by row
  std::vector<float> nz_rho;
  std::vector<float> sel_xy, d1;  // selected positions and angles (x, y of A, of B, angles), distance terms
  std::vector<std::uint32_t> order, later;  // efficiency order; a row's later pairs
  std::vector<float> roots;  // roots[i] = sqrt(i)
  // compare_fingers: similarity matrix, per-row best column, cylinder shapes.
  std::vector<float> sim;
  std::vector<std::uint32_t> row_best;
  std::vector<float> row_value;
  std::vector<std::uint32_t> cols;
  std::vector<float> angle_b;       // B's angles in b_order
  std::vector<std::uint32_t> b_order;  // B's cylinders, full ones first
  std::vector<kernels::CylinderCounts> counts;
  std::vector<std::uint8_t> shape_a, shape_b;
  std::vector<std::uint32_t> ones_a, valid_a, ones_b, valid_b;
};

CompareScratch& compare_scratch() {
  thread_local CompareScratch s;
  return s;
}

// Sorting keys descending orders pairs by similarity, then by (r, c)
// ascending: a positive float's bits order like the float.
std::uint64_t pair_key(float sim, std::uint32_t r, std::uint32_t c) {
  std::uint32_t bits = 0;
  std::memcpy(&bits, &sim, sizeof bits);
  return (std::uint64_t{bits} << 32) | (0xFFFFFFFFu - ((r << 16) | c));
}

// The first template of a comparison, chosen from the contents alone so
// that compare(a, b) and compare(b, a) do the same arithmetic.
bool goes_first(const EnrolledFinger& a, const EnrolledFinger& b) {
  if (a.size() != b.size()) return a.size() < b.size();
  const int order = std::memcmp(a.values.data(), b.values.data(),
                                a.values.size() * sizeof(std::uint64_t));
  if (order != 0) return order < 0;
  return std::memcmp(a.minutiae.data(), b.minutiae.data(),
                     a.minutiae.size() * sizeof(EnrolledFinger::Point)) <= 0;
}

// Whether two enrolled fingers can be compared at all (otherwise 0).
bool comparable(const EnrolledFinger& a, const EnrolledFinger& b, const MccParams& p) {
  const auto least = static_cast<std::size_t>(std::max(1, p.min_cylinders));
  return a.size() >= least && b.size() >= least && a.words == b.words && a.size() <= 0xFFFF &&
         b.size() <= 0xFFFF;
}

// Square roots of bit counts (at most words * 64) from a table: three per
// pair were a fifth of the comparison.
const float* root_table(CompareScratch& s, int words) {
  const std::size_t needed = static_cast<std::size_t>(words) * 64 + 1;
  if (s.roots.size() < needed) {
    s.roots.resize(needed);
    for (std::size_t i = 0; i < s.roots.size(); ++i) s.roots[i] = std::sqrt(static_cast<float>(i));
  }
  return s.roots.data();
}

// The first index of the largest of x[0..n) (n > 0, no NaN), and the
// value: what a scan keeping the first strict maximum finds, in two
// vectorised passes (the scan's compare-and-select chain was a tenth of the
// comparison).
std::uint32_t first_max(const float* x, std::size_t n, float* value) {
  std::size_t i = 0;
  float m = x[0];
#if defined(__SSE2__)
  if (n >= 8) {
    __m128 v = _mm_loadu_ps(x);
    for (i = 4; i + 4 <= n; i += 4) v = _mm_max_ps(v, _mm_loadu_ps(x + i));
    v = _mm_max_ps(v, _mm_shuffle_ps(v, v, _MM_SHUFFLE(2, 3, 0, 1)));
    v = _mm_max_ps(v, _mm_shuffle_ps(v, v, _MM_SHUFFLE(1, 0, 3, 2)));
    m = _mm_cvtss_f32(v);
  }
#endif
  for (; i < n; ++i) m = x[i] > m ? x[i] : m;
  *value = m;
  i = 0;
#if defined(__SSE2__)
  const __m128 vm = _mm_set1_ps(m);
  for (; i + 4 <= n; i += 4) {
    const int hit = _mm_movemask_ps(_mm_cmpeq_ps(_mm_loadu_ps(x + i), vm));
    if (hit != 0) return static_cast<std::uint32_t>(i + static_cast<std::size_t>(std::countr_zero(static_cast<unsigned>(hit))));
  }
#endif
  for (; i < n && x[i] != m; ++i) {
  }
  return static_cast<std::uint32_t>(i);
}

// LSS-R's second half on the selected pairs (s.sel_*): geometric
// compatibility, relaxation, the n_P most efficient averaged. The angle
// terms run four lanes at a time when `four_lanes` (compare_fingers), one
// pair at a time otherwise (the reference, which tests the lanes).
double relaxed_score(const EnrolledFinger& a, const EnrolledFinger& b, CompareScratch& s,
                     std::size_t na, std::size_t nb, const MccParams& p, bool four_lanes) {
  static_cast<void>(four_lanes);  // (without SSE2 there is one path)
  const std::size_t n = s.sel_r.size();
  const double z = sigmoid(static_cast<double>(std::min(na, nb)), p.np_mu, p.np_tau);
  // n_P pairs make the score; where fewer pairs could be selected, the
  // missing ones count as 0. Averaging over the few there are instead let a
  // template with one usable cylinder (a sliver of a print) score its single
  // best pair, near 1, against every finger.
  const std::size_t np_target =
      std::max<std::size_t>(1, static_cast<std::size_t>(std::lround(p.min_np + z * (p.max_np - p.min_np))));
  const std::size_t np = std::min(n, np_target);
  if (n < 2) return n == 1 ? s.sel_sim[0] / static_cast<double>(np_target) : 0.0;
  // Geometric compatibility of every two selected pairs (distances, relative
  // directions, radial angles agree), through tabulated sigmoids. Pairs whose
  // distances already disagree get zero without the angle work: the distance
  // sigmoid is below 1e-4 there, and most pairs of an impostor end here.
  const RelaxationTables& tables = relaxation_tables(p);
  const SigmoidTable &z1 = tables.z1, &z2 = tables.z2, &z3 = tables.z3;
  const float far = static_cast<float>(p.mu1 + 6.0 / std::max(1e-6, std::abs(p.tau1)));
  // Non-zero compatibilities as (row, column) edges, made in an order in
  // which every row's columns ascend once the edges are grouped by row
  // stably: row r gets columns below r while earlier rows are done, then its
  // own later ones.
  s.edge_row.clear();
  s.edge_col.clear();
  s.edge_rho.clear();
  const auto edge = [&s](std::size_t r, std::size_t c, float v) {
    if (v == 0.0f) return;
    s.edge_row.push_back(static_cast<std::uint32_t>(r));
    s.edge_col.push_back(static_cast<std::uint32_t>(c));
    s.edge_rho.push_back(v);
  };
  // The distance term of every later pair first, four at a time where SSE2
  // is there (the same IEEE operations as the scalar line below).
  s.sel_xy.resize(6 * n);
  float *ax = s.sel_xy.data(), *ay = ax + n, *bx = ay + n, *by = bx + n, *aa = by + n, *ba = aa + n;
  for (std::size_t i = 0; i < n; ++i) {
    ax[i] = a.minutiae[s.sel_r[i]].x;
    ay[i] = a.minutiae[s.sel_r[i]].y;
    aa[i] = a.minutiae[s.sel_r[i]].angle;
    bx[i] = b.minutiae[s.sel_c[i]].x;
    by[i] = b.minutiae[s.sel_c[i]].y;
    ba[i] = b.minutiae[s.sel_c[i]].angle;
  }
  s.later.resize(n);
  std::uint32_t* ks = s.later.data();  // per row, the later pairs close in distance
  s.d1.resize(n);
  float* d1s = s.d1.data();
  for (std::size_t i = 0; i < n; ++i) {
    const auto& ai = a.minutiae[s.sel_r[i]];
    const auto& bi = b.minutiae[s.sel_c[i]];
    std::size_t k = i + 1;
#if defined(__SSE2__)
    const __m128 xi = _mm_set1_ps(ai.x), yi = _mm_set1_ps(ai.y), ui = _mm_set1_ps(bi.x), vi = _mm_set1_ps(bi.y);
    const __m128 magnitude = _mm_castsi128_ps(_mm_set1_epi32(0x7FFFFFFF));
    for (; k + 4 <= n; k += 4) {
      const __m128 dxa = _mm_sub_ps(_mm_loadu_ps(ax + k), xi), dya = _mm_sub_ps(_mm_loadu_ps(ay + k), yi);
      const __m128 dxb = _mm_sub_ps(_mm_loadu_ps(bx + k), ui), dyb = _mm_sub_ps(_mm_loadu_ps(by + k), vi);
      const __m128 la = _mm_sqrt_ps(_mm_add_ps(_mm_mul_ps(dxa, dxa), _mm_mul_ps(dya, dya)));
      const __m128 lb = _mm_sqrt_ps(_mm_add_ps(_mm_mul_ps(dxb, dxb), _mm_mul_ps(dyb, dyb)));
      _mm_storeu_ps(d1s + k, _mm_and_ps(_mm_sub_ps(la, lb), magnitude));
    }
#endif
    for (; k < n; ++k) {
      const float dxa = ax[k] - ai.x, dya = ay[k] - ai.y, dxb = bx[k] - bi.x, dyb = by[k] - bi.y;
      d1s[k] = std::abs(std::sqrt(dxa * dxa + dya * dya) - std::sqrt(dxb * dxb + dyb * dyb));
    }
    // The later pairs whose distances agree (the rest get zero), their
    // angle terms four at a time.
    std::uint32_t m = 0;
    for (k = i + 1; k < n; ++k) {  // branch-free compaction
      ks[m] = static_cast<std::uint32_t>(k);
      m += !(d1s[k] >= far);
    }
    std::uint32_t g = 0;
#if defined(__SSE2__)
    const __m128 sign = _mm_set1_ps(-0.0f), magnitude4 = _mm_castsi128_ps(_mm_set1_epi32(0x7FFFFFFF));
    const __m128 ta = _mm_set1_ps(ai.angle), tb = _mm_set1_ps(bi.angle);
    for (; four_lanes && g + 4 <= m; g += 4) {
      const std::uint32_t* q = ks + g;
      const auto lanes = [q](const float* v) { return _mm_setr_ps(v[q[0]], v[q[1]], v[q[2]], v[q[3]]); };
      const __m128 dxa = _mm_sub_ps(lanes(ax), xi), dya = _mm_sub_ps(lanes(ay), yi);
      const __m128 dxb = _mm_sub_ps(lanes(bx), ui), dyb = _mm_sub_ps(lanes(by), vi);
      const __m128 tka = lanes(aa), tkb = lanes(ba);
      __m128 outside = _mm_setzero_ps();
      const __m128 d2 = _mm_and_ps(
          fast_dphi_x4(fast_dphi_x4(ta, tka, outside), fast_dphi_x4(tb, tkb, outside), outside), magnitude4);
      const __m128 ra = fast_atan2_x4(_mm_xor_ps(dya, sign), dxa), rb = fast_atan2_x4(_mm_xor_ps(dyb, sign), dxb);
      const __m128 d3 = _mm_and_ps(
          fast_dphi_x4(fast_dphi_x4(ta, ra, outside), fast_dphi_x4(tb, rb, outside), outside), magnitude4);
      const __m128 rka = fast_atan2_x4(dya, _mm_xor_ps(dxa, sign)), rkb = fast_atan2_x4(dyb, _mm_xor_ps(dxb, sign));
      const __m128 d3k = _mm_and_ps(
          fast_dphi_x4(fast_dphi_x4(tka, rka, outside), fast_dphi_x4(tkb, rkb, outside), outside), magnitude4);
      if (_mm_movemask_ps(outside) != 0) break;  // angles outside [0, 2 pi): the scalar path
      alignas(16) float v2[4], v3[4], v3k[4];
      _mm_store_ps(v2, d2);
      _mm_store_ps(v3, d3);
      _mm_store_ps(v3k, d3k);
      for (int l = 0; l < 4; ++l) {
        const float common = z1(d1s[q[l]]) * z2(v2[l]);
        if (common == 0.0f) continue;
        edge(i, q[l], common * z3(v3[l]));
        edge(q[l], i, common * z3(v3k[l]));
      }
    }
#endif
    for (; g < m; ++g) {
      k = ks[g];
      const float d1 = d1s[k];
      const auto& ak = a.minutiae[s.sel_r[k]];
      const auto& bk = b.minutiae[s.sel_c[k]];
      const float dxa = ak.x - ai.x, dya = ak.y - ai.y, dxb = bk.x - bi.x, dyb = bk.y - bi.y;
      const float d2 =
          std::abs(fast_dphi(fast_dphi(ai.angle, ak.angle), fast_dphi(bi.angle, bk.angle)));
      const float common = z1(d1) * z2(d2);
      if (common == 0.0f) continue;
      const float ra = fast_atan2(-dya, dxa), rb = fast_atan2(-dyb, dxb);
      const float d3 = std::abs(fast_dphi(fast_dphi(ai.angle, ra), fast_dphi(bi.angle, rb)));
      // From k's side: the same distances; relative directions negate; radial
      // angles are measured from k.
      const float d3k = std::abs(fast_dphi(fast_dphi(ak.angle, fast_atan2(dya, -dxa)),
                                           fast_dphi(bk.angle, fast_atan2(dyb, -dxb))));
      edge(i, k, common * z3(d3));
      edge(k, i, common * z3(d3k));
    }
  }
  s.lambda.assign(s.sel_sim.begin(), s.sel_sim.end());
  s.next.resize(n);
  const float wr = static_cast<float>(p.relaxation_weight);
  const float wn = static_cast<float>((1 - p.relaxation_weight) / static_cast<double>(n - 1));
  // Each row's non-zero compatibilities, in column order (a counting sort
  // of the edges): a zero term adds +0 to a non-negative sum, so leaving it
  // out keeps every sum bit for bit the same, and an impostor's rows are
  // mostly zero.
  const std::size_t edges = s.edge_row.size();
  s.nz_start.assign(n + 2, 0);
  for (std::size_t e = 0; e < edges; ++e) ++s.nz_start[s.edge_row[e] + 2];
  for (std::size_t i = 2; i < n + 2; ++i) s.nz_start[i] += s.nz_start[i - 1];
  s.nz_col.resize(edges);
  s.nz_rho.resize(edges);
  for (std::size_t e = 0; e < edges; ++e) {
    const std::uint32_t at = s.nz_start[s.edge_row[e] + 1]++;
    s.nz_col[at] = s.edge_col[e];
    s.nz_rho[at] = s.edge_rho[e];
  }
  for (int t = 0; t < p.relaxation_iterations; ++t) {
    const float* lambda = s.lambda.data();
    for (std::size_t i = 0; i < n; ++i) {
      float sum = 0;
      for (std::uint32_t e = s.nz_start[i]; e < s.nz_start[i + 1]; ++e) sum += s.nz_rho[e] * lambda[s.nz_col[e]];
      s.next[i] = wr * lambda[i] + wn * sum;
    }
    s.lambda.swap(s.next);
  }
  s.order.resize(n);
  std::iota(s.order.begin(), s.order.end(), 0u);
  const auto efficiency = [&](std::uint32_t x) { return s.lambda[x] / s.sel_sim[x]; };
  std::partial_sort(s.order.begin(), s.order.begin() + static_cast<std::ptrdiff_t>(np),
                    s.order.end(), [&](std::uint32_t x, std::uint32_t y) {
                      const float ex = efficiency(x), ey = efficiency(y);
                      return ex != ey ? ex > ey : x < y;
                    });
  double score = 0;
  for (std::size_t i = 0; i < np; ++i) score += s.lambda[s.order[i]];
  return score / static_cast<double>(np_target);
}

}  // namespace

double compare_fingers_reference(const EnrolledFinger& first, const EnrolledFinger& second,
                                 const MccParams& p) {
  if (!comparable(first, second, p)) return 0.0;
  const bool in_order = goes_first(first, second);
  const EnrolledFinger& a = in_order ? first : second;
  const EnrolledFinger& b = in_order ? second : first;
  const std::size_t na = a.size(), nb = b.size();
  const auto counts = kernels::mcc_counts_kernel(p.simd);
  const double min_common = p.min_matchable * a.disc_cells * p.nd;
  const auto max_dir = static_cast<float>(p.max_direction_difference);
  CompareScratch& s = compare_scratch();
  const float* roots = root_table(s, a.words);
  const auto root = [roots](std::uint32_t v) { return roots[v]; };
  // Local similarities of all pairs whose directions are close enough.
  s.keys.clear();
  for (std::size_t r = 0; r < na; ++r) {
    for (std::size_t c = 0; c < nb; ++c) {
      if (std::abs(fast_dphi(a.minutiae[r].angle, b.minutiae[c].angle)) > max_dir) continue;
      const auto k = counts(&a.values[r * a.words], &a.validity[r * a.words],
                            &b.values[c * b.words], &b.validity[c * b.words], a.words);
      if (k.common < min_common || k.a + k.b == 0) continue;
      const float sim = 1.0f - root(k.x) / (root(k.a) + root(k.b));
      if (sim > 0)
        s.keys.push_back(pair_key(sim, static_cast<std::uint32_t>(r), static_cast<std::uint32_t>(c)));
    }
  }
  if (s.keys.empty()) return 0.0;
  // LSS-R: the n_R best pairs (one-to-one), relaxed by their geometric
  // compatibility, then the n_P most efficient averaged. Only the head of
  // the pair list is sorted: a few times n_R pairs nearly always suffice.
  std::size_t nr = std::min(na, nb);
  if (p.max_relaxation_pairs > 1)
    nr = std::min(nr, static_cast<std::size_t>(p.max_relaxation_pairs));
  s.used_r.assign(na, 0);
  s.used_c.assign(nb, 0);
  s.sel_r.clear();
  s.sel_c.clear();
  s.sel_sim.clear();
  const auto greater = std::greater<std::uint64_t>();
  std::size_t sorted = 0;
  for (std::size_t i = 0; i < s.keys.size() && s.sel_r.size() < nr; ++i) {
    if (i == sorted) {  // sort the next block of pairs
      const std::size_t block = std::max<std::size_t>(3 * nr + 8, sorted);
      const auto from = s.keys.begin() + static_cast<std::ptrdiff_t>(sorted);
      const auto to = s.keys.begin() + static_cast<std::ptrdiff_t>(
                                           std::min(s.keys.size(), sorted + block));
      if (to != s.keys.end()) std::nth_element(from, to, s.keys.end(), greater);
      std::sort(from, to, greater);
      sorted = static_cast<std::size_t>(to - s.keys.begin());
    }
    const std::uint64_t key = s.keys[i];
    const auto rc = 0xFFFFFFFFu - static_cast<std::uint32_t>(key);
    const std::uint32_t r = rc >> 16, c = rc & 0xFFFF;
    if (s.used_r[r] || s.used_c[c]) continue;
    s.used_r[r] = s.used_c[c] = 1;
    std::uint32_t bits = static_cast<std::uint32_t>(key >> 32);
    float sim = 0;
    std::memcpy(&sim, &bits, sizeof sim);
    s.sel_r.push_back(r);
    s.sel_c.push_back(c);
    s.sel_sim.push_back(sim);
  }
  return relaxed_score(a, b, s, na, nb, p, /*four_lanes=*/false);
}

// The same score as compare_fingers_reference, bit for bit (tested): the
// pairs go into a dense matrix by rows (one kernel call per row, short paths
// for full cylinders), and the greedy one-to-one selection keeps each row's
// best free column instead of sorting every pair, which cost more than the
// cylinders themselves when most pairs conflict (impostors).
double compare_fingers(const EnrolledFinger& first, const EnrolledFinger& second,
                       const MccParams& p) {
  if (!comparable(first, second, p)) return 0.0;
  const bool in_order = goes_first(first, second);
  const EnrolledFinger& a = in_order ? first : second;
  const EnrolledFinger& b = in_order ? second : first;
  const std::size_t na = a.size(), nb = b.size();
  const auto row_counts = kernels::mcc_counts_row_kernel(p.simd);
  const auto shapes_of = kernels::mcc_shapes_kernel(p.simd);
  const double min_common = p.min_matchable * a.disc_cells * p.nd;
  // The same test on integers: common < min_common exactly when common <
  // ceil(min_common) (counts are below 2^31).
  const auto min_common_int = static_cast<std::int32_t>(
      std::isnan(min_common) ? 0.0
                             : std::clamp(std::ceil(min_common), 0.0,
                                          static_cast<double>(std::numeric_limits<std::int32_t>::max())));
  const auto max_dir = static_cast<float>(p.max_direction_difference);
  CompareScratch& s = compare_scratch();
  const float* roots = root_table(s, a.words);
  // Shapes against one disc for both templates, so that full x full may
  // take common = D.
  const auto disc_bits = static_cast<std::uint32_t>(std::max(0, a.disc_cells * p.nd));
  const auto shapes = [&](const EnrolledFinger& f, std::vector<std::uint8_t>& shape,
                          std::vector<std::uint32_t>& ones, std::vector<std::uint32_t>& valid) {
    const auto& st = f.stats;
    if (st.disc_bits == disc_bits && disc_bits > 0 && st.shape.size() == f.size() &&
        st.value_ones.size() == f.size() && st.valid_ones.size() == f.size()) {
      return kernels::CylinderSet{f.values.data(),      f.validity.data(),    st.shape.data(),
                                  st.value_ones.data(), st.valid_ones.data(), f.words,
                                  disc_bits};
    }
    shape.resize(f.size());
    ones.resize(f.size());
    valid.resize(f.size());
    shapes_of(f.values.data(), f.validity.data(), static_cast<std::uint32_t>(f.size()), f.words,
              disc_bits, shape.data(), ones.data(), valid.data());
    return kernels::CylinderSet{f.values.data(), f.validity.data(), shape.data(), ones.data(),
                                valid.data(),    f.words,           disc_bits};
  };
  const kernels::CylinderSet ca = shapes(a, s.shape_a, s.ones_a, s.valid_a);
  const kernels::CylinderSet cb = shapes(b, s.shape_b, s.ones_b, s.valid_b);
  // Local similarities of all pairs whose directions are close enough; 0
  // marks a pair that cannot be selected.
  s.sim.assign(na * nb, 0.0f);
  s.cols.resize(nb);
  s.angle_b.resize(nb);
  constexpr float pi = static_cast<float>(kPi), two_pi = static_cast<float>(2 * kPi);
  const auto in_range = [](float t) { return t >= 0.0f && t < two_pi; };
  bool angles_in_range = true;
  // B's columns in shape order (full ones first): the row kernel branches on
  // the pair's shapes, and grouped they are predictable.
  s.b_order.resize(nb);
  std::size_t full_b = 0;
  for (std::size_t c = 0; c < nb; ++c) full_b += cb.shape[c] == static_cast<std::uint8_t>(kernels::CylinderShape::full);
  for (std::size_t c = 0, front = 0, back = full_b; c < nb; ++c) {
    const bool full = cb.shape[c] == static_cast<std::uint8_t>(kernels::CylinderShape::full);
    s.b_order[full ? front++ : back++] = static_cast<std::uint32_t>(c);
  }
  for (std::size_t j = 0; j < nb; ++j) {
    s.angle_b[j] = b.minutiae[s.b_order[j]].angle;
    angles_in_range = angles_in_range && in_range(s.angle_b[j]);
  }
  for (std::size_t r = 0; r < na; ++r) angles_in_range = angles_in_range && in_range(a.minutiae[r].angle);
  s.counts.resize(nb);
  bool any = false;
  for (std::size_t r = 0; r < na; ++r) {
    std::uint32_t n = 0;
    const float ar = a.minutiae[r].angle;
    std::size_t c = 0;
#if defined(__SSE2__)
    if (angles_in_range) {
      // fast_dphi's one step, which is all it does for angles in [0, 2 pi),
      // four columns at a time: the same IEEE operations, selected by masks.
      const __m128 vpi = _mm_set1_ps(pi), vneg = _mm_set1_ps(-pi), vtwo = _mm_set1_ps(two_pi);
      const __m128 vmax = _mm_set1_ps(max_dir), var = _mm_set1_ps(ar);
      const __m128 magnitude = _mm_castsi128_ps(_mm_set1_epi32(0x7FFFFFFF));
      for (; c + 4 <= nb; c += 4) {
        __m128 d = _mm_sub_ps(var, _mm_loadu_ps(&s.angle_b[c]));
        const __m128 high = _mm_cmpge_ps(d, vpi);
        d = _mm_or_ps(_mm_and_ps(high, _mm_sub_ps(d, vtwo)), _mm_andnot_ps(high, d));
        const __m128 low = _mm_cmplt_ps(d, vneg);
        d = _mm_or_ps(_mm_and_ps(low, _mm_add_ps(d, vtwo)), _mm_andnot_ps(low, d));
        const auto mask = static_cast<unsigned>(_mm_movemask_ps(_mm_cmple_ps(_mm_and_ps(d, magnitude), vmax)));
        // Branch-free compaction: every lane is written, the kept ones advance.
        for (unsigned l = 0; l < 4; ++l) {
          s.cols[n] = s.b_order[c + l];
          n += (mask >> l) & 1u;
        }
      }
    }
#endif
    for (; c < nb; ++c) {  // branch-free compaction
      s.cols[n] = s.b_order[c];
      n += std::abs(fast_dphi(ar, s.angle_b[c])) <= max_dir;
    }
    row_counts(ca, static_cast<std::uint32_t>(r), cb, s.cols.data(), n, s.counts.data());
    float* row = &s.sim[r * nb];
    std::uint32_t i = 0;
#if defined(__SSE2__)
    // Four pairs at a time: sqrtps and divps round as the table's sqrtf and
    // the scalar division do, so the similarities are the same bits. A
    // failed pair stores 0 over the 0 already there (columns are distinct).
    {
      const __m128i min_c = _mm_set1_epi32(min_common_int), zero = _mm_setzero_si128();
      const __m128 one = _mm_set1_ps(1.0f), fzero = _mm_setzero_ps();
      __m128 kept_any = fzero;
      for (; i + 4 <= n; i += 4) {
        __m128 q0 = _mm_castsi128_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(&s.counts[i])));
        __m128 q1 = _mm_castsi128_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(&s.counts[i + 1])));
        __m128 q2 = _mm_castsi128_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(&s.counts[i + 2])));
        __m128 q3 = _mm_castsi128_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(&s.counts[i + 3])));
        static_assert(sizeof(kernels::CylinderCounts) == 16 && offsetof(kernels::CylinderCounts, a) == 4 &&
                          offsetof(kernels::CylinderCounts, b) == 8 && offsetof(kernels::CylinderCounts, x) == 12,
                      "the transpose reads common, a, b, x as four lanes");
        _MM_TRANSPOSE4_PS(q0, q1, q2, q3);  // common, a, b, x of the four pairs
        const __m128i common = _mm_castps_si128(q0), ka = _mm_castps_si128(q1), kb = _mm_castps_si128(q2),
                      kx = _mm_castps_si128(q3);
        const __m128i enough = _mm_andnot_si128(_mm_cmplt_epi32(common, min_c),
                                                _mm_xor_si128(_mm_cmpeq_epi32(_mm_add_epi32(ka, kb), zero),
                                                              _mm_set1_epi32(-1)));
        const __m128 sim = _mm_sub_ps(
            one, _mm_div_ps(_mm_sqrt_ps(_mm_cvtepi32_ps(kx)),
                            _mm_add_ps(_mm_sqrt_ps(_mm_cvtepi32_ps(ka)), _mm_sqrt_ps(_mm_cvtepi32_ps(kb)))));
        const __m128 kept = _mm_and_ps(_mm_castsi128_ps(enough), _mm_cmpgt_ps(sim, fzero));
        kept_any = _mm_or_ps(kept_any, kept);
        alignas(16) float v[4];
        _mm_store_ps(v, _mm_and_ps(kept, sim));
        row[s.cols[i]] = v[0];
        row[s.cols[i + 1]] = v[1];
        row[s.cols[i + 2]] = v[2];
        row[s.cols[i + 3]] = v[3];
      }
      any = any || _mm_movemask_ps(kept_any) != 0;
    }
#endif
    for (; i < n; ++i) {
      const kernels::CylinderCounts& k = s.counts[i];
      if (static_cast<std::int64_t>(k.common) < min_common_int || k.a + k.b == 0) continue;
      const float sim = 1.0f - roots[k.x] / (roots[k.a] + roots[k.b]);
      if (sim > 0) {
        row[s.cols[i]] = sim;
        any = true;
      }
    }
  }
  if (!any) return 0.0;
  // Greedy one-to-one selection in the reference's order (similarity
  // descending, then row, then column ascending): the next pair is the best
  // of the rows' best free columns.
  std::size_t nr = std::min(na, nb);
  if (p.max_relaxation_pairs > 1)
    nr = std::min(nr, static_cast<std::size_t>(p.max_relaxation_pairs));
  // A taken row or column is zeroed in the matrix (its similarities are no
  // longer needed), so each row's best free column is a plain first maximum.
  s.row_best.resize(na);
  s.row_value.resize(na);
  float* sim = s.sim.data();
  const auto best_of = [&](std::size_t r) {
    s.row_best[r] = first_max(sim + r * nb, nb, &s.row_value[r]);
  };
  for (std::size_t r = 0; r < na; ++r) best_of(r);
  s.sel_r.clear();
  s.sel_c.clear();
  s.sel_sim.clear();
  while (s.sel_r.size() < nr) {
    float v = 0;
    const std::size_t r = first_max(s.row_value.data(), na, &v);
    if (!(v > 0)) break;
    const std::uint32_t c = s.row_best[r];
    s.sel_r.push_back(static_cast<std::uint32_t>(r));
    s.sel_c.push_back(c);
    s.sel_sim.push_back(v);
    std::fill(sim + r * nb, sim + (r + 1) * nb, 0.0f);
    s.row_value[r] = 0;
    for (std::size_t q = 0; q < na; ++q) sim[q * nb + c] = 0.0f;
    // The rows whose best column was c look again, in ascending order.
    std::size_t q = 0;
#if defined(__SSE2__)
    const __m128i vc = _mm_set1_epi32(static_cast<int>(c));
    for (; q + 4 <= na; q += 4) {
      auto hit = static_cast<unsigned>(_mm_movemask_ps(_mm_castsi128_ps(
          _mm_cmpeq_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(&s.row_best[q])), vc))));
      for (; hit != 0; hit &= hit - 1) {
        const std::size_t h = q + static_cast<std::size_t>(std::countr_zero(hit));
        if (s.row_value[h] > 0) best_of(h);
      }
    }
#endif
    for (; q < na; ++q) {
      if (s.row_best[q] == c && s.row_value[q] > 0) best_of(q);
    }
  }
  return relaxed_score(a, b, s, na, nb, p, /*four_lanes=*/true);
}

}  // namespace tunggal
