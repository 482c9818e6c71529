// Internal pieces of the master fingerprint, each testable alone.
#pragma once

#include <vector>

#include "rng.h"
#include "tunggal/datasets/synthetic_finger.h"

namespace tunggal::datasets::synth {

// Smooth value noise over a w x h canvas, `cells` cells across.
ValueNoise make_noise(Rng& rng, int w, int h, int cells);

std::vector<SingularPoint> place_singular_points(PatternClass c, int w, int h, Rng& rng);
Silhouette make_silhouette(int w, int h, Rng& rng);
// The silhouette rasterised: 1 inside.
std::vector<std::uint8_t> silhouette_mask(const MasterFinger& m);

// The ridge-period map made consistent with the ridge flow
// (ridge_frequency.cpp).
PeriodMap flow_period_map(const MasterFinger& m, const MasterParams& p);

// Ridges grown by iterative space-variant Gabor filtering (ridge_growth.cpp).
std::vector<std::int8_t> grow_ridges(const MasterFinger& m, const MasterParams& p, Rng& rng);

// Turns a share of the grown bifurcations into ridge endings by cutting a
// fork branch at the junction (minutia_types.cpp).
void cut_bifurcations(MasterFinger& m, const MasterParams& p, Rng& rng);

// Skin creases of a rendered master (creases.cpp): empty when it has none.
std::vector<std::uint8_t> draw_creases(const MasterFinger& m, const MasterParams& p, Rng& rng);

// Ridge endings and bifurcations of a rendered master (skeleton_minutiae.cpp).
std::vector<Minutia> skeleton_minutiae(const MasterFinger& m, const MasterParams& p);

}  // namespace tunggal::datasets::synth
