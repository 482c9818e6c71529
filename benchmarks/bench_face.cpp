// Face pipeline speed, single thread: ms per image for detection, landmarks,
// alignment and embedding (from the pipeline's own cost counters), over the
// shared AT&T faces. Needs the face models (scripts/setup) and ../shared.
#include <benchmark/benchmark.h>
#include <tbb/global_control.h>

#include <filesystem>
#include <iostream>
#include <opencv2/core/utility.hpp>

#include "tunggal/face.h"

namespace {

std::vector<tunggal::ColorImage> load_faces() {
  const auto root = std::filesystem::path(TUNGGAL_SOURCE_DIR) / ".." / "shared" / "data" / "att_faces";
  std::vector<tunggal::ColorImage> images;
  for (int p = 1; p <= 20; ++p)
    for (int n = 1; n <= 10; n += 3) {
      std::string person = "s";  // (GCC 12 warns falsely on "s" + std::to_string)
      person += std::to_string(p);
      images.push_back(tunggal::read_color_image(root / person / (std::to_string(n) + ".pgm")));
    }
  return images;
}

void BM_FacePipeline(benchmark::State& state) {
  static const auto images = load_faces();
  static const tunggal::FaceExtractor extractor(tunggal::FaceModelSet::load(tunggal::default_face_model_file()));
  tunggal::FaceTimings sum;
  std::size_t i = 0, n = 0;
  for (auto _ : state) {
    const auto r = extractor.extract(images[i++ % images.size()]);
    sum.detect += r.timings.detect;
    sum.landmarks += r.timings.landmarks;
    sum.align += r.timings.align;
    sum.embed += r.timings.embed;
    ++n;
    benchmark::DoNotOptimize(r.face);
  }
  const double k = static_cast<double>(std::max<std::size_t>(1, n));
  state.counters["detect_ms"] = sum.detect / k;
  state.counters["landmarks_ms"] = sum.landmarks / k;
  state.counters["align_ms"] = sum.align / k;
  state.counters["embed_ms"] = sum.embed / k;
}
BENCHMARK(BM_FacePipeline)->Unit(benchmark::kMillisecond)->MinTime(2.0);

}  // namespace

int main(int argc, char** argv) {
  // One thread: OpenCV's own parallelism and TBB both held to one core.
  tbb::global_control one(tbb::global_control::max_allowed_parallelism, 1);
  cv::setNumThreads(1);
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  return 0;
}
