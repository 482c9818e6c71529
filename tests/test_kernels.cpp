// Every SIMD kernel equals its scalar reference bit for bit.
#include <cpuid.h>
#include <gtest/gtest.h>

#include <random>

#include "../engine/src/kernels/crc32c.h"
#include "tunggal/simd.h"

namespace tunggal {
namespace {

TEST(Crc32c, KnownVectors) {
  const std::string check = "123456789";
  const std::span<const std::uint8_t> s(reinterpret_cast<const std::uint8_t*>(check.data()),
                                        check.size());
  EXPECT_EQ(kernels::crc32c_scalar(0, s), 0xE3069283u);  // the standard check value
  EXPECT_EQ(kernels::crc32c(s), 0xE3069283u);
  EXPECT_EQ(kernels::crc32c_scalar(0, {}), 0u);
}

TEST(Crc32c, SimdEqualsScalarAtEveryLengthAndAlignment) {
  if (detected_simd_level() < SimdLevel::sse42) GTEST_SKIP() << "CPU lacks SSE4.2";
  std::mt19937 rng(42);
  std::vector<std::uint8_t> buf(4096 + 16);
  for (auto& b : buf) b = static_cast<std::uint8_t>(rng());
  for (std::size_t offset = 0; offset < 16; ++offset) {
    for (std::size_t len = 0; len <= 300; ++len) {
      const std::span<const std::uint8_t> s(buf.data() + offset, len);
      ASSERT_EQ(kernels::crc32c_sse42(0, s), kernels::crc32c_scalar(0, s))
          << "offset " << offset << " length " << len;
    }
  }
  const std::span<const std::uint8_t> all(buf);
  EXPECT_EQ(kernels::crc32c_sse42(0x12345678u, all), kernels::crc32c_scalar(0x12345678u, all));
}

TEST(Crc32c, IncrementalEqualsWhole) {
  std::vector<std::uint8_t> buf(1000);
  for (std::size_t i = 0; i < buf.size(); ++i) buf[i] = static_cast<std::uint8_t>(i * 7);
  const std::span<const std::uint8_t> all(buf);
  for (SimdLevel level : {SimdLevel::scalar, SimdLevel::sse42}) {
    const auto part = kernels::crc32c(all.first(333), 0, level);
    EXPECT_EQ(kernels::crc32c(all.subspan(333), part, level), kernels::crc32c(all, 0, level));
  }
}

// What CPUID and XGETBV say, read here without libgcc's helpers, so that
// the detection is checked against an independent account of the CPU.
struct CpuidView {
  bool sse42 = false, popcnt = false, avx2 = false, fma = false, ymm_enabled = false;
  bool avx512 = false, zmm_enabled = false;  // F, BW, VL and VPOPCNTDQ; ZMM and mask state saved
};
CpuidView read_cpuid() {
  CpuidView v;
#if defined(__x86_64__)
  unsigned a = 0, b = 0, c = 0, d = 0;
  if (__get_cpuid(1, &a, &b, &c, &d)) {
    v.sse42 = c & (1u << 20);
    v.popcnt = c & (1u << 23);
    v.fma = c & (1u << 12);
    const bool osxsave = c & (1u << 27);
    if (osxsave) {
      unsigned lo = 0, hi = 0;
      __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
      v.ymm_enabled = (lo & 0x6u) == 0x6u;  // XMM and YMM state saved by the OS
      v.zmm_enabled = v.ymm_enabled && (lo & 0xE0u) == 0xE0u;  // opmask, ZMM_Hi256, Hi16_ZMM
    }
  }
  if (__get_cpuid_count(7, 0, &a, &b, &c, &d)) {
    v.avx2 = b & (1u << 5);
    v.avx512 = (b & (1u << 16)) && (b & (1u << 30)) && (b & (1u << 31)) && (c & (1u << 14));
  }
#endif
  return v;
}

TEST(Simd, DetectionAgreesWithCpuidAndRequestsAreCapped) {
  const CpuidView cpu = read_cpuid();
  const SimdLevel got = detected_simd_level();
  const bool avx2_usable = cpu.avx2 && cpu.fma && cpu.popcnt && cpu.ymm_enabled;
  // AVX2 is reported exactly when the CPU has it and the OS saves its state.
  const bool avx512_usable = avx2_usable && cpu.avx512 && cpu.zmm_enabled;
  EXPECT_EQ(got == SimdLevel::avx512, avx512_usable);
  if (got < SimdLevel::avx512) {
    EXPECT_EQ(got >= SimdLevel::avx2, avx2_usable);
  }
  EXPECT_EQ(got >= SimdLevel::sse42, cpu.sse42 && cpu.popcnt);
  // A request is lowered to the CPU's level, never raised.
  const SimdLevel all[] = {SimdLevel::scalar, SimdLevel::sse42, SimdLevel::avx2, SimdLevel::avx512};
  for (const SimdLevel want : all) {
    const SimdLevel expected = static_cast<int>(want) <= static_cast<int>(got) ? want : got;
    EXPECT_EQ(usable_simd_level(want), expected) << to_string(want);
  }
  EXPECT_EQ(to_string(SimdLevel::avx2), "avx2");
  EXPECT_EQ(to_string(SimdLevel::sse42), "sse4.2");
}

}  // namespace
}  // namespace tunggal

