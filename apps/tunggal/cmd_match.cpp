// `tunggal match --pairs FILE`: one score per line of `PATH_A PATH_B`
// (images are extracted first; templates in any supported format), printed
// in input order as `PATH_A PATH_B SCORE` on the calibrated scale, or
// `PATH_A PATH_B ERROR reason` when a pair cannot be scored (the run goes on).
//
// `tunggal calibrate SCORES.csv...`: fits a score calibration table to the
// impostor scores that `tunggal eval --out` wrote.
#include <tbb/parallel_for.h>

#include <fstream>
#include <iomanip>
#include <iostream>
#include <map>
#include <optional>
#include <sstream>

#include "commands.h"
#include "tunggal/text.h"
#include "mcc_options.h"
#include "tunggal/calibration.h"
#include "tunggal/comparison.h"
#include "tunggal/datasets/fvc.h"
#include "tunggal/extraction.h"
#include "tunggal/face.h"
#include "tunggal/sdk.h"

namespace tunggal::cli {

namespace {

struct MatchArgs {
  std::string pairs, modality = "finger", calibration;
  bool raw = false;
  int dpi = 500;
  std::vector<std::string> params;
  std::string models;
};

struct PairLine {
  std::string a, b, error;  // error: the line itself is malformed
};

// A line holds two paths separated by a tab, or else by spaces (then the
// paths themselves cannot contain spaces).
PairLine split_pair(const std::string& line) {
  PairLine p;
  const std::size_t tab = line.find('\t');
  if (tab != std::string::npos) {
    p.a = line.substr(0, tab);
    p.b = line.substr(tab + 1);
    if (p.b.find('\t') != std::string::npos) p.error = "expected two paths, found more";
  } else {
    std::istringstream in(line);
    std::string extra;
    in >> p.a >> p.b >> extra;
    if (!extra.empty()) p.error = "expected two paths, found more (separate paths with spaces by a tab)";
  }
  if (p.error.empty() && (p.a.empty() || p.b.empty())) p.error = "expected two paths";
  return p;
}

std::string one_line(std::string s) {
  for (char& c : s) {
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
  }
  return s;
}

// One path, ready to compare: a fingerprint enrolled for MCC, or a face
// template; `error` says why neither could be made.
struct Loaded {
  std::optional<EnrolledFinger> finger;
  std::optional<FaceTemplate> face;
  std::string error;
  bool ok() const { return finger || face; }
};

Loaded load_finger(const std::string& path, int dpi, const MccParams& mcc) {
  Loaded l;
  try {
    const FingerTemplate t = datasets::is_image_file(path)
                                 ? extract_finger(read_gray_image(path, dpi)).finger
                                 : sdk::load_template_file(path).views.at(0);
    l.finger = enroll_finger(t, mcc);
  } catch (const std::exception& e) {
    l.error = one_line(e.what());
  }
  return l;
}

// Images go through the face pipeline; other files must be face templates
// (`tunggal face -o`).
Loaded load_face(const std::string& path, const FaceExtractor* extractor) {
  Loaded l;
  try {
    if (datasets::is_image_file(path)) {
      if (extractor == nullptr) throw Error(ErrorCode::not_found, "no face models loaded");
      auto r = extractor->extract(read_color_image(path));
      if (!r.face) throw Error(ErrorCode::malformed_data, "no face found in the image");
      l.face = std::move(*r.face);
    } else {
      l.face = decode_face_template(read_file(path));
    }
  } catch (const std::exception& e) {
    l.error = one_line(path + ": " + e.what());
  }
  return l;
}

std::vector<std::string> read_lines(const std::string& path) {
  std::ifstream file;
  std::istream* in = &std::cin;
  if (path != "-") {
    file.open(path);
    if (!file) throw Error(ErrorCode::not_found, path + ": cannot open the pairs file");
    in = &file;
  }
  std::vector<std::string> lines;
  for (std::string line; std::getline(*in, line);) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    lines.push_back(std::move(line));
  }
  return lines;
}

}  // namespace

