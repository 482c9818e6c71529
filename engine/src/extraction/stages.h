// The extraction stages, each a function on plain data (OpenCV matrices at
// 500 dpi), tested alone in tests/test_extraction.cpp.
#pragma once

#include <opencv2/core.hpp>
#include <string>
#include <vector>

#include "skeleton.h"
#include "tunggal/extraction.h"

namespace tunggal::extraction {

// CV_32F image resampled to 500 dpi (identity when already 500 dpi).
cv::Mat to_500dpi(const GrayImage& image, double& scale);

// Foreground mask (CV_8U, 0/1): blocks whose grey-level sd is high enough
// and, when `coherence` is given, whose ridge flow is coherent enough;
// cleaned (largest component, holes filled, edges smoothed).
cv::Mat segment(const cv::Mat& gray, const ExtractionParams& p,
                const cv::Mat& coherence = cv::Mat());

// Ridge direction per pixel (CV_32F, radians [0, pi), counter-clockwise on
// screen) and coherence (CV_32F, 0-1) from the smoothed gradient tensor.
void orientation_field(const cv::Mat& gray, double sigma, cv::Mat& theta, cv::Mat& coherence);

// Dominant ridge period (px) of a square block by its spectral peak, or 0
// when the block has no clear peak between 4 and 16 px.
double spectral_period(const cv::Mat& block);

// Ridge period per pixel (CV_32F): spectral peaks of overlapping blocks,
// gaps filled from neighbours, smoothed, clamped to 5-15 px. `ridge_share`
// receives the share of foreground blocks with a clear ridge period (low for
// things that are not fingerprints).
cv::Mat ridge_period(const cv::Mat& gray, const cv::Mat& mask, const ExtractionParams& p,
                     double* ridge_share = nullptr);

// Contextual enhancement: locally normalised image (ridges positive) through
// one space-variant Gabor pass tuned to orientation and period. CV_16S, >0 on
// ridges, 0 outside the mask.
cv::Mat enhance(const cv::Mat& gray, const cv::Mat& theta, const cv::Mat& period,
                const cv::Mat& mask, const ExtractionParams& p);

// Minutiae of the enhanced image with false ones removed (border, low
// coherence, spurs, fragments, broken ridges, crowded pairs) and a quality
// each; coordinates at 500 dpi. Directions follow the smoothed ridge
// orientation (`orientation`, may be empty: skeleton tracing alone), in the
// sense the skeleton gives.
std::vector<Minutia> detect_minutiae(const cv::Mat& enhanced, const cv::Mat& mask,
                                     const cv::Mat& coherence, const cv::Mat& orientation,
                                     const ExtractionParams& p, cv::Mat* skeleton_out = nullptr);

// Image quality 0-100 in the spirit of NFIQ 2 (orientation certainty,
// ridge clarity, frequency consistency, foreground area), with reasons.
int image_quality(const cv::Mat& mask, const cv::Mat& coherence, const cv::Mat& enhanced,
                  const cv::Mat& period, double ridge_share, const ExtractionParams& p,
                  std::vector<std::string>& reasons);

}  // namespace tunggal::extraction
