// `tunggal eval`: the FVC protocol on a folder of images (extracted here) or
// templates: genuine = every pair of impressions of a finger; impostor =
// first impressions of different fingers (FVC), or the first two, or every
// cross-finger pair. Prints EER, FMR100, FMR1000, FMR10000, ZeroFMR and
// failures to enrol; writes raw scores, a JSON summary, a DET curve and score
// histograms (PNG).
#include <tbb/parallel_for.h>

#include <chrono>
#include <cmath>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <sstream>
#include <algorithm>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "commands.h"
#include "eval_common.h"
#include "mcc_options.h"
#include "tunggal/calibration.h"
#include "tunggal/comparison.h"
#include "tunggal/datasets/fvc.h"
#include "tunggal/datasets/metrics.h"
#include "tunggal/extraction.h"
#include "tunggal/sdk.h"

namespace tunggal::cli {
namespace {

struct EvalArgs {
  std::vector<std::string> folders;
  std::string templates, impostors = "first", out, iso_frame;
  int dpi = 500;
  int min_minutiae = 4;
  int bootstrap = 0;
  bool paired = false;
  std::vector<std::string> params, extract_params;
  std::string modality = "finger", models;
  bool no_mirror = false;
};

}  // namespace

void plot_det(const std::vector<datasets::DetPoint>& det, const std::string& path) {
  const int w = 560, h = 480, m = 60;
  cv::Mat img(h, w, CV_8UC3, cv::Scalar(255, 255, 255));
  // log10 axes from 1e-4 to 1.
  auto px = [&](double fmr) {
    return m + static_cast<int>((std::log10(std::max(fmr, 1e-4)) + 4) / 4 * (w - 2 * m));
  };
  auto py = [&](double fnmr) {
    return h - m - static_cast<int>((std::log10(std::max(fnmr, 1e-4)) + 4) / 4 * (h - 2 * m));
  };
  for (int e = -4; e <= 0; ++e) {
    const double v = std::pow(10.0, e);
    cv::line(img, {px(v), m}, {px(v), h - m}, {220, 220, 220});
    cv::line(img, {m, py(v)}, {w - m, py(v)}, {220, 220, 220});
    const std::string label = e == 0 ? "1" : "1e" + std::to_string(e);
    cv::putText(img, label, {px(v) - 12, h - m + 18}, cv::FONT_HERSHEY_SIMPLEX, 0.4, {0, 0, 0});
    cv::putText(img, label, {8, py(v) + 4}, cv::FONT_HERSHEY_SIMPLEX, 0.4, {0, 0, 0});
  }
  cv::line(img, {px(1e-4), py(1e-4)}, {px(1), py(1)}, {200, 200, 255});  // EER diagonal
  for (std::size_t i = 1; i < det.size(); ++i) {
    cv::line(img, {px(det[i - 1].fmr), py(det[i - 1].fnmr)}, {px(det[i].fmr), py(det[i].fnmr)},
             {180, 60, 0}, 2);
  }
  cv::putText(img, "FMR", {w / 2 - 15, h - 15}, cv::FONT_HERSHEY_SIMPLEX, 0.5, {0, 0, 0});
  cv::putText(img, "FNMR", {5, m - 20}, cv::FONT_HERSHEY_SIMPLEX, 0.5, {0, 0, 0});
  cv::imwrite(path, img);
}

void plot_histograms(const std::vector<double>& genuine, const std::vector<double>& impostor,
                     const std::string& path) {
  const int w = 560, h = 360, m = 40, bins = 50;
  // Raw MCC scores crowd near 0: the axis spans what was observed.
  double hi = 1e-9;
  for (double s : genuine) hi = std::max(hi, s);
  for (double s : impostor) hi = std::max(hi, s);
  const auto bin = [&](double s) { return std::clamp(static_cast<int>(s / hi * bins), 0, bins - 1); };
  std::vector<double> g(bins), im(bins);
  for (double s : genuine) g[bin(s)] += 1.0 / genuine.size();
  for (double s : impostor) im[bin(s)] += 1.0 / impostor.size();
  const double top =
      std::max(*std::max_element(g.begin(), g.end()), *std::max_element(im.begin(), im.end()));
  cv::Mat img(h, w, CV_8UC3, cv::Scalar(255, 255, 255));
  const int bw = (w - 2 * m) / bins;
  for (int b = 0; b < bins; ++b) {
    const int x = m + b * bw;
    const int gi = static_cast<int>(g[b] / top * (h - 2 * m)),
              ii = static_cast<int>(im[b] / top * (h - 2 * m));
    cv::rectangle(img, {x, h - m - ii}, {x + bw / 2, h - m}, {60, 60, 220}, cv::FILLED);
    cv::rectangle(img, {x + bw / 2, h - m - gi}, {x + bw, h - m}, {60, 160, 0}, cv::FILLED);
  }
  std::ostringstream label;
  label << "raw score 0 .. " << std::setprecision(3) << hi << "   red: impostor   green: genuine";
  cv::putText(img, label.str(), {m, h - 12},
              cv::FONT_HERSHEY_SIMPLEX, 0.45, {0, 0, 0});
  cv::imwrite(path, img);
}

namespace {

// A bootstrap's refusal (too few fingers, say) as a clear error naming where.
template <class F>
datasets::EerInterval bootstrap_or_refuse(const std::string& where, F run) {
  try {
    return run();
  } catch (const std::invalid_argument& e) {
    throw Error(ErrorCode::invalid_argument, where + ": " + e.what());
  }
}

}  // namespace

Runner add_eval(CLI::App& app) {
  auto a = std::make_shared<EvalArgs>();
  auto* cmd = app.add_subcommand("eval",
                                 "Evaluate accuracy on an FVC-layout folder (FVC protocol): EER, "
                                 "FMR100/1000/10000, ZeroFMR, failures to enrol, DET curve");
  cmd->add_option("folder", a->folders,
                  "Folder of <finger>_<impression> images or templates; several (e.g. DB1_B..DB4_B) add "
                  "their mean")
      ->required();
  cmd->add_option("--templates", a->templates,
                  "Use templates with this extension (e.g. .iso) instead of extracting the images");
  cmd->add_option(
      "--iso-frame", a->iso_frame,
      "Templates were written in this frame (e.g. 300x400 for the FVC2002 vendor templates): "
      "rescale them to the image size");
  cmd->add_option("--impostors", a->impostors, "Impostor pairs: first (FVC), first2, all")
      ->check(CLI::IsMember({"first", "first2", "all"}))
      ->capture_default_str();
  cmd->add_option("--dpi", a->dpi, "Resolution of the images")->capture_default_str();
  cmd->add_option("--out", a->out, "Write scores.csv, summary.json, det.png, histogram.png here");
  add_mcc_param_option(cmd, a->params);
  add_extraction_param_option(cmd, a->extract_params);
  cmd->add_option("--bootstrap", a->bootstrap,
                  "Also give a 95% interval for the EER from this many rounds of resampling the fingers "
                  "(subsets bootstrap; 1000 is usual)")
      ->check(CLI::Range(1, 100000));
  cmd->add_flag("--paired", a->paired,
                "With --bootstrap and --param/--extract-param: also score the same pairs with the default "
                "parameters and give the EER difference (these - defaults) with its paired 95% interval");
  cmd->add_option("--modality", a->modality, "finger (FVC layout) or face (a folder per person)")
      ->check(CLI::IsMember({"finger", "face"}))
      ->capture_default_str();
  cmd->add_option("--models", a->models, "With --modality face: model description file");
  cmd->add_flag("--no-mirror", a->no_mirror, "With --modality face: embed the face alone, not with its mirror image (the pipeline before 2026-12)");
  return [a] {
    if (a->folders.size() > 1 && (a->modality == "face" || !a->out.empty()))
      throw Error(ErrorCode::invalid_argument, "several folders: finger modality only, and no --out");
    if (a->modality == "face" && (a->bootstrap > 0 || a->paired))
      throw Error(ErrorCode::invalid_argument, "--bootstrap and --paired are for the finger modality");
    if (a->paired && !a->templates.empty() && a->params.empty())
      throw Error(ErrorCode::invalid_argument,
                  "--paired with --templates compares MCC parameters: give --param (templates are not extracted)");
    if (a->modality == "face") return eval_faces({a->folders.front(), a->out, a->models, a->impostors, !a->no_mirror});
    const MccParams mcc = mcc_params_from(a->params);
    const ExtractionParams extraction = extraction_params_from(a->extract_params);
    if (a->paired && a->bootstrap < 1) throw Error(ErrorCode::invalid_argument, "--paired needs --bootstrap N");
    if (a->paired && a->params.empty() && a->extract_params.empty())
      throw Error(ErrorCode::invalid_argument, "--paired compares against the defaults: give --param or --extract-param");
    // Every image's template, extracted in parallel.
    const auto extract_all = [&](const std::vector<datasets::FvcSample>& samples, const ExtractionParams& params) {
      std::vector<FingerTemplate> views(samples.size());
      tbb::parallel_for(std::size_t{0}, samples.size(), [&](std::size_t i) {
        views[i] = extract_finger(read_gray_image(samples[i].path, a->dpi), params).finger;
      });
      return views;
    };
    struct Outcome {
      datasets::PairSet set, defaults;  // scored pairs (defaults: with --paired)
      double eer = 0, defaults_eer = 0;
    };
    const auto evaluate = [&](const std::string& folder) {
      Outcome outcome;
      const auto ds = datasets::scan_fvc_folder(folder, a->templates);
      const bool use_templates = !a->templates.empty();
      const auto& samples = use_templates ? ds.templates : ds.images;
      if (samples.empty())
        throw Error(ErrorCode::not_found, folder + ": no samples in the FVC layout");
      std::vector<FingerTemplate> templates(samples.size());
      const auto t0 = std::chrono::steady_clock::now();
      if (use_templates) {
        int fw = 0, fh = 0;
        if (!a->iso_frame.empty() && std::sscanf(a->iso_frame.c_str(), "%dx%d", &fw, &fh) != 2) {
          throw Error(ErrorCode::invalid_argument, "--iso-frame wants WxH, e.g. 300x400");
        }
        GrayImage first;
        if (fw > 0) {
          if (ds.images.empty())
            throw Error(ErrorCode::invalid_argument,
                        "--iso-frame needs the images beside the templates");
          first = read_gray_image(ds.images.front().path);
        }
        for (std::size_t i = 0; i < samples.size(); ++i) {
          auto views = sdk::load_template_file(samples[i].path).views;
          templates[i] = views.at(0);
          if (fw > 0) {
            for (auto& m : templates[i].minutiae) {
              m.x = static_cast<std::uint16_t>(m.x * first.width / fw);
              m.y = static_cast<std::uint16_t>(m.y * first.height / fh);
            }
          }
        }
      } else {
        templates = extract_all(samples, extraction);
      }
      const double extract_s =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      const auto protocol = a->impostors == "first" ? datasets::ImpostorProtocol::first_impressions
                            : a->impostors == "first2"
                                ? datasets::ImpostorProtocol::first_two_impressions
                                : datasets::ImpostorProtocol::all_cross_finger;
      const auto gpairs = datasets::fvc_genuine_pairs(samples);
      const auto ipairs = datasets::fvc_impostor_pairs(samples, protocol);
      // Every pair's score under one set of parameters; failures to enrol
      // (too few minutiae) score 0 (FVC practice) and are counted.
      const auto score_pairs = [&](const std::vector<FingerTemplate>& views, const MccParams& params,
                                   std::vector<double>& genuine_out, std::vector<double>& impostor_out,
                                   double* compare_seconds) {
        std::vector<EnrolledFinger> enrolled(samples.size());
        std::size_t failures = 0;
        for (std::size_t i = 0; i < samples.size(); ++i) {
          if (static_cast<int>(views[i].minutiae.size()) < a->min_minutiae) {
            ++failures;
            continue;
          }
          enrolled[i] = enroll_finger(views[i], params);
        }
        genuine_out.assign(gpairs.size(), 0.0);
        impostor_out.assign(ipairs.size(), 0.0);
        const auto t1 = std::chrono::steady_clock::now();  // the comparisons alone
        tbb::parallel_for(std::size_t{0}, gpairs.size(), [&](std::size_t i) {
          genuine_out[i] = compare_fingers(enrolled[gpairs[i].a], enrolled[gpairs[i].b], params);
        });
        tbb::parallel_for(std::size_t{0}, ipairs.size(), [&](std::size_t i) {
          impostor_out[i] = compare_fingers(enrolled[ipairs[i].a], enrolled[ipairs[i].b], params);
        });
        if (compare_seconds)
          *compare_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t1).count();
        return failures;
      };
      std::vector<double> genuine, impostor;
      double compare_s = 0;
      const std::size_t fte = score_pairs(templates, mcc, genuine, impostor, &compare_s);
      const auto r = datasets::error_rates(genuine, impostor);
      auto pct = [](double v) { return 100.0 * v; };
      std::cout << std::fixed << std::setprecision(2) << folder << ": " << samples.size()
                << " samples (" << (use_templates ? "templates" : "images, extracted") << "), "
                << gpairs.size() << " genuine, " << ipairs.size() << " impostor pairs ("
                << a->impostors << ")\n"
                << "  EER " << pct(r.eer) << "%  FMR100 " << pct(r.fmr100) << "%  FMR1000 "
                << pct(r.fmr1000) << "%  FMR10000 " << pct(r.fmr10000) << "%  ZeroFMR "
                << pct(r.zero_fmr) << "%  FTE " << fte << "\n"
                << "  " << std::setprecision(0) << (gpairs.size() + ipairs.size()) / compare_s
                << " comparisons/s (all threads); preparation " << std::setprecision(1) << extract_s
                << " s\n";
      print_calibration_check(default_finger_calibration(), genuine, impostor);
      datasets::EerInterval interval;
      if (a->bootstrap > 0) {
        std::vector<datasets::ScoredPair> g(gpairs.size()), im(ipairs.size());
        for (std::size_t i = 0; i < gpairs.size(); ++i)
          g[i] = {samples[gpairs[i].a].finger, samples[gpairs[i].b].finger, genuine[i]};
        for (std::size_t i = 0; i < ipairs.size(); ++i)
          im[i] = {samples[ipairs[i].a].finger, samples[ipairs[i].b].finger, impostor[i]};
        interval = bootstrap_or_refuse(folder, [&] { return datasets::bootstrap_eer(g, im, a->bootstrap); });
        outcome.set = {g, im};
        std::cout << "  EER 95% interval " << std::setprecision(2) << pct(interval.low) << "% - "
                  << pct(interval.high) << "% (" << a->bootstrap << " rounds, fingers resampled)\n";
        if (a->paired) {
          // The defaults on the same pairs: the templates again where
          // extraction parameters were changed, the same ones otherwise.
          std::vector<FingerTemplate> defaults_views;
          if (!use_templates && !a->extract_params.empty()) {
            defaults_views = extract_all(samples, ExtractionParams{});
          }
          std::vector<double> genuine_d, impostor_d;
          score_pairs(defaults_views.empty() ? templates : defaults_views, MccParams{}, genuine_d, impostor_d, nullptr);
          std::vector<datasets::ScoredPair> gd = g, id = im;
          for (std::size_t i = 0; i < gd.size(); ++i) gd[i].score = genuine_d[i];
          for (std::size_t i = 0; i < id.size(); ++i) id[i].score = impostor_d[i];
          const auto d = bootstrap_or_refuse(folder, [&] { return datasets::bootstrap_eer_difference(g, im, gd, id, a->bootstrap); });
          outcome.defaults = {gd, id};
          outcome.defaults_eer = datasets::error_rates(genuine_d, impostor_d).eer;
          std::cout << "  EER against the defaults " << std::showpos << pct(d.eer) << " points, paired 95% interval "
                    << pct(d.low) << " to " << pct(d.high) << std::noshowpos << " (defaults: EER "
                    << pct(outcome.defaults_eer) << "%)\n";
        }
      }
      if (ipairs.size() < 10000) {
        std::cout << "  note: " << ipairs.size() << " impostor pairs resolve FMR only to "
                  << std::setprecision(3) << 100.0 / static_cast<double>(ipairs.size())
                  << "%: FMR1000/FMR10000 below that are bounded by ZeroFMR\n";
      }
      if (!a->out.empty()) {
        std::filesystem::create_directories(a->out);
        std::ostringstream scores;
        scores << "a,b,kind,score\n" << std::setprecision(17);
        for (std::size_t i = 0; i < gpairs.size(); ++i) {
          scores << csv_field(samples[gpairs[i].a].path.filename().string()) << ','
                 << csv_field(samples[gpairs[i].b].path.filename().string()) << ",genuine," << genuine[i] << '\n';
        }
        for (std::size_t i = 0; i < ipairs.size(); ++i) {
          scores << csv_field(samples[ipairs[i].a].path.filename().string()) << ','
                 << csv_field(samples[ipairs[i].b].path.filename().string()) << ",impostor," << impostor[i] << '\n';
        }
        write_text(std::filesystem::path(a->out) / "scores.csv", scores.str());
        Json summary;
        summary["folder"] = folder;
        summary["samples"] = samples.size();
        put_error_rates(summary, r);
        summary["impostor_protocol"] = a->impostors;
        summary["failure_to_enrol"] = fte;
        if (a->bootstrap > 0) {
          summary["eer_interval_low"] = interval.low;
          summary["eer_interval_high"] = interval.high;
          summary["eer_interval_rounds"] = interval.rounds;
        }
        write_text(std::filesystem::path(a->out) / "summary.json", summary.dump(2) + "\n");
        plot_det(datasets::det_curve(genuine, impostor),
                 (std::filesystem::path(a->out) / "det.png").string());
        plot_histograms(genuine, impostor,
                        (std::filesystem::path(a->out) / "histogram.png").string());
        std::cout << "  wrote scores.csv, summary.json, det.png, histogram.png to " << a->out << "\n";
      }
      outcome.eer = r.eer;
      return outcome;
    };
    std::vector<Outcome> outcomes;
    for (const auto& folder : a->folders) outcomes.push_back(evaluate(folder));
    if (outcomes.size() > 1) {
      const auto pct = [](double v) { return 100.0 * v; };
      double mean = 0;
      for (const auto& o : outcomes) mean += o.eer / static_cast<double>(outcomes.size());
      std::cout << std::fixed << std::setprecision(2) << "mean over " << outcomes.size() << " folders: EER "
                << pct(mean) << "%\n";
      if (a->bootstrap > 0) {
        std::vector<datasets::PairSet> sets, defaults;
        for (const auto& o : outcomes) {
          sets.push_back(o.set);
          defaults.push_back(o.defaults);
        }
        const auto m = bootstrap_or_refuse("the folders", [&] { return datasets::bootstrap_mean_eer(sets, a->bootstrap); });
        std::cout << "  mean EER 95% interval " << pct(m.low) << "% - " << pct(m.high) << "% (" << a->bootstrap
                  << " rounds, fingers resampled within each folder)\n";
        if (a->paired) {
          double mean_defaults = 0;
          for (const auto& o : outcomes) mean_defaults += o.defaults_eer / static_cast<double>(outcomes.size());
          const auto d = bootstrap_or_refuse("the folders", [&] {
            return datasets::bootstrap_mean_eer_difference(sets, defaults, a->bootstrap);
          });
          std::cout << "  mean EER against the defaults " << std::showpos << pct(d.eer) << " points, paired 95% interval "
                    << pct(d.low) << " to " << pct(d.high) << std::noshowpos << " (defaults: mean EER "
                    << pct(mean_defaults) << "%)\n";
        }
      }
    }
    return 0;
  };
}

}  // namespace tunggal::cli
