// The gallery's write-ahead log: one append-only file of checksummed
// entries, each group of them fsync'ed before the operation is acknowledged.
//   file:    "TGWL" | u16 version 2 | u16 0
//   entry:   header | payload | u32 CRC-32C of header and payload
//   header:  "TGWE" | u64 sequence number (1, 2, 3... with no gap) |
//            u32 payload length | u8 op | u8 flags | u16 0 |
//            u32 CRC-32C of the 20 bytes before it
// flags bit 0: commit, set on the last entry of each group commit (a single
// operation is a group of one). Bit 1: the payload is sealed (encrypted and
// authenticated by the gallery's GalleryCipher); the CRC covers what is on
// disk, so damage is told from a wrong key. A group counts only once its commit entry is
// whole: a batch is all or nothing on disk as it is in memory.
// op 1: insert, payload = a native person record ("TGPR");
// op 2: remove, payload = the reference id;
// op 3: update, payload = the person's new record (same reference id).
//
// The header has its own checksum so that a damaged length is recognised as
// damage, never trusted to decide where the file ends; the magic and the
// header checksum let a reader find entries again after damage, which is
// what tells a torn tail (nothing valid after it) from corruption in the
// middle (see scan_wal and README, "Durability").
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "../storage/posix_file.h"

namespace tunggal {
class GalleryCipher;
}

