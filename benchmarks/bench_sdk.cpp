// The SDK's own costs, against the engine calls they wrap, in the same run:
// a card rendered (PDF + 300-dpi PNG), a capture through libfprint's
// virtual reader (socket, NBIS minutiae check in libfprint, then our
// extraction) against extraction alone, and Session::verify against the
// engine's compare.
#include <benchmark/benchmark.h>

#include <filesystem>

#include "tunggal/calibration.h"
#include "tunggal/comparison.h"
#include "tunggal/sdk.h"

namespace {

using namespace tunggal;

const std::filesystem::path kData = std::filesystem::path(TUNGGAL_SOURCE_DIR) / ".." / "shared" / "data";

sdk::CardData card_data() {
  sdk::CardData d;
  d.provinsi = "JAWA BARAT";
  d.kabupaten_kota = "KOTA BANDUNG";
  d.nik = "3273012808900001";
  d.nama = "SITI RAHAYU";
  d.tempat_lahir = "BANDUNG";
  d.tanggal_lahir = "28-08-1990";
  d.jenis_kelamin = "PEREMPUAN";
  d.alamat = "JL. MERDEKA NO. 1";
  d.rt_rw = "001/002";
  d.kel_desa = "CIHAPIT";
  d.kecamatan = "BANDUNG WETAN";
  d.agama = "ISLAM";
  d.status_perkawinan = "KAWIN";
  d.pekerjaan = "GURU";
  d.tempat_terbit = "KOTA BANDUNG";
  d.tanggal_terbit = "01-12-2026";
  return d;
}

void BM_RenderCard(benchmark::State& state) {
  ColorImage photo;
  photo.width = 92, photo.height = 112;
  photo.rgb.resize(92 * 112 * 3);
  for (std::size_t i = 0; i < photo.rgb.size(); ++i) photo.rgb[i] = static_cast<std::uint8_t>(i * 13);
  const auto d = card_data();
  for (auto _ : state) benchmark::DoNotOptimize(sdk::render_card(d, photo));
  state.counters["cards_per_second"] = benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_RenderCard)->Unit(benchmark::kMillisecond);

GrayImage fvc(const char* name) { return read_gray_image(kData / "fvc2002" / "DB1_B" / name); }

void BM_ExtractOnly(benchmark::State& state) {
  if (!std::filesystem::exists(kData)) return state.SkipWithError("shared data not found");
  sdk::SessionConfig c;
  c.face = false;
  const sdk::Session s(c);
  const GrayImage img = fvc("101_1.tif");
  for (auto _ : state) benchmark::DoNotOptimize(s.extract_finger(img));
}
BENCHMARK(BM_ExtractOnly)->Unit(benchmark::kMillisecond);

void BM_CaptureVirtual(benchmark::State& state) {
  if (!std::filesystem::exists(kData)) return state.SkipWithError("shared data not found");
  sdk::SessionConfig c;
  c.face = false;
  const sdk::Session s(c);
  const GrayImage img = fvc("101_1.tif");
  // One reader, a touch per iteration (the script is refilled by batches).
  constexpr int kBatch = 64;
  for (auto _ : state) {
    state.PauseTiming();
    std::vector<sdk::VirtualTouch> script(kBatch, sdk::VirtualTouch::finger(img));
    auto reader = sdk::FingerprintReader::open_virtual(std::move(script));
    state.ResumeTiming();
    for (int i = 0; i < kBatch; ++i)
      benchmark::DoNotOptimize(sdk::capture_finger(s, reader, FingerPosition::right_index, std::chrono::seconds(20)));
    state.PauseTiming();
    { auto gone = std::move(reader); }
    state.ResumeTiming();
  }
  state.SetItemsProcessed(state.iterations() * kBatch);
}
BENCHMARK(BM_CaptureVirtual)->Unit(benchmark::kMillisecond)->Iterations(2);

void BM_SessionVerify(benchmark::State& state) {
  if (!std::filesystem::exists(kData)) return state.SkipWithError("shared data not found");
  sdk::SessionConfig c;
  c.face = false;
  const sdk::Session s(c);
  const auto a = s.extract_finger(fvc("101_1.tif")).finger, b = s.extract_finger(fvc("101_2.tif")).finger;
  for (auto _ : state) benchmark::DoNotOptimize(s.verify(a, b));
}
BENCHMARK(BM_SessionVerify)->Unit(benchmark::kMicrosecond);

void BM_EngineCompare(benchmark::State& state) {
  if (!std::filesystem::exists(kData)) return state.SkipWithError("shared data not found");
  const auto a = extract_finger(fvc("101_1.tif")).finger, b = extract_finger(fvc("101_2.tif")).finger;
  for (auto _ : state)
    benchmark::DoNotOptimize(default_finger_calibration().calibrate(compare_fingers(enroll_finger(a), enroll_finger(b))));
}
BENCHMARK(BM_EngineCompare)->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
