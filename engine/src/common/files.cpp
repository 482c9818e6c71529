#include "tunggal/files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <string>

#include "../storage/posix_file.h"
#include "tunggal/error.h"

namespace tunggal {

using storage::Fd;
using storage::throw_errno;

std::vector<std::uint8_t> read_file(const std::filesystem::path& path, std::size_t max_bytes) {
  std::error_code ec;
  const auto status = std::filesystem::status(path, ec);
  if (ec || !std::filesystem::exists(status)) {
    throw Error(ErrorCode::not_found, path.string() + ": no such file");
  }
  if (!std::filesystem::is_regular_file(status)) {
    throw Error(ErrorCode::invalid_argument, path.string() + ": not a regular file");
  }
  const auto size = std::filesystem::file_size(path, ec);
  if (ec) throw Error(ErrorCode::io, path.string() + ": " + ec.message());
  if (size > max_bytes) {
    throw Error(ErrorCode::limit_exceeded, path.string() + ": " + std::to_string(size) +
                                               " bytes exceed the limit of " +
                                               std::to_string(max_bytes));
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(ErrorCode::io, path.string() + ": cannot open: " + std::strerror(errno));
  std::vector<std::uint8_t> bytes(size);
  in.read(reinterpret_cast<char*>(bytes.data()), static_cast<std::streamsize>(size));
  if (static_cast<std::uint64_t>(in.gcount()) != size) {
    throw Error(ErrorCode::io, path.string() + ": short read");
  }
  return bytes;
}

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

void write_private_file(const std::filesystem::path& path, std::span<const std::uint8_t> bytes) {
  Fd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
  if (fd.get() < 0) throw_errno(path, "cannot create the file");
  if (::fchmod(fd.get(), 0600) != 0) throw_errno(path, "cannot make the file owner-only");
  storage::write_all(fd.get(), bytes, path);
  if (::close(fd.release()) != 0) throw_errno(path, "close failed");
}

}  // namespace tunggal
