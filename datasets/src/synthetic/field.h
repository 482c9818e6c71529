// Internal pieces of the master fingerprint, each testable alone.
#pragma once

#include <vector>

#include "rng.h"
#include "tunggal/datasets/synthetic_finger.h"

namespace tunggal::datasets::synth {

// Smooth value noise in [-1, 1] over a w x h canvas, `cells` cells across.
class SmoothNoise {
 public:
  SmoothNoise(Rng& rng, int w, int h, int cells);
  double at(double x, double y) const;

 private:
  int gw_, gh_;
  double sx_, sy_;
  std::vector<double> grid_;
};

// Piecewise-linear warp of an angle in (-pi, pi] with fixed end points: the
// per-singularity correction of the zero-pole model.
struct AngleCorrection {
  static constexpr int kKnots = 8;
  double offset[kKnots + 1] = {};
  double apply(double alpha) const;
};

std::vector<SingularPoint> place_singular_points(PatternClass c, int w, int h, Rng& rng);
std::vector<std::uint8_t> make_silhouette(int w, int h, Rng& rng);

// Ridges grown by iterative space-variant Gabor filtering (ridge_growth.cpp).
std::vector<std::int8_t> grow_ridges(const MasterFinger& m, const MasterParams& p, Rng& rng);

// Ridge endings and bifurcations of a rendered master (skeleton_minutiae.cpp).
std::vector<Minutia> skeleton_minutiae(const MasterFinger& m, const MasterParams& p);

}  // namespace tunggal::datasets::synth
