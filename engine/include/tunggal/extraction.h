// Fingerprint feature extraction: an 8-bit grey image at a known resolution
// to a minutiae template with a quality. Stages (engine/src/extraction/), each
// a function on plain data: resampling to 500 dpi, segmentation, orientation
// with coherence, ridge period, contextual Gabor enhancement, binarisation and
// thinning, minutiae with false-minutiae removal and per-minutia quality, and
// an NFIQ2-style image quality with reasons a recording officer can act on.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "tunggal/finger_template.h"
#include "tunggal/image.h"

namespace tunggal {

// Every tunable constant of extraction, with its default.
struct ExtractionParams {
  int block = 16;                     // segmentation / frequency block, px at 500 dpi
  double foreground_contrast = 0.30;  // block grey sd relative to the 90th percentile
  double min_block_sd = 6.0;          // absolute floor of a foreground block's grey sd
  double min_block_coherence = 0.18;  // foreground blocks need at least this ridge-flow coherence
  double orientation_sigma = 7.0;     // Gaussian smoothing of the structure tensor, px
  double default_period = 9.0;        // ridge period where it cannot be measured, px
  int enhancement_gain = 6;           // Gabor pass output gain
  int border_margin = 14;             // no minutiae this close to the foreground border, px
  double min_coherence = 0.10;        // no minutiae where the ridge flow is this unclear
  int spur_length = 10;               // an ending this close along its ridge to a bifurcation: spur
  int short_ridge = 16;               // two endings joined by a ridge this short: fragment
  double break_distance = 12.0;       // two endings facing each other this close: broken ridge
  double min_distance = 5.0;          // any two minutiae closer than this: both dropped
  int max_minutiae = 150;             // keep the best this many (by quality)
  // A minutia's direction is the ridge orientation, pointing towards the
  // skeleton connected to it within this radius (an ending's ridge, a
  // bifurcation's two branches rather than its stem), px; 0 takes the sense
  // from its traced branches, which flipped 43% of the bifurcations under
  // an exact quarter turn.
  int direction_radius = 20;
  double min_quality_area = 0.12;     // foreground share below which the image is "no finger"
  double min_ridge_share =
      0.40;           // foreground blocks with a clear ridge period, below: not a finger
  int min_side = 64;                   // smaller images (at 500 dpi) cannot hold a usable print
  // Larger images (pixels, at the input resolution or at 500 dpi), or more
  // unequal sides, are not single fingerprints (kFingerprintImageLimits):
  // refused with a reason before any work, so that no image can make
  // extraction take unbounded time or memory.
  std::uint64_t max_pixels = kFingerprintImageLimits.max_pixels;
  double max_aspect = kFingerprintImageLimits.max_aspect;
  int min_grey_range = 8;              // max - min grey below this: a blank image, refused before enhancement
  bool keep_intermediates = false;     // fill ExtractionResult's images (the debug view); costs copies
};

// Sets one ExtractionParams field by its name (as spelled in the struct,
// e.g. "border_margin"), for tuning tools; throws Error(invalid_argument)
// naming the field for an unknown name or a value out of its range.
// extraction_param_names() lists what can be set.
void set_extraction_param(ExtractionParams& p, std::string_view name, double value);
std::vector<std::string> extraction_param_names();

struct ExtractionResult {
  FingerTemplate finger;             // coordinates in the input image
  std::vector<std::string> reasons;  // why quality is low (empty when good)
  // Intermediate images at 500 dpi (for the debug view), row-major; only
  // with ExtractionParams::keep_intermediates:
  int width = 0, height = 0;
  std::vector<std::uint8_t> mask;      // 1 = foreground
  std::vector<float> orientation;      // ridge direction, radians [0, pi)
  std::vector<float> coherence;        // 0-1
  std::vector<std::int16_t> enhanced;  // >0 ridge
  std::vector<std::uint8_t> skeleton;  // 1 = skeleton pixel
};

// Extracts one image. Never throws for image content (a blank or non-finger
// image gives quality 0 and a reason); throws tunggal::Error
// (invalid_argument) for an empty image or impossible resolution.
ExtractionResult extract_finger(const GrayImage& image, const ExtractionParams& params = {});

// Batch extraction in parallel (oneTBB); results in input order.
std::vector<ExtractionResult> extract_fingers(std::span<const GrayImage> images,
                                              const ExtractionParams& params = {});

}  // namespace tunggal
