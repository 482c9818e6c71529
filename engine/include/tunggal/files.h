// Whole files in and out, with the project's error policy (tunggal::Error
// naming the path and the system's reason) and owner-only permissions for
// anything written: biometric data and personal records never land 0644.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <span>
#include <vector>

namespace tunggal {

// Reads a whole file (limited to `max_bytes`).
std::vector<std::uint8_t> read_file(const std::filesystem::path& path, std::size_t max_bytes = std::size_t{256} << 20);

// Writes to a temporary file beside `path` with mode 0600, fsyncs it, renames
// it over `path` and fsyncs the folder: after return the data survives a
// crash or power loss, and a reader never sees a half-written file.
void write_file_durably(const std::filesystem::path& path, std::span<const std::uint8_t> bytes);

// Writes with mode 0600 (created or truncated; an existing file's mode is
// set to 0600 too), without syncing: for output that can be made again (a
// generated population), where an fsync per file would dominate the time.
void write_private_file(const std::filesystem::path& path, std::span<const std::uint8_t> bytes);

}  // namespace tunggal
