// Face search speed: our int8 scan (scalar reference, AVX2 one query, AVX2
// batched) against Debian's FAISS 1.7.3 on the same embeddings in the same
// run: IndexFlatIP one query (a scan without SIMD) and batched (through
// OpenBLAS), and IndexHNSWFlat with its recall against exact search.
// Single thread throughout (per-core figures). Synthetic 512-d unit
// embeddings; queries are noisy copies of gallery rows, so that there is a
// true nearest neighbour to recall.
//   build/release/benchmarks/bench_face_search --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
#include <benchmark/benchmark.h>
#include <faiss/IndexFlat.h>
#include <faiss/IndexHNSW.h>
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include "kernels/dot_int8.h"
#include "tunggal/face.h"

namespace {

using namespace tunggal;

constexpr std::size_t kDim = 512;

struct Data {
  std::size_t n = 0;
  std::vector<float> gallery, queries;  // unit rows
  std::vector<std::int8_t> g8, q8;      // int8 rows (stride kDim)
  std::vector<float> gscale, qscale;
};

std::vector<float> unit_rows(std::size_t rows, std::mt19937_64& rng) {
  std::normal_distribution<float> g;
  std::vector<float> v(rows * kDim);
  for (std::size_t r = 0; r < rows; ++r) {
    double norm = 0;
    for (std::size_t k = 0; k < kDim; ++k) norm += std::pow(v[r * kDim + k] = g(rng), 2);
    for (std::size_t k = 0; k < kDim; ++k) v[r * kDim + k] /= static_cast<float>(std::sqrt(norm));
  }
  return v;
}

const Data& data(std::size_t n) {
  static std::vector<std::unique_ptr<Data>> cache;
  for (const auto& d : cache)
    if (d->n == n) return *d;
  auto d = std::make_unique<Data>();
  d->n = n;
  std::mt19937_64 rng(n);
  d->gallery = unit_rows(n, rng);
  const std::size_t nq = 256;
  auto noise = unit_rows(nq, rng);
  d->queries.resize(nq * kDim);
  for (std::size_t q = 0; q < nq; ++q) {  // cosine ~0.6 to its source row
    const std::size_t src = (q * 7919) % n;
    double norm = 0;
    for (std::size_t k = 0; k < kDim; ++k)
      norm += std::pow(d->queries[q * kDim + k] = 0.6f * d->gallery[src * kDim + k] + 0.8f * noise[q * kDim + k], 2);
    for (std::size_t k = 0; k < kDim; ++k) d->queries[q * kDim + k] /= static_cast<float>(std::sqrt(norm));
  }
  const auto quantise = [](const std::vector<float>& rows, std::vector<std::int8_t>& out, std::vector<float>& scale) {
    const std::size_t m = rows.size() / kDim;
    out.resize(rows.size());
    scale.resize(m);
    for (std::size_t r = 0; r < m; ++r) {
      const auto q = quantize_embedding({rows.data() + r * kDim, kDim});
      std::copy(q.values.begin(), q.values.end(), out.begin() + static_cast<std::ptrdiff_t>(r * kDim));
      scale[r] = q.scale;
    }
  };
  quantise(d->gallery, d->g8, d->gscale);
  quantise(d->queries, d->q8, d->qscale);
  cache.push_back(std::move(d));
  return *cache.back();
}

void rate(benchmark::State& state, std::size_t n, std::size_t queries) {
  state.counters["comparisons_per_s"] = benchmark::Counter(static_cast<double>(n * queries),
                                                           benchmark::Counter::kIsIterationInvariantRate);
}

void BM_Int8Scan(benchmark::State& state, SimdLevel level) {
  const auto n = static_cast<std::size_t>(state.range(0)), nq = static_cast<std::size_t>(state.range(1));
  const Data& d = data(n);
  const auto kernel = kernels::dot_int8_rows_kernel(level);
  std::vector<std::int32_t> out(nq * n);
  for (auto _ : state) {
    kernel(d.q8.data(), nq, d.g8.data(), n, kDim, kDim, out.data());
    benchmark::DoNotOptimize(out.data());
  }
  rate(state, n, nq);
}

void BM_FaissFlatIP(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0)), nq = static_cast<std::size_t>(state.range(1));
  const Data& d = data(n);
  omp_set_num_threads(1);
  faiss::IndexFlatIP index(kDim);
  index.add(static_cast<faiss::Index::idx_t>(n), d.gallery.data());
  const faiss::Index::idx_t k = 10;
  std::vector<float> dist(nq * k);
  std::vector<faiss::Index::idx_t> ids(nq * k);
  for (auto _ : state) {
    index.search(static_cast<faiss::Index::idx_t>(nq), d.queries.data(), k, dist.data(), ids.data());
    benchmark::DoNotOptimize(ids.data());
  }
  rate(state, n, nq);
}

// HNSW: searches per second and recall@1 of each query's source row
// (found by exact search as the best match).
void BM_FaissHnsw(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  const int ef = static_cast<int>(state.range(1));
  const Data& d = data(n);
  omp_set_num_threads(2);  // building is parallel; searching below is one query at a time
  static std::unique_ptr<faiss::IndexHNSWFlat> index;
  static std::size_t built_for = 0;
  if (built_for != n) {
    index = std::make_unique<faiss::IndexHNSWFlat>(static_cast<int>(kDim), 32, faiss::METRIC_INNER_PRODUCT);
    index->hnsw.efConstruction = 40;
    index->add(static_cast<faiss::Index::idx_t>(n), d.gallery.data());
    built_for = n;
  }
  omp_set_num_threads(1);
  index->hnsw.efSearch = ef;
  const std::size_t nq = d.queries.size() / kDim;
  std::vector<float> dist(nq);
  std::vector<faiss::Index::idx_t> ids(nq);
  std::size_t hits = 0;
  for (auto _ : state) {
    hits = 0;
    for (std::size_t q = 0; q < nq; ++q) {
      index->search(1, d.queries.data() + q * kDim, 1, &dist[q], &ids[q]);
      hits += static_cast<std::size_t>(ids[q]) == (q * 7919) % n;
    }
  }
  state.counters["searches_per_s"] = benchmark::Counter(static_cast<double>(nq), benchmark::Counter::kIsIterationInvariantRate);
  state.counters["recall_at_1"] = static_cast<double>(hits) / static_cast<double>(nq);
}

}  // namespace

BENCHMARK_CAPTURE(BM_Int8Scan, scalar, SimdLevel::scalar)->Args({100000, 1})->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Int8Scan, avx2, SimdLevel::avx2)->Args({2000, 1})->Args({100000, 1})->Args({100000, 64})->Unit(benchmark::kMillisecond);
BENCHMARK(BM_FaissFlatIP)->Args({100000, 1})->Args({100000, 64})->Args({100000, 256})->Unit(benchmark::kMillisecond);
BENCHMARK(BM_FaissHnsw)->Args({20000, 16})->Args({20000, 64})->Unit(benchmark::kMillisecond)->Iterations(3);

BENCHMARK_MAIN();
