// The gallery's write-ahead log: one append-only file of checksummed
// entries, each fsync'ed before the operation is acknowledged.
//   file:  "TGWL" | u16 version 1 | u16 0
//   entry: u32 payload length | u8 op | payload | u32 CRC-32C of length, op, payload
// op 1: insert, payload = a native person record ("TGPR");
// op 2: remove, payload = the reference id;
// op 3: update, payload = the person's new record (same reference id).
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <span>
#include <vector>

#include "../storage/posix_file.h"

namespace tunggal::detail {

enum class WalOp : std::uint8_t { insert = 1, remove = 2, update = 3 };

struct WalReplay {
  std::size_t entries = 0;
  std::uint64_t torn_tail_bytes = 0;
};

class WriteAheadLog {
 public:
  // Opens (creating if absent) `path`, calls `apply` for every entry in
  // order, cuts off a torn last entry (reported), and positions for append.
  // Corruption followed by more data throws: that is not a torn write.
  // Replay starts at byte `start` (an entry boundary a snapshot covered up
  // to; 0: the first entry).
  static WriteAheadLog open(const std::filesystem::path& path,
                            const std::function<void(WalOp, std::span<const std::uint8_t>)>& apply,
                            WalReplay& replay, std::uint64_t start = 0);
  // The CRC of the entry that ends at byte `offset` of the log at `path`
  // (0 for the header's end), or nullopt when the log is shorter or has no
  // entry boundary there that can be checked: a snapshot names it so that
  // it is never applied to another log.
  static std::optional<std::uint32_t> crc_before(const std::filesystem::path& path, std::uint64_t offset);
  static constexpr std::uint64_t kHeaderSize = 8;
  // Appends one entry and fsyncs; when this returns the entry survives a crash.
  void append(WalOp op, std::span<const std::uint8_t> payload);
  // Several entries, one write and one fsync.
  void append(WalOp op, std::span<const std::span<const std::uint8_t>> payloads);
  std::uint64_t end() const { return end_; }
  std::uint32_t last_crc() const { return last_crc_; }

 private:
  WriteAheadLog(storage::Fd fd, std::filesystem::path path, std::uint64_t end, std::uint32_t last_crc)
      : fd_(std::move(fd)), path_(std::move(path)), end_(end), last_crc_(last_crc) {}
  storage::Fd fd_;
  std::filesystem::path path_;
  std::uint64_t end_ = 0;  // the log's size after the last acknowledged entry
  std::uint32_t last_crc_ = 0;  // that entry's CRC (0: no entry yet)
};

}  // namespace tunggal::detail
