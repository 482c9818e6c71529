#include "snapshot.h"

#include <sys/stat.h>
#include <tbb/parallel_for.h>

#include <bit>
#include <cstring>

#include "../kernels/crc32c.h"
#include "../template/byte_io.h"
#include "tunggal/error.h"

namespace tunggal::detail {
namespace {

static_assert(std::endian::native == std::endian::little, "snapshots copy little-endian arrays as they are");

constexpr char kMagic[4] = {'T', 'G', 'S', 'N'};
constexpr char kEnd[4] = {'T', 'G', 'S', 'E'};
constexpr std::uint32_t kMaxCylinders = 1u << 16;

template <typename T>
void put(std::vector<std::uint8_t>& out, const T& v) {
  const auto* p = reinterpret_cast<const std::uint8_t*>(&v);
  out.insert(out.end(), p, p + sizeof v);
}
template <typename T>
void put_array(std::vector<std::uint8_t>& out, const std::vector<T>& v) {
  const auto* p = reinterpret_cast<const std::uint8_t*>(v.data());
  out.insert(out.end(), p, p + v.size() * sizeof(T));
}

// Reads little-endian values and arrays, naming the field that runs short.
class In {
 public:
  In(std::span<const std::uint8_t> b, std::string what) : b_(b), what_(std::move(what)) {}
  template <typename T>
  T get(const char* field) {
    T v;
    std::memcpy(&v, take(sizeof v, field), sizeof v);
    return v;
  }
  template <typename T>
  void get_array(std::vector<T>& v, std::size_t n, const char* field) {
    if (n > remaining() / sizeof(T)) fail(std::string(field) + " runs past the end");
    v.resize(n);
    std::memcpy(v.data(), take(n * sizeof(T), field), n * sizeof(T));
  }
  const std::uint8_t* take(std::size_t n, const char* field) {
    if (n > remaining()) fail(std::string(field) + " runs past the end");
    const auto* p = b_.data() + at_;
    at_ += n;
    return p;
  }
  std::size_t remaining() const { return b_.size() - at_; }
  [[noreturn]] void fail(const std::string& why) const {
    throw Error(ErrorCode::malformed_data, what_ + ": " + why + " (at byte " + std::to_string(at_) + ")");
  }

