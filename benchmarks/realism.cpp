// Realism of the synthetic fingerprints, measured against the real FVC
// images and vendor templates with the same estimators on both sides:
// foreground share, ridge period (spectral peak of 32x32 blocks, the
// extractor's estimator), orientation
// coherence, ridge contrast, minutiae per print and share of bifurcations.
// Prints a Markdown table (datasets/README.md quotes it).
//
//   realism --data ../shared/data --fingers 40 --impressions 4 [--seed 1]
#include <CLI/CLI.hpp>
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include "extraction/stages.h"
#include "tunggal/datasets/fvc.h"
#include "tunggal/datasets/synthetic_finger.h"
#include "tunggal/formats.h"
#include "tunggal/image.h"

using namespace tunggal;

namespace {

struct Stats {
  std::string name;
  std::size_t images = 0, templates = 0;
  std::vector<double> foreground, period, coherence, contrast, minutiae, bifurcation;
};

double median(std::vector<double> v) {
  if (v.empty()) return NAN;
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}
double mean(const std::vector<double>& v) {
  if (v.empty()) return NAN;
  double s = 0;
  for (double x : v) s += x;
  return s / static_cast<double>(v.size());
}

void measure_image(const GrayImage& img, Stats& st) {
  cv::Mat m(img.height, img.width, CV_8U, const_cast<std::uint8_t*>(img.pixels.data()));
  cv::Mat f;
  m.convertTo(f, CV_32F);
  cv::Mat gx, gy;
  cv::Sobel(f, gx, CV_32F, 1, 0);
  cv::Sobel(f, gy, CV_32F, 0, 1);
  int blocks = 0, fg = 0;
  std::vector<double> periods;
  for (int by = 0; by + 32 <= img.height; by += 16) {
    for (int bx = 0; bx + 32 <= img.width; bx += 16) {
      ++blocks;
      const cv::Rect r(bx, by, 32, 32);
      cv::Scalar mu, sd;
      cv::meanStdDev(f(r), mu, sd);
      if (sd[0] < 14) continue;  // background or blank
      ++fg;
      st.contrast.push_back(sd[0]);
      double gxx = 0, gyy = 0, gxy = 0;
      for (int y = 0; y < 32; ++y) {
        for (int x = 0; x < 32; ++x) {
          const double a = gx.at<float>(by + y, bx + x), b = gy.at<float>(by + y, bx + x);
          gxx += a * a;
          gyy += b * b;
          gxy += a * b;
        }
      }
      st.coherence.push_back(std::sqrt((gxx - gyy) * (gxx - gyy) + 4 * gxy * gxy) /
                             (gxx + gyy + 1e-9));
      // The extractor's own estimator: the same measure on both sides.
      const double period = extraction::spectral_period(f(r));
      if (period > 0) periods.push_back(period);
    }
  }
  st.foreground.push_back(blocks ? static_cast<double>(fg) / blocks : 0);
  if (!periods.empty()) st.period.push_back(median(periods));
  ++st.images;
}

void measure_template(const FingerTemplate& t, Stats& st) {
  std::size_t end = 0, bif = 0;
  for (const auto& m : t.minutiae) {
    end += m.type == MinutiaType::ending;
    bif += m.type == MinutiaType::bifurcation;
  }
  st.minutiae.push_back(static_cast<double>(t.minutiae.size()));
  if (end + bif)
    st.bifurcation.push_back(static_cast<double>(bif) / static_cast<double>(end + bif));
  ++st.templates;
}

void print_row(const Stats& s) {
  auto q = [](std::vector<double> v, double p) -> double {
    if (v.empty()) return NAN;
    std::sort(v.begin(), v.end());
    return v[static_cast<std::size_t>(p * (v.size() - 1))];
  };
  std::printf("| %s | %zu | %.0f%% | %.2f (%.2f-%.2f) | %.2f | %.1f | %zu | %.1f | %.1f%% |\n",
              s.name.c_str(), s.images, 100 * mean(s.foreground), median(s.period),
              q(s.period, 0.25), q(s.period, 0.75), mean(s.coherence), mean(s.contrast),
              s.templates, mean(s.minutiae), 100 * mean(s.bifurcation));
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Realism of synthetic fingerprints against the FVC data"};
  std::string data = "../shared/data";
  int fingers = 40, impressions = 4;
  std::uint64_t seed = 1;
  app.add_option("--data", data, "Folder holding fvc2000/ and fvc2002/");
  app.add_option("--fingers", fingers, "Synthetic fingers to render");
  app.add_option("--impressions", impressions, "Impressions per synthetic finger");
  app.add_option("--seed", seed, "Seed of the synthetic set");
  CLI11_PARSE(app, argc, argv);

  std::printf(
      "| set | images | foreground | ridge period px, median (IQR) | coherence | contrast | "
      "templates | minutiae per template | bifurcations |\n");
  std::printf("| --- | --- | --- | --- | --- | --- | --- | --- | --- |\n");
  for (const char* set : {"fvc2000", "fvc2002"}) {
    for (const char* db : {"DB1_B", "DB2_B", "DB3_B", "DB4_B"}) {
      const std::filesystem::path dir = std::filesystem::path(data) / set / db;
      if (!std::filesystem::exists(dir)) continue;
      Stats st;
      st.name = std::string(set) + " " + db;
      const auto ds = datasets::scan_fvc_folder(dir);
      for (const auto& s : ds.images) measure_image(read_gray_image(s.path), st);
      for (const auto& s : ds.templates) {
        for (const auto& t : decode_iso19794_2(read_file(s.path))) measure_template(t, st);
      }
      print_row(st);
    }
  }
  Stats synth, truth, tonly;
  synth.name = "synthetic (rendered), observed templates";
  truth.name = "synthetic (rendered), ground truth";
  tonly.name = "synthetic (template-only), observed";
  for (int f = 0; f < fingers; ++f) {
    const auto master = datasets::generate_master(seed * 1000003 + static_cast<std::uint64_t>(f));
    const auto sampled =
        datasets::generate_master(seed * 1000003 + static_cast<std::uint64_t>(f), {}, false);
    for (int i = 0; i < impressions; ++i) {
      const auto imp =
          datasets::make_impression(master, seed * 7919 + static_cast<std::uint64_t>(f * 100 + i));
      measure_image(imp.image, synth);
      measure_template(imp.observed, synth);
      measure_template(imp.truth, truth);
      measure_template(
          datasets::make_impression(sampled, static_cast<std::uint64_t>(f * 100 + i), {}, false)
              .observed,
          tonly);
    }
  }
  print_row(synth);
  print_row(truth);
  print_row(tonly);
  int counts[datasets::kPatternClassCount] = {};
  const int n = 100000;
  for (int i = 0; i < n; ++i)
    ++counts[static_cast<int>(datasets::draw_pattern_class(static_cast<std::uint64_t>(i), {}))];
  std::printf(
      "\nPattern classes over %d synthetic fingers (target: arch 3.7%%, tented arch 2.9%%, left "
      "loop 33.8%%, right loop 31.7%%, whorl 27.9%%):",
      n);
  for (int c = 0; c < datasets::kPatternClassCount; ++c) {
    std::printf(" %s %.1f%%",
                std::string(datasets::to_string(static_cast<datasets::PatternClass>(c))).c_str(),
                100.0 * counts[c] / n);
  }
  std::printf("\n");
  return 0;
}
