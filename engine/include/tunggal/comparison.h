// Fingerprint comparison: bit-based Minutia Cylinder-Code (Cappelli, Ferrara,
// Maltoni, IEEE TPAMI 2010) with the LSS-R global score (local similarity
// sort with relaxation). Templates are enrolled once into cylinders stored
// contiguously; comparison allocates nothing per minutia pair beyond a
// similarity matrix, and is symmetric: compare(a, b) == compare(b, a).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "tunggal/finger_template.h"
#include "tunggal/simd.h"

namespace tunggal {

// Every tunable constant of MCC and LSS-R; defaults from the paper unless
// noted.
struct MccParams {
  double radius = 70;                               // R, px at 500 dpi
  int ns = 16;                                      // cells per side (Ns)
  int nd = 6;                                       // angular sections (Nd)
  double sigma_s = 28.0 / 3.0;                      // spatial contribution sd
  double sigma_d = 2 * 3.14159265358979323846 / 9;  // directional contribution sd
  double mu_psi = 0.01;                             // bit threshold of the cell value
  double omega = 50;                                // convex hull enlargement for cell validity, px
  double min_valid_cells = 0.75;                    // a cylinder needs this share of its disc valid
  int min_contributing = 2;                         // ... and this many neighbouring minutiae
  // Fingers with fewer valid cylinders are not compared (score 0): a sliver
  // of a print with one or two cylinders would otherwise score its best
  // pair against every finger (found on partial synthetic prints).
  int min_cylinders = 5;
  double min_matchable = 0.60;  // two cylinders compare on at least this share of the disc
  // Minutia pairs whose directions differ more than this are not compared.
  double max_direction_difference = 3.14159265358979323846 / 2;
  // Highest SIMD level the cylinder kernel may use (lowered to what the CPU
  // has); benchmarks set scalar to measure the reference.
  SimdLevel simd = SimdLevel::avx512;
  // LSS-R
  int relaxation_iterations = 5;
  // Pairs entering the relaxation: the paper takes min(nA, nB) (0 means
  // that). Tuned: capping at 30 lowered the mean FVC2002 EER with our
  // extraction (4.37% -> 4.28%) and the cost, which is quadratic in it.
  int max_relaxation_pairs = 30;
  double relaxation_weight = 0.5;   // w_R
  double np_mu = 20, np_tau = 0.4;  // n_P = min_np + Z(min(nA, nB)) * (max_np - min_np)
  // Tuned: min_np 6 (paper: 4) averages more pairs for small templates;
  // with the cap above, FVC2002 mean EER 4.37% -> 4.02% (benchmarks/RESULTS.md).
  int min_np = 6, max_np = 12;
  double mu1 = 5, tau1 = -8.0 / 5.0;  // relaxation compatibility sigmoids
  double mu2 = 3.14159265358979323846 / 12, tau2 = -30;
  double mu3 = 3.14159265358979323846 / 12, tau3 = -30;
};

// Sets one MccParams field by its name (as spelled in the struct, e.g.
// "max_relaxation_pairs", "mu_psi"), for tuning tools; throws
// Error(invalid_argument) naming the field for an unknown name or a value
// out of its range. mcc_param_names() lists what can be set.
void set_mcc_param(MccParams& p, std::string_view name, double value);
std::vector<std::string> mcc_param_names();

// A template enrolled for comparison: per valid cylinder its minutia and its
// value and validity bits (words_per_cylinder 64-bit words each), contiguous.
struct EnrolledFinger {
  struct Point {
    float x, y, angle;
  };
  std::vector<Point> minutiae;          // of the valid cylinders, in order
  std::vector<std::uint64_t> values;    // cylinder c at [c * words, (c + 1) * words)
  std::vector<std::uint64_t> validity;  // same layout
  int words = 0;
  int disc_cells = 0;  // cells of a cylinder's disc (the same for every cylinder)
  // Per-cylinder counts derived from the bits, so that a comparison does not
  // recount them: filled by enroll_finger and when a gallery loads its
  // snapshot, and by refresh_cylinder_stats after bits are changed by hand.
  // A comparison recounts (the same score, slower) when they are missing or
  // were counted for another disc.
  struct CylinderStats {
    std::vector<std::uint8_t> shape;                   // how values and validity fill the disc
    std::vector<std::uint32_t> value_ones, valid_ones;  // |values|, |validity| per cylinder
    std::uint32_t disc_bits = 0;                        // disc_cells x Nd they were counted for
  } stats;
  std::size_t size() const { return minutiae.size(); }
};

// Recounts f.stats from its bits, for the disc of `p` (its Nd).
void refresh_cylinder_stats(EnrolledFinger& f, const MccParams& p = {});

// Different resolutions: minutiae positions are scaled to 500 dpi from the
// template's own resolution (ISO/ANSI headers give it; 0 is taken as 500),
// so a 1000 dpi template compares with a 500 dpi one as if both were
// captured at 500 dpi. Cylinder radius and all distances are in 500 dpi
// pixels. Nothing corrects a resolution that the header states wrongly (the
// FVC2002 vendor templates, for one, are in a 300x400 frame of their own).
EnrolledFinger enroll_finger(const FingerTemplate& t, const MccParams& p = {});

// Raw similarity in [0, 1]; symmetric: compare(a, b) == compare(b, a)
// exactly. Calibrated scores (a threshold is a false-match rate) come from
// default_finger_calibration().calibrate(raw), see calibration.h.
double compare_fingers(const EnrolledFinger& a, const EnrolledFinger& b, const MccParams& p = {});

// The same score computed the plain way (the cylinder kernel per pair, every
// pair sorted): the reference compare_fingers is tested against, bit for
// bit, and benchmarked against in the same run (`tunggal bench match`).
double compare_fingers_reference(const EnrolledFinger& a, const EnrolledFinger& b,
                                 const MccParams& p = {});

}  // namespace tunggal
