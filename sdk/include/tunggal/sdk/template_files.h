// Template files for application developers: load any supported format
// (detected from content), save durably. Biometric data is personal data:
// files are written with owner-only permissions, and never logged.
#pragma once

#include <filesystem>
#include <optional>
#include <span>
#include <vector>

#include "tunggal/files.h"
#include "tunggal/formats.h"

namespace tunggal::sdk {

struct TemplateFile {
  TemplateFormat format = TemplateFormat::native;
  std::vector<FingerTemplate> views;
  std::size_t size_bytes = 0;
};

// Reads and decodes a template file. Without `format`, the format is detected
// from the content. Throws tunggal::Error naming the file and the problem.
TemplateFile load_template_file(const std::filesystem::path& path,
                                std::optional<TemplateFormat> format = std::nullopt,
                                const DecodeOptions& options = {});

// Encodes and writes durably (see write_file_durably).
void save_template_file(const std::filesystem::path& path, std::span<const FingerTemplate> views,
                        TemplateFormat format, const EncodeOptions& options = {});

// Durable, owner-only writes (tunggal/files.h).
using tunggal::write_file_durably;

}  // namespace tunggal::sdk