Runner add_match(CLI::App& app) {
  auto a = std::make_shared<MatchArgs>();
  auto* cmd = app.add_subcommand(
      "match", "Score pairs of fingerprints or faces: one line 'PATH_A PATH_B SCORE' per input line");
  cmd->add_option("--pairs", a->pairs, "File of lines 'PATH_A PATH_B' (images or templates); - reads stdin")
      ->required();
  cmd->add_option("--modality", a->modality, "What the paths hold")
      ->check(CLI::IsMember({"finger", "face"}))
      ->capture_default_str();
  cmd->add_flag("--raw", a->raw, "Print the raw similarity (0..1) instead of the calibrated score");
  cmd->add_option("--calibration", a->calibration,
                  "Calibration table from 'tunggal calibrate' (default: the one shipped with the engine)");
  cmd->add_option("--dpi", a->dpi, "Resolution of images given as paths")->capture_default_str();
  cmd->add_option("--models", a->models, "With --modality face: model description file");
  add_mcc_param_option(cmd, a->params);
  return [a] {
    const MccParams mcc = mcc_params_from(a->params);
    const bool face = a->modality == "face";
    const ScoreCalibration calibration =
        a->calibration.empty() ? (face ? default_face_calibration() : default_finger_calibration())
                               : ScoreCalibration::parse([&] {
                                   const auto bytes = read_file(a->calibration);
                                   return std::string(bytes.begin(), bytes.end());
                                 }());
    if (!a->params.empty() && !a->raw && a->calibration.empty())
      std::cerr << "tunggal match: warning: the shipped calibration was fitted with default MCC "
                   "parameters; with --param, pass --raw or a --calibration of your own\n";
    const auto lines = read_lines(a->pairs);
    std::vector<PairLine> pairs;
    std::map<std::string, std::size_t> index;  // path -> slot in `loaded`
    std::vector<std::string> paths;
    for (const auto& line : lines) {
      pairs.push_back(split_pair(line));
      if (!pairs.back().error.empty()) continue;
      for (const std::string* p : {&pairs.back().a, &pairs.back().b}) {
        if (index.emplace(*p, paths.size()).second) paths.push_back(*p);
      }
    }
    // Face models load only when an image needs them.
    std::optional<FaceExtractor> extractor;
    if (face && std::any_of(paths.begin(), paths.end(),
                            [](const std::string& p) { return datasets::is_image_file(p); })) {
      extractor.emplace(make_face_extractor(a->models));
    }
    std::vector<Loaded> loaded(paths.size());
    tbb::parallel_for(std::size_t{0}, paths.size(), [&](std::size_t i) {
      loaded[i] = face ? load_face(paths[i], extractor ? &*extractor : nullptr)
                       : load_finger(paths[i], a->dpi, mcc);
    });
    std::vector<std::string> pair_errors(pairs.size());
    std::vector<double> scores(pairs.size());
    tbb::parallel_for(std::size_t{0}, pairs.size(), [&](std::size_t i) {
      const PairLine& p = pairs[i];
      if (!p.error.empty()) return;
      const Loaded &x = loaded[index.at(p.a)], &y = loaded[index.at(p.b)];
      if (!x.ok() || !y.ok()) return;
      double raw = 0;
      try {
        raw = face ? compare_faces(*x.face, *y.face) : compare_fingers(*x.finger, *y.finger, mcc);
      } catch (const Error& e) {  // e.g. face templates of different models
        pair_errors[i] = one_line(e.what());
        return;
      }
      scores[i] = a->raw ? raw : calibration.calibrate(raw);
    });
    std::cout << std::fixed << std::setprecision(a->raw ? 6 : 2);
    int errors = 0;
    for (std::size_t i = 0; i < pairs.size(); ++i) {
      const PairLine& p = pairs[i];
      std::string error = p.error;
      if (error.empty()) {
        const Loaded &x = loaded[index.at(p.a)], &y = loaded[index.at(p.b)];
        if (!x.ok()) error = x.error;
        else if (!y.ok()) error = y.error;
        else error = pair_errors[i];
      }
      if (error.empty()) {
        std::cout << p.a << ' ' << p.b << ' ' << scores[i] << '\n';
      } else {
        ++errors;
        std::cout << (p.a.empty() ? "-" : p.a) << ' ' << (p.b.empty() ? "-" : p.b) << " ERROR "
                  << error << '\n';
      }
    }
    std::cout.flush();
    if (errors > 0) std::cerr << "tunggal match: " << errors << " of " << pairs.size() << " pairs not scored\n";
    return 0;
  };
}

Runner add_calibrate(CLI::App& app) {
  struct Args {
    std::vector<std::string> inputs;
    std::string out, name = "mcc-lssr", cpp;
    double tail_from = 20;
  };
  auto a = std::make_shared<Args>();
  auto* cmd = app.add_subcommand(
      "calibrate", "Fit a score calibration table (score = -10 log10 FMR) to the impostor scores "
                   "in scores.csv files written by 'tunggal eval --out'");
  cmd->add_option("scores", a->inputs, "scores.csv files")->required()->check(CLI::ExistingFile);
  cmd->add_option("--name", a->name, "Table name (matcher and version)")->capture_default_str();
  cmd->add_option("--out", a->out, "Write the table here (default: stdout)");
  cmd->add_option("--cpp", a->cpp, "Also write the table as a C++ string literal (engine source)");
  cmd->add_option("--tail-from", a->tail_from, "Fit the extrapolated tail on measured scores from here")
      ->capture_default_str();
  return [a] {
    std::vector<double> impostor;
    std::string source;
    for (const auto& path : a->inputs) {
      std::ifstream in(path);
      if (!in) throw Error(ErrorCode::not_found, path + ": cannot open");
      std::string line;
      std::getline(in, line);
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (line != "a,b,kind,score") throw Error(ErrorCode::malformed_data, path + ": not a tunggal eval scores.csv");
      std::size_t n = 0, row = 1;
      while (std::getline(in, line)) {
        ++row;
        const std::string where = path + ", line " + std::to_string(row);
        const auto f = split_csv_line(line, where);
        if (f.size() != 4) throw Error(ErrorCode::malformed_data, where + ": expected a,b,kind,score");
        if (f[2] != "impostor") continue;
        impostor.push_back(parse_number(f[3], where + ", score"));
        ++n;
      }
      source += (source.empty() ? "" : "; ") + path + " (" + std::to_string(n) + ")";
    }
    CalibrationFitParams fp;
    fp.tail_from = a->tail_from;
    const auto table = ScoreCalibration::fit(a->name, std::to_string(impostor.size()) + " impostor scores: " + source,
                                             impostor, fp);
    const std::string text = table.to_text();
    if (a->out.empty()) {
      std::cout << text;
    } else {
      sdk::write_file_durably(a->out, std::vector<std::uint8_t>(text.begin(), text.end()));
    }
    if (!a->cpp.empty()) {
      const std::string cpp = "// Generated by `tunggal calibrate`; do not edit.\nR\"TABLE(" + text + ")TABLE\"\n";
      sdk::write_file_durably(a->cpp, std::vector<std::uint8_t>(cpp.begin(), cpp.end()));
    }
    std::cerr << "fitted " << impostor.size() << " impostor scores; score 30 (FMR 1e-3) at raw "
              << table.raw_for(30) << ", 40 (FMR 1e-4) at raw " << table.raw_for(40) << "\n";
    return 0;
  };
}

}  // namespace tunggal::cli
