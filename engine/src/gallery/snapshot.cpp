#include "snapshot.h"

#include <sys/stat.h>
#include <tbb/parallel_for.h>

#include <bit>

#include "../kernels/crc32c.h"
#include "tunggal/gallery.h"
#include "../template/byte_io.h"
#include "tunggal/error.h"

namespace tunggal::detail {
namespace {

constexpr char kMagic[4] = {'T', 'G', 'S', 'N'};
constexpr char kEnd[4] = {'T', 'G', 'S', 'E'};
constexpr std::uint32_t kMaxCylinders = 1u << 16;

}  // namespace

std::vector<EnrolledPerson> decode_snapshot_block(std::span<const std::uint8_t> body, std::uint32_t people,
                                                  const SnapshotHeader& h, const std::string& what) {
  ByteReader in(body, what);
  // Every person takes at least 4 bytes: a bad count must not allocate.
  if (people > body.size() / 4) in.fail("more people than the block can hold");
  std::vector<EnrolledPerson> out(people);
  for (auto& p : out) {
    const auto ref_len = in.le16("reference id length");
    if (ref_len == 0) in.fail("empty reference id");
    p.ref.assign(reinterpret_cast<const char*>(in.take(ref_len, "reference id").data()), ref_len);
    const auto flags = in.u8("flags");
    if (flags > 1) in.fail("unknown person flags");
    if (flags & 1) {
      if (h.face_dim == 0) in.fail("a face in a snapshot without a face model");
      p.face_model = h.face_model;
      p.face.emplace();
      in.le_array(p.face->values, h.face_dim, "face embedding");
      p.face->scale = in.lef32("face scale");
    }
    const auto fingers = in.u8("finger count");
    if (fingers >= kPositions) in.fail("more than ten fingers");
    std::size_t last = 0;
    for (int k = 0; k < fingers; ++k) {
      const auto pos = in.u8("finger position");
      if (pos <= last || pos >= kPositions) in.fail("finger positions out of range or not ascending");
      last = pos;
      EnrolledFinger& f = p.fingers[pos];
      const auto n = in.le32("cylinder count");
      f.words = in.le16("words per cylinder");
      f.disc_cells = in.le16("disc cells");
      if (n == 0 || n > kMaxCylinders || f.words == 0 || f.words > 256 || f.disc_cells == 0)
        in.fail("implausible cylinder layout");
      in.le_array(f.minutiae, n, "minutiae");
      in.le_array(f.values, std::size_t{n} * static_cast<std::size_t>(f.words), "cylinder values");
      in.le_array(f.validity, std::size_t{n} * static_cast<std::size_t>(f.words), "cylinder validity");
      in.le_array(p.keys[pos], std::size_t{n} * h.tables, "index keys");
    }
  }
  if (in.remaining() != 0) in.fail("bytes left over after the block's people");
  return out;
}

std::uint32_t snapshot_params_tag(const MccParams& mcc, const FingerIndexParams& index) {
  ByteWriter b;
  for (const double v : {mcc.radius, mcc.sigma_s, mcc.sigma_d, mcc.mu_psi, mcc.omega, mcc.min_valid_cells,
                         index.inner_radius_share})
    b.le64(std::bit_cast<std::uint64_t>(v));
  for (const int v : {mcc.ns, mcc.nd, mcc.min_contributing, index.tables, index.bits_per_key})
    b.le32(static_cast<std::uint32_t>(v));
  b.le64(index.seed);
  return kernels::crc32c(b.bytes());
}

std::vector<std::uint8_t> encode_snapshot_block(std::span<const EnrolledPerson> people, std::uint32_t tables) {
  ByteWriter out;
  for (const auto& p : people) {
    out.le16(static_cast<std::uint16_t>(p.ref.size()));
    out.append({reinterpret_cast<const std::uint8_t*>(p.ref.data()), p.ref.size()});
    out.u8(p.face ? 1 : 0);
    if (p.face) {
      out.le_array(p.face->values);
      out.lef32(p.face->scale);
    }
    std::uint8_t fingers = 0;
    for (std::size_t pos = 1; pos < kPositions; ++pos) fingers += p.fingers[pos].size() > 0;
    out.u8(fingers);
    for (std::size_t pos = 1; pos < kPositions; ++pos) {
      const EnrolledFinger& f = p.fingers[pos];
      if (f.size() == 0) continue;
      if (p.keys[pos].size() != f.size() * tables)
        throw Error(ErrorCode::internal, "snapshot: index keys do not match the cylinders");
      out.u8(static_cast<std::uint8_t>(pos));
      out.le32(static_cast<std::uint32_t>(f.size()));
      out.le16(static_cast<std::uint16_t>(f.words));
      out.le16(static_cast<std::uint16_t>(f.disc_cells));
      out.le_array(f.minutiae);
      out.le_array(f.values);
      out.le_array(f.validity);
      out.le_array(p.keys[pos]);
    }
  }
  return std::move(out.bytes());
}

SnapshotWriter::SnapshotWriter(std::filesystem::path path, const SnapshotHeader& h,
                               std::shared_ptr<const GalleryCipher> cipher)
    : path_(std::move(path)), tmp_(path_.string() + ".tmp"), cipher_(std::move(cipher)) {
  fd_ = storage::Fd(::open(tmp_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
  if (fd_.get() < 0) storage::throw_errno(tmp_, "cannot create the snapshot");
  ByteWriter b;
  b.append({reinterpret_cast<const std::uint8_t*>(kMagic), 4});
  b.le16(2);
  b.le16(cipher_ ? 1 : 0);
  b.le64(h.log_offset);
  b.le64(h.log_last_entry);
  b.le64(h.log_last_seq);
  b.le32(h.log_last_crc);
  b.le32(h.params_tag);
  b.le32(h.tables);
  b.le16(static_cast<std::uint16_t>(h.face_model.size()));
  b.append({reinterpret_cast<const std::uint8_t*>(h.face_model.data()), h.face_model.size()});
  b.le32(h.face_dim);
  b.le32(kernels::crc32c(b.bytes()));
  storage::write_all(fd_.get(), b.bytes(), tmp_);
  bytes_ = b.bytes().size();
}

SnapshotWriter::~SnapshotWriter() {
  if (!done_) {
    fd_ = storage::Fd();
    std::error_code ec;
    std::filesystem::remove(tmp_, ec);
  }
}

void SnapshotWriter::add_block(std::uint32_t people, std::span<const std::uint8_t> plain) {
  std::vector<std::uint8_t> box;
  if (cipher_) box = cipher_->seal(plain);
  const std::span<const std::uint8_t> body = cipher_ ? std::span<const std::uint8_t>(box) : plain;
  ByteWriter h;
  h.le32(people);
  h.le64(body.size());
  h.le32(kernels::crc32c(body));
  storage::write_all(fd_.get(), h.bytes(), tmp_);
  storage::write_all(fd_.get(), body, tmp_);
  people_ += people;
  bytes_ += h.bytes().size() + body.size();
}

std::uint64_t SnapshotWriter::finish() {
  ByteWriter t;
  t.le32(0);
  t.append({reinterpret_cast<const std::uint8_t*>(kEnd), 4});
  t.le64(people_);
  storage::write_all(fd_.get(), t.bytes(), tmp_);
  if (::fsync(fd_.get()) != 0) storage::throw_errno(tmp_, "fsync failed");
  fd_ = storage::Fd();
  if (::rename(tmp_.c_str(), path_.c_str()) != 0) storage::throw_errno(path_, "cannot rename the snapshot into place");
  storage::fsync_dir(path_.has_parent_path() ? path_.parent_path() : ".");
  done_ = true;
  return bytes_ + t.bytes().size();
}

std::vector<std::uint8_t> SnapshotReader::read(std::size_t n, const char* what) {
  if (n > size_ - at_)
    throw Error(ErrorCode::malformed_data, path_.string() + ": " + what + " runs past the end of the snapshot (at byte " +
                                               std::to_string(at_) + "): it was cut short");
  auto b = storage::read_at(fd_.get(), at_, n, path_);
  at_ += n;
  return b;
}

SnapshotReader::SnapshotReader(const std::filesystem::path& path, std::shared_ptr<const GalleryCipher> cipher)
    : path_(path), cipher_(std::move(cipher)) {
  fd_ = storage::Fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd_.get() < 0) storage::throw_errno(path, "cannot open the snapshot");
  struct stat st {};
  if (::fstat(fd_.get(), &st) != 0) storage::throw_errno(path, "cannot stat the snapshot");
  size_ = static_cast<std::uint64_t>(st.st_size);
  auto b = read(46, "header");
  if (!std::equal(kMagic, kMagic + 4, b.begin()))
    throw Error(ErrorCode::malformed_data, path.string() + ": not a tunggal gallery snapshot");
  const std::string where = path.string();
  ByteReader in(b, where);
  in.take(4, "magic");
  const auto version = in.le16("version"), flags = in.le16("flags");
  if (version != 2 || (flags & ~1u) != 0)
    throw Error(ErrorCode::unsupported, path.string() + ": snapshot version not readable by this library");
  header_.sealed = (flags & 1u) != 0;
  header_.log_offset = in.le64("log offset");
  header_.log_last_entry = in.le64("log entry offset");
  header_.log_last_seq = in.le64("log sequence number");
  header_.log_last_crc = in.le32("log CRC");
  header_.params_tag = in.le32("parameter tag");
  header_.tables = in.le32("tables");
  const auto model_len = in.le16("face model length");
  const auto rest = read(std::size_t{model_len} + 8, "header");
  b.insert(b.end(), rest.begin(), rest.end());
  ByteReader tail(rest, where);
  header_.face_model.assign(reinterpret_cast<const char*>(tail.take(model_len, "face model").data()), model_len);
  header_.face_dim = tail.le32("face dim");
  const auto crc = tail.le32("header CRC");
  if (crc != kernels::crc32c(std::span(b).first(b.size() - 4)))
    throw Error(ErrorCode::checksum_mismatch, path.string() + ": the snapshot header fails its checksum");
  if (header_.tables == 0 || header_.tables > 256 || header_.face_dim > (1u << 16) ||
      (header_.face_dim == 0) != header_.face_model.empty())
    throw Error(ErrorCode::malformed_data, path.string() + ": implausible snapshot header");
}

std::vector<EnrolledPerson> SnapshotReader::next(std::size_t max_bytes) {
  struct Block {
    std::uint32_t people = 0, crc = 0;
    std::uint64_t at = 0;
    std::vector<std::uint8_t> body;
  };
  if (header_.sealed && !cipher_)
    throw Error(ErrorCode::invalid_argument, path_.string() + ": the snapshot is encrypted and no key was given");
  std::vector<Block> blocks;
  std::size_t bytes = 0;
  const std::string where = path_.string();
  while (!ended_ && bytes < max_bytes) {
    Block blk;
    blk.at = at_;
    const auto h = read(16, "block header");
    ByteReader in(h, where);
    blk.people = in.le32("block people");
    const auto len = in.le64("block length");
    if (blk.people == 0) {  // the trailer
      at_ -= 12;  // back to just after the u32 0
      const auto t = read(12, "trailer");
      ByteReader tin(t, where);
      const auto mark = tin.take(4, "end mark");
      const bool magic = std::equal(kEnd, kEnd + 4, mark.begin());
      if (!magic || tin.le64("people") != people_ || at_ != size_)
        throw Error(ErrorCode::malformed_data, path_.string() + ": the snapshot's trailer does not match its blocks");
      ended_ = true;
      break;
    }
    blk.crc = in.le32("block CRC");
    blk.body = read(len, "block");
    bytes += len;
    people_ += blk.people;
    blocks.push_back(std::move(blk));
  }
  std::vector<std::vector<EnrolledPerson>> decoded(blocks.size());
  tbb::parallel_for(std::size_t{0}, blocks.size(), [&](std::size_t i) {
    const Block& blk = blocks[i];
    const std::string what = path_.string() + ", block at byte " + std::to_string(blk.at);
    if (kernels::crc32c(blk.body) != blk.crc) throw Error(ErrorCode::checksum_mismatch, what + ": fails its checksum");
    decoded[i] = header_.sealed ? decode_snapshot_block(cipher_->open(blk.body, what), blk.people, header_, what)
                                : decode_snapshot_block(blk.body, blk.people, header_, what);
  });
  std::vector<EnrolledPerson> out;
  for (auto& d : decoded)
    for (auto& p : d) out.push_back(std::move(p));
  return out;
}

std::uint64_t SnapshotReader::verify() {
  const std::string where = path_.string();
  while (!ended_) {
    const std::uint64_t at = at_;
    const auto h = read(16, "block header");
    ByteReader in(h, where);
    const auto people = in.le32("block people");
    const auto len = in.le64("block length");
    if (people == 0) {  // the trailer
      at_ -= 12;
      const auto t = read(12, "trailer");
      ByteReader tin(t, where);
      const auto mark = tin.take(4, "end mark");
      if (!std::equal(kEnd, kEnd + 4, mark.begin()) || tin.le64("people") != people_ || at_ != size_)
        throw Error(ErrorCode::malformed_data, path_.string() + ": the snapshot's trailer does not match its blocks");
      ended_ = true;
      break;
    }
    const auto crc = in.le32("block CRC");
    const auto body = read(len, "block");
    if (kernels::crc32c(body) != crc)
      throw Error(ErrorCode::checksum_mismatch, path_.string() + ", block at byte " + std::to_string(at) + ": fails its checksum");
    people_ += people;
  }
  return people_;
}

}  // namespace tunggal::detail
