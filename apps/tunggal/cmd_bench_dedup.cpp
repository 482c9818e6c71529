// `tunggal bench dedup`: the 1:N benchmark on generated populations (ten
// fingers and a face per person, templates only; with --rendered the
// fingers are rendered and extracted with our extractor, the path the
// office takes), with the generator's planted duplicates as ground truth. For each gallery size: fingers alone,
// face alone and fused on the fast path, and fused exhaustively (the
// reference) up to --exhaustive-max. Last line, for tools:
//   persons=N fnir=X fpir=Y identifications_per_second=Z effective_fingers_per_second_per_core=W
#include <malloc.h>
#include <sys/resource.h>
#include <unistd.h>
#include <tbb/parallel_for.h>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <map>
#include <sstream>
#include <thread>

#include "commands.h"
#include "tunggal/datasets/fvc.h"
#include "tunggal/datasets/population.h"
#include "tunggal/error.h"
#include "tunggal/extraction.h"
#include "tunggal/image.h"
#include "tunggal/gallery.h"

namespace tunggal::cli {
namespace {

double now_s() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

long peak_rss_kb() {
  rusage u{};
  ::getrusage(RUSAGE_SELF, &u);
  return u.ru_maxrss;
}

// Resident memory now (peak RSS also counts enrolment's transient batches).
long rss_kb() {
  long pages = 0, resident = 0;
  if (std::FILE* f = std::fopen("/proc/self/statm", "r")) {
    if (std::fscanf(f, "%ld %ld", &pages, &resident) != 2) resident = 0;
    std::fclose(f);
  }
  return resident * (::sysconf(_SC_PAGESIZE) / 1024);
}

// Milliseconds per identification (one probe, all threads) against gallery
// size on log-log axes, one series per mode, with a slope-1 guide (time
// proportional to N) through the first point of the fused fast path.
void plot_time_vs_n(const std::map<std::string, std::vector<std::pair<double, double>>>& series,
                    const std::string& path) {
  double x0 = 1e300, x1 = 0, y0 = 1e300, y1 = 0;
  for (const auto& [name, pts] : series)
    for (const auto& [n, ms] : pts) {
      x0 = std::min(x0, std::log10(n)), x1 = std::max(x1, std::log10(n));
      y0 = std::min(y0, std::log10(ms)), y1 = std::max(y1, std::log10(ms));
    }
  if (x1 < x0) return;
  x0 = std::floor(x0), x1 = std::max(x0 + 1, std::ceil(x1)), y0 = std::floor(y0), y1 = std::max(y0 + 1, std::ceil(y1));
  const int w = 640, h = 480, m = 60;
  cv::Mat img(h, w, CV_8UC3, cv::Scalar(255, 255, 255));
  const auto px = [&](double n) { return m + static_cast<int>((std::log10(n) - x0) / (x1 - x0) * (w - 2 * m)); };
  const auto py = [&](double ms) { return h - m - static_cast<int>((std::log10(ms) - y0) / (y1 - y0) * (h - 2 * m)); };
  for (double e = x0; e <= x1; ++e) {
    cv::line(img, {px(std::pow(10, e)), m}, {px(std::pow(10, e)), h - m}, {220, 220, 220});
    cv::putText(img, "1e" + std::to_string(static_cast<int>(e)), {px(std::pow(10, e)) - 12, h - m + 18},
                cv::FONT_HERSHEY_SIMPLEX, 0.4, {0, 0, 0});
  }
  for (double e = y0; e <= y1; ++e) {
    cv::line(img, {m, py(std::pow(10, e))}, {w - m, py(std::pow(10, e))}, {220, 220, 220});
    cv::putText(img, "1e" + std::to_string(static_cast<int>(e)), {8, py(std::pow(10, e)) + 4},
                cv::FONT_HERSHEY_SIMPLEX, 0.4, {0, 0, 0});
  }
  const cv::Scalar colours[] = {{180, 60, 0}, {0, 140, 0}, {0, 0, 200}, {140, 0, 140}, {0, 120, 200}};
  int i = 0;
  for (const auto& [name, pts] : series) {
    const cv::Scalar c = colours[i % 5];
    for (std::size_t k = 0; k < pts.size(); ++k) {
      cv::circle(img, {px(pts[k].first), py(pts[k].second)}, 4, c, cv::FILLED);
      if (k > 0) cv::line(img, {px(pts[k - 1].first), py(pts[k - 1].second)}, {px(pts[k].first), py(pts[k].second)}, c, 2);
    }
    cv::putText(img, name, {m + 10, m + 16 + 18 * i}, cv::FONT_HERSHEY_SIMPLEX, 0.5, c);
    if (name == "fused" && !pts.empty()) {  // slope-1 guide
      const double n = pts.front().first, ms = pts.front().second;
      const double far = std::pow(10, x1);
      cv::line(img, {px(n), py(ms)}, {px(far), py(std::min(ms * far / n, std::pow(10, y1)))}, {160, 160, 160}, 1);
    }
    ++i;
  }
  cv::putText(img, "gallery persons", {w / 2 - 50, h - 15}, cv::FONT_HERSHEY_SIMPLEX, 0.5, {0, 0, 0});
  cv::putText(img, "ms per identification (grey: proportional to N)", {m, m - 25}, cv::FONT_HERSHEY_SIMPLEX, 0.5,
              {0, 0, 0});
  cv::imwrite(path, img);
}

struct RunResult {
  double fnir2 = 0, fnir3 = 0, fpir2 = 0, fpir3 = 0, penetration = 0, ids_per_s = 0, fingers_per_s_core = 0, entries = 0;
  double rank1 = 0;  // mated probes whose mate scored best of all matched
  std::size_t mated = 0, non_mated = 0;
};

// Real fingers for the realism check: each finger of each FVC folder is a
// one-finger "person" (impression 1, extracted with our extractor) at
// finger position 1 + (its index mod 10). Every other finger is enrolled;
// the impressions 2-8 of enrolled fingers are mated probes, those of the
// others non-mated ones. Truth comes from the FVC file names.
struct RealSet {
  std::vector<PersonRecord> gallery, probes;
  std::map<std::string, std::string> mate;
};

RealSet load_real(const std::vector<std::string>& folders) {
  RealSet set;
  struct Item {
    std::string id;
    int position;
    bool enrolled, probe;
    std::filesystem::path path;
  };
  std::vector<Item> items;
  for (std::size_t k = 0; k < folders.size(); ++k) {
    const auto ds = datasets::scan_fvc_folder(folders[k]);
    std::map<int, int> finger_index;
    for (const auto& smp : ds.images) finger_index.emplace(smp.finger, static_cast<int>(finger_index.size()));
    for (const auto& smp : ds.images) {
      const int j = finger_index[smp.finger];
      const std::string person = "FVC" + std::to_string(k) + "_" + std::to_string(smp.finger);
      Item it{person, 1 + j % 10, j % 2 == 0, smp.impression != 1, smp.path};
      if (it.probe) it.id = person + "_" + std::to_string(smp.impression);
      if (it.probe || it.enrolled) items.push_back(it);
    }
  }
  std::vector<GrayImage> images;
  for (const auto& it : items) images.push_back(read_gray_image(it.path));
  const auto extracted = extract_fingers(images);
  for (std::size_t i = 0; i < items.size(); ++i) {
    PersonRecord r;
    r.id = items[i].id;
    r.fingers.push_back(extracted[i].finger);
    r.fingers.back().position = static_cast<FingerPosition>(items[i].position);
    if (!items[i].probe) {
      set.gallery.push_back(std::move(r));
      continue;
    }
    if (items[i].enrolled) set.mate[r.id] = r.id.substr(0, r.id.rfind('_'));
    set.probes.push_back(std::move(r));
  }
  return set;
}

}  // namespace

Runner add_bench_dedup(CLI::App& bench) {
  struct Args {
    std::vector<std::size_t> persons{1000};
    std::size_t probes = 200, exhaustive_max = 10000;
    std::uint64_t seed = 77;
    IdentifyOptions search;
    FingerIndexParams index;
    bool fingers_exhaustive = false, rendered = false;
    int fingers = 10;
    std::string plot, gallery_dir;
    std::vector<std::string> real;
  };
  auto a = std::make_shared<Args>();
  auto* cmd = bench.add_subcommand("dedup", "1:N deduplication benchmark on generated populations");
  cmd->add_option("--persons", a->persons, "Gallery sizes")->delimiter(',')->capture_default_str();
  cmd->add_option("--probes", a->probes, "Applicants per size (half planted duplicates)")->capture_default_str();
  cmd->add_option("--exhaustive-max", a->exhaustive_max, "Largest gallery also searched exhaustively")
      ->capture_default_str();
  cmd->add_option("--seed", a->seed, "Population seed")->capture_default_str();
  cmd->add_option("--shortlist-min", a->search.shortlist_min, "People each index proposes at least")
      ->capture_default_str();
  cmd->add_option("--shortlist-share", a->search.shortlist_share, "Share of the gallery each index proposes")
      ->capture_default_str();
  cmd->add_option("--index-tables", a->index.tables, "Fingerprint index: hash tables (L)")->capture_default_str();
  cmd->add_option("--index-bits", a->index.bits_per_key, "Fingerprint index: bits per key (h)")
      ->capture_default_str();
  cmd->add_option("--index-stop-share", a->index.max_bucket_share,
                  "Fingerprint index: skip buckets holding more than this share of cylinders")
      ->capture_default_str();
  cmd->add_option("--plot", a->plot, "Write a PNG of time per identification against gallery size");
  cmd->add_option("--gallery-dir", a->gallery_dir,
                  "Enrol into durable galleries under this folder (one per size; replaced), snapshot them and "
                  "measure start-up from the snapshot; the searches then run on the reopened gallery");
  cmd->add_option("--real", a->real,
                  "FVC database folders whose fingers are mixed into every gallery as one-finger people "
                  "(realism check: real mates must still be found)");
  cmd->add_flag("--rendered", a->rendered,
               "Render every finger image (gallery and probes, enrolment-desk conditions) and extract it with our "
               "extractor instead of perturbing the generator's ground truth: the office's path, about 0.1 s of "
               "CPU per finger");
  cmd->add_option("--fingers", a->fingers, "Fingers per person (positions 1..N, right thumb first)")
      ->check(CLI::Range(1, 10))
      ->capture_default_str();
  cmd->add_flag("--fingers-exhaustive", a->fingers_exhaustive,
                "Also search fingers alone exhaustively (the fingerprint index's reference)");
  return [a] {
    const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
    RealSet real;
    if (!a->real.empty()) {
      real = load_real(a->real);
      std::cerr << "real fingers: " << real.gallery.size() << " enrolled, " << real.probes.size() << " probes ("
                << real.mate.size() << " mated)\n";
    }
    std::cout << "| persons | mode | FNIR @FPIR 1e-2 | FNIR @FPIR 1e-3 | FPIR @1e-2 | FPIR @1e-3 | penetration | index entries/probe | identifications/s | effective fingers/s/core |\n"
              << "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n";
    std::string last;
    std::ostringstream real_rows, startup_rows;
    std::map<std::string, std::vector<std::pair<double, double>>> series;
    for (const std::size_t n : a->persons) {
      ::malloc_trim(0);  // what the last size freed goes back to the system
      const long rss0 = rss_kb();
      datasets::PopulationParams p;
      p.seed = a->seed;
      p.people = n;
      p.probes = a->probes;
      p.duplicate_fraction = 0.5;
      p.fingers = a->fingers;
      p.images = a->rendered;
      const auto plan = datasets::plan_population(p);
      std::vector<PersonRecord> gallery, probes;
      std::map<std::string, std::string> mate;
      std::map<std::uint64_t, std::string> gallery_of;
      std::vector<PersonRecord> all(plan.records.size());
      const double gen0 = now_s();
      std::atomic<std::size_t> failed_extractions{0};
      tbb::parallel_for(std::size_t{0}, plan.records.size(), [&](std::size_t i) {
        auto g = datasets::generate_record(p, plan.records[i]);
        // Rendered: what our extractor reads from each image replaces the
        // perturbed ground truth (positions kept).
        for (std::size_t k = 0; k < g.images.size(); ++k) {
          const FingerPosition pos = g.record.fingers[k].position;
          g.record.fingers[k] = extract_finger(g.images[k]).finger;
          g.record.fingers[k].position = pos;
          failed_extractions += g.record.fingers[k].minutiae.empty();
        }
        all[i] = std::move(g.record);
      });
      if (a->rendered)
        std::cerr << "persons " << n << ": " << plan.records.size() << " records rendered and extracted in "
                  << std::fixed << std::setprecision(1) << now_s() - gen0 << " s (" << failed_extractions.load()
                  << " fingers with no minutiae)\n";
      for (std::size_t i = 0; i < plan.records.size(); ++i) {
        const auto& r = plan.records[i];
        if (!r.probe) gallery_of[r.person] = all[i].id;
      }
      for (std::size_t i = 0; i < plan.records.size(); ++i) {
        const auto& r = plan.records[i];
        if (r.probe) {
          if (gallery_of.count(r.person)) mate[all[i].id] = gallery_of[r.person];
          probes.push_back(std::move(all[i]));
        } else {
          gallery.push_back(std::move(all[i]));
        }
      }
      gallery.insert(gallery.end(), real.gallery.begin(), real.gallery.end());
      const long peak0 = peak_rss_kb();
      const double t0 = now_s();
      std::unique_ptr<Gallery> g;
      std::filesystem::path dir;
      if (a->gallery_dir.empty()) {
        g = std::make_unique<Gallery>(MccParams{}, a->index);
        g->insert(std::span<const PersonRecord>(gallery));
      } else {
        dir = std::filesystem::path(a->gallery_dir) / ("persons_" + std::to_string(n));
        std::filesystem::remove_all(dir);
        g = Gallery::open(dir, nullptr, MccParams{}, a->index);
        constexpr std::size_t kBatch = 4096;  // one fsync per batch (group commit)
        for (std::size_t from = 0; from < gallery.size(); from += kBatch)
          g->insert(std::span<const PersonRecord>(gallery).subspan(from, std::min(kBatch, gallery.size() - from)));
      }
      const double enrol_s = now_s() - t0;
      const std::size_t people = gallery.size();
      double fingers_per_person = 0;
      for (const auto& r : gallery) fingers_per_person += static_cast<double>(r.fingers.size());
      fingers_per_person /= static_cast<double>(std::max<std::size_t>(1, people));
      gallery = {};  // the records are in the gallery now
      ::malloc_trim(0);
      const double kib_per_person = static_cast<double>(rss_kb() - rss0) / static_cast<double>(people);
      const double peak_kib_per_person = static_cast<double>(peak_rss_kb() - peak0) / static_cast<double>(people);
      std::cerr << "persons " << n << ": enrolled in " << std::fixed << std::setprecision(1) << enrol_s << " s ("
                << std::setprecision(0) << kib_per_person << " KiB per person resident after enrolment, "
                << peak_kib_per_person << " KiB peak RSS growth while enrolling)\n";
      if (!dir.empty()) {
        const auto snap = g->snapshot();
        g.reset();
        GalleryOpenReport open;
        g = Gallery::open(dir, &open, MccParams{}, a->index);
        if (open.records != people || open.snapshot_records != people)
          throw Error(ErrorCode::internal, "bench: the reopened gallery holds " + std::to_string(open.records) +
                                               " people, " + std::to_string(open.snapshot_records) + " from the snapshot");
        startup_rows << std::fixed << "| " << n << " | " << std::setprecision(1) << enrol_s << " | "
                     << std::setprecision(2) << snap.seconds << " | " << std::setprecision(0)
                     << static_cast<double>(snap.bytes) / (1 << 20) << " | " << std::setprecision(1)
                     << static_cast<double>(snap.bytes) / static_cast<double>(people) / 1024 << " | "
                     << std::setprecision(2) << open.seconds << " | " << std::setprecision(0)
                     << static_cast<double>(people) / open.seconds << " |\n";
      }
      const auto run = [&](const std::vector<PersonRecord>& set, const std::map<std::string, std::string>& truth,
                           bool fingers, bool face, bool exhaustive) {
        IdentifyOptions o = a->search;
        o.use_fingers = fingers;
        o.use_face = face;
        o.exhaustive = exhaustive;
        o.target_fpir = 1e-2;  // candidates down to the 1e-2 threshold; 1e-3 filtered below
        o.max_results = 1000;
        const double t = now_s();
        const auto d = g->identify(set, o);
        const double secs = now_s() - t;
        const double t3 = duplicate_threshold(1e-3, g->count());
        std::size_t miss2 = 0, miss3 = 0, fp2 = 0, fp3 = 0, matched = 0, searched = 0, entries = 0, rank1 = 0;
        RunResult r;
        for (std::size_t i = 0; i < set.size(); ++i) {
          matched += d[i].matched;
          searched += d[i].searched;
          entries += d[i].index_entries;
          const auto m = truth.find(set[i].id);
          if (m != truth.end()) {
            ++r.mated;
            const auto c = std::find_if(d[i].candidates.begin(), d[i].candidates.end(),
                                        [&](const Candidate& x) { return x.ref == m->second; });
            miss2 += c == d[i].candidates.end();
            miss3 += c == d[i].candidates.end() || c->score < t3;
            rank1 += d[i].best && d[i].best->ref == m->second;
          } else {
            ++r.non_mated;
            fp2 += !d[i].candidates.empty();
            fp3 += !d[i].candidates.empty() && d[i].candidates.front().score >= t3;
          }
        }
        const auto rate = [](std::size_t k, std::size_t of) { return of ? static_cast<double>(k) / static_cast<double>(of) : 0.0; };
        r.fnir2 = rate(miss2, r.mated);
        r.fnir3 = rate(miss3, r.mated);
        r.fpir2 = rate(fp2, r.non_mated);
        r.fpir3 = rate(fp3, r.non_mated);
        r.rank1 = rate(rank1, r.mated);
        r.penetration = rate(matched, searched);
        r.ids_per_s = static_cast<double>(set.size()) / secs;
        r.entries = static_cast<double>(entries) / static_cast<double>(set.size());
        r.fingers_per_s_core = r.ids_per_s * static_cast<double>(g->count()) * fingers_per_person / cores;
        return r;
      };
      struct Mode {
        const char* name;
        bool fingers, face, exhaustive;
      };
      std::vector<Mode> modes{{"fingers", true, false, false}, {"face", false, true, false}, {"fused", true, true, false}};
      if (n <= a->exhaustive_max) {
        if (a->fingers_exhaustive) modes.push_back({"fingers, exhaustive", true, false, true});
        modes.push_back({"fused, exhaustive", true, true, true});
      }
      for (const auto& m : modes) {
        const RunResult r = run(probes, mate, m.fingers, m.face, m.exhaustive);
        series[m.name].emplace_back(static_cast<double>(n), 1000.0 / r.ids_per_s);
        std::cout << std::fixed << "| " << n << " | " << m.name << " | " << std::setprecision(4) << r.fnir2 << " | "
                  << r.fnir3 << " | " << r.fpir2 << " | " << r.fpir3 << " | " << std::setprecision(3) << r.penetration
                  << " | " << std::setprecision(0) << r.entries << " | " << std::setprecision(1) << r.ids_per_s << " | " << std::setprecision(0)
                  << r.fingers_per_s_core << " |" << std::endl;  // flushed: a long run keeps what it measured
        if (std::string(m.name) == "fused") {
          std::ostringstream l;
          l << std::setprecision(6) << "persons=" << n << " fnir=" << r.fnir3 << " fpir=" << r.fpir3
            << " identifications_per_second=" << r.ids_per_s
            << " effective_fingers_per_second_per_core=" << static_cast<long long>(r.fingers_per_s_core);
          last = l.str();
        }
      }
      if (!real.probes.empty()) {
        for (const bool exhaustive : {false, true}) {
          if (exhaustive && n > a->exhaustive_max) continue;
          const RunResult r = run(real.probes, real.mate, true, false, exhaustive);
          real_rows << std::fixed << "| " << n << " | " << (exhaustive ? "exhaustive" : "fast") << " | " << r.mated
                    << " | " << r.non_mated << " | " << std::setprecision(4) << r.rank1 << " | " << r.fnir2 << " | "
                    << r.fnir3 << " | " << r.fpir2 << " | " << r.fpir3 << " | " << std::setprecision(4)
                    << r.penetration << " |\n";
        }
      }
    }
    if (!real_rows.str().empty()) {
      std::cout << "\nReal FVC fingers mixed in (one finger per person, fingers only):\n"
                << "| persons | search | mated probes | non-mated | rank-1 | FNIR @FPIR 1e-2 | FNIR @FPIR 1e-3 | FPIR @1e-2 | FPIR @1e-3 | penetration |\n"
                << "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n"
                << real_rows.str();
    }
    if (!startup_rows.str().empty()) {
      std::cout << "\nDurable galleries (write-ahead log, then a snapshot; start-up from the snapshot, page cache warm):\n"
                << "| persons | enrol + log s | snapshot write s | snapshot MiB | KiB/person on disk | start-up s | people/s at start-up |\n"
                << "| --- | --- | --- | --- | --- | --- | --- |\n"
                << startup_rows.str();
    }
    if (!a->plot.empty()) plot_time_vs_n(series, a->plot);
    std::cout << last << "\n";
    return 0;
  };
}

}  // namespace tunggal::cli