 private:
  std::span<const std::uint8_t> b_;
  std::string what_;
  std::size_t at_ = 0;
};

}  // namespace

std::vector<EnrolledPerson> decode_snapshot_block(std::span<const std::uint8_t> body, std::uint32_t people,
                                                  const SnapshotHeader& h, const std::string& what) {
  In in(body, what);
  // Every person takes at least 4 bytes: a bad count must not allocate.
  if (people > body.size() / 4) in.fail("more people than the block can hold");
  std::vector<EnrolledPerson> out(people);
  for (auto& p : out) {
    const auto ref_len = in.get<std::uint16_t>("reference id length");
    if (ref_len == 0) in.fail("empty reference id");
    p.ref.assign(reinterpret_cast<const char*>(in.take(ref_len, "reference id")), ref_len);
    const auto flags = in.get<std::uint8_t>("flags");
    if (flags > 1) in.fail("unknown person flags");
    if (flags & 1) {
      if (h.face_dim == 0) in.fail("a face in a snapshot without a face model");
      p.face_model = h.face_model;
      p.face.emplace();
      in.get_array(p.face->values, h.face_dim, "face embedding");
      p.face->scale = in.get<float>("face scale");
    }
    const auto fingers = in.get<std::uint8_t>("finger count");
    if (fingers >= kPositions) in.fail("more than ten fingers");
    std::size_t last = 0;
    for (int k = 0; k < fingers; ++k) {
      const auto pos = in.get<std::uint8_t>("finger position");
      if (pos <= last || pos >= kPositions) in.fail("finger positions out of range or not ascending");
      last = pos;
      EnrolledFinger& f = p.fingers[pos];
      const auto n = in.get<std::uint32_t>("cylinder count");
      f.words = in.get<std::uint16_t>("words per cylinder");
      f.disc_cells = in.get<std::uint16_t>("disc cells");
      if (n == 0 || n > kMaxCylinders || f.words == 0 || f.words > 256 || f.disc_cells == 0)
        in.fail("implausible cylinder layout");
      in.get_array(f.minutiae, n, "minutiae");
      in.get_array(f.values, std::size_t{n} * static_cast<std::size_t>(f.words), "cylinder values");
      in.get_array(f.validity, std::size_t{n} * static_cast<std::size_t>(f.words), "cylinder validity");
      in.get_array(p.keys[pos], std::size_t{n} * h.tables, "index keys");
    }
  }
  if (in.remaining() != 0) in.fail("bytes left over after the block's people");
  return out;
}

std::uint32_t snapshot_params_tag(const MccParams& mcc, const FingerIndexParams& index) {
  std::vector<std::uint8_t> b;
  for (const double v : {mcc.radius, mcc.sigma_s, mcc.sigma_d, mcc.mu_psi, mcc.omega, mcc.min_valid_cells,
                         index.inner_radius_share})
    put(b, v);
  for (const int v : {mcc.ns, mcc.nd, mcc.min_contributing, index.tables, index.bits_per_key}) put(b, v);
  put(b, index.seed);
  return kernels::crc32c(b);
}

std::vector<std::uint8_t> encode_snapshot_block(std::span<const EnrolledPerson> people, std::uint32_t tables) {
  std::vector<std::uint8_t> out;
  for (const auto& p : people) {
    put(out, static_cast<std::uint16_t>(p.ref.size()));
    out.insert(out.end(), p.ref.begin(), p.ref.end());
    put(out, static_cast<std::uint8_t>(p.face ? 1 : 0));
    if (p.face) {
      put_array(out, p.face->values);
      put(out, p.face->scale);
    }
    std::uint8_t fingers = 0;
    for (std::size_t pos = 1; pos < kPositions; ++pos) fingers += p.fingers[pos].size() > 0;
    put(out, fingers);
    for (std::size_t pos = 1; pos < kPositions; ++pos) {
      const EnrolledFinger& f = p.fingers[pos];
      if (f.size() == 0) continue;
      if (p.keys[pos].size() != f.size() * tables)
        throw Error(ErrorCode::internal, "snapshot: index keys do not match the cylinders");
      put(out, static_cast<std::uint8_t>(pos));
      put(out, static_cast<std::uint32_t>(f.size()));
      put(out, static_cast<std::uint16_t>(f.words));
      put(out, static_cast<std::uint16_t>(f.disc_cells));
      put_array(out, f.minutiae);
      put_array(out, f.values);
      put_array(out, f.validity);
      put_array(out, p.keys[pos]);
    }
  }
  return out;
}

SnapshotWriter::SnapshotWriter(std::filesystem::path path, const SnapshotHeader& h)
    : path_(std::move(path)), tmp_(path_.string() + ".tmp") {
  fd_ = storage::Fd(::open(tmp_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
  if (fd_.get() < 0) storage::throw_errno(tmp_, "cannot create the snapshot");
  std::vector<std::uint8_t> b(kMagic, kMagic + 4);
  put(b, std::uint16_t{1});
  put(b, std::uint16_t{0});
  put(b, h.log_offset);
  put(b, h.log_last_crc);
  put(b, h.params_tag);
  put(b, h.tables);
  put(b, static_cast<std::uint16_t>(h.face_model.size()));
  b.insert(b.end(), h.face_model.begin(), h.face_model.end());
  put(b, h.face_dim);
  put(b, kernels::crc32c(b));
  storage::write_all(fd_.get(), b, tmp_);
  bytes_ = b.size();
}

SnapshotWriter::~SnapshotWriter() {
  if (!done_) {
    fd_ = storage::Fd();
    std::error_code ec;
    std::filesystem::remove(tmp_, ec);
  }
}

void SnapshotWriter::add_block(std::uint32_t people, std::span<const std::uint8_t> body) {
  std::vector<std::uint8_t> h;
  put(h, people);
  put(h, static_cast<std::uint64_t>(body.size()));
  put(h, kernels::crc32c(body));
  storage::write_all(fd_.get(), h, tmp_);
  storage::write_all(fd_.get(), body, tmp_);
  people_ += people;
  bytes_ += h.size() + body.size();
}

std::uint64_t SnapshotWriter::finish() {
  std::vector<std::uint8_t> t;
  put(t, std::uint32_t{0});
  t.insert(t.end(), kEnd, kEnd + 4);
  put(t, people_);
  storage::write_all(fd_.get(), t, tmp_);
  if (::fsync(fd_.get()) != 0) storage::throw_errno(tmp_, "fsync failed");
  fd_ = storage::Fd();
  if (::rename(tmp_.c_str(), path_.c_str()) != 0) storage::throw_errno(path_, "cannot rename the snapshot into place");
  storage::fsync_dir(path_.has_parent_path() ? path_.parent_path() : ".");
  done_ = true;
  return bytes_ + t.size();
}

std::vector<std::uint8_t> SnapshotReader::read(std::size_t n, const char* what) {
  if (n > size_ - at_)
    throw Error(ErrorCode::malformed_data, path_.string() + ": " + what + " runs past the end of the snapshot (at byte " +
                                               std::to_string(at_) + "): it was cut short");
  auto b = storage::read_at(fd_.get(), at_, n, path_);
  at_ += n;
  return b;
}

SnapshotReader::SnapshotReader(const std::filesystem::path& path) : path_(path) {
  fd_ = storage::Fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd_.get() < 0) storage::throw_errno(path, "cannot open the snapshot");
  struct stat st {};
  if (::fstat(fd_.get(), &st) != 0) storage::throw_errno(path, "cannot stat the snapshot");
  size_ = static_cast<std::uint64_t>(st.st_size);
  auto b = read(30, "header");
  if (!std::equal(kMagic, kMagic + 4, b.begin()))
    throw Error(ErrorCode::malformed_data, path.string() + ": not a tunggal gallery snapshot");
  In in(b, path.string());
  in.take(4, "magic");
  if (in.get<std::uint16_t>("version") != 1 || in.get<std::uint16_t>("reserved") != 0)
    throw Error(ErrorCode::unsupported, path.string() + ": snapshot version not readable by this library");
  header_.log_offset = in.get<std::uint64_t>("log offset");
  header_.log_last_crc = in.get<std::uint32_t>("log CRC");
  header_.params_tag = in.get<std::uint32_t>("parameter tag");
  header_.tables = in.get<std::uint32_t>("tables");
  const auto model_len = in.get<std::uint16_t>("face model length");
  const auto rest = read(std::size_t{model_len} + 8, "header");
  b.insert(b.end(), rest.begin(), rest.end());
  In tail(rest, path.string());
  header_.face_model.assign(reinterpret_cast<const char*>(tail.take(model_len, "face model")), model_len);
  header_.face_dim = tail.get<std::uint32_t>("face dim");
  const auto crc = tail.get<std::uint32_t>("header CRC");
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
  std::vector<Block> blocks;
  std::size_t bytes = 0;
  while (!ended_ && bytes < max_bytes) {
    Block blk;
    blk.at = at_;
    const auto h = read(16, "block header");
    In in(h, path_.string());
    blk.people = in.get<std::uint32_t>("block people");
    const auto len = in.get<std::uint64_t>("block length");
    if (blk.people == 0) {  // the trailer
      at_ -= 12;  // back to just after the u32 0
      const auto t = read(12, "trailer");
      In tin(t, path_.string());
      const bool magic = std::equal(kEnd, kEnd + 4, tin.take(4, "end mark"));
      if (!magic || tin.get<std::uint64_t>("people") != people_ || at_ != size_)
        throw Error(ErrorCode::malformed_data, path_.string() + ": the snapshot's trailer does not match its blocks");
      ended_ = true;
      break;
    }
    blk.crc = in.get<std::uint32_t>("block CRC");
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
    decoded[i] = decode_snapshot_block(blk.body, blk.people, header_, what);
  });
  std::vector<EnrolledPerson> out;
  for (auto& d : decoded)
    for (auto& p : d) out.push_back(std::move(p));
  return out;
}

}  // namespace tunggal::detail