// The generator's Gabor pass: AVX2 equals the scalar reference bit for bit.
#include "../engine/src/kernels/gabor.h"

namespace tunggal {
namespace {

TEST(GaborKernel, Avx2EqualsScalar) {
  if (detected_simd_level() < SimdLevel::avx2) GTEST_SKIP() << "CPU lacks AVX2";
  using namespace kernels;
  std::mt19937 rng(9);
  const int w = 37, h = 23, kernels = 5;
  const int stride = w + 2 * kGaborRadius + (kGaborRow - kGaborSide);
  std::vector<std::int16_t> src(static_cast<std::size_t>(stride) * (h + 2 * kGaborRadius));
  for (auto& v : src) v = static_cast<std::int16_t>(static_cast<int>(rng() % 255) - 127);
  std::vector<std::int16_t> bank(static_cast<std::size_t>(kernels) * kGaborSide * kGaborRow);
  for (auto& v : bank) v = static_cast<std::int16_t>(static_cast<int>(rng() % 8001) - 4000);
  std::vector<std::uint16_t> index(static_cast<std::size_t>(w) * h);
  for (auto& v : index) v = static_cast<std::uint16_t>(rng() % kernels);
  for (int gain : {1, 4, 12}) {
    std::vector<std::int16_t> a(src.size(), 0), b(src.size(), 0);
    gabor_rows_scalar({src.data(), a.data(), stride, w, index.data(), bank.data(), gain}, 0, h);
    gabor_rows_avx2({src.data(), b.data(), stride, w, index.data(), bank.data(), gain}, 0, h);
    EXPECT_EQ(a, b) << "gain " << gain;
  }
}

}  // namespace
}  // namespace tunggal

// MCC cylinder counts: every dispatched kernel equals the scalar reference.
#include "../engine/src/kernels/mcc_popcount.h"

