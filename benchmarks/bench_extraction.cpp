// Extraction speed, single thread: per database of the shared FVC2002 images
// (synthetic prints when the shared data is absent), and the Gabor pass that
// dominates enhancement and ridge growth, scalar reference vs AVX2 in the same
// run.
#include <benchmark/benchmark.h>

#include <filesystem>
#include <random>

#include "../engine/src/extraction/stages.h"
#include "../engine/src/kernels/gabor.h"
#include "tunggal/datasets/fvc.h"
#include "tunggal/datasets/synthetic_finger.h"
#include "tunggal/extraction.h"

namespace {

using namespace tunggal;

std::vector<GrayImage> load(const std::string& db) {
  std::vector<GrayImage> images;
  const std::filesystem::path dir =
      std::filesystem::path(TUNGGAL_SOURCE_DIR) / ".." / "shared" / "data" / "fvc2002" / db;
  if (std::filesystem::exists(dir)) {
    for (const auto& s : datasets::scan_fvc_folder(dir).images)
      images.push_back(read_gray_image(s.path));
  }
  return images;
}

void BM_Extract(benchmark::State& state, const std::string& db) {
  std::vector<GrayImage> images = db == "synthetic" ? std::vector<GrayImage>{} : load(db);
  if (db == "synthetic") {
    for (std::uint64_t f = 1; f <= 8; ++f) {
      images.push_back(datasets::make_impression(datasets::generate_master(f), f).image);
    }
  }
  if (images.empty()) {
    state.SkipWithError("shared data not found");
    return;
  }
  std::size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(extract_finger(images[i++ % images.size()]));
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK_CAPTURE(BM_Extract, fvc2002_db1, std::string("DB1_B"))->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Extract, fvc2002_db2, std::string("DB2_B"))->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Extract, fvc2002_db3, std::string("DB3_B"))->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Extract, fvc2002_db4, std::string("DB4_B"))->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Extract, synthetic, std::string("synthetic"))->Unit(benchmark::kMillisecond);

// Each stage alone on the FVC2002 DB2 images (the largest: 296x560), its
// inputs made once by the stages before it, so that a change to one stage is
// measured without the others' noise.
struct StageInputs {
  cv::Mat gray, theta, coherence, mask, period, enhanced;
  double ridge_share = 0;
};

const std::vector<StageInputs>& stage_inputs() {
  static const std::vector<StageInputs> inputs = [] {
    std::vector<StageInputs> v;
    const ExtractionParams p;
    for (const GrayImage& image : load("DB2_B")) {
      StageInputs s;
      double scale = 1;
      s.gray = extraction::to_500dpi(image, scale);
      extraction::orientation_field(s.gray, p.orientation_sigma, s.theta, s.coherence);
      s.mask = extraction::segment(s.gray, p, s.coherence);
      s.period = extraction::ridge_period(s.gray, s.mask, p, &s.ridge_share);
      s.enhanced = extraction::enhance(s.gray, s.theta, s.period, s.mask, p);
      v.push_back(std::move(s));
    }
    return v;
  }();
  return inputs;
}

template <class Stage>
void run_stage(benchmark::State& state, Stage stage) {
  const auto& inputs = stage_inputs();
  if (inputs.empty()) {
    state.SkipWithError("shared data not found");
    return;
  }
  std::size_t i = 0;
  for (auto _ : state) stage(inputs[i++ % inputs.size()]);
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}

void BM_StageOrientation(benchmark::State& state) {
  const ExtractionParams p;
  run_stage(state, [&](const StageInputs& s) {
    cv::Mat theta, coherence;
    extraction::orientation_field(s.gray, p.orientation_sigma, theta, coherence);
    benchmark::DoNotOptimize(theta.data);
  });
}
void BM_StageSegment(benchmark::State& state) {
  const ExtractionParams p;
  run_stage(state, [&](const StageInputs& s) { benchmark::DoNotOptimize(extraction::segment(s.gray, p, s.coherence).data); });
}
void BM_StagePeriod(benchmark::State& state) {
  const ExtractionParams p;
  run_stage(state, [&](const StageInputs& s) {
    double share = 0;
    benchmark::DoNotOptimize(extraction::ridge_period(s.gray, s.mask, p, &share).data);
  });
}
void BM_StageEnhance(benchmark::State& state) {
  const ExtractionParams p;
  run_stage(state, [&](const StageInputs& s) {
    benchmark::DoNotOptimize(extraction::enhance(s.gray, s.theta, s.period, s.mask, p).data);
  });
}
void BM_StageMinutiae(benchmark::State& state) {
  const ExtractionParams p;
  run_stage(state, [&](const StageInputs& s) {
    benchmark::DoNotOptimize(extraction::detect_minutiae(s.enhanced, s.mask, s.coherence, s.theta, p).size());
  });
}
void BM_StageQuality(benchmark::State& state) {
  const ExtractionParams p;
  run_stage(state, [&](const StageInputs& s) {
    std::vector<std::string> reasons;
    benchmark::DoNotOptimize(extraction::image_quality(s.mask, s.coherence, s.enhanced, s.period, s.ridge_share, p, reasons));
  });
}
BENCHMARK(BM_StageOrientation)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_StageSegment)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_StagePeriod)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_StageEnhance)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_StageMinutiae)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_StageQuality)->Unit(benchmark::kMillisecond);

void BM_GaborPass(benchmark::State& state) {
  using namespace kernels;
  const auto level = static_cast<SimdLevel>(state.range(0));
  if (usable_simd_level(level) != level) {
    state.SkipWithError("CPU lacks this SIMD level");
    return;
  }
  const int w = 300, h = 400;
  const int stride = w + 2 * kGaborRadius + (kGaborRow - kGaborSide);
  std::mt19937 rng(1);
  std::vector<std::int16_t> src(static_cast<std::size_t>(stride) * (h + 2 * kGaborRadius)),
      dst(src.size());
  for (auto& v : src) v = static_cast<std::int16_t>(static_cast<int>(rng() % 255) - 127);
  std::vector<std::uint16_t> index(static_cast<std::size_t>(w) * h);
  for (auto& v : index)
    v = static_cast<std::uint16_t>(rng() % (GaborBank::kOrientations * GaborBank::kPeriods));
  const GaborPass pass{src.data(), dst.data(), stride, w, index.data(), default_gabor_bank().taps(), 4};
  for (auto _ : state) {
    gabor_rows(pass, 0, h, level);
    benchmark::DoNotOptimize(dst.data());
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * w * h);
  state.SetLabel(std::string(to_string(level)));
}
BENCHMARK(BM_GaborPass)->Arg(0)->Arg(2)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