namespace tunggal::detail {

enum class WalOp : std::uint8_t { insert = 1, remove = 2, update = 3 };

inline constexpr std::uint64_t kWalHeaderSize = 8;
inline constexpr std::uint64_t kWalEntryHeader = 24;
inline constexpr std::uint64_t kWalEntryOverhead = kWalEntryHeader + 4;
inline constexpr std::uint32_t kWalMaxEntry = 64u << 20;
inline constexpr std::uint8_t kWalSealed = 2;  // entry flag: the payload is sealed

// Where replay starts: the file's first entry, or the entry boundary a
// snapshot covers up to, with that entry's sequence number and CRC.
struct WalStart {
  std::uint64_t offset = kWalHeaderSize;
  std::uint64_t seq = 0;           // of the entry ending at `offset` (0: none)
  std::uint64_t entry_offset = 0;  // where that entry starts
  std::uint32_t crc = 0;           // its CRC
  // Bytes known to have been acknowledged, whatever the scan finds (what a
  // snapshot, used or not, covers): a log shorter than this, or torn below
  // it, has lost acknowledged entries and is refused.
  std::uint64_t acknowledged = 0;
};

enum class WalTail {
  clean,    // every byte belongs to a committed entry
  torn,     // an unfinished write at the end: nothing valid follows it
  damaged,  // damage with valid data after it, or damage no interrupted write explains
};

// What a reader found in a log's bytes after `start`.
struct WalScan {
  struct Entry {
    std::uint64_t offset = 0, seq = 0;
    WalOp op = WalOp::insert;
    bool sealed = false;
    std::span<const std::uint8_t> payload;
  };
  std::vector<Entry> committed;       // entries of committed groups, in order
  std::vector<std::uint64_t> group_ends;  // byte after each committed group (offsets an operator may cut at)
  std::uint64_t committed_end = 0;    // byte after the last committed entry
  std::uint64_t last_seq = 0;         // of the last committed entry
  std::uint32_t last_crc = 0;         // its CRC (0: none)
  WalTail tail = WalTail::clean;
  std::uint64_t problem_offset = 0;   // where the unloaded part starts (== committed_end)
  std::uint64_t damage_offset = 0;    // the first damaged or incomplete entry
  std::optional<std::uint64_t> resumes_at;  // damaged: a valid entry found here after the damage
  std::string problem;                // what is wrong, for a person (empty: clean)
};

// Scans `file` (the whole log, header included) from `start`; never throws
// for content. Entries are views into `file`.
WalScan scan_wal(std::span<const std::uint8_t> file, WalStart start);
// The same over `bytes`, which begin at file offset `base` (<= start):
// only the part of the log after a snapshot need be in memory.
WalScan scan_wal(std::span<const std::uint8_t> bytes, std::uint64_t base, WalStart start);

// A log rewritten without its damaged entries: the bytes before `start`
// verbatim; after it every whole entry (both checksums good) in order,
// renumbered, the damage between them dropped. A run of kept entries ends
// committed where its group did, or where damage follows it (writes after
// it prove it was acknowledged); a last run whose commit never landed is
// dropped as a torn tail is.
struct WalSalvage {
  std::vector<std::uint8_t> log;
  std::uint64_t first_damage = 0;          // where the first dropped bytes were
  std::uint64_t bytes_dropped = 0;
  std::size_t damaged_regions = 0;         // runs of dropped bytes
  std::size_t entries_kept = 0;            // whole entries after `start`, kept
};
WalSalvage salvage_wal(std::span<const std::uint8_t> file, WalStart start);

// Encodes entries as append() writes them (for tests that build logs).
std::vector<std::uint8_t> encode_wal_entries(WalOp op, std::span<const std::span<const std::uint8_t>> payloads,
                                             std::uint64_t first_seq, std::uint32_t* last_crc = nullptr,
                                             std::uint8_t flags = 0);
std::vector<std::uint8_t> wal_file_header();

struct WalReplay {
  std::size_t entries = 0;
  WalTail tail = WalTail::clean;
  std::uint64_t tail_offset = 0, tail_bytes = 0;  // the unfinished write (torn only)
  std::string problem;
  std::filesystem::path set_aside;  // where a writer moved the torn tail this time (empty: not moved)
  std::size_t sealed = 0, clear = 0;  // entries read sealed and in the clear
};

class WriteAheadLog {
 public:
  enum class Mode { read_only, write };
  // Opens `path` and calls `apply` for every committed entry after `start`,
  // in order. Never changes a byte while reading. Damage in the middle (a
  // valid entry follows it), or damage no interrupted write explains, throws
  // Error(checksum_mismatch or malformed_data) naming the offset, before
  // anything is changed. A torn tail is skipped and reported; in write mode
  // its bytes are then moved to a quarantine file beside the log (named
  // with the offset; never deleted) and the log is cut back to its last
  // committed entry so appends follow it. Write mode creates the log if
  // absent and holds an exclusive lock on it (Error(busy) if another
  // process writes the gallery); read-only mode needs the log to exist.
  // With a cipher, sealed entries are opened before `apply` sees them and
  // appends are sealed; a sealed entry without one is Error(invalid_argument).
  static WriteAheadLog open(const std::filesystem::path& path,
                            const std::function<void(WalOp, std::span<const std::uint8_t>)>& apply,
                            WalReplay& replay, WalStart start, Mode mode,
                            std::shared_ptr<const GalleryCipher> cipher = nullptr);
  // The last acknowledged entry: where it starts, its sequence number and
  // CRC. A snapshot records it with the offset it covers up to.
  struct Boundary {
    std::uint64_t entry_offset = 0, seq = 0;
    std::uint32_t crc = 0;
  };
  // Whether the log at `path` holds exactly that entry, ending at byte
  // `end` (for end == the header's size: no entry, seq 0): so that a
  // snapshot is never applied to another log.
  static bool entry_ends_at(const std::filesystem::path& path, const Boundary& b, std::uint64_t end);
  // Appends one entry (a group of one) and fsyncs; when this returns the
  // entry survives a crash.
  void append(WalOp op, std::span<const std::uint8_t> payload);
  // Several entries as one group: one write, one fsync, the commit flag on
  // the last.
  void append(WalOp op, std::span<const std::span<const std::uint8_t>> payloads);
  std::uint64_t end() const { return end_; }
  const Boundary& last() const { return last_; }

 private:
  WriteAheadLog(storage::Fd fd, std::filesystem::path path, Mode mode, std::uint64_t end, Boundary last,
                std::shared_ptr<const GalleryCipher> cipher)
      : cipher_(std::move(cipher)), fd_(std::move(fd)), path_(std::move(path)), mode_(mode), end_(end), last_(last) {}
  std::shared_ptr<const GalleryCipher> cipher_;
  storage::Fd fd_;
  std::filesystem::path path_;
  Mode mode_;
  bool broken_ = false;    // a failed append could not be cut back
  std::uint64_t end_ = 0;  // the log's size after the last acknowledged entry
  Boundary last_;          // that entry (seq 0: none yet)
};

// Copies bytes [from, end) of `log` to a new quarantine file named
// `<log>.<kind>-<from>` (a numbered variant when one with other content
// exists), durably, then cuts the log at `from`. Returns the file written.
std::filesystem::path set_aside_tail(const std::filesystem::path& log, int fd, std::uint64_t from,
                                     const std::string& kind);

}  // namespace tunggal::detail