namespace tunggal {
namespace {

void expect_counts_equal_scalar(kernels::McCountsFn kernel) {
  std::mt19937_64 rng(5);
  // 128 and more words pass 31 vectors of byte sums; from 1024 the counts
  // no longer fit the 16-bit fields of the shared reduction.
  for (int words : {4, 8, 20, 24, 40, 128, 1020, 1024, 1200}) {
    std::vector<std::uint64_t> ca(words), va(words), cb(words), vb(words);
    for (int trial = 0; trial < 200; ++trial) {
      for (int i = 0; i < words; ++i) {
        const bool ones = trial % 7 == 0;  // the largest counts
        ca[i] = ones ? ~0ull : rng();
        cb[i] = ones ? 0ull : rng();
        va[i] = trial % 3 && !ones ? rng() : ~0ull;
        vb[i] = trial % 5 || ones ? (ones ? ~0ull : rng()) : 0ull;
      }
      EXPECT_EQ(kernel(ca.data(), va.data(), cb.data(), vb.data(), words),
                kernels::mcc_counts_scalar(ca.data(), va.data(), cb.data(), vb.data(), words));
    }
  }
}

TEST(MccKernel, Avx2EqualsScalar) {
  if (detected_simd_level() < SimdLevel::avx2) GTEST_SKIP() << "CPU lacks AVX2";
  expect_counts_equal_scalar(&kernels::mcc_counts_avx2);
}

TEST(MccKernel, Avx512EqualsScalar) {
  if (detected_simd_level() < SimdLevel::avx512) GTEST_SKIP() << "CPU lacks AVX-512 VPOPCNTDQ";
  expect_counts_equal_scalar(&kernels::mcc_counts_avx512);
  // Any number of words, not only whole 256-bit vectors: the masked tail.
  std::mt19937_64 rng(6);
  for (int words = 1; words <= 19; ++words) {
    std::vector<std::uint64_t> ca(words), va(words), cb(words), vb(words);
    for (int i = 0; i < words; ++i) ca[i] = rng(), va[i] = rng(), cb[i] = rng(), vb[i] = rng();
    EXPECT_EQ(kernels::mcc_counts_avx512(ca.data(), va.data(), cb.data(), vb.data(), words),
              kernels::mcc_counts_scalar(ca.data(), va.data(), cb.data(), vb.data(), words))
        << words << " words";
  }
}

TEST(MccKernel, PopcntEqualsScalar) {
  if (detected_simd_level() < SimdLevel::sse42) GTEST_SKIP() << "CPU lacks SSE4.2/POPCNT";
  expect_counts_equal_scalar(&kernels::mcc_counts_popcnt);
}

// The row kernels (with their short paths for full and tidy cylinders) equal
// the scalar per-pair counts for every shape pairing.
void expect_rows_equal_scalar(kernels::McRowFn row) {
  using kernels::CylinderShape;
  std::mt19937_64 rng(8);
  // 128 and 256: past 31 vectors of byte sums; 1,100: counts past the 16-bit
  // fields that AVX-512 reduces eight pairs in.
  for (int words : {4, 20, 24, 128, 256, 1100}) {
    for (std::uint32_t disc_bits : {static_cast<std::uint32_t>(words * 64 - 37), static_cast<std::uint32_t>(words * 64)}) {
      const int n = 24;
      std::vector<std::uint64_t> c(static_cast<std::size_t>(n * words)), v(c.size());
      for (int i = 0; i < n; ++i) {
        const int kind = i % 3;  // 0 full, 1 tidy, 2 random
        for (int w = 0; w < words; ++w) {
          const std::uint32_t first = static_cast<std::uint32_t>(w) * 64;
          const std::uint64_t disc = first + 64 <= disc_bits ? ~0ull
                                     : first >= disc_bits ? 0ull
                                                          : (std::uint64_t{1} << (disc_bits - first)) - 1;
          const std::size_t at = static_cast<std::size_t>(i * words + w);
          v[at] = kind == 0 ? disc : kind == 1 ? (rng() | rng()) & disc : rng();
          c[at] = kind == 2 ? rng() : rng() & v[at];
        }
      }
      std::vector<std::uint8_t> shape(n);
      std::vector<std::uint32_t> ones(n), valid(n);
      int kinds[3] = {};
      kernels::mcc_shapes_scalar(c.data(), v.data(), n, words, disc_bits, shape.data(), ones.data(), valid.data());
      if (detected_simd_level() >= SimdLevel::sse42) {
        std::vector<std::uint8_t> shape2(n);
        std::vector<std::uint32_t> ones2(n), valid2(n);
        kernels::mcc_shapes_popcnt(c.data(), v.data(), n, words, disc_bits, shape2.data(), ones2.data(), valid2.data());
        EXPECT_EQ(shape2, shape);
        EXPECT_EQ(ones2, ones);
        EXPECT_EQ(valid2, valid);
      }
      for (int i = 0; i < n; ++i) ++kinds[shape[i]];
      EXPECT_GT(kinds[0], 0);
      EXPECT_GT(kinds[1], 0);
      EXPECT_GT(kinds[2], 0);
      const kernels::CylinderSet set{c.data(), v.data(), shape.data(), ones.data(), valid.data(), words, disc_bits};
      std::vector<std::uint32_t> cols;
      for (std::uint32_t j = 0; j < static_cast<std::uint32_t>(n); j += 1 + (j % 2)) cols.push_back(j);
      std::vector<kernels::CylinderCounts> out(cols.size());
      for (std::uint32_t r = 0; r < static_cast<std::uint32_t>(n); ++r) {
        row(set, r, set, cols.data(), static_cast<std::uint32_t>(cols.size()), out.data());
        for (std::size_t j = 0; j < cols.size(); ++j) {
          EXPECT_EQ(out[j], kernels::mcc_counts_scalar(&c[r * words], &v[r * words], &c[cols[j] * words],
                                                       &v[cols[j] * words], words))
              << "row " << r << " col " << cols[j] << " words " << words;
        }
      }
    }
  }
}

TEST(MccKernel, RowKernelsEqualScalarCounts) {
  expect_rows_equal_scalar(&kernels::mcc_counts_row_scalar);
  if (detected_simd_level() >= SimdLevel::sse42) expect_rows_equal_scalar(&kernels::mcc_counts_row_popcnt);
  if (detected_simd_level() >= SimdLevel::avx2) expect_rows_equal_scalar(&kernels::mcc_counts_row_avx2);
  if (detected_simd_level() >= SimdLevel::avx512) expect_rows_equal_scalar(&kernels::mcc_counts_row_avx512);
}

// Each request gets the kernel of its level capped at the CPU's: never one
// the CPU cannot run, never a lower one than it asked for and could have.
TEST(MccKernel, DispatchNeverExceedsTheCpu) {
  const SimdLevel cpu = detected_simd_level();
  const auto expected = [&](SimdLevel want) -> kernels::McCountsFn {
    const int level = std::min(static_cast<int>(want), static_cast<int>(cpu));
    if (level >= static_cast<int>(SimdLevel::avx512)) return &kernels::mcc_counts_avx512;
    if (level >= static_cast<int>(SimdLevel::avx2)) return &kernels::mcc_counts_avx2;
    if (level >= static_cast<int>(SimdLevel::sse42)) return &kernels::mcc_counts_popcnt;
    return &kernels::mcc_counts_scalar;
  };
  for (const SimdLevel l : {SimdLevel::scalar, SimdLevel::sse42, SimdLevel::avx2, SimdLevel::avx512})
    EXPECT_EQ(kernels::mcc_counts_kernel(l), expected(l)) << to_string(l);
  if (cpu < SimdLevel::avx2) {
    EXPECT_NE(kernels::mcc_counts_kernel(SimdLevel::avx512), &kernels::mcc_counts_avx2);
  }
  if (cpu < SimdLevel::avx512) {
    EXPECT_NE(kernels::mcc_counts_kernel(SimdLevel::avx512), &kernels::mcc_counts_avx512);
    EXPECT_NE(kernels::mcc_counts_row_kernel(SimdLevel::avx512), &kernels::mcc_counts_row_avx512);
  }
}

}  // namespace
}  // namespace tunggal

