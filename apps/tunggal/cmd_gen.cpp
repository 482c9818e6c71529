// `tunggal gen`: a synthetic population with planted duplicates (records,
// truth.csv, manifest.json), or an FVC-style set of synthetic finger images
// with ground-truth minutiae.
#include <iostream>

#include "commands.h"
#include "progress.h"
#include "tunggal/datasets/population.h"
#include "tunggal/error.h"

namespace tunggal::cli {
namespace {

struct GenArgs {
  std::size_t people = 0, probes = 0;
  std::uint64_t seed = 1;
  std::string out;
  bool images = false, overwrite = false;
  double duplicates = 0.1;
  int threads = 0, fvc = 0, impressions = 8;
  std::string conditions = "fvc2002";
  std::string sheet;
};

}  // namespace

Runner add_gen(CLI::App& app) {
  auto a = std::make_shared<GenArgs>();
  auto* cmd = app.add_subcommand(
      "gen",
      "Generate a synthetic population (SFinGe-style fingers, synthetic face embeddings, "
      "Indonesian civil-registry demographics) with planted duplicates and ground truth");
  cmd->add_option("--people", a->people, "Enrolled people (one gallery record each)");
  cmd->add_option("--seed", a->seed, "Seed: the same seed gives byte-identical output")
      ->capture_default_str();
  cmd->add_option("--out", a->out, "Output folder (not needed with --sheet)");
  cmd->add_option(
      "--sheet", a->sheet,
      "Instead: write a PNG showing a master (minutiae marked) beside 4 of its impressions");
  cmd->add_flag("--images", a->images,
                "Also render finger images (PNG) with ground-truth minutiae");
  cmd->add_option("--duplicates", a->duplicates,
                  "Share of applicants (probes) who are enrolled people under a new identity")
      ->check(CLI::Range(0.0, 1.0))
      ->capture_default_str();
  cmd->add_option("--probes", a->probes, "New applicants (default: people / 10)");
  cmd->add_option("--threads", a->threads, "Worker threads (default: all cores)")
      ->check(CLI::Range(0, 1024));
  cmd->add_option("--fvc", a->fvc, "Instead: an FVC-style set of this many synthetic fingers")
      ->check(CLI::Range(1, 100000));
  cmd->add_option("--conditions", a->conditions,
                  "With --fvc: 'fvc2002' (the default impression parameters, FVC2002's placement), "
                  "'desk' (an enrolment desk, as populations are captured), 'hard' (strong plastic "
                  "distortion, soaked to parched skin, partial contact, 45-degree rotation), or one of "
                  "those alone: 'distortion', 'dry', 'wet', 'partial', 'rotation'")
      ->check(CLI::IsMember(datasets::impression_condition_names()))
      ->capture_default_str();
  cmd->add_option("--impressions", a->impressions, "Impressions per finger with --fvc")
      ->check(CLI::Range(1, 100))
      ->capture_default_str();
  cmd->add_flag("--overwrite", a->overwrite,
                "Write into an output folder that already holds records");
  return [a] {
    if (!a->sheet.empty()) {
      datasets::write_contact_sheet(a->seed, 4, a->sheet);
      std::cout << "wrote " << a->sheet << "\n";
      return 0;
    }
    if (a->out.empty()) throw Error(ErrorCode::invalid_argument, "--out DIR is required");
    const std::filesystem::path out = a->out;
    if (!a->overwrite &&
        (std::filesystem::exists(out / "records") || std::filesystem::exists(out / "truth"))) {
      throw Error(
          ErrorCode::invalid_argument,
          out.string() + " already holds generated data (use --overwrite or another --out)");
    }
    if (a->conditions != "fvc2002" && a->fvc == 0)
      throw Error(ErrorCode::invalid_argument, "--conditions applies to FVC-style sets (--fvc N) only");
    if (a->fvc > 0) {
      Progress bar("fingers");
      const auto s =
          datasets::write_fvc_set(a->seed, a->fvc, a->impressions, out, {},
                                  datasets::impression_conditions(a->conditions),
                                  a->threads,
                                  [&](std::size_t d, std::size_t t) { bar.update(d, t); });
      std::cout << "generated " << s.images << " images of " << s.fingers
                << " synthetic fingers in " << out.string() << " (ground truth in truth/) in "
                << s.seconds << " s: " << s.images / s.seconds << " images/s\n";
      return 0;
    }
    if (a->people == 0)
      throw Error(ErrorCode::invalid_argument, "--people N is required (or --fvc N)");
    datasets::PopulationParams p;
    p.seed = a->seed;
    p.people = a->people;
    p.probes = a->probes;
    p.duplicate_fraction = a->duplicates;
    p.images = a->images;
    Progress bar("records");
    const auto s = datasets::write_population(
        p, out, a->threads, [&](std::size_t d, std::size_t t) { bar.update(d, t); });
    std::cout << "generated " << s.records << " records (" << s.gallery << " gallery, " << s.probes
              << " probes of which " << s.duplicates << " planted duplicates), " << s.fingers
              << " fingers (" << s.missing_fingers << " missing), " << s.images << " images in "
              << out.string() << " in " << s.seconds << " s: " << s.records / s.seconds
              << " records/s, " << s.fingers / s.seconds << " fingers/s\n";
    return 0;
  };
}

}  // namespace tunggal::cli
