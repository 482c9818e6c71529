// Synthetic fingerprints by the SFinGe method (Cappelli, Maio, Maltoni):
// a master fingerprint per finger (pattern class, singular points, an
// orientation field from the zero-pole model with per-singularity
// corrections, a ridge-period map, a silhouette, ridges grown by iterative
// space-variant Gabor filtering, ground-truth minutiae from the thinned
// master), then impressions of it (rigid motion, plastic distortion, partial
// contact, dry/wet skin, noise, scratches, background).
//
// Deterministic: the same seed gives byte-identical output on any machine
// (integer arithmetic where results are quantised, no std distributions).
// Every function is pure and thread-safe; parallelism is the caller's
// (tunggal gen uses oneTBB over fingers).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "tunggal/finger_template.h"
#include "tunggal/image.h"

namespace tunggal::datasets {

// The fingerprint model's name, written into every generated set's
// manifest: sets made by different models have different statistics
// (datasets/README.md, "Realism"). 2: hairpin loops, circular whorl
// centres, a flow-consistent period, cut bifurcations, creases, scars,
// FVC2002-like impressions (issue 25).
inline constexpr std::string_view kFingerprintModel = "tunggal-sfinge-2";

enum class PatternClass : std::uint8_t { arch, tented_arch, left_loop, right_loop, whorl };
inline constexpr int kPatternClassCount = 5;
std::string_view to_string(PatternClass c) noexcept;

struct SingularPoint {
  float x = 0, y = 0;  // canvas pixels
  bool core = true;    // core (loop) or delta
};

// Tunables of the master fingerprint, with their defaults.
struct MasterParams {
  int width = 352;  // canvas at 500 dpi, larger than any impression frame
  int height = 448;
  // Natural class frequencies: arch, tented arch, left loop, right loop, whorl.
  std::array<double, kPatternClassCount> class_frequencies{0.037, 0.029, 0.338, 0.317, 0.279};
  // Ridge period in pixels at 500 dpi: per-finger mean ~ N(mean, sd), varying
  // smoothly across the finger by +-variation (relative).
  double ridge_period_mean = 9.0;
  double ridge_period_sd = 0.6;
  double ridge_period_variation = 0.10;
  // The period map follows the ridge flow (ridge_frequency.cpp): solved on a
  // grid of this spacing (px), with this much smoothness and pull towards
  // the smooth variation above, down-weighted within this radius of a
  // singular point, and clamped to these ratios of the finger's mean.
  double period_grid = 8;
  double period_smoothness = 0.05;
  double period_pull = 1e-4;
  double period_singular_radius = 16;
  double period_min_ratio = 0.75;
  double period_max_ratio = 1.40;
  // Amplitude (radians) of the piecewise-linear corrections applied around
  // each singular point (Vizcaya-Gerhardt style) so fields look natural.
  double orientation_correction = 0.25;
  // How far loop (and tented arch) cores go from the zero-pole model's
  // confocal parabolas towards equidistant hairpins (MasterFinger::
  // loop_shape), per finger uniform in [min, max].
  double loop_shape_min = 0.7;
  double loop_shape_max = 1.0;
  // ... and whorls' rings towards equidistant circles (the same range),
  // out to a radius uniform in [min, max] px.
  double whorl_radius_min = 90, whorl_radius_max = 140;
  // Ridge growth: iterations of the Gabor filter bank, and initial seeds per
  // pixel of the silhouette.
  int growth_iterations = 14;
  double seed_density = 1.0 / 500.0;
  // Share of the grown bifurcations turned into ridge endings (a fork cut
  // at its junction), so that endings outnumber bifurcations as in real
  // fingers.
  double bifurcation_cut_share = 0.3;
  // Ground-truth minutiae closer than this to the silhouette border are
  // dropped (ridges there are cut by the shape, not by nature).
  int border_margin = 10;
  // Template-only mode: minutiae are sampled (no rendering) with this density
  // (per pixel of silhouette) and minimum spacing.
  double sampled_minutiae_density = 1.0 / 1350.0;
  double sampled_min_distance = 11.0;
  double sampled_bifurcation_share = 0.35;
  // Skin creases (rendered masters): persistent thin white lines that cut
  // the ridges in every impression; 0 to max per finger, each this wide (px)
  // and long (px).
  int max_creases = 5;
  double crease_width_min = 1.5, crease_width_max = 4.0;
  double crease_length_min = 40, crease_length_max = 220;
  // ... and a scar (short, wide, ragged) on this share of fingers.
  double scar_probability = 0.03;
};

// Smooth value noise in [-1, 1]: a coarse grid of random values with
// smoothstep interpolation (continuous first derivative).
struct ValueNoise {
  int grid_width = 0, grid_height = 0;
  double scale = 1;  // grid cells per pixel
  std::vector<double> grid;
  double at(double x, double y) const;
};

// The finger's outline: an elliptical top and a squarer (superelliptic)
// bottom, as SFinGe's arcs-and-rectangle model.
struct Silhouette {
  double cx = 0, cy = 0, half_width = 0, top = 0, bottom = 0;
  bool contains(double x, double y) const;
};

// A ridge-period map on a coarse grid (bilinear between nodes).
struct PeriodMap {
  int nx = 0, ny = 0;
  double spacing = 8;
  std::vector<float> period;  // nx * ny, row-major
  double at(double x, double y) const;
};

// A master fingerprint. The fields that define it are analytic (evaluated at
// any point, so template-only generation never rasterises); `ridges` is the
// rendered ridge pattern, present only when rendered.
struct MasterFinger {
  PatternClass pattern = PatternClass::left_loop;
  int width = 0, height = 0;
  std::vector<SingularPoint> singular_points;
  // Per singular point: offsets of the piecewise-linear angle correction at
  // 9 knots over (-pi, pi] (ends fixed at 0).
  std::vector<std::array<double, 9>> corrections;
  // Per singular point: how far a loop's core departs from the zero-pole
  // model towards equidistant nested loops (0 = zero-pole, 1 = hairpins with
  // parallel legs), and the direction its legs leave in (radians, math
  // convention). The zero-pole core's ridges are confocal parabolas, which
  // squeeze together towards the core along the axis; growing them forced a
  // row of ridge endings on the axis of every loop, in the same place.
  std::vector<double> loop_shape, loop_axis;
  // A whorl's rings: how far they go towards equidistant circles around the
  // centre between its cores (0 = the zero-pole field, whose rings bunch
  // where the deltas pull and forced rings of minutiae there), between
  // radius inner (outside the cores) and outer (px).
  double whorl_shape = 0, whorl_cx = 0, whorl_cy = 0, whorl_inner = 0, whorl_outer = 0;
  double arch_amplitude = 0, arch_width = 1, arch_centre_y = 0;  // arches only
  ValueNoise wobble;                                             // small smooth orientation noise
  double wobble_amplitude = 0.08;
  Silhouette silhouette;
  double mean_period = 9.0;
  double period_variation = 0.10;
  ValueNoise period_noise;
  PeriodMap period_map;  // the flow-consistent period (rendered masters); empty: the smooth one
  std::vector<std::int8_t> ridges;  // >0 on ridges; width*height; empty if not rendered
  // Creases: how strongly each pixel is cut (0-255), width*height; empty if
  // not rendered or the finger has none.
  std::vector<std::uint8_t> creases;
  std::vector<Minutia> minutiae;    // ground truth, canvas coordinates, ISO angles