// int8 face scan: the AVX2 kernel equals the scalar reference exactly, for
// every query-block remainder and odd row counts, at the extremes of the
// value range.
#include "../engine/src/kernels/dot_int8.h"

namespace tunggal {
namespace {

TEST(DotInt8Kernel, Avx2EqualsScalar) {
  if (detected_simd_level() < SimdLevel::avx2) GTEST_SKIP() << "CPU lacks AVX2";
  std::mt19937 rng(11);
  std::uniform_int_distribution<int> value(-127, 127);
  for (std::size_t dim : {32u, 64u, 512u}) {
    const std::size_t stride = dim + 32;  // rows further apart than dim, as a padded gallery may be
    for (std::size_t queries : {1u, 3u, 4u, 5u, 9u}) {
      for (std::size_t count : {0u, 1u, 2u, 7u, 37u}) {
        std::vector<std::int8_t> q(queries * stride), rows(count * stride);
        for (auto& x : q) x = static_cast<std::int8_t>(value(rng));
        for (auto& x : rows) x = static_cast<std::int8_t>(value(rng));
        if (count > 0) std::fill_n(rows.begin(), dim, std::int8_t{-127});  // extreme products
        if (queries > 0) std::fill_n(q.begin(), dim, std::int8_t{-127});
        std::vector<std::int32_t> want(queries * count), got(queries * count, -1);
        kernels::dot_int8_rows_scalar(q.data(), queries, rows.data(), count, stride, dim, want.data());
        kernels::dot_int8_rows_avx2(q.data(), queries, rows.data(), count, stride, dim, got.data());
        EXPECT_EQ(got, want) << "dim " << dim << " queries " << queries << " rows " << count;
      }
    }
  }
  EXPECT_EQ(kernels::dot_int8_rows_kernel(SimdLevel::scalar), &kernels::dot_int8_rows_scalar);
}

}  // namespace
}  // namespace tunggal

