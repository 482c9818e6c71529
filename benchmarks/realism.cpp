// Realism of the synthetic fingerprints, measured against the real FVC
// images and vendor templates with the same estimators on both sides:
// foreground share, ridge period (spectral peak of 32x32 blocks, the
// extractor's estimator), orientation coherence, ridge contrast; and from
// our own extractor run on every image (real and synthetic alike):
// minutiae per print, minutiae per 10,000 px^2 of the extractor's
// foreground, share of bifurcations, and the sense agreement of
// neighbouring minutiae (of neighbours within 40 px whose directions are
// parallel or antiparallel within 30 degrees, the share that point the same
// way: 0.5 when each minutia's sense is independent of its neighbours').
// Prints a Markdown table (datasets/README.md quotes it).
//
//   realism --data ../shared/data --fingers 40 --impressions 4 [--seed 1]
//           [--conditions fvc2002] [--synthetic-only]
#include <CLI/CLI.hpp>
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>
#include <tbb/parallel_for.h>

#include "extraction/stages.h"
#include "tunggal/datasets/fvc.h"
#include "tunggal/datasets/synthetic_finger.h"
#include "tunggal/calibration.h"
#include "tunggal/comparison.h"
#include "tunggal/datasets/metrics.h"
#include "tunggal/extraction.h"
#include "tunggal/formats.h"
#include "tunggal/image.h"

using namespace tunggal;