  // Ridge direction in radians [0, pi), counter-clockwise on screen.
  double orientation_at(double x, double y) const;
  double period_at(double x, double y) const;
  bool inside(double x, double y) const { return silhouette.contains(x, y); }
};

PatternClass draw_pattern_class(std::uint64_t seed, const MasterParams& params);

// Renders the master (ridges grown by Gabor filtering, minutiae from its
// skeleton) when `render`, else samples its minutiae from the orientation
// field (template-only mode, thousands of times faster).
MasterFinger generate_master(std::uint64_t seed, const MasterParams& params = {},
                             bool render = true);

// Tunables of an impression, with their defaults.
struct ImpressionParams {
  int width = 288;  // output frame, FVC2002 DB4 size
  int height = 384;
  double max_rotation_deg = 30.0;  // uniform in +-max
  double translation_sd = 30.0;    // pixels, of the finger centre in the frame
  // Plastic distortion (Cappelli, Maio, Maltoni 2001): a close-contact
  // ellipse that does not move, a transitional band of width `brake_width`,
  // and outside it a rigid displacement of up to these amounts.
  double distortion_rotation_deg = 9.0;
  double distortion_shift = 18.0;
  double brake_width = 90.0;
  // Contact area: fraction of the silhouette's half-axes pressed (partial
  // prints below 1).
  double contact_min = 0.45;
  double contact_max = 0.95;
  // Skin: dryness uniform in [-wet, +dry] (negative wet: ridges merge;
  // positive dry: ridges break).
  double max_wet = 0.6;
  double max_dry = 0.6;
  double noise_sd = 8.0;  // grey levels
  double scratch_probability = 0.25;
  // Uneven pressure: ink scaled by 1 + this * smooth noise in [-1, 1]
  // (clamped), so some regions fade.
  double pressure_variation = 0.8;
  // Smudges: 0 to max blobs per impression where the ink floods (wet) or
  // is missing (lifted), of radius 12 to this (px).
  int max_smudges = 4;
  double smudge_radius_max = 35;
  // Pores and breaks along ridges: strength of the break pattern (0 none).
  double pore_strength = 200;
  // Fine grain of the skin and ink (features of 2-3 px): ragged ridge edges
  // and uneven ink; 0 none.
  double grain_strength = 100;
  int background_min = 200, background_max = 240;
  // Template-only perturbations applied to ground truth, as an extractor
  // would see it.
  double position_jitter = 2.0;   // pixels, sd
  double angle_jitter_deg = 6.0;  // sd
  double drop_rate = 0.10;
  double spurious_rate = 0.06;  // per true minutia
  double type_flip_rate = 0.08;
  // Minutiae closer than this to the contact border are not visible.
  double contact_margin = 8.0;
};

// Conditions harder than the defaults, for tuning without tuning to the
// shared FVC sets' conditions (issue 16): plastic distortion about 1.5x the
// default (up to 14 degrees and 26 px outside a narrower close-contact
// band), skin from soaked to parched (dryness uniform in [-1, 1] instead of
// [-0.6, 0.6]), partial contact (35-80% of the silhouette's half-axes),
// rotation up to 45 degrees and more displacement, more sensor noise,
// grain, smudges and scratches.
ImpressionParams hard_conditions(ImpressionParams base = {});

// An enrolment desk: a live-scan reader with an operator guiding each
// finger (the office's captures, and the population generator's default).
// The defaults above follow the FVC2002 protocol, whose volunteers were
// asked to exaggerate displacement and rotation in some impressions; at a
// desk the finger lands near the centre (translation sd 12 px, rotation
// within 20 degrees), is pressed flat (60-95% contact) and stretches less
// (up to 4 degrees and 7 px).
ImpressionParams enrolment_desk_conditions(ImpressionParams base = {});

// One of the hard conditions alone on top of the defaults, to see which
// one an extractor fails on: "distortion", "dry" (dryness in [0, 1]),
// "wet" (in [-1, 0]), "partial" (contact), "rotation" (up to 45 degrees,
// and more translation), or "hard" (all of them), "fvc2002" (the defaults)
// and "desk" (enrolment_desk_conditions). Throws Error(invalid_argument) naming
// the choices for any other name.
ImpressionParams impression_conditions(std::string_view name);
std::vector<std::string> impression_condition_names();

struct ImpressionTransform {
  double master_cx = 0, master_cy = 0;  // centre of rotation (silhouette centre)
  double rotation = 0;                  // radians, counter-clockwise on screen
  double tx = 0, ty = 0;                // where the master centre lands in the frame
  double distortion_rotation = 0;       // radians
  double distortion_dx = 0, distortion_dy = 0;
  double contact_cx = 0, contact_cy = 0;  // master coordinates
  double contact_rx = 0, contact_ry = 0;  // close-contact ellipse half-axes
  double brake_width = 90;                // transition band of the distortion
  double visible_cx = 0, visible_cy = 0;  // visible (pressed) area: an ellipse,
  double visible_rx = 0, visible_ry = 0;  // intersected with the silhouette
  double dryness = 0;                     // <0 wet, >0 dry
};

struct Impression {
  ImpressionTransform transform;
  GrayImage image;          // empty when not rendered
  FingerTemplate truth;     // ground-truth minutiae in the frame (exact transform)
  FingerTemplate observed;  // truth with extractor-like perturbations (template-only use)
};

// Maps a master point into the impression frame (distortion, then rigid).
void map_to_impression(const ImpressionTransform& t, double mx, double my, double& ix, double& iy);

Impression make_impression(const MasterFinger& master, std::uint64_t seed,
                           const ImpressionParams& params = {}, bool render = true);

// Tunables by name, for tuning tools: Error(invalid_argument) names an
// unknown parameter or a value outside its range.
void set_master_param(MasterParams& p, std::string_view name, double value);
std::vector<std::string> master_param_names();
void set_impression_param(ImpressionParams& p, std::string_view name, double value);
std::vector<std::string> impression_param_names();

}  // namespace tunggal::datasets
