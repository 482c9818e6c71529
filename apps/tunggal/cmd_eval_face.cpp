// `tunggal eval --modality face`: accuracy of the face pipeline on a folder
// per person, with failures to enrol and detector fallbacks counted.
#include <algorithm>
#include <chrono>
#include <fstream>
#include <iomanip>
#include <iostream>

#include "commands.h"
#include "eval_common.h"
#include "tunggal/datasets/fvc.h"
#include "tunggal/error.h"
#include "tunggal/face.h"

namespace tunggal::cli {

int eval_faces(const FaceEvalArgs& a) {
  struct Sample {
    std::filesystem::path path;
    std::string person;
  };
  std::vector<Sample> samples;
  std::vector<std::filesystem::path> people;
  for (const auto& e : std::filesystem::directory_iterator(a.folder))
    if (e.is_directory()) people.push_back(e.path());
  std::sort(people.begin(), people.end());
  for (const auto& dir : people) {
    std::vector<std::filesystem::path> files;
    for (const auto& e : std::filesystem::directory_iterator(dir))
      if (e.is_regular_file() && datasets::is_image_file(e.path())) files.push_back(e.path());
    // Natural order: 2.pgm before 10.pgm.
    std::sort(files.begin(), files.end(), [](const auto& x, const auto& y) {
      const auto sx = x.stem().string(), sy = y.stem().string();
      return sx.size() != sy.size() ? sx.size() < sy.size() : sx < sy;
    });
    for (auto& f : files) samples.push_back({f, dir.filename().string()});
  }
  if (samples.size() < 2) throw Error(ErrorCode::not_found, a.folder + ": no face images in per-person folders");
  FaceParams params;
  params.mirror_embedding = a.mirror;
  const FaceExtractor extractor(FaceModelSet::load(a.models.empty() ? default_face_model_file() : std::filesystem::path(a.models)),
                                params);
  std::vector<ColorImage> images;
  for (const auto& s : samples) images.push_back(read_color_image(s.path));
  const auto t0 = std::chrono::steady_clock::now();
  const auto results = extractor.extract(images);
  const double extract_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::size_t fte = 0, fallback = 0, flagged = 0;
  for (const auto& r : results) {
    fte += !r.face;
    fallback += r.fallback;
    flagged += r.face && !r.issues.empty();
  }
  std::vector<double> genuine, impostor;
  std::vector<std::pair<std::size_t, std::size_t>> gp, ip;
  for (std::size_t i = 0; i < samples.size(); ++i) {
    for (std::size_t j = i + 1; j < samples.size(); ++j) {
      const bool same = samples[i].person == samples[j].person;
      if (!same && a.impostors == "first" &&
          (i == 0 || samples[i - 1].person == samples[i].person ||
           samples[j - 1].person == samples[j].person)) {
        continue;  // first images of each person only
      }
      // Failures to enrol score the lowest possible similarity (FVC practice).
      const double s = results[i].face && results[j].face ? compare_faces(*results[i].face, *results[j].face) : -1.0;
      (same ? genuine : impostor).push_back(s);
      (same ? gp : ip).emplace_back(i, j);
    }
  }
  const auto r = datasets::error_rates(genuine, impostor);
  auto pct = [](double v) { return 100.0 * v; };
  std::cout << std::fixed << std::setprecision(2) << a.folder << ": " << samples.size() << " face images of "
            << people.size() << " people (model " << extractor.models().id << "), " << genuine.size()
            << " genuine, " << impostor.size() << " impostor pairs (" << a.impostors << ")\n"
            << "  EER " << pct(r.eer) << "%  FMR100 " << pct(r.fmr100) << "%  FMR1000 " << pct(r.fmr1000)
            << "%  FMR10000 " << pct(r.fmr10000) << "%  ZeroFMR " << pct(r.zero_fmr) << "%  FTE " << fte << "\n"
            << "  detector found nothing (whole image used) on " << fallback << " of " << samples.size()
            << "; captures with a recapture reason: " << flagged << "\n"
            << "  extraction " << std::setprecision(1) << 1000.0 * extract_s / static_cast<double>(samples.size())
            << " ms per image (all threads)\n";
  print_calibration_check(default_face_calibration(), genuine, impostor);
  if (!a.out.empty()) {
    std::filesystem::create_directories(a.out);
    std::ostringstream scores;
    scores << "a,b,kind,score\n" << std::setprecision(17);
    const auto name = [&](std::size_t i) {
      return csv_field(samples[i].person + "/" + samples[i].path.filename().string());
    };
    for (std::size_t k = 0; k < gp.size(); ++k)
      scores << name(gp[k].first) << ',' << name(gp[k].second) << ",genuine," << genuine[k] << '\n';
    for (std::size_t k = 0; k < ip.size(); ++k)
      scores << name(ip[k].first) << ',' << name(ip[k].second) << ",impostor," << impostor[k] << '\n';
    write_text(std::filesystem::path(a.out) / "scores.csv", scores.str());
    Json summary;
    summary["folder"] = a.folder;
    summary["modality"] = "face";
    summary["model"] = extractor.models().id;
    summary["samples"] = samples.size();
    put_error_rates(summary, r);
    summary["failure_to_enrol"] = fte;
    summary["detector_fallback"] = fallback;
    write_text(std::filesystem::path(a.out) / "summary.json", summary.dump(2) + "\n");
    plot_det(datasets::det_curve(genuine, impostor), (std::filesystem::path(a.out) / "det.png").string());
    // Cosines span -1..1; the histogram shows 0..1 shifted to keep its axis.
    std::vector<double> g01, i01;
    for (double v : genuine) g01.push_back((v + 1) / 2);
    for (double v : impostor) i01.push_back((v + 1) / 2);
    plot_histograms(g01, i01, (std::filesystem::path(a.out) / "histogram.png").string());
    std::cout << "  wrote scores.csv, summary.json, det.png, histogram.png to " << a.out << "\n";
  }
  return 0;
}

}  // namespace tunggal::cli