#include <bit>
#include <cstring>

#include "../engine/src/comparison/fast_angles.h"

namespace tunggal {
namespace {

std::uint32_t float_bits(float f) { return std::bit_cast<std::uint32_t>(f); }

#if defined(__SSE2__)
// LSS-R's four-lane angle terms equal the scalar ones bit for bit, for
// coordinates on and off the axes (zeros of both signs, both zero) and for
// angle differences that need the scalar loops (which the lanes must flag).
TEST(FastAngles, FourLanesEqualScalarBitForBit) {
  using namespace comparison_detail;
  std::mt19937 rng(16);
  std::uniform_real_distribution<float> coord(-300.0f, 300.0f), angle(0.0f, 6.2831853f), wide(-30.0f, 30.0f);
  const float special[] = {0.0f, -0.0f, 1.0f, -1.0f, 1e-30f, -1e-30f, 300.0f, -300.0f};
  int flagged = 0;
  for (int trial = 0; trial < 20000; ++trial) {
    alignas(16) float y[4], x[4], a[4], b[4], out[4];
    for (int l = 0; l < 4; ++l) {
      y[l] = trial % 5 == 0 ? special[rng() % 8] : coord(rng);
      x[l] = trial % 7 == 0 ? special[rng() % 8] : coord(rng);
      a[l] = trial % 3 == 0 ? wide(rng) : angle(rng);
      b[l] = trial % 11 == 0 ? wide(rng) : angle(rng);
    }
    _mm_store_ps(out, fast_atan2_x4(_mm_load_ps(y), _mm_load_ps(x)));
    for (int l = 0; l < 4; ++l)
      ASSERT_EQ(float_bits(out[l]), float_bits(fast_atan2(y[l], x[l]))) << "atan2(" << y[l] << ", " << x[l] << ")";
    __m128 outside = _mm_setzero_ps();
    _mm_store_ps(out, fast_dphi_x4(_mm_load_ps(a), _mm_load_ps(b), outside));
    const int mask = _mm_movemask_ps(outside);
    for (int l = 0; l < 4; ++l) {
      const float d = fast_dphi(a[l], b[l]);
      if (mask & (1 << l)) {
        ++flagged;
        EXPECT_TRUE(out[l] >= 3.14159265f || out[l] < -3.14159265f) << a[l] << " - " << b[l];
      } else {
        ASSERT_EQ(float_bits(out[l]), float_bits(d)) << a[l] << " - " << b[l];
      }
    }
  }
  EXPECT_GT(flagged, 0);  // the test reached differences the lanes hand back
}
#endif

}  // namespace
}  // namespace tunggal
