// The ridge-period map of a master, made consistent with its ridge flow.
//
// Where ridges fan out (below a core, around a delta, towards the tip) a
// constant period forces the grown pattern to insert ridges, and every
// inserted ridge opens the same way: the minutiae that result point alike in
// every finger with the same pattern class, which is what made rendered
// impostors score like mates (datasets/README.md). Real skin widens its
// ridges instead, up to a point. With ridge phase psi, grad psi = 2 pi f n
// (n the unit normal to the ridges, f the frequency), and a pattern without
// inserted ridges needs curl(f n) = 0, i.e. along each ridge
//
//     d(log f)/ds = -(n . grad theta)          (theta: ridge direction)
//
// the spreading of the ridges (n . grad theta = div t) is taken up by the
// frequency. That fixes log f along ridges only; across ridges it is free.
// We solve it in the least-squares sense on a coarse grid, with a weak pull
// towards the finger's own smooth period pattern and smoothness across
// ridges, down-weighted near singular points (where the field is singular
// and no spacing can follow it), and clamp the result to the range real
// fingers show: where the flow spreads further, ridges are inserted as in
// real fingers.
#include <Eigen/Sparse>
#include <algorithm>
#include <cmath>

#include "field.h"

namespace tunggal::datasets::synth {
namespace {

constexpr double kPi = 3.14159265358979323846;

// Difference of two ridge directions (mod pi), in (-pi/2, pi/2].
double direction_difference(double a, double b) {
  double d = std::fmod(a - b, kPi);
  if (d > kPi / 2) d -= kPi;
  if (d <= -kPi / 2) d += kPi;
  return d;
}

}  // namespace

PeriodMap flow_period_map(const MasterFinger& m, const MasterParams& p) {
  PeriodMap map;
  const double g = p.period_grid;
  map.spacing = g;
  map.nx = static_cast<int>(std::ceil(m.width / g)) + 1;
  map.ny = static_cast<int>(std::ceil(m.height / g)) + 1;
  const int nx = map.nx, ny = map.ny, n = nx * ny;
  auto id = [nx](int i, int j) { return j * nx + i; };
  // Ridge direction at the nodes, in pixel coordinates (y down), and the
  // finger's own smooth period pattern (log of period / mean).
  std::vector<double> theta(n), prior(n);
  for (int j = 0; j < ny; ++j) {
    for (int i = 0; i < nx; ++i) {
      theta[id(i, j)] = -m.orientation_at(i * g, j * g);
      prior[id(i, j)] = std::log1p(m.period_variation * m.period_noise.at(i * g, j * g));
    }
  }
  // Unknown u = log(frequency / mean frequency) = -log(period / mean).
  std::vector<Eigen::Triplet<double>> triplets;
  std::vector<double> rhs;
  int row = 0;
  auto weight_at = [&](double x, double y) {
    double w = m.inside(x, y) ? 1.0 : 0.2;
    for (const auto& s : m.singular_points) {
      const double d = std::hypot(x - s.x, y - s.y);
      w *= std::clamp((d - p.period_singular_radius) / p.period_singular_radius, 0.02, 1.0);
    }
    return w;
  };
  // Cell constraints: t . grad u + n . grad theta = 0 at each cell centre.
  for (int j = 0; j + 1 < ny; ++j) {
    for (int i = 0; i + 1 < nx; ++i) {
      const double t00 = theta[id(i, j)], t10 = theta[id(i + 1, j)], t01 = theta[id(i, j + 1)],
                   t11 = theta[id(i + 1, j + 1)];
      // Mean direction by doubled angles; derivatives by wrapped differences.
      const double c = std::cos(2 * t00) + std::cos(2 * t10) + std::cos(2 * t01) + std::cos(2 * t11);
      const double s = std::sin(2 * t00) + std::sin(2 * t10) + std::sin(2 * t01) + std::sin(2 * t11);
      if (std::hypot(c, s) < 2.0) continue;  // directions disagree: a singular cell
      const double th = 0.5 * std::atan2(s, c);
      const double dthx =
          (direction_difference(t10, t00) + direction_difference(t11, t01)) / (2 * g);
      const double dthy =
          (direction_difference(t01, t00) + direction_difference(t11, t10)) / (2 * g);
      const double tx = std::cos(th), ty = std::sin(th);  // along the ridge
      const double nxv = -ty, nyv = tx;                   // across
      const double w = std::sqrt(weight_at((i + 0.5) * g, (j + 0.5) * g));
      // grad u at the centre from the four corners.
      const double ax = tx / (2 * g), ay = ty / (2 * g);
      triplets.emplace_back(row, id(i + 1, j), w * (ax - ay));
      triplets.emplace_back(row, id(i + 1, j + 1), w * (ax + ay));
      triplets.emplace_back(row, id(i, j), w * (-ax - ay));
      triplets.emplace_back(row, id(i, j + 1), w * (-ax + ay));
      rhs.push_back(-w * (nxv * dthx + nyv * dthy));
      ++row;
    }
  }
  // Smoothness (all directions, weak) and the pull towards the prior.
  const double smooth = std::sqrt(p.period_smoothness) / g, pull = std::sqrt(p.period_pull);
  for (int j = 0; j < ny; ++j) {
    for (int i = 0; i < nx; ++i) {
      if (i + 1 < nx) {
        triplets.emplace_back(row, id(i + 1, j), smooth);
        triplets.emplace_back(row, id(i, j), -smooth);
        rhs.push_back(0);
        ++row;
      }
      if (j + 1 < ny) {
        triplets.emplace_back(row, id(i, j + 1), smooth);
        triplets.emplace_back(row, id(i, j), -smooth);
        rhs.push_back(0);
        ++row;
      }
      triplets.emplace_back(row, id(i, j), pull);
      rhs.push_back(-pull * prior[id(i, j)]);
      ++row;
    }
  }
  Eigen::SparseMatrix<double> a(row, n);
  a.setFromTriplets(triplets.begin(), triplets.end());
  const Eigen::Map<const Eigen::VectorXd> b(rhs.data(), row);
  const Eigen::SparseMatrix<double> normal = a.transpose() * a;
  Eigen::SimplicialLDLT<Eigen::SparseMatrix<double>> solver(normal);
  const Eigen::VectorXd u = solver.solve(a.transpose() * b);
  map.period.resize(static_cast<std::size_t>(n));
  const double lo = m.mean_period * p.period_min_ratio, hi = m.mean_period * p.period_max_ratio;
  const bool solved = solver.info() == Eigen::Success && u.allFinite();
  for (int k = 0; k < n; ++k) {
    // Should the solve fail, the finger keeps its own smooth pattern.
    const double v = solved ? u[k] : -prior[k];
    map.period[static_cast<std::size_t>(k)] =
        static_cast<float>(std::clamp(m.mean_period * std::exp(-v), lo, hi));
  }
  return map;
}

}  // namespace tunggal::datasets::synth
