// CRC-32C (Castagnoli), the checksum of the native template and gallery
// formats. Scalar reference plus an SSE4.2 version using the CPU's crc32
// instruction; both must agree bit for bit (tests/test_kernels.cpp).
#pragma once

#include <cstdint>
#include <span>

#include "tunggal/simd.h"

namespace tunggal::kernels {

// `crc` is the running value for incremental use (start at 0).
std::uint32_t crc32c_scalar(std::uint32_t crc, std::span<const std::uint8_t> data) noexcept;
std::uint32_t crc32c_sse42(std::uint32_t crc, std::span<const std::uint8_t> data) noexcept;

// Dispatches to the best kernel allowed by `level` and the CPU.
std::uint32_t crc32c(std::span<const std::uint8_t> data, std::uint32_t crc = 0,
                     SimdLevel level = detected_simd_level()) noexcept;

}  // namespace tunggal::kernels
