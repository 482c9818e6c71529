// Gallery snapshots: the enrolled form of every living person (cylinders,
// index keys, int8 faces), so that start-up reads them instead of enrolling
// every record of the log again. The write-ahead log stays the source of
// truth: a snapshot names the log offset it covers, and entries after it are
// replayed. A snapshot that is damaged, of other parameters or of another
// log is not used (the log is replayed in full), never loaded as garbage.
//   file:    header | block* | trailer
//   header:  "TGSN" u16 version 2 | u16 flags (bit 0: blocks sealed) | u64 log offset | u64 offset,
//            u64 sequence number and u32 CRC of the log's last covered
//            entry | u32 parameter tag | u32 key tables |
//            u16 face model length | model | u32 face dim | u32 CRC-32C of all before
//   block:   u32 people | u64 length | u32 CRC-32C of the body | body
//   trailer: u32 0 | "TGSE" | u64 people
// A sealed block's body is the GalleryCipher's box of the plain body (the
// CRC covers the box, as on disk). Little-endian throughout. Written to a temporary file, fsync'ed, renamed.
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
#include "enrolled_person.h"
#include "tunggal/candidates.h"

namespace tunggal {
class GalleryCipher;
}

namespace tunggal::detail {

struct SnapshotHeader {
  std::uint64_t log_offset = 0;  // the log is covered up to here
  std::uint64_t log_last_entry = 0, log_last_seq = 0;  // the last covered entry (seq 0: none)
  std::uint32_t log_last_crc = 0;
  std::uint32_t params_tag = 0;
  std::uint32_t tables = 0;
  std::string face_model;
  std::uint32_t face_dim = 0;
  bool sealed = false;  // set by the writer when it has a cipher
};

// What enrolment and keys depend on; a snapshot of other parameters is not used.
std::uint32_t snapshot_params_tag(const MccParams& mcc, const FingerIndexParams& index);

// One block's body: people encoded back to back.
std::vector<std::uint8_t> encode_snapshot_block(std::span<const EnrolledPerson> people, std::uint32_t tables);

// Its inverse, for `people` people under header `h`; throws
// Error(malformed_data) naming `what` and the offset on anything wrong.
std::vector<EnrolledPerson> decode_snapshot_block(std::span<const std::uint8_t> body, std::uint32_t people,
                                                  const SnapshotHeader& h, const std::string& what);

class SnapshotWriter {
 public:
  // Creates `path`.tmp; finish() makes it `path`, durably.
  SnapshotWriter(std::filesystem::path path, const SnapshotHeader& header,
                 std::shared_ptr<const GalleryCipher> cipher = nullptr);
  ~SnapshotWriter();
  void add_block(std::uint32_t people, std::span<const std::uint8_t> body);
  std::uint64_t finish();  // returns the file's size

 private:
  std::filesystem::path path_, tmp_;
  std::shared_ptr<const GalleryCipher> cipher_;
  storage::Fd fd_;
  std::uint64_t people_ = 0, bytes_ = 0;
  bool done_ = false;
};

class SnapshotReader {
 public:
  // Reads and checks the header; throws Error naming what is wrong. The
  // blocks of a sealed snapshot need the cipher (next() throws
  // Error(invalid_argument) without it); the header does not.
  explicit SnapshotReader(const std::filesystem::path& path, std::shared_ptr<const GalleryCipher> cipher = nullptr);
  const SnapshotHeader& header() const { return header_; }
  // Reads blocks until about `max_bytes` are in hand and decodes them in
  // parallel; an empty result is the end (trailer checked). Throws on any
  // damage.
  std::vector<EnrolledPerson> next(std::size_t max_bytes);
  // Reads every block's checksum and the trailer without decoding (no key
  // needed); returns the people it holds. Throws on any damage, naming it.
  std::uint64_t verify();
  std::uint64_t people() const { return people_; }

 private:
  std::filesystem::path path_;
  std::shared_ptr<const GalleryCipher> cipher_;
  storage::Fd fd_;
  std::uint64_t at_ = 0, size_ = 0, people_ = 0;
  SnapshotHeader header_;
  bool ended_ = false;
  std::vector<std::uint8_t> read(std::size_t n, const char* what);
};

}  // namespace tunggal::detail
