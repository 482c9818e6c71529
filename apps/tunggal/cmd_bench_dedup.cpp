// `tunggal bench dedup`: the 1:N benchmark on generated populations (ten
// fingers and a face per person, templates only), with the generator's
// planted duplicates as ground truth. For each gallery size: fingers alone,
// face alone and fused on the fast path, and fused exhaustively (the
// reference) up to --exhaustive-max. Last line, for tools:
//   persons=N fnir=X fpir=Y identifications_per_second=Z effective_fingers_per_second_per_core=W
#include <sys/resource.h>
#include <tbb/parallel_for.h>

#include <algorithm>
#include <chrono>
#include <iomanip>
#include <iostream>
#include <map>
#include <sstream>
#include <thread>

#include "commands.h"
#include "tunggal/datasets/population.h"
#include "tunggal/gallery.h"

namespace tunggal::cli {
namespace {

double now_s() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

long rss_kb() {
  rusage u{};
  ::getrusage(RUSAGE_SELF, &u);
  return u.ru_maxrss;
}

struct RunResult {
  double fnir2 = 0, fnir3 = 0, fpir2 = 0, fpir3 = 0, penetration = 0, ids_per_s = 0, fingers_per_s_core = 0, entries = 0;
};

}  // namespace

Runner add_bench_dedup(CLI::App& bench) {
  struct Args {
    std::vector<std::size_t> persons{1000};
    std::size_t probes = 200, exhaustive_max = 10000;
    std::uint64_t seed = 77;
    IdentifyOptions search;
    FingerIndexParams index;
    bool fingers_exhaustive = false;
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
  cmd->add_flag("--fingers-exhaustive", a->fingers_exhaustive,
                "Also search fingers alone exhaustively (the fingerprint index's reference)");
  return [a] {
    const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
    std::cout << "| persons | mode | FNIR @FPIR 1e-2 | FNIR @FPIR 1e-3 | FPIR @1e-2 | FPIR @1e-3 | penetration | index entries/probe | identifications/s | effective fingers/s/core |\n"
              << "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n";
    std::string last;
    for (const std::size_t n : a->persons) {
      datasets::PopulationParams p;
      p.seed = a->seed;
      p.people = n;
      p.probes = a->probes;
      p.duplicate_fraction = 0.5;
      const auto plan = datasets::plan_population(p);
      std::vector<PersonRecord> gallery, probes;
      std::map<std::string, std::string> mate;
      std::map<std::uint64_t, std::string> gallery_of;
      std::vector<PersonRecord> all(plan.records.size());
      tbb::parallel_for(std::size_t{0}, plan.records.size(),
                        [&](std::size_t i) { all[i] = datasets::generate_record(p, plan.records[i]).record; });
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
      const long rss0 = rss_kb();
      const double t0 = now_s();
      Gallery g(MccParams{}, a->index);
      g.insert(std::span<const PersonRecord>(gallery));
      const double startup = now_s() - t0;
      const double kb_per_person = static_cast<double>(rss_kb() - rss0) / static_cast<double>(n);
      double fingers_per_person = 0;
      for (const auto& r : gallery) fingers_per_person += static_cast<double>(r.fingers.size());
      fingers_per_person /= static_cast<double>(std::max<std::size_t>(1, n));
      std::cerr << "persons " << n << ": enrolled in " << std::fixed << std::setprecision(1) << startup
                << " s (" << std::setprecision(0) << kb_per_person << " KiB per person, peak RSS growth)\n";
      const auto run = [&](bool fingers, bool face, bool exhaustive) {
        IdentifyOptions o = a->search;
        o.use_fingers = fingers;
        o.use_face = face;
        o.exhaustive = exhaustive;
        o.target_fpir = 1e-2;  // candidates down to the 1e-2 threshold; 1e-3 filtered below
        o.max_results = 1000;
        const double t = now_s();
        const auto d = g.identify(probes, o);
        const double secs = now_s() - t;
        const double t3 = duplicate_threshold(1e-3, n);
        std::size_t mated = 0, miss2 = 0, miss3 = 0, non = 0, fp2 = 0, fp3 = 0, matched = 0, entries = 0;
        for (std::size_t i = 0; i < probes.size(); ++i) {
          matched += d[i].matched;
          entries += d[i].index_entries;
          const auto m = mate.find(probes[i].id);
          if (m != mate.end()) {
            ++mated;
            const auto c = std::find_if(d[i].candidates.begin(), d[i].candidates.end(),
                                        [&](const Candidate& x) { return x.ref == m->second; });
            miss2 += c == d[i].candidates.end();
            miss3 += c == d[i].candidates.end() || c->score < t3;
          } else {
            ++non;
            fp2 += !d[i].candidates.empty();
            fp3 += !d[i].candidates.empty() && d[i].candidates.front().score >= t3;
          }
        }
        RunResult r;
        const auto rate = [](std::size_t k, std::size_t of) { return of ? static_cast<double>(k) / static_cast<double>(of) : 0.0; };
        r.fnir2 = rate(miss2, mated);
        r.fnir3 = rate(miss3, mated);
        r.fpir2 = rate(fp2, non);
        r.fpir3 = rate(fp3, non);
        r.penetration = static_cast<double>(matched) / static_cast<double>(probes.size() * n);
        r.ids_per_s = static_cast<double>(probes.size()) / secs;
        r.entries = static_cast<double>(entries) / static_cast<double>(probes.size());
        r.fingers_per_s_core = r.ids_per_s * static_cast<double>(n) * fingers_per_person / cores;
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
        const RunResult r = run(m.fingers, m.face, m.exhaustive);
        std::cout << std::fixed << "| " << n << " | " << m.name << " | " << std::setprecision(4) << r.fnir2 << " | "
                  << r.fnir3 << " | " << r.fpir2 << " | " << r.fpir3 << " | " << std::setprecision(3) << r.penetration
                  << " | " << std::setprecision(0) << r.entries << " | " << std::setprecision(1) << r.ids_per_s << " | " << std::setprecision(0)
                  << r.fingers_per_s_core << " |\n";
        if (std::string(m.name) == "fused") {
          std::ostringstream l;
          l << std::setprecision(6) << "persons=" << n << " fnir=" << r.fnir3 << " fpir=" << r.fpir3
            << " identifications_per_second=" << r.ids_per_s
            << " effective_fingers_per_second_per_core=" << static_cast<long long>(r.fingers_per_s_core);
          last = l.str();
        }
      }
    }
    std::cout << last << "\n";
    return 0;
  };
}

}  // namespace tunggal::cli
