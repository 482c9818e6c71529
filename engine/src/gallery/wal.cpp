#include "wal.h"

#include <sys/stat.h>

#include <algorithm>

#include "../kernels/crc32c.h"
#include "../template/byte_io.h"

namespace tunggal::detail {
namespace {

constexpr std::uint8_t kHeader[8] = {'T', 'G', 'W', 'L', 1, 0, 0, 0};
constexpr std::uint32_t kMaxEntry = 64u << 20;

std::uint32_t le32(const std::uint8_t* p) {
  return std::uint32_t{p[0]} | (std::uint32_t{p[1]} << 8) | (std::uint32_t{p[2]} << 16) |
         (std::uint32_t{p[3]} << 24);
}

}  // namespace

std::optional<std::uint32_t> WriteAheadLog::crc_before(const std::filesystem::path& path, std::uint64_t offset) {
  storage::Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  struct stat st {};
  if (fd.get() < 0 || ::fstat(fd.get(), &st) != 0) return std::nullopt;
  const auto size = static_cast<std::uint64_t>(st.st_size);
  if (offset == kHeaderSize) return size >= kHeaderSize ? std::optional<std::uint32_t>(0) : std::nullopt;
  if (offset < kHeaderSize + 9 || offset > size) return std::nullopt;
  return le32(storage::read_at(fd.get(), offset - 4, 4, path).data());
}

WriteAheadLog WriteAheadLog::open(const std::filesystem::path& path,
                                  const std::function<void(WalOp, std::span<const std::uint8_t>)>& apply,
                                  WalReplay& replay, std::uint64_t start) {
  const bool existed = std::filesystem::exists(path);
  storage::Fd fd(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
  if (fd.get() < 0) storage::throw_errno(path, "cannot open the gallery log");
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) storage::throw_errno(path, "cannot stat the gallery log");
  const auto size = static_cast<std::uint64_t>(st.st_size);
  start = std::max(start, kHeaderSize);
  std::uint32_t last_crc = 0;
  if (size == 0) {
    if (start > kHeaderSize)
      throw Error(ErrorCode::malformed_data, path.string() + ": the log is empty but a snapshot covers part of it");
    storage::write_all(fd.get(), kHeader, path);
    if (::fsync(fd.get()) != 0) storage::throw_errno(path, "fsync failed");
    if (!existed) storage::fsync_dir(path.has_parent_path() ? path.parent_path() : ".");
  } else {
    const auto header = storage::read_at(fd.get(), 0, std::min<std::uint64_t>(size, kHeaderSize), path);
    if (size < sizeof kHeader || !std::equal(kHeader, kHeader + 4, header.begin())) {
      throw Error(ErrorCode::malformed_data, path.string() + ": not a tunggal gallery log");
    }
    if (header[4] != 1 || header[5] != 0) {
      throw Error(ErrorCode::unsupported, path.string() + ": gallery log version " +
                                              std::to_string(header[4] | (header[5] << 8)) +
                                              " is not readable by this library");
    }
    if (start > size)
      throw Error(ErrorCode::malformed_data, path.string() + ": shorter than the snapshot that covers it");
    if (start > kHeaderSize) last_crc = le32(storage::read_at(fd.get(), start - 4, 4, path).data());
    // Only the part after `start` is read: with a snapshot, the tail.
    const std::vector<std::uint8_t> tail = storage::read_at(fd.get(), start, size - start, path);
    const auto byte = [&](std::uint64_t at) -> const std::uint8_t& { return tail[at - start]; };
    std::uint64_t at = start;
    while (at < size) {
      const std::uint64_t left = size - at;
      const auto torn = [&] {
        // The last entry is incomplete or fails its checksum: the process
        // died while writing it, so it was never acknowledged. Cut it off.
        if (::ftruncate(fd.get(), static_cast<off_t>(at)) != 0 || ::fsync(fd.get()) != 0)
          storage::throw_errno(path, "cannot cut off a torn log tail");
        replay.torn_tail_bytes = left;
      };
      if (left < 9) {
        torn();  // short header
        break;
      }
      const std::uint32_t len = le32(&byte(at));
      const std::uint8_t op = byte(at + 4);
      if (len > kMaxEntry || left < std::uint64_t{len} + 9) {
        if (len > kMaxEntry && left >= std::uint64_t{kMaxEntry}) {
          throw Error(ErrorCode::malformed_data, path.string() + ": entry at byte " +
                                                     std::to_string(at) + " claims " +
                                                     std::to_string(len) + " bytes");
        }
        torn();  // the entry runs past the end
        break;
      }
      const std::span<const std::uint8_t> sealed(&byte(at), std::size_t{len} + 5);
      const std::uint32_t crc = le32(&byte(at + 5 + len));
      if (crc != kernels::crc32c(sealed) || (op < 1 || op > 3)) {
        if (at + len + 9 == size) {
          torn();  // the last entry's checksum
          break;
        }
        throw Error(ErrorCode::checksum_mismatch,
                    path.string() + ": entry at byte " + std::to_string(at) +
                        " fails its checksum and " + std::to_string(size - at - len - 9) +
                        " bytes follow it: the log is corrupt, not torn; refusing to load it");
      }
      apply(static_cast<WalOp>(op), sealed.subspan(5, len));
      ++replay.entries;
      last_crc = crc;
      at += std::uint64_t{len} + 9;
    }
  }
  const off_t end = ::lseek(fd.get(), 0, SEEK_END);
  if (end < 0) storage::throw_errno(path, "cannot seek the gallery log");
  return WriteAheadLog(std::move(fd), path, static_cast<std::uint64_t>(end), last_crc);
}

void WriteAheadLog::append(WalOp op, std::span<const std::uint8_t> payload) {
  const std::span<const std::uint8_t> one[] = {payload};
  append(op, one);
}

void WriteAheadLog::append(WalOp op, std::span<const std::span<const std::uint8_t>> payloads) {
  ByteWriter out;
  std::uint32_t crc = last_crc_;
  for (const auto& payload : payloads) {
    if (payload.size() > kMaxEntry)
      throw Error(ErrorCode::limit_exceeded, "gallery log: entry larger than 64 MiB");
    const std::size_t start = out.bytes().size();
    out.le32(static_cast<std::uint32_t>(payload.size()));
    out.u8(static_cast<std::uint8_t>(op));
    out.append(payload);
    crc = kernels::crc32c(std::span(out.bytes()).subspan(start));
    out.le32(crc);
  }
  try {
    storage::write_all(fd_.get(), out.bytes(), path_);
    if (::fdatasync(fd_.get()) != 0) storage::throw_errno(path_, "fdatasync failed");
  } catch (...) {
    // A failed append (disk full...) must not leave half an entry for the
    // next one to follow: cut back to the last acknowledged entry.
    if (::ftruncate(fd_.get(), static_cast<off_t>(end_)) == 0) ::lseek(fd_.get(), 0, SEEK_END);
    throw;
  }
  end_ += out.bytes().size();
  last_crc_ = crc;
}

}  // namespace tunggal::detail
