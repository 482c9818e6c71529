#include "tunggal/sdk/template_files.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <utility>

#include "tunggal/error.h"
#include "tunggal/image.h"

namespace tunggal::sdk {
namespace {

[[noreturn]] void throw_errno(const std::filesystem::path& path, const char* what) {
  throw Error(ErrorCode::io, path.string() + ": " + what + ": " + std::strerror(errno));
}

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  int release() { return std::exchange(fd_, -1); }

 private:
  int fd_;
};

}  // namespace

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
    std::size_t done = 0;
    while (done < bytes.size()) {
      const ssize_t n = ::write(fd.get(), bytes.data() + done, bytes.size() - done);
      if (n < 0) {
        if (errno == EINTR) continue;
        throw_errno(path, "write failed");
      }
      done += static_cast<std::size_t>(n);
    }
    if (::fsync(fd.get()) != 0) throw_errno(path, "fsync failed");
    if (::close(fd.release()) != 0) throw_errno(path, "close failed");
    if (::rename(tmp.c_str(), path.c_str()) != 0) throw_errno(path, "rename failed");
  } catch (...) {
    ::unlink(tmp.c_str());
    throw;
  }
  Fd dfd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY));
  if (dfd.get() < 0 || ::fsync(dfd.get()) != 0) throw_errno(dir, "cannot sync the folder");
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
