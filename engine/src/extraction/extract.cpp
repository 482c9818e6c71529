#include <tbb/parallel_for.h>

#include <algorithm>
#include <cmath>
#include <string>

#include "../common/param_table.h"
#include "stages.h"
#include "tunggal/error.h"
#include "tunggal/extraction.h"

namespace tunggal {

namespace {

// A result of quality 0 with one reason, for images refused before work.
ExtractionResult refused(const GrayImage& image, std::string reason) {
  ExtractionResult r;
  r.finger.width = static_cast<std::uint16_t>(std::clamp(image.width, 0, 0x3FFF));
  r.finger.height = static_cast<std::uint16_t>(std::clamp(image.height, 0, 0x3FFF));
  r.finger.dpi_x = r.finger.dpi_y = static_cast<std::uint16_t>(std::clamp(image.dpi, 0, 0xFFFF));
  r.reasons.push_back(std::move(reason));
  return r;
}

ExtractionResult extract_one(const GrayImage& image, const ExtractionParams& p) {
  using namespace extraction;
  const std::string size = std::to_string(image.width) + "x" + std::to_string(image.height);
  if (image.width > 0 && image.height > 0 && image.dpi >= 100) {
    const double at500 = 500.0 / image.dpi;
    const double pixels = static_cast<double>(image.width) * image.height;
    if (pixels > static_cast<double>(p.max_pixels) || pixels * at500 * at500 > static_cast<double>(p.max_pixels))
      return refused(image, "image too large for one fingerprint (" + size + " at " + std::to_string(image.dpi) +
                                " dpi; at most " + std::to_string(p.max_pixels) + " pixels)");
    if (p.max_aspect > 0 && std::max(image.width, image.height) > p.max_aspect * std::min(image.width, image.height))
      return refused(image, "image sides too unequal for one fingerprint (" + size + ")");
  }
  double scale = 1.0;
  const cv::Mat gray = to_500dpi(image, scale);  // also checks the buffer and resolution
  if (gray.cols < p.min_side || gray.rows < p.min_side)
    return refused(image, "image too small for a fingerprint (" + size + ")");
  const auto [lo, hi] = std::minmax_element(image.pixels.begin(), image.pixels.end());
  if (*hi - *lo < p.min_grey_range)
    return refused(image, "no finger found: blank image (grey levels " + std::to_string(*lo) + "-" +
                              std::to_string(*hi) + ")");
  cv::Mat theta, coherence;
  orientation_field(gray, p.orientation_sigma, theta, coherence);
  const cv::Mat mask = segment(gray, p, coherence);
  double ridge_share = 0;
  const cv::Mat period = ridge_period(gray, mask, p, &ridge_share);
  const cv::Mat enhanced = enhance(gray, theta, period, mask, p);
  cv::Mat skeleton;
  std::vector<Minutia> minutiae = detect_minutiae(enhanced, mask, coherence, theta, p, &skeleton);

  ExtractionResult r;
  FingerTemplate& t = r.finger;
  t.width = static_cast<std::uint16_t>(std::min(image.width, 0x3FFF));
  t.height = static_cast<std::uint16_t>(std::min(image.height, 0x3FFF));
  t.dpi_x = t.dpi_y = static_cast<std::uint16_t>(image.dpi);
  int quality = image_quality(mask, coherence, enhanced, period, ridge_share, p, r.reasons);
  if (quality > 0 && minutiae.size() < 12) {
    r.reasons.emplace_back("few minutiae found (" + std::to_string(minutiae.size()) + ")");
    quality = std::min(quality, 20);
  }
  t.quality = static_cast<std::uint8_t>(quality);
  if (quality > 0) {
    for (Minutia m : minutiae) {
      // Back to the input image's pixels.
      const long x = std::lround(m.x / scale), y = std::lround(m.y / scale);
      if (x < 0 || y < 0 || x >= t.width || y >= t.height) continue;
      m.x = static_cast<std::uint16_t>(x);
      m.y = static_cast<std::uint16_t>(y);
      t.minutiae.push_back(m);
    }
  }
  if (p.keep_intermediates) {
    r.width = gray.cols;
    r.height = gray.rows;
    r.mask.assign(mask.datastart, mask.dataend);
    r.orientation.assign(reinterpret_cast<const float*>(theta.datastart),
                         reinterpret_cast<const float*>(theta.dataend));
    r.coherence.assign(reinterpret_cast<const float*>(coherence.datastart),
                       reinterpret_cast<const float*>(coherence.dataend));
    r.enhanced.assign(reinterpret_cast<const std::int16_t*>(enhanced.datastart),
                      reinterpret_cast<const std::int16_t*>(enhanced.dataend));
    r.skeleton.resize(static_cast<std::size_t>(skeleton.rows) * skeleton.cols);
    for (int y = 0; y < skeleton.rows; ++y) {
      for (int x = 0; x < skeleton.cols; ++x)
        r.skeleton[static_cast<std::size_t>(y) * skeleton.cols + x] =
            skeleton.at<std::uint8_t>(y, x) ? 1 : 0;
    }
  }
  return r;
}

}  // namespace

namespace {

constexpr detail::ParamField<ExtractionParams> kParamFields[] = {
    {"block", nullptr, &ExtractionParams::block, 8, 64},
    {"foreground_contrast", &ExtractionParams::foreground_contrast, nullptr, 0, 1},
    {"min_block_sd", &ExtractionParams::min_block_sd, nullptr, 0, 128},
    {"min_block_coherence", &ExtractionParams::min_block_coherence, nullptr, 0, 1},
    {"orientation_sigma", &ExtractionParams::orientation_sigma, nullptr, 0.5, 32},
    {"default_period", &ExtractionParams::default_period, nullptr, 3, 25},
    {"enhancement_gain", nullptr, &ExtractionParams::enhancement_gain, 1, 64},
    {"border_margin", nullptr, &ExtractionParams::border_margin, 0, 64},
    {"min_coherence", &ExtractionParams::min_coherence, nullptr, 0, 1},
    {"spur_length", nullptr, &ExtractionParams::spur_length, 0, 64},
    {"short_ridge", nullptr, &ExtractionParams::short_ridge, 0, 128},
    {"break_distance", &ExtractionParams::break_distance, nullptr, 0, 64},
    {"min_distance", &ExtractionParams::min_distance, nullptr, 0, 32},
    {"max_minutiae", nullptr, &ExtractionParams::max_minutiae, 1, 255},
    {"direction_radius", nullptr, &ExtractionParams::direction_radius, 0, 64},
    {"min_quality_area", &ExtractionParams::min_quality_area, nullptr, 0, 1},
    {"min_ridge_share", &ExtractionParams::min_ridge_share, nullptr, 0, 1},
};

}  // namespace

void set_extraction_param(ExtractionParams& p, std::string_view name, double value) {
  detail::set_param(p, kParamFields, "extraction", name, value);
}

std::vector<std::string> extraction_param_names() { return detail::param_names(kParamFields); }

ExtractionResult extract_finger(const GrayImage& image, const ExtractionParams& p) {
  try {
    return extract_one(image, p);
  } catch (const cv::Exception& e) {
    // An OpenCV assertion here is our bug, not the caller's: say so, typed.
    throw Error(ErrorCode::internal, std::string("extraction: ") + e.what());
  }
}

std::vector<ExtractionResult> extract_fingers(std::span<const GrayImage> images,
                                              const ExtractionParams& p) {
  std::vector<ExtractionResult> out(images.size());
  tbb::parallel_for(std::size_t{0}, images.size(),
                    [&](std::size_t i) { out[i] = extract_finger(images[i], p); });
  return out;
}

}  // namespace tunggal