namespace {

struct Stats {
  std::string name;
  std::size_t images = 0, templates = 0;
  std::vector<double> foreground, period, coherence, contrast, minutiae, bifurcation;
  // Our extractor's templates of the same images.
  std::vector<double> ours_minutiae, ours_density, ours_bifurcation, ours_agreement;
  std::vector<double> agreement;  // of the templates above (vendor or ground truth)
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

// Of the neighbour pairs within 40 px whose directions are parallel or
// antiparallel within 30 degrees, the share pointing the same way. NaN when
// there are none.
double sense_agreement(const FingerTemplate& t) {
  constexpr double kPi = 3.14159265358979323846;
  std::size_t same = 0, pairs = 0;
  const auto& m = t.minutiae;
  for (std::size_t i = 0; i < m.size(); ++i) {
    for (std::size_t j = i + 1; j < m.size(); ++j) {
      const double dx = double(m[i].x) - m[j].x, dy = double(m[i].y) - m[j].y;
      if (dx * dx + dy * dy > 40.0 * 40.0) continue;
      double d = std::fmod(std::abs(double(m[i].angle) - m[j].angle), 2 * kPi);
      if (d > kPi) d = 2 * kPi - d;  // 0..pi
      if (d < kPi / 6) {
        ++same;
        ++pairs;
      } else if (d > kPi - kPi / 6) {
        ++pairs;
      }
    }
  }
  return pairs ? static_cast<double>(same) / static_cast<double>(pairs) : NAN;
}

void measure_extraction(const GrayImage& img, Stats& st) {
  ExtractionParams ep;
  ep.keep_intermediates = true;
  const ExtractionResult r = extract_finger(img, ep);
  std::size_t fg = 0;
  for (auto v : r.mask) fg += v != 0;
  const auto& t = r.finger;
  std::size_t bif = 0;
  for (const auto& m : t.minutiae) bif += m.type == MinutiaType::bifurcation;
  st.ours_minutiae.push_back(static_cast<double>(t.minutiae.size()));
  // The mask is at 500 dpi; the images here are all at (nominally) 500 dpi.
  if (fg > 0) st.ours_density.push_back(1e4 * static_cast<double>(t.minutiae.size()) / fg);
  if (!t.minutiae.empty())
    st.ours_bifurcation.push_back(static_cast<double>(bif) / static_cast<double>(t.minutiae.size()));
  const double a = sense_agreement(t);
  if (!std::isnan(a)) st.ours_agreement.push_back(a);
}

// Image statistics and our extractor's templates of every image, extracted
// in parallel (results kept in input order).
void measure_images(const std::vector<GrayImage>& images, Stats& st) {
  std::vector<Stats> per(images.size());
  tbb::parallel_for(std::size_t{0}, images.size(), [&](std::size_t i) {
    measure_image(images[i], per[i]);
    measure_extraction(images[i], per[i]);
  });
  for (auto& p : per) {
    st.images += p.images;
    for (auto [to, from] : {std::pair{&st.foreground, &p.foreground}, {&st.period, &p.period},
                            {&st.coherence, &p.coherence}, {&st.contrast, &p.contrast},
                            {&st.ours_minutiae, &p.ours_minutiae},
                            {&st.ours_density, &p.ours_density},
                            {&st.ours_bifurcation, &p.ours_bifurcation},
                            {&st.ours_agreement, &p.ours_agreement}}) {
      to->insert(to->end(), from->begin(), from->end());
    }
  }
}

void measure_template(const FingerTemplate& t, Stats& st) {
  const double a = sense_agreement(t);
  if (!std::isnan(a)) st.agreement.push_back(a);
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
  std::printf(
      "| %s | %zu | %.0f%% | %.2f (%.2f-%.2f) | %.2f | %.1f | %.1f | %.2f | %.1f%% | %.2f | %zu | "
      "%.1f | %.1f%% | %.2f |\n",
      s.name.c_str(), s.images, 100 * mean(s.foreground), median(s.period), q(s.period, 0.25),
      q(s.period, 0.75), mean(s.coherence), mean(s.contrast), mean(s.ours_minutiae),
      mean(s.ours_density), 100 * mean(s.ours_bifurcation), mean(s.ours_agreement), s.templates,
      mean(s.minutiae), 100 * mean(s.bifurcation), mean(s.agreement));
}

// Parses NAME=VALUE overrides into a parameters struct through its setter.
template <class P, class Set>
void apply_overrides(P& p, const std::vector<std::string>& overrides, Set set) {
  for (const auto& o : overrides) {
    const auto eq = o.find('=');
    if (eq == std::string::npos) throw std::invalid_argument("expected NAME=VALUE, got '" + o + "'");
    set(p, o.substr(0, eq), std::stod(o.substr(eq + 1)));
  }
}

struct ScoreRow {
  std::string name;
  std::vector<double> genuine, impostor;
};

void print_score_row(const ScoreRow& r) {
  const auto& cal = default_finger_calibration();
  const auto rates = datasets::error_rates(r.genuine, r.impostor);
  auto above = [](const std::vector<double>& v, double t) {
    return static_cast<double>(std::count_if(v.begin(), v.end(), [t](double x) { return x >= t; })) /
           static_cast<double>(std::max<std::size_t>(1, v.size()));
  };
  std::vector<double> cal_imp;
  for (double x : r.impostor) cal_imp.push_back(cal.calibrate(x));
  std::printf("| %s | %zu | %zu | %.2f%% | %.4f | %.4f | %.4f | %.3f | %.1f |\n", r.name.c_str(),
              r.genuine.size(), r.impostor.size(), 100 * rates.eer,
              above(r.impostor, cal.raw_for(20)), above(r.impostor, cal.raw_for(30)),
              above(r.impostor, cal.raw_for(40)), 1 - above(r.genuine, cal.raw_for(30)),
              median(cal_imp));
}

// Genuine (every pair of one finger's impressions) and impostor (impressions
// 1 and 2 of every pair of fingers: FVC's first-impression protocol, four
// times the pairs) scores of a set of templates, fingers x impressions.
ScoreRow score_set(std::string name, const std::vector<FingerTemplate>& t, int fingers,
                   int impressions) {
  std::vector<EnrolledFinger> e(t.size());
  tbb::parallel_for(std::size_t{0}, t.size(), [&](std::size_t i) { e[i] = enroll_finger(t[i]); });
  std::vector<std::pair<std::size_t, std::size_t>> gp, ip;
  for (int f = 0; f < fingers; ++f) {
    for (int i = 0; i < impressions; ++i)
      for (int j = i + 1; j < impressions; ++j)
        gp.emplace_back(std::size_t(f * impressions + i), std::size_t(f * impressions + j));
    for (int g = f + 1; g < fingers; ++g)
      for (int i = 0; i < std::min(2, impressions); ++i)
        for (int j = 0; j < std::min(2, impressions); ++j)
          ip.emplace_back(std::size_t(f * impressions + i), std::size_t(g * impressions + j));
  }
  ScoreRow r;
  r.name = std::move(name);
  r.genuine.resize(gp.size());
  r.impostor.resize(ip.size());
  tbb::parallel_for(std::size_t{0}, gp.size(), [&](std::size_t k) {
    r.genuine[k] = compare_fingers(e[gp[k].first], e[gp[k].second]);
  });
  tbb::parallel_for(std::size_t{0}, ip.size(), [&](std::size_t k) {
    r.impostor[k] = compare_fingers(e[ip[k].first], e[ip[k].second]);
  });
  return r;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Realism of synthetic fingerprints against the FVC data"};
  std::string data = "../shared/data", conditions = "fvc2002";
  int fingers = 40, impressions = 4;
  std::uint64_t seed = 1;
  bool synthetic_only = false, scores = false;
  std::vector<std::string> master_overrides, impression_overrides;
  std::string pattern;
  app.add_option("--data", data, "Folder holding fvc2000/ and fvc2002/");
  app.add_option("--fingers", fingers, "Synthetic fingers to render");
  app.add_option("--impressions", impressions, "Impressions per synthetic finger");
  app.add_option("--seed", seed, "Seed of the synthetic set");
  app.add_option("--conditions", conditions, "Impression conditions of the synthetic set")
      ->check(CLI::IsMember(datasets::impression_condition_names()));
  app.add_flag("--synthetic-only", synthetic_only, "Measure the synthetic set alone");
  app.add_flag("--scores", scores,
               "Also score the synthetic set through MCC (ground truth and our extraction): EER "
               "and the observed FMR at the calibrated thresholds");
  app.add_option("--master-param", master_overrides, "Override a MasterParams field, NAME=VALUE");
  app.add_option("--pattern", pattern,
                 "Synthetic fingers of this pattern class only (arch, tented_arch, left_loop, right_loop, whorl)");
  app.add_option("--impression-param", impression_overrides,
                 "Override an ImpressionParams field, NAME=VALUE");
  CLI11_PARSE(app, argc, argv);

  std::printf(
      "| set | images | foreground | ridge period px, median (IQR) | coherence | contrast | "
      "ours: minutiae | ours: per 10^4 px^2 | ours: bifurcations | ours: sense agreement | "
      "templates | minutiae | bifurcations | sense agreement |\n");
  std::printf(
      "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n");
  for (const char* set : {"fvc2000", "fvc2002"}) {
    for (const char* db : {"DB1_B", "DB2_B", "DB3_B", "DB4_B"}) {
      const std::filesystem::path dir = std::filesystem::path(data) / set / db;
      if (synthetic_only || !std::filesystem::exists(dir)) continue;
      Stats st;
      st.name = std::string(set) + " " + db;
      const auto ds = datasets::scan_fvc_folder(dir);
      std::vector<GrayImage> images;
      for (const auto& s : ds.images) images.push_back(read_gray_image(s.path));
      measure_images(images, st);
      for (const auto& s : ds.templates) {
        for (const auto& t : decode_iso19794_2(read_file(s.path))) measure_template(t, st);
      }
      print_row(st);
    }
  }
  datasets::ImpressionParams ip = datasets::impression_conditions(conditions);
  datasets::MasterParams mp;
  apply_overrides(mp, master_overrides, datasets::set_master_param);
  if (!pattern.empty()) {
    bool known = false;
    for (int c = 0; c < datasets::kPatternClassCount; ++c) {
      std::string name(datasets::to_string(static_cast<datasets::PatternClass>(c)));
      std::replace(name.begin(), name.end(), ' ', '_');
      mp.class_frequencies[static_cast<std::size_t>(c)] = name == pattern ? 1.0 : 0.0;
      known |= name == pattern;
    }
    if (!known) {
      std::fprintf(stderr, "realism: unknown pattern class '%s'\n", pattern.c_str());
      return 2;
    }
  }
  apply_overrides(ip, impression_overrides, datasets::set_impression_param);
  Stats rendered, tonly;
  rendered.name = "synthetic, rendered (templates: ground truth)";
  tonly.name = "synthetic, template-only (templates: observed)";
  const auto n = static_cast<std::size_t>(fingers) * static_cast<std::size_t>(impressions);
  std::vector<GrayImage> images(n);
  std::vector<FingerTemplate> truth(n), observed(n);
  tbb::parallel_for(0, fingers, [&](int f) {
    const auto master = datasets::generate_master(seed * 1000003 + static_cast<std::uint64_t>(f), mp);
    const auto sampled =
        datasets::generate_master(seed * 1000003 + static_cast<std::uint64_t>(f), mp, false);
    for (int i = 0; i < impressions; ++i) {
      const auto k = static_cast<std::size_t>(f * impressions + i);
      auto imp = datasets::make_impression(
          master, seed * 7919 + static_cast<std::uint64_t>(f * 100 + i), ip);
      truth[k] = std::move(imp.truth);
      images[k] = std::move(imp.image);
      observed[k] =
          datasets::make_impression(sampled, static_cast<std::uint64_t>(f * 100 + i), ip, false)
              .observed;
    }
  });
  for (std::size_t k = 0; k < n; ++k) {
    measure_template(truth[k], rendered);
    measure_template(observed[k], tonly);
  }
  measure_images(images, rendered);
  print_row(rendered);
  print_row(tonly);
  if (scores) {
    std::vector<FingerTemplate> extracted(n);
    tbb::parallel_for(std::size_t{0}, n,
                      [&](std::size_t k) { extracted[k] = extract_finger(images[k]).finger; });
    std::printf(
        "\n| synthetic set (%d fingers x %d, %s) | genuine | impostor | EER | FMR at 20 | FMR at 30 "
        "| FMR at 40 | FNMR at 30 | impostor median score |\n",
        fingers, impressions, conditions.c_str());
    std::printf("| --- | --- | --- | --- | --- | --- | --- | --- | --- |\n");
    print_score_row(score_set("rendered, ground truth", truth, fingers, impressions));
    print_score_row(score_set("rendered, our extraction", extracted, fingers, impressions));
    print_score_row(score_set("template-only, observed", observed, fingers, impressions));
  }
  int counts[datasets::kPatternClassCount] = {};
  const int draws = 100000;
  for (int i = 0; i < draws; ++i)
    ++counts[static_cast<int>(datasets::draw_pattern_class(static_cast<std::uint64_t>(i), {}))];
  std::printf(
      "\nPattern classes over %d synthetic fingers (target: arch 3.7%%, tented arch 2.9%%, left "
      "loop 33.8%%, right loop 31.7%%, whorl 27.9%%):",
      draws);
  for (int c = 0; c < datasets::kPatternClassCount; ++c) {
    std::printf(" %s %.1f%%",
                std::string(datasets::to_string(static_cast<datasets::PatternClass>(c))).c_str(),
                100.0 * counts[c] / draws);
  }
  std::printf("\n");
  return 0;
}
