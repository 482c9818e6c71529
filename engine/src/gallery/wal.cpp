#include "wal.h"

#include <sys/file.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "../kernels/crc32c.h"
#include "../template/byte_io.h"
#include "tunggal/gallery.h"

namespace tunggal::detail {
namespace {

constexpr std::uint8_t kFileMagic[4] = {'T', 'G', 'W', 'L'};
constexpr std::uint16_t kVersion = 2;
constexpr std::uint8_t kEntryMagic[4] = {'T', 'G', 'W', 'E'};
constexpr std::uint8_t kCommit = 1;

std::uint32_t le32(const std::uint8_t* p) {
  return std::uint32_t{p[0]} | (std::uint32_t{p[1]} << 8) | (std::uint32_t{p[2]} << 16) |
         (std::uint32_t{p[3]} << 24);
}
std::uint64_t le64(const std::uint8_t* p) { return std::uint64_t{le32(p)} | (std::uint64_t{le32(p + 4)} << 32); }

struct Header {
  std::uint64_t seq = 0;
  std::uint32_t len = 0;
  std::uint8_t op = 0, flags = 0;
  std::uint16_t reserved = 0;
};

// A whole, self-consistent entry header at `p` (magic and header checksum).
bool header_ok(const std::uint8_t* p, Header& h) {
  if (std::memcmp(p, kEntryMagic, 4) != 0) return false;
  if (le32(p + 20) != kernels::crc32c({p, 20})) return false;
  h.seq = le64(p + 4);
  h.len = le32(p + 12);
  h.op = p[16];
  h.flags = p[17];
  h.reserved = static_cast<std::uint16_t>(p[18] | (p[19] << 8));
  return true;
}

std::string at_byte(std::uint64_t at) { return "byte " + std::to_string(at); }

}  // namespace

std::vector<std::uint8_t> wal_file_header() {
  ByteWriter b;
  b.append(kFileMagic);
  b.le16(kVersion);
  b.le16(0);
  return std::move(b.bytes());
}

std::vector<std::uint8_t> encode_wal_entries(WalOp op, std::span<const std::span<const std::uint8_t>> payloads,
                                             std::uint64_t first_seq, std::uint32_t* last_crc, std::uint8_t flags) {
  ByteWriter out;
  std::uint32_t crc = 0;
  for (std::size_t i = 0; i < payloads.size(); ++i) {
    const auto& payload = payloads[i];
    if (payload.size() > kWalMaxEntry) throw Error(ErrorCode::limit_exceeded, "gallery log: entry larger than 64 MiB");
    const std::size_t start = out.bytes().size();
    out.append(kEntryMagic);
    out.le64(first_seq + i);
    out.le32(static_cast<std::uint32_t>(payload.size()));
    out.u8(static_cast<std::uint8_t>(op));
    out.u8(static_cast<std::uint8_t>((i + 1 == payloads.size() ? kCommit : 0) | flags));
    out.le16(0);
    out.le32(kernels::crc32c(std::span(out.bytes()).subspan(start, 20)));
    out.append(payload);
    crc = kernels::crc32c(std::span(out.bytes()).subspan(start));
    out.le32(crc);
  }
  if (last_crc != nullptr) *last_crc = crc;
  return std::move(out.bytes());
}

WalScan scan_wal(std::span<const std::uint8_t> file, WalStart start) { return scan_wal(file, 0, start); }

WalSalvage salvage_wal(std::span<const std::uint8_t> file, WalStart start) {
  WalSalvage out;
  const std::uint64_t size = file.size();
  if (start.offset < kWalHeaderSize || start.offset > size)
    throw Error(ErrorCode::invalid_argument, "salvage: the start is outside the log");
  out.log.assign(file.begin(), file.begin() + static_cast<std::ptrdiff_t>(start.offset));
  // A whole entry at `o`, its sequence number aside.
  const auto whole = [&](std::uint64_t o, Header& h) {
    if (o + kWalEntryOverhead > size || !header_ok(file.data() + o, h)) return false;
    if (h.len > kWalMaxEntry || o + kWalEntryOverhead + h.len > size || h.op < 1 || h.op > 3 ||
        (h.flags & ~(kCommit | kWalSealed)) != 0 || h.reserved != 0)
      return false;
    const auto body = file.subspan(o, kWalEntryHeader + h.len);
    return le32(file.data() + o + kWalEntryHeader + h.len) == kernels::crc32c(body);
  };
  struct Kept {
    WalOp op;
    std::uint8_t flags;
    std::span<const std::uint8_t> payload;
    bool commit;
  };
  std::vector<Kept> kept;
  std::uint64_t at = start.offset;
  while (at < size) {
    Header h;
    if (whole(at, h)) {
      kept.push_back({static_cast<WalOp>(h.op), static_cast<std::uint8_t>(h.flags & kWalSealed),
                      file.subspan(at + kWalEntryHeader, h.len), (h.flags & kCommit) != 0});
      at += kWalEntryOverhead + h.len;
      continue;
    }
    // Damage: the next whole entry after it, if any.
    std::uint64_t next = size;
    for (std::uint64_t o = at + 1; o + kWalEntryOverhead <= size; ++o) {
      const auto* hit = static_cast<const std::uint8_t*>(
          std::memchr(file.data() + o, kEntryMagic[0], static_cast<std::size_t>(size - kWalEntryOverhead + 1 - o)));
      if (hit == nullptr) break;
      o = static_cast<std::uint64_t>(hit - file.data());
      Header n;
      if (whole(o, n)) {
        next = o;
        break;
      }
    }
    if (out.damaged_regions == 0) out.first_damage = at;
    if (next == size) {
      // Nothing whole after it: a tail, dropped as opening drops a torn one.
      out.bytes_dropped += size - at;
      ++out.damaged_regions;
      break;
    }
    // Writes after it: what came before was acknowledged.
    if (!kept.empty()) kept.back().commit = true;
    out.bytes_dropped += next - at;
    ++out.damaged_regions;
    at = next;
  }
  // A last run whose commit never landed was never acknowledged.
  while (!kept.empty() && !kept.back().commit) kept.pop_back();
  std::uint64_t seq = start.seq;
  for (const auto& k : kept) {
    ByteWriter e;
    e.append(kEntryMagic);
    e.le64(++seq);
    e.le32(static_cast<std::uint32_t>(k.payload.size()));
    e.u8(static_cast<std::uint8_t>(k.op));
    e.u8(static_cast<std::uint8_t>((k.commit ? kCommit : 0) | k.flags));
    e.le16(0);
    e.le32(kernels::crc32c(std::span(e.bytes()).first(20)));
    e.append(k.payload);
    e.le32(kernels::crc32c(e.bytes()));
    out.log.insert(out.log.end(), e.bytes().begin(), e.bytes().end());
  }
  out.entries_kept = kept.size();
  return out;
}

WalScan scan_wal(std::span<const std::uint8_t> bytes, std::uint64_t base, WalStart start) {
  WalScan s;
  const std::uint64_t size = base + bytes.size();
  if (start.offset < base) throw Error(ErrorCode::internal, "scan_wal: the bytes begin after the start");
  const auto p = [&](std::uint64_t off) { return bytes.data() + (off - base); };
  s.committed_end = start.offset;
  s.last_seq = start.seq;
  s.last_crc = start.crc;
  std::uint64_t at = start.offset, group_start = start.offset, seq = start.seq;
  std::vector<WalScan::Entry> pending;  // entries of a group not yet committed
  std::uint32_t pending_crc = 0;
  // The start of the run of zero bytes that reaches the end of the file.
  std::uint64_t zeros_at = size;
  while (zeros_at > start.offset && *p(zeros_at - 1) == 0) --zeros_at;
  // A whole entry with both checksums good, wholly inside the file.
  const auto whole_entry_at = [&](std::uint64_t o, Header& h) {
    if (o + kWalEntryHeader > size || !header_ok(p(o), h)) return false;
    if (h.len > kWalMaxEntry || o + kWalEntryOverhead + h.len > size) return false;
    return le32(p(o + kWalEntryHeader + h.len)) == kernels::crc32c({p(o), kWalEntryHeader + h.len});
  };
  // Ends the scan at damage or an unfinished write found at `bad`.
  // `explained`: what was found is what an interrupted write leaves (a
  // short header, an entry cut short, zeros where data never landed).
  // Whole entries after it decide the rest: a committed one means that
  // what is damaged was written and acknowledged before it (damage in the
  // middle); uncommitted ones alone are the rest of the same unfinished
  // group (written back out of order), which changes nothing.
  const auto stop = [&](std::uint64_t bad, bool explained, std::string what) {
    s.damage_offset = bad;
    s.problem_offset = group_start;
    std::optional<std::uint64_t> committed_after, any_after;
    for (std::uint64_t o = bad + 1; o + kWalEntryOverhead <= size; ++o) {
      const auto* hit = static_cast<const std::uint8_t*>(
          std::memchr(p(o), kEntryMagic[0], static_cast<std::size_t>(size - kWalEntryOverhead + 1 - o)));
      if (hit == nullptr) break;
      o = static_cast<std::uint64_t>(hit - bytes.data()) + base;
      Header h;
      if (!whole_entry_at(o, h)) continue;
      if (!any_after) any_after = o;
      if (h.flags & kCommit) {
        committed_after = o;
        break;
      }
    }
    if (committed_after || (any_after && !explained)) {
      s.tail = WalTail::damaged;
      s.resumes_at = committed_after ? committed_after : any_after;
      s.problem = "entry at " + at_byte(bad) + " " + what + ", and a valid entry (sequence " +
                  std::to_string(le64(p(*s.resumes_at + 4))) + ") follows at " + at_byte(*s.resumes_at) +
                  ": the log is damaged in the middle, not torn";
    } else if (explained) {
      s.tail = WalTail::torn;
      s.problem = "the log ends in an unfinished write at " + at_byte(group_start) + " (" +
                  std::to_string(size - group_start) + " bytes; entry at " + at_byte(bad) + " " + what +
                  "): it was never committed";
    } else {
      s.tail = WalTail::damaged;
      s.problem = "entry at " + at_byte(bad) + " " + what +
                  ": the bytes were written and later changed (an interrupted write leaves a prefix or zeros), "
                  "so this is damage, not a torn tail";
    }
  };
  // A 512-byte block of zeros inside [from, to): a page that never landed.
  const auto zero_block_in = [&](std::uint64_t from, std::uint64_t to) {
    for (std::uint64_t blk = (from + 511) / 512 * 512; blk + 512 <= to; blk += 512)
      if (std::all_of(p(blk), p(blk) + 512, [](std::uint8_t b) { return b == 0; })) return true;
    return false;
  };
  while (at < size) {
    const std::uint64_t left = size - at;
    if (left < kWalEntryHeader) {
      // A header cut short is a write that stopped, if its bytes could be
      // the start of one (the magic's prefix) or never landed (zeros).
      const std::size_t m = static_cast<std::size_t>(std::min<std::uint64_t>(left, 4));
      const bool prefix = std::memcmp(p(at), kEntryMagic, m) == 0 || zeros_at <= at;
      stop(at, prefix, "is cut short in its header (" + std::to_string(left) + " of 24 bytes)");
      break;
    }
    Header h;
    if (!header_ok(p(at), h)) {
      const bool magic = std::memcmp(p(at), kEntryMagic, 4) == 0;
      // Zeros from the header on, or a header whose start landed and whose
      // rest (its checksum at least) is zeros to the end.
      const bool explained = zeros_at <= at || (magic && zeros_at <= at + kWalEntryHeader - 4);
      stop(at, explained, magic ? "fails its header checksum" : "has no entry mark (damaged header)");
      break;
    }
    if (h.seq != seq + 1) {
      stop(at, false, "has sequence number " + std::to_string(h.seq) + " where " + std::to_string(seq + 1) +
                          " was expected (entries lost or out of place)");
      break;
    }
    if (h.len > kWalMaxEntry || h.op < 1 || h.op > 3 || (h.flags & ~(kCommit | kWalSealed)) != 0 || h.reserved != 0) {
      stop(at, false, "has a header this library does not write (op " + std::to_string(h.op) + ", " +
                          std::to_string(h.len) + " bytes)");
      break;
    }
    const std::uint64_t end = at + kWalEntryOverhead + h.len;
    if (end > size) {
      stop(at, true, "is cut short (" + std::to_string(left) + " of " + std::to_string(end - at) + " bytes)");
      break;
    }
    const std::span<const std::uint8_t> sealed(p(at), static_cast<std::size_t>(kWalEntryHeader + h.len));
    const std::uint32_t crc = le32(p(end - 4));
    if (crc != kernels::crc32c(sealed)) {
      // Zeros from inside the entry to the end of the file (its checksum
      // included), or a whole block of zeros inside it: data that never
      // reached the disk.
      stop(at, zeros_at <= end - 4 || zero_block_in(at + kWalEntryHeader, end - 4), "fails its checksum");
      break;
    }
    pending.push_back({at, h.seq, static_cast<WalOp>(h.op), (h.flags & kWalSealed) != 0, sealed.subspan(kWalEntryHeader)});
    pending_crc = crc;
    seq = h.seq;
    at = end;
    if (h.flags & kCommit) {
      s.committed.insert(s.committed.end(), pending.begin(), pending.end());
      pending.clear();
      s.committed_end = group_start = at;
      s.group_ends.push_back(at);
      s.last_seq = seq;
      s.last_crc = pending_crc;
    }
  }
  if (s.tail == WalTail::clean && !pending.empty()) {
    // Whole entries, but their group's commit entry never landed.
    s.tail = WalTail::torn;
    s.problem_offset = s.damage_offset = group_start;
    s.problem = "the log ends in a group of " + std::to_string(pending.size()) + " entries at " +
                at_byte(group_start) + " (" + std::to_string(size - group_start) +
                " bytes) whose commit never landed: it was never acknowledged";
  }
  return s;
}

std::filesystem::path set_aside_tail(const std::filesystem::path& log, int fd, std::uint64_t from,
                                     const std::string& kind) {
  struct stat st {};
  if (::fstat(fd, &st) != 0) storage::throw_errno(log, "cannot stat the gallery log");
  const auto size = static_cast<std::uint64_t>(st.st_size);
  if (from > size) throw Error(ErrorCode::invalid_argument, log.string() + ": offset past the end of the log");
  const auto bytes = storage::read_at(fd, from, size - from, log);
  const std::string base = log.string() + "." + kind + "-" + std::to_string(from);
  std::filesystem::path target;
  for (int k = 1;; ++k) {
    target = k == 1 ? base : base + "." + std::to_string(k);
    if (!std::filesystem::exists(target)) break;
    // Left by an earlier attempt that stopped before cutting the log: the
    // same bytes, already kept.
    storage::Fd old(::open(target.c_str(), O_RDONLY | O_CLOEXEC));
    struct stat ost {};
    if (old.get() >= 0 && ::fstat(old.get(), &ost) == 0 && static_cast<std::uint64_t>(ost.st_size) == bytes.size() &&
        storage::read_at(old.get(), 0, bytes.size(), target) == bytes)
      break;
  }
  if (!std::filesystem::exists(target)) {
    const std::filesystem::path tmp = target.string() + ".tmp";
    {
      storage::Fd out(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
      if (out.get() < 0) storage::throw_errno(tmp, "cannot create the quarantine file");
      storage::write_all(out.get(), bytes, tmp);
      if (::fsync(out.get()) != 0) storage::throw_errno(tmp, "fsync failed");
    }
    if (::rename(tmp.c_str(), target.c_str()) != 0) storage::throw_errno(target, "cannot rename the quarantine file");
    storage::fsync_dir(log.has_parent_path() ? log.parent_path() : ".");
  }
  // Only now, with the bytes kept elsewhere, is the log cut.
  if (::ftruncate(fd, static_cast<off_t>(from)) != 0 || ::fsync(fd) != 0)
    storage::throw_errno(log, "cannot cut the log after setting its tail aside");
  return target;
}

bool WriteAheadLog::entry_ends_at(const std::filesystem::path& path, const Boundary& b, std::uint64_t end) {
  if (end == kWalHeaderSize) return b.seq == 0;
  storage::Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  struct stat st {};
  if (fd.get() < 0 || ::fstat(fd.get(), &st) != 0) return false;
  const auto size = static_cast<std::uint64_t>(st.st_size);
  if (b.entry_offset < kWalHeaderSize || end > size || end < b.entry_offset + kWalEntryOverhead ||
      end - b.entry_offset > kWalEntryOverhead + kWalMaxEntry)
    return false;
  const auto bytes = storage::read_at(fd.get(), b.entry_offset, end - b.entry_offset, path);
  Header h;
  return header_ok(bytes.data(), h) && h.seq == b.seq && kWalEntryOverhead + h.len == bytes.size() &&
         le32(bytes.data() + bytes.size() - 4) == b.crc &&
         kernels::crc32c(std::span(bytes).first(bytes.size() - 4)) == b.crc;
}

WriteAheadLog WriteAheadLog::open(const std::filesystem::path& path,
                                  const std::function<void(WalOp, std::span<const std::uint8_t>)>& apply,
                                  WalReplay& replay, WalStart start, Mode mode,
                            std::shared_ptr<const GalleryCipher> cipher) {
  const bool writable = mode == Mode::write;
  const bool existed = std::filesystem::exists(path);
  if (!existed && !writable) throw Error(ErrorCode::not_found, path.string() + ": no gallery log here");
  storage::Fd fd(writable ? ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600)
                          : ::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) storage::throw_errno(path, "cannot open the gallery log");
  // One writer at a time (another process appending would interleave
  // entries); readers take no lock and see a consistent prefix.
  if (writable && ::flock(fd.get(), LOCK_EX | LOCK_NB) != 0) {
    if (errno == EWOULDBLOCK)
      throw Error(ErrorCode::busy, path.string() + ": another process has this gallery open for writing");
    storage::throw_errno(path, "cannot lock the gallery log");
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) storage::throw_errno(path, "cannot stat the gallery log");
  const auto size = static_cast<std::uint64_t>(st.st_size);
  start.offset = std::max(start.offset, kWalHeaderSize);
  if (size == 0) {
    if (start.offset > kWalHeaderSize)
      throw Error(ErrorCode::malformed_data, path.string() + ": the log is empty but a snapshot covers part of it");
    if (!writable) return WriteAheadLog(std::move(fd), path, mode, 0, {}, std::move(cipher));
    storage::write_all(fd.get(), wal_file_header(), path);
    if (::fsync(fd.get()) != 0) storage::throw_errno(path, "fsync failed");
    if (!existed) storage::fsync_dir(path.has_parent_path() ? path.parent_path() : ".");
    return WriteAheadLog(std::move(fd), path, mode, kWalHeaderSize, {}, std::move(cipher));
  }
  const auto header = storage::read_at(fd.get(), 0, std::min<std::uint64_t>(size, kWalHeaderSize), path);
  if (size < kWalHeaderSize || !std::equal(kFileMagic, kFileMagic + 4, header.begin()))
    throw Error(ErrorCode::malformed_data, path.string() + ": not a tunggal gallery log");
  const int version = header[4] | (header[5] << 8);
  if (version != kVersion || header[6] != 0 || header[7] != 0)
    throw Error(ErrorCode::unsupported, path.string() + ": gallery log version " + std::to_string(version) +
                                            " is not readable by this library (it reads version 2)");
  const std::uint64_t acknowledged = std::max(start.offset, start.acknowledged);
  if (acknowledged > size)
    throw Error(ErrorCode::malformed_data,
                path.string() + ": shorter than the snapshot that covers it (" + std::to_string(size) + " of at least " +
                    std::to_string(acknowledged) +
                    " bytes): acknowledged entries are missing; refusing to load it. Nothing was changed. If the "
                    "snapshot is not this gallery's, move gallery.snap away");
  // Only the part after the start is read (with a snapshot, the tail), and
  // scanned at its true offsets.
  const std::vector<std::uint8_t> bytes = storage::read_at(fd.get(), start.offset, size - start.offset, path);
  const WalScan scan = scan_wal(bytes, start.offset, start);
  if (scan.tail == WalTail::damaged) {
    throw Error(ErrorCode::checksum_mismatch,
                path.string() + ": " + scan.problem + "; refusing to load it. Nothing was changed. `tunggal check` "
                "shows the damage; an operator may set everything from byte " + std::to_string(scan.problem_offset) +
                " on aside (kept in a quarantine file) with `tunggal repair --set-aside-from " +
                std::to_string(scan.problem_offset) + "`");
  }
  if (scan.tail == WalTail::torn && scan.problem_offset < acknowledged)
    throw Error(ErrorCode::malformed_data,
                path.string() + ": " + scan.problem + ", but the snapshot shows the log was acknowledged up to byte " +
                    std::to_string(acknowledged) + ": acknowledged entries are missing; refusing to load it. Nothing "
                    "was changed");
  for (const auto& e : scan.committed) {
    if (!e.sealed) {
      ++replay.clear;
      apply(e.op, e.payload);
      continue;
    }
    const std::string what = path.string() + ", entry at byte " + std::to_string(e.offset);
    if (!cipher)
      throw Error(ErrorCode::invalid_argument, what + " is encrypted: open the gallery with its key. Nothing was changed");
    ++replay.sealed;
    apply(e.op, cipher->open(e.payload, what));
  }
  replay.entries = scan.committed.size();
  replay.tail = scan.tail;
  replay.problem = scan.problem;
  if (scan.tail == WalTail::torn) {
    replay.tail_offset = scan.problem_offset;
    replay.tail_bytes = size - scan.problem_offset;
    // A writer must append after the last committed entry, so it sets the
    // unfinished bytes aside first (kept, never deleted).
    if (writable) replay.set_aside = set_aside_tail(path, fd.get(), scan.problem_offset, "torn");
  }
  const std::uint64_t end = scan.committed_end;
  if (writable && ::lseek(fd.get(), static_cast<off_t>(end), SEEK_SET) < 0)
    storage::throw_errno(path, "cannot seek the gallery log");
  const Boundary last{scan.committed.empty() ? start.entry_offset : scan.committed.back().offset, scan.last_seq,
                      scan.committed.empty() ? start.crc : scan.last_crc};
  return WriteAheadLog(std::move(fd), path, mode, end, last, std::move(cipher));
}

void WriteAheadLog::append(WalOp op, std::span<const std::uint8_t> payload) {
  const std::span<const std::uint8_t> one[] = {payload};
  append(op, one);
}

void WriteAheadLog::append(WalOp op, std::span<const std::span<const std::uint8_t>> payloads) {
  if (payloads.empty()) return;
  if (mode_ != Mode::write)
    throw Error(ErrorCode::invalid_argument, path_.string() + ": the gallery was opened read-only");
  if (broken_)
    throw Error(ErrorCode::io, path_.string() + ": an earlier write failed and could not be undone; reopen the gallery");
  std::uint32_t crc = 0;
  // Sealed, when the gallery has a key: nothing of a record reaches the disk in the clear.
  std::vector<std::vector<std::uint8_t>> boxes;
  std::vector<std::span<const std::uint8_t>> sealed;
  if (cipher_) {
    for (const auto& p : payloads) boxes.push_back(cipher_->seal(p));
    sealed.assign(boxes.begin(), boxes.end());
    payloads = sealed;
  }
  const auto out = encode_wal_entries(op, payloads, last_.seq + 1, &crc, cipher_ ? kWalSealed : 0);
  try {
    // At the end of the last acknowledged entry, wherever the descriptor's
    // offset is.
    std::size_t done = 0;
    while (done < out.size()) {
      const ssize_t n = ::pwrite(fd_.get(), out.data() + done, out.size() - done, static_cast<off_t>(end_ + done));
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) storage::throw_errno(path_, "write failed");
      done += static_cast<std::size_t>(n);
    }
    if (::fdatasync(fd_.get()) != 0) storage::throw_errno(path_, "fdatasync failed");
  } catch (...) {
    // A failed append (disk full...) was never acknowledged: this writer's
    // own bytes are cut back, durably, so that nothing of it comes back
    // after a crash and the next group follows the last committed one. If
    // that fails too, the log takes no more writes until it is reopened
    // (the reader then sees the bytes as a torn tail).
    if (::ftruncate(fd_.get(), static_cast<off_t>(end_)) != 0 || ::fsync(fd_.get()) != 0) broken_ = true;
    throw;
  }
  last_.entry_offset = end_ + out.size() - kWalEntryOverhead - payloads.back().size();
  last_.seq += payloads.size();
  last_.crc = crc;
  end_ += out.size();
}

}  // namespace tunggal::detail
