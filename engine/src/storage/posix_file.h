// Small POSIX file helpers for durable writes: an owning descriptor, a write
// loop that survives EINTR and short writes, fsync of a folder. Errors are
// tunggal::Error(io) naming the path and the system's reason.
#pragma once

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "tunggal/error.h"

namespace tunggal::storage {

[[noreturn]] inline void throw_errno(const std::filesystem::path& path, const char* what) {
  throw Error(ErrorCode::io, path.string() + ": " + what + ": " + std::strerror(errno));
}

class Fd {
 public:
  explicit Fd(int fd = -1) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(Fd&& o) noexcept : fd_(o.release()) {}
  Fd& operator=(Fd&& o) noexcept {
    if (this != &o) {
      if (fd_ >= 0) ::close(fd_);
      fd_ = o.release();
    }
    return *this;
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  int release() { return std::exchange(fd_, -1); }

 private:
  int fd_;
};

inline void write_all(int fd, std::span<const std::uint8_t> bytes, const std::filesystem::path& path) {
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw_errno(path, "write failed");
    }
    done += static_cast<std::size_t>(n);
  }
}

// Reads exactly `n` bytes at `offset`; a file shorter than that is an error.
inline std::vector<std::uint8_t> read_at(int fd, std::uint64_t offset, std::uint64_t n,
                                         const std::filesystem::path& path) {
  std::vector<std::uint8_t> bytes(n);
  std::size_t done = 0;
  while (done < n) {
    const ssize_t r = ::pread(fd, bytes.data() + done, n - done, static_cast<off_t>(offset + done));
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) throw_errno(path, "read failed");
    if (r == 0) throw Error(ErrorCode::io, path.string() + ": read failed: the file ends early");
    done += static_cast<std::size_t>(r);
  }
  return bytes;
}

// Makes a folder's entries (a new or renamed file) durable.
inline void fsync_dir(const std::filesystem::path& dir) {
  Fd dfd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY));
  if (dfd.get() < 0 || ::fsync(dfd.get()) != 0) throw_errno(dir, "cannot sync the folder");
}

}  // namespace tunggal::storage
