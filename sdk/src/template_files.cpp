#include "tunggal/sdk/template_files.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <utility>

#include "storage/posix_file.h"
#include "tunggal/error.h"
#include "tunggal/image.h"

namespace tunggal::sdk {

using storage::Fd;
using storage::throw_errno;

void write_file_durably(const std::filesystem::path& path, std::span<const std::uint8_t> bytes) {
  const std::filesystem::path dir = path.has_parent_path() ? path.parent_path() : ".";
  // Built piecewise: GCC 12 gives a false -Wrestrict on chained operator+.
  std::string name = ".";
  name += path.filename().string();
  name += ".XXXXXX";
  std::string tmp_template = (dir / name).string();
  Fd fd(::mkstemp(tmp_template.data()));  // mkstemp creates with mode 0600
  if (fd.get() < 0) throw_errno(path, "cannot create a temporary file");
  const std::filesystem::path tmp = tmp_template;
  try {
    storage::write_all(fd.get(), bytes, path);
    if (::fsync(fd.get()) != 0) throw_errno(path, "fsync failed");
    if (::close(fd.release()) != 0) throw_errno(path, "close failed");
    if (::rename(tmp.c_str(), path.c_str()) != 0) throw_errno(path, "rename failed");
  } catch (...) {
    ::unlink(tmp.c_str());
    throw;
  }
  storage::fsync_dir(dir);
}

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
