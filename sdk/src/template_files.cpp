#include "tunggal/sdk/template_files.h"

#include <cerrno>
#include <cstring>
#include <string>
#include <utility>

#include "tunggal/error.h"
#include "tunggal/image.h"

namespace tunggal::sdk {

TemplateFile load_template_file(const std::filesystem::path& path,
                                std::optional<TemplateFormat> format,
                                const DecodeOptions& options) {
  const std::vector<std::uint8_t> bytes = read_file(path, kMaxTemplateBytes);
  TemplateFile file;
  file.size_bytes = bytes.size();
  try {
    file.format = format ? *format : detect_format(bytes);
    file.views = decode(bytes, file.format, options);
  } catch (const Error& e) {
    throw Error(e.code(), path.string() + ": " + e.what());
  }
  return file;
}

void save_template_file(const std::filesystem::path& path, std::span<const FingerTemplate> views,
                        TemplateFormat format, const EncodeOptions& options) {
  write_file_durably(path, encode(views, format, options));
}

}  // namespace tunggal::sdk
