// Speed of the template codecs and the CRC-32C kernel. Baselines in the same
// run: the scalar CRC reference beside the SSE4.2 kernel; ISO and native
// decoding of the same templates side by side (gallery loading speed).
#include <benchmark/benchmark.h>

#include <random>

#include "../engine/src/kernels/crc32c.h"
#include "tunggal/formats.h"

namespace {

using namespace tunggal;

std::vector<std::uint8_t> random_bytes(std::size_t n) {
  std::mt19937 rng(1);
  std::vector<std::uint8_t> b(n);
  for (auto& x : b) x = static_cast<std::uint8_t>(rng());
  return b;
}

void BM_Crc32c(benchmark::State& state) {
  const auto level = static_cast<SimdLevel>(state.range(0));
  if (usable_simd_level(level) != level) {
    state.SkipWithError("CPU lacks this SIMD level");
    return;
  }
  const auto data = random_bytes(static_cast<std::size_t>(state.range(1)));
  for (auto _ : state) benchmark::DoNotOptimize(kernels::crc32c(data, 0, level));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * state.range(1));
  state.SetLabel(std::string(to_string(level)));
}
BENCHMARK(BM_Crc32c)->ArgsProduct({{0, 1}, {512, 64 << 10}});

FingerTemplate typical_template() {
  std::mt19937 rng(2);
  FingerTemplate t;
  t.width = 400;
  t.height = 500;
  for (int i = 0; i < 45; ++i) {  // a typical rolled/plain print
    t.minutiae.push_back(
        {static_cast<std::uint16_t>(rng() % 400), static_cast<std::uint16_t>(rng() % 500),
         static_cast<float>(static_cast<double>(rng() % 256) * 6.283185307179586 / 256.0),
         static_cast<MinutiaType>(1 + rng() % 2), 60});
  }
  return t;
}

void BM_Decode(benchmark::State& state) {
  const auto format = static_cast<TemplateFormat>(state.range(0));
  const FingerTemplate t = typical_template();
  EncodeOptions eo;
  eo.xyt_convention = XytConvention::m1;  // .xyt carries no height; M1 needs none
  DecodeOptions dopt;
  dopt.xyt_convention = XytConvention::m1;
  const auto bytes = encode({&t, 1}, format, eo);
  for (auto _ : state) benchmark::DoNotOptimize(decode(bytes, format, dopt));
  state.SetItemsProcessed(state.iterations());
  state.SetLabel(std::string(to_string(format)));
}
BENCHMARK(BM_Decode)->DenseRange(0, 3);

void BM_Encode(benchmark::State& state) {
  const auto format = static_cast<TemplateFormat>(state.range(0));
  const FingerTemplate t = typical_template();
  for (auto _ : state) benchmark::DoNotOptimize(encode({&t, 1}, format));
  state.SetItemsProcessed(state.iterations());
  state.SetLabel(std::string(to_string(format)));
}
BENCHMARK(BM_Encode)->DenseRange(0, 3);

}  // namespace

BENCHMARK_MAIN();
