// Minutiae of a thinned ridge image: crossing number 1 (ridge ending) or 3
// (bifurcation), directions traced along the skeleton in the ISO/M1
// convention (an ending points along its ridge, a bifurcation between its two
// branches). Shared by extraction and by the synthetic generator's ground
// truth.
#pragma once

#include <opencv2/core.hpp>
#include <vector>

#include "tunggal/finger_template.h"

namespace tunggal::extraction {

struct SkeletonMinutia {
  int x = 0, y = 0;
  double angle = 0;  // radians [0, 2*pi), counter-clockwise on screen
  MinutiaType type = MinutiaType::ending;
  // Length of the shortest branch traced (up to `trace` pixels) before it
  // ended or met another minutia; and that minutia's position if it met one.
  int reach = 0;
  int hit_x = -1, hit_y = -1;
};

// Zhang-Suen thinning of a binary image (nonzero = ridge); 255 on the
// one-pixel-wide skeleton. Our own (table-driven, only ridge pixels visited),
// so results do not depend on the OpenCV version.
cv::Mat thin(const cv::Mat& binary);

// `skeleton`: CV_8U, nonzero on one-pixel-wide ridges. Only pixels where
// `valid` (CV_8U, same size) is nonzero are examined; an empty `valid`
// examines all.
std::vector<SkeletonMinutia> find_skeleton_minutiae(const cv::Mat& skeleton, const cv::Mat& valid,
                                                    int trace = 10);

// Which way along the axis `angle` (radians, counter-clockwise on screen) the
// minutia at (x, y) points: towards the mass of the skeleton connected to it
// within `radius` px, its projections on the axis summed. An ending's one
// ridge, a bifurcation's two branches outweighing its stem. +1 along the
// axis, -1 against it, 0 when the sum is zero (no skeleton around, or a
// branch exactly across the axis).
int skeleton_sense(const cv::Mat& skeleton, int x, int y, double angle, int radius);

}  // namespace tunggal::extraction
