// Pieces shared by the fingerprint and face evaluations of `tunggal eval`.
#pragma once

#include <string>
#include <vector>

#include "tunggal/datasets/metrics.h"

namespace tunggal::cli {

void plot_det(const std::vector<datasets::DetPoint>& det, const std::string& path);
void plot_histograms(const std::vector<double>& genuine, const std::vector<double>& impostor,
                     const std::string& path);

struct FaceEvalArgs {
  std::string folder, out, models, impostors;
};
// Faces in a folder per person (AT&T layout: s<person>/<n>.pgm); genuine =
// every pair of one person's images, impostor = every cross-person pair
// ("all") or first images only ("first").
int eval_faces(const FaceEvalArgs& args);

}  // namespace tunggal::cli
