// `tunggal bench match`: comparison throughput of pre-enrolled templates,
// single thread and all threads, medians of several runs, with the scalar
// kernel and the reference comparison measured in the same run. Its last line is the interface others
// read:
//   comparisons_per_second_per_core=N threads=T comparisons_per_second_all_threads=M
#include <tbb/enumerable_thread_specific.h>
#include <tbb/global_control.h>
#include <tbb/parallel_for.h>

#include <algorithm>
#include <chrono>
#include <iostream>
#include <thread>

#include "commands.h"
#include "mcc_options.h"
#include "tunggal/comparison.h"
#include "tunggal/datasets/fvc.h"
#include "tunggal/datasets/synthetic_finger.h"
#include "tunggal/extraction.h"
#include "tunggal/sdk.h"

namespace tunggal::cli {
namespace {

struct BenchArgs {
  std::string folder, templates;
  int fingers = 200, runs = 5, threads = 0;
  double seconds = 1.0;
  std::vector<std::string> params;
};

// Comparisons per second over all ordered pairs of `gallery`, repeated for at
// least `seconds`, on `threads` threads.
using Comparator = double (*)(const EnrolledFinger&, const EnrolledFinger&, const MccParams&);

double throughput(const std::vector<EnrolledFinger>& g, int threads, double seconds, const MccParams& p = {},
                  Comparator compare = &compare_fingers) {
  tbb::global_control limit(tbb::global_control::max_allowed_parallelism, static_cast<std::size_t>(threads));
  const std::size_t n = g.size();
  std::size_t done = 0;
  double sink = 0;
  const auto t0 = std::chrono::steady_clock::now();
  double elapsed = 0;
  while (elapsed < seconds) {
    tbb::enumerable_thread_specific<double> local(0.0);
    tbb::parallel_for(std::size_t{0}, n, [&](std::size_t i) {
      double s = 0;
      for (std::size_t j = 0; j < n; ++j) s += compare(g[i], g[j], p);
      local.local() += s;
    });
    for (double v : local) sink += v;
    done += n * n;
    elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  }
  if (sink < 0) std::cerr << "";  // keeps the scores observable
  return static_cast<double>(done) / elapsed;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

Runner add_bench(CLI::App& app) {
  auto a = std::make_shared<BenchArgs>();
  auto* bench = app.add_subcommand("bench", "Measure speed");
  bench->require_subcommand(1);
  auto* cmd = bench->add_subcommand("match", "Comparison throughput of pre-enrolled templates (MCC)");
  cmd->add_option("--folder", a->folder, "FVC-layout folder of images (extracted) or templates (default: synthetic)");
  cmd->add_option("--templates", a->templates, "With --folder: use templates with this extension");
  cmd->add_option("--fingers", a->fingers, "Synthetic fingers when no folder is given")->capture_default_str();
  cmd->add_option("--runs", a->runs, "Runs per measurement (the median is reported)")->capture_default_str();
  cmd->add_option("--seconds", a->seconds, "Minimum seconds per run")->capture_default_str();
  cmd->add_option("--threads", a->threads, "Threads for the all-threads figure (default: all cores)");
  add_mcc_param_option(cmd, a->params);
  Runner dedup = add_bench_dedup(*bench);
  auto* dedup_cmd = bench->get_subcommands({}).back();
  return [a, dedup, dedup_cmd] {
    if (dedup_cmd->parsed()) return dedup();
    const MccParams mcc = mcc_params_from(a->params);
    std::vector<FingerTemplate> templates;
    std::string source;
    if (!a->folder.empty()) {
      const auto ds = datasets::scan_fvc_folder(a->folder, a->templates);
      if (!a->templates.empty()) {
        for (const auto& s : ds.templates) templates.push_back(sdk::load_template_file(s.path).views.at(0));
      } else {
        for (const auto& s : ds.images) templates.push_back(extract_finger(read_gray_image(s.path)).finger);
      }
      source = a->folder;
    } else {
      for (int f = 0; f < a->fingers; ++f) {
        const auto m = datasets::generate_master(static_cast<std::uint64_t>(7000 + f), {}, false);
        templates.push_back(datasets::make_impression(m, static_cast<std::uint64_t>(f), {}, false).observed);
      }
      source = "synthetic template-only fingers";
    }
    if (templates.size() < 2) throw Error(ErrorCode::not_found, "bench match: fewer than two templates");
    std::vector<EnrolledFinger> gallery;
    double cylinders = 0;
    for (const auto& t : templates) {
      gallery.push_back(enroll_finger(t, mcc));
      cylinders += static_cast<double>(gallery.back().size());
    }
    const int threads = a->threads > 0 ? a->threads : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    // Every kernel this CPU has, on one core, in the same run: the scalar
    // reference is the baseline the ratio is taken against.
    std::vector<SimdLevel> levels;
    for (const SimdLevel l : {SimdLevel::scalar, SimdLevel::sse42, SimdLevel::avx2, SimdLevel::avx512}) {
      if (usable_simd_level(l) == l) levels.push_back(l);
    }
    std::vector<std::vector<double>> per_kernel(levels.size());
    std::vector<double> one, all, plain;
    for (int r = 0; r < a->runs; ++r) {
      one.push_back(throughput(gallery, 1, a->seconds, mcc));
      plain.push_back(throughput(gallery, 1, a->seconds, mcc, &compare_fingers_reference));
      all.push_back(throughput(gallery, threads, a->seconds, mcc));
      for (std::size_t k = 0; k < levels.size(); ++k) {
        MccParams kernel = mcc;
        kernel.simd = levels[k];
        per_kernel[k].push_back(throughput(gallery, 1, a->seconds, kernel));
      }
    }
    std::cout << "templates: " << gallery.size() << " from " << source << ", mean valid cylinders "
              << cylinders / static_cast<double>(gallery.size()) << "; medians of " << a->runs << " runs\n";
    const double reference = median(per_kernel.front());
    for (std::size_t k = 0; k < levels.size(); ++k) {
      const double m = median(per_kernel[k]);
      std::cout << "kernel " << to_string(levels[k]) << ": " << static_cast<long long>(m)
                << " comparisons/s on one core (ratio to scalar reference " << m / reference << ")\n";
    }
    std::cout << "reference comparison (compare_fingers_reference, the same scores): "
              << static_cast<long long>(median(plain)) << " comparisons/s on one core; optimised / reference "
              << median(one) / median(plain) << "\n";
    std::cout << "default dispatch (" << to_string(usable_simd_level(MccParams{}.simd)) << "): "
              << static_cast<long long>(median(one)) << " comparisons/s on one core, "
              << static_cast<long long>(median(all)) << " on " << threads << " threads\n";
    std::cout << "comparisons_per_second_per_core=" << static_cast<long long>(median(one)) << " threads=" << threads
              << " comparisons_per_second_all_threads=" << static_cast<long long>(median(all)) << "\n";
    return 0;
  };
}

}  // namespace tunggal::cli
