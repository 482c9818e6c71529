// The gallery: enrolled people laid out for scanning (cylinders precomputed
// per finger position, face embeddings in one row-major matrix), a
// reader-writer lock, and the write-ahead log.
#include "tunggal/gallery.h"

#include <tbb/enumerable_thread_specific.h>
#include <tbb/parallel_for.h>

#include <sys/file.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <limits>
#include <mutex>
#include <shared_mutex>
#include <unordered_map>
#include <unordered_set>

#include "tunggal/calibration.h"
#include "tunggal/error.h"
#include "tunggal/face.h"
#include "tunggal/image.h"
#include "../candidates/finger_index.h"
#include "../kernels/dot_int8.h"
#include "snapshot.h"
#include "wal.h"

namespace tunggal {
namespace {

using detail::EnrolledPerson;
using detail::kPositions;

EnrolledPerson prepare(const PersonRecord& r, const MccParams& mcc, const detail::FingerIndex& index, bool encode) {
  EnrolledPerson p;
  p.ref = r.id;
  if (encode) p.encoded = encode_person_record(r);  // validates the record
  for (const auto& f : r.fingers) {
    const auto pos = static_cast<std::size_t>(f.position);
    if (pos < 1 || pos >= kPositions) continue;
    p.fingers[pos] = enroll_finger(f, mcc);
    p.keys[pos] = index.keys(p.fingers[pos]);
  }
  if (r.face) {
    p.face = quantize_embedding(r.face->embedding);
    p.face_model = r.face->model;
  }
  return p;
}

// The top `m` of `pool` by `score` (ties: lower slot first), appended to `out`.
template <typename Score>
void append_top(std::vector<std::size_t> pool, std::size_t m, const Score& score, std::vector<std::size_t>& out) {
  m = std::min(m, pool.size());
  const auto better = [&](std::size_t x, std::size_t y) { return score(x) != score(y) ? score(x) > score(y) : x < y; };
  std::nth_element(pool.begin(), pool.begin() + static_cast<std::ptrdiff_t>(m), pool.end(), better);
  out.insert(out.end(), pool.begin(), pool.begin() + static_cast<std::ptrdiff_t>(m));
}

}  // namespace

struct Gallery::Impl {
  Impl(const MccParams& m, const FingerIndexParams& ip) : mcc(m), index_params(ip), index(ip, m) {}
  struct Person {
    std::string ref;
    std::array<EnrolledFinger, kPositions> fingers;
    bool has_face = false, alive = false;
  };
  MccParams mcc;
  FingerIndexParams index_params;
  detail::FingerIndex index;
  std::vector<Person> people;  // slots; removed people stay as dead slots
  std::unordered_map<std::string, std::size_t> by_ref;
  std::string face_model;
  std::size_t face_dim = 0, face_stride = 0;  // stride: dim padded to 32 for the SIMD scan
  std::vector<std::int8_t> face_rows;  // slot * face_stride, zero rows for no face
  std::vector<float> face_scale;       // per slot: cosine = dot(rows) * scale_a * scale_b
  kernels::DotInt8RowsFn dot_rows = kernels::dot_int8_rows_kernel();
  mutable std::shared_mutex mu;
  std::mutex snapshot_mu;  // one snapshot at a time
  std::shared_ptr<const GalleryCipher> cipher;  // seals what goes to the folder (none: in the clear)
  std::filesystem::path dir;
  std::optional<detail::WriteAheadLog> log;
  bool read_only = false;

  void require_writable() const {
    if (read_only)
      throw Error(ErrorCode::invalid_argument, "gallery " + dir.string() + ": opened read-only; nothing may be changed");
  }

  // Throws before anything changes: an id already enrolled or twice in the
  // batch, or a face of another model than the gallery's (or the batch's).
  // `replacing`: an update, whose ids must be enrolled instead.
  void check_insertable(std::span<const EnrolledPerson> batch, bool replacing = false) const {
    std::unordered_map<std::string_view, int> seen;
    std::string_view model = face_model;
    std::size_t dim = face_dim;
    for (const auto& p : batch) {
      if (!replacing && by_ref.count(p.ref) != 0)
        throw Error(ErrorCode::invalid_argument, "gallery: reference id " + p.ref + " is already enrolled");
      if (replacing && by_ref.count(p.ref) == 0)
        throw Error(ErrorCode::not_found, "gallery: reference id " + p.ref + " is not enrolled");
      if (++seen[p.ref] > 1)
        throw Error(ErrorCode::invalid_argument, "gallery: reference id " + p.ref + " appears twice in the batch");
      if (!p.face) continue;
      if (model.empty()) model = p.face_model, dim = p.face->values.size();
      if (p.face_model != model || p.face->values.size() != dim)
        throw Error(ErrorCode::invalid_argument,
                    "gallery: face model " + p.face_model + " differs from the gallery's " + std::string(model));
    }
  }

  void apply_inserts(std::span<EnrolledPerson> batch) {
    std::vector<detail::FingerIndex::Addition> additions;
    for (auto& p : batch) {
      if (p.face && face_model.empty()) {
        face_model = p.face_model;
        face_dim = p.face->values.size();
        face_stride = (face_dim + 31) / 32 * 32;
        face_rows.assign(people.size() * face_stride, 0);
      }
      const std::size_t slot = people.size();
      Person person;
      person.ref = p.ref;
      person.fingers = std::move(p.fingers);
      person.alive = true;
      person.has_face = p.face.has_value();
      face_rows.resize((slot + 1) * face_stride, 0);
      face_scale.resize(slot + 1, 0.0f);
      for (std::size_t pos = 1; pos < kPositions; ++pos)
        if (!p.keys[pos].empty()) additions.push_back({static_cast<std::uint32_t>(slot), static_cast<int>(pos), p.keys[pos]});
      if (p.face) {
        std::copy(p.face->values.begin(), p.face->values.end(),
                  face_rows.begin() + static_cast<std::ptrdiff_t>(slot * face_stride));
        face_scale[slot] = p.face->scale;
      }
      people.push_back(std::move(person));
      by_ref.emplace(people.back().ref, slot);
    }
    index.add(additions);  // the keys live in `batch` until here
  }

  bool apply_remove(const std::string& ref) {
    const auto it = by_ref.find(ref);
    if (it == by_ref.end()) return false;
    Person& p = people[it->second];
    p.alive = false;
    p.fingers = {};  // frees the cylinders
    if (face_stride > 0) std::fill_n(face_rows.begin() + static_cast<std::ptrdiff_t>(it->second * face_stride), face_stride, 0);
    face_scale[it->second] = 0.0f;
    by_ref.erase(it);
    return true;
  }

  bool face_usable(const EnrolledPerson& probe) const {
    return probe.face && face_dim > 0 && probe.face_model == face_model && probe.face->values.size() == face_dim;
  }
  // Cosines of a batch of probes against every slot (probe-major; rows of
  // probes without a usable face stay 0): one parallel pass over the
  // gallery, each row read once per four probes.
  std::vector<float> face_cosines(std::span<const EnrolledPerson> probes) const;
  DedupDecision search(const EnrolledPerson& probe, const IdentifyOptions& o, const float* cosine) const;
};

std::vector<float> Gallery::Impl::face_cosines(std::span<const EnrolledPerson> probes) const {
  const std::size_t n = people.size();
  std::vector<float> out(probes.size() * n, 0.0f);
  if (face_stride == 0 || n == 0) return out;
  std::vector<std::int8_t> queries(probes.size() * face_stride, 0);
  std::vector<float> qscale(probes.size(), 0.0f);
  for (std::size_t i = 0; i < probes.size(); ++i) {
    if (!face_usable(probes[i])) continue;
    const auto& q = *probes[i].face;
    std::copy(q.values.begin(), q.values.end(), queries.begin() + static_cast<std::ptrdiff_t>(i * face_stride));
    qscale[i] = q.scale;
  }
  constexpr std::size_t kBlock = 2048;  // rows per task: 1 MiB of 512-d rows
  tbb::parallel_for(std::size_t{0}, (n + kBlock - 1) / kBlock, [&](std::size_t b) {
    const std::size_t r0 = b * kBlock, count = std::min(kBlock, n - r0);
    std::vector<std::int32_t> dots(probes.size() * count);
    dot_rows(queries.data(), probes.size(), face_rows.data() + r0 * face_stride, count, face_stride, face_stride,
             dots.data());
    for (std::size_t i = 0; i < probes.size(); ++i)
      for (std::size_t r = 0; r < count; ++r)
        out[i * n + r0 + r] = static_cast<float>(dots[i * count + r]) * qscale[i] * face_scale[r0 + r];
  });
  return out;
}

DedupDecision Gallery::Impl::search(const EnrolledPerson& probe, const IdentifyOptions& o, const float* cosine) const {
  DedupDecision d;
  std::vector<std::size_t> searched;
  if (o.restrict_to.empty()) {
    searched.reserve(by_ref.size());
    for (std::size_t s = 0; s < people.size(); ++s)
      if (people[s].alive) searched.push_back(s);
  } else {
    for (const auto& ref : o.restrict_to)
      if (const auto it = by_ref.find(ref); it != by_ref.end()) searched.push_back(it->second);
    std::sort(searched.begin(), searched.end());
    searched.erase(std::unique(searched.begin(), searched.end()), searched.end());
  }
  d.searched = searched.size();
  d.threshold = duplicate_threshold(o.target_fpir, searched.size());
  if (searched.empty()) return d;
  const bool face = o.use_face && cosine != nullptr && face_usable(probe);
  // Fast path: the union of what the fingerprint index and the face
  // ranking propose, each its own shortlist of m people.
  bool fingers = false;
  if (o.use_fingers)
    for (std::size_t pos = 1; pos < kPositions; ++pos) fingers = fingers || probe.fingers[pos].size() > 0;
  std::vector<std::size_t> matched;
  if (!o.exhaustive && (face || fingers)) {
    const auto m = std::max(o.shortlist_min, static_cast<std::size_t>(std::ceil(o.shortlist_share * static_cast<double>(searched.size()))));
    if (fingers) {
      std::vector<float> votes(people.size(), 0.0f);
      for (std::size_t pos = 1; pos < kPositions; ++pos)
        if (!probe.keys[pos].empty()) d.index_entries += index.vote(static_cast<int>(pos), probe.keys[pos], votes);
      std::vector<std::size_t> voted;
      for (std::size_t s : searched)
        if (votes[s] > 0) voted.push_back(s);
      // The same comparison budget whatever the probe's finger count: a
      // probe with k fingers costs k comparisons per person fully matched,
      // so it gets m x 10 / k people (its votes are weaker, too).
      std::size_t k = 0;
      for (std::size_t pos = 1; pos < kPositions; ++pos) k += probe.fingers[pos].size() > 0;
      const std::size_t mf = m * (kPositions - 1) / std::max<std::size_t>(1, k);
      append_top(std::move(voted), mf, [&](std::size_t s) { return votes[s]; }, matched);
    }
    if (face) {
      std::vector<std::size_t> with_face;
      for (std::size_t s : searched)
        if (people[s].has_face) with_face.push_back(s);
      append_top(std::move(with_face), m, [&](std::size_t s) { return cosine[s]; }, matched);
    }
    std::sort(matched.begin(), matched.end());
    matched.erase(std::unique(matched.begin(), matched.end()), matched.end());
  } else {
    matched = searched;
  }
  d.matched = matched.size();
  const ScoreCalibration& fcal = default_finger_calibration();
  const ScoreCalibration& ycal = default_face_calibration();
  struct Local {
    std::vector<Candidate> above;
    Candidate best;
    std::size_t comparisons = 0;
  };
  tbb::enumerable_thread_specific<Local> locals;
  tbb::parallel_for(std::size_t{0}, matched.size(), [&](std::size_t i) {
    const std::size_t s = matched[i];
    const Person& p = people[s];
    Local& l = locals.local();
    double terms[kPositions + 1];
    std::size_t n = 0;
    if (o.use_fingers) {
      for (std::size_t pos = 1; pos < kPositions; ++pos) {
        if (probe.fingers[pos].size() == 0 || p.fingers[pos].size() == 0) continue;
        terms[n++] = fcal.calibrate(compare_fingers(probe.fingers[pos], p.fingers[pos], mcc));
      }
    }
    l.comparisons += n;
    Candidate c;
    c.ref = p.ref;
    c.fingers_compared = static_cast<int>(n);
    if (n > 0) c.fingers = fuse_scores({terms, n});
    if (face && p.has_face) {
      c.face = ycal.calibrate(cosine[s]);
      terms[n++] = *c.face;
    }
    c.score = fuse_scores({terms, n});
    if (c.score >= d.threshold) l.above.push_back(c);
    if (l.best.ref.empty() || c.score > l.best.score || (c.score == l.best.score && c.ref < l.best.ref))
      l.best = c;
  });
  std::vector<Candidate> all;
  Candidate best;
  for (auto& l : locals) {
    d.finger_comparisons += l.comparisons;
    all.insert(all.end(), l.above.begin(), l.above.end());
    if (!l.best.ref.empty() && (best.ref.empty() || l.best.score > best.score ||
                                (l.best.score == best.score && l.best.ref < best.ref)))
      best = l.best;
  }
  std::sort(all.begin(), all.end(), [](const Candidate& x, const Candidate& y) {
    return x.score != y.score ? x.score > y.score : x.ref < y.ref;
  });
  if (all.size() > o.max_results) all.resize(o.max_results);
  d.candidates = std::move(all);
  d.decision = d.candidates.empty() ? Decision::unique : Decision::duplicate;
  d.best = best.ref.empty() ? std::nullopt : std::optional<Candidate>(best);
  return d;
}

Gallery::Gallery(MccParams mcc, FingerIndexParams index) : impl_(std::make_unique<Impl>(mcc, index)) {}
Gallery::~Gallery() = default;

namespace {

constexpr const char* kLogName = "gallery.wal";
constexpr const char* kSnapshotName = "gallery.snap";

std::vector<QuarantinedLogFile> quarantined_in(const std::filesystem::path& dir) {
  std::vector<QuarantinedLogFile> out;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
    const std::string name = e.path().filename().string();
    const bool log = name.rfind(std::string(kLogName) + ".torn-", 0) == 0 ||
                     name.rfind(std::string(kLogName) + ".set-aside-", 0) == 0 ||
                     name.rfind(std::string(kLogName) + ".salvaged-", 0) == 0;
    const bool snap = name.rfind(std::string(kSnapshotName) + ".set-aside-", 0) == 0;
    if ((log || snap) && name.size() > 4 && name.substr(name.size() - 4) != ".tmp")
      out.push_back({e.path(), static_cast<std::uint64_t>(e.file_size(ec))});
  }
  std::sort(out.begin(), out.end(), [](const auto& x, const auto& y) { return x.path < y.path; });
  return out;
}

// Whether a snapshot belongs to this log: the entry it says it ends with
// ends where it says, with its sequence number and checksum. When that very
// entry is damaged (and with it the proof), its neighbours confirm it
// instead: the log's committed entries stop exactly where that entry
// starts, one sequence number before it, and after it the log ends or a
// whole entry with the next sequence number begins. Without this, one
// flipped byte in the entry a snapshot ends at made opening ignore an
// intact snapshot and refuse on the damage it covers.
bool snapshot_matches_log(const std::filesystem::path& log, const detail::SnapshotHeader& h) {
  const detail::WriteAheadLog::Boundary last{h.log_last_entry, h.log_last_seq, h.log_last_crc};
  if (detail::WriteAheadLog::entry_ends_at(log, last, h.log_offset)) return true;
  std::vector<std::uint8_t> file;
  try {
    file = read_file(log, std::numeric_limits<std::size_t>::max());
  } catch (const Error&) {
    return false;
  }
  if (h.log_last_seq == 0 || h.log_offset > file.size() || h.log_last_entry >= h.log_offset) return false;
  const auto scan = detail::scan_wal(file, {});
  if (scan.tail == detail::WalTail::clean || scan.committed_end != h.log_last_entry ||
      scan.damage_offset != h.log_last_entry || scan.last_seq + 1 != h.log_last_seq)
    return false;
  if (h.log_offset == file.size()) return true;
  const auto after = detail::scan_wal(file, {h.log_offset, h.log_last_seq, h.log_last_entry, h.log_last_crc, 0});
  return !after.committed.empty() && after.committed.front().offset == h.log_offset;
}

// Reads a snapshot into an empty gallery; returns where log replay starts.
// Throws (the caller then starts again from the log) on any problem.
detail::WalStart load_snapshot(Gallery::Impl& g, const std::filesystem::path& dir, std::size_t& people, bool& sealed) {
  detail::SnapshotReader reader(dir / kSnapshotName, g.cipher);
  const auto& h = reader.header();
  if (h.params_tag != detail::snapshot_params_tag(g.mcc, g.index_params) ||
      h.tables != static_cast<std::uint32_t>(g.index.tables()))
    throw Error(ErrorCode::invalid_argument, "it was made with other matcher or index parameters");
  if (!snapshot_matches_log(dir / kLogName, h))
    throw Error(ErrorCode::malformed_data, "it does not belong to this gallery's log");
  for (;;) {
    auto batch = reader.next(std::size_t{256} << 20);
    if (batch.empty()) break;
    g.check_insertable(batch);
    tbb::parallel_for(std::size_t{0}, batch.size(), [&](std::size_t i) {
      for (auto& f : batch[i].fingers) refresh_cylinder_stats(f, g.mcc);  // not stored in the snapshot
    });
    g.apply_inserts(batch);
  }
  people = reader.people();
  sealed = h.sealed;
  return {h.log_offset, h.log_last_seq, h.log_last_entry, h.log_last_crc};
}

}  // namespace

std::unique_ptr<Gallery> Gallery::open(const std::filesystem::path& dir, GalleryOpenReport* report, MccParams mcc,
                                       FingerIndexParams index, GalleryAccess access,
                                       std::shared_ptr<const GalleryCipher> cipher) {
  const auto t0 = std::chrono::steady_clock::now();
  const bool read_only = access == GalleryAccess::read_only;
  if (read_only) {
    if (!std::filesystem::is_directory(dir))
      throw Error(ErrorCode::not_found, dir.string() + ": no gallery folder here");
  } else {
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) throw Error(ErrorCode::io, dir.string() + ": cannot create the gallery folder: " + ec.message());
  }
  GalleryOpenReport r;
  auto g = std::make_unique<Gallery>(mcc, index);
  g->impl_->cipher = cipher;
  detail::WalStart start;
  // The log is the truth: a snapshot without it is a damaged folder, not a
  // new gallery to start over.
  if (std::filesystem::exists(dir / kSnapshotName) && !std::filesystem::exists(dir / kLogName))
    throw Error(ErrorCode::malformed_data, (dir / kLogName).string() +
                                               " is missing but a snapshot is present: refusing to start a new log");
  std::uint64_t acknowledged = 0;  // what a readable snapshot header says the log held
  if (std::filesystem::exists(dir / kSnapshotName)) {
    try {
      acknowledged = detail::SnapshotReader(dir / kSnapshotName).header().log_offset;
    } catch (const Error&) {
      acknowledged = 0;  // unreadable: reported below, and the log decides alone
    }
    try {
      start = load_snapshot(*g->impl_, dir, r.snapshot_records, r.snapshot_sealed);
    } catch (const Error& e) {
      // The log alone has everything: start again from it.
      r.snapshot_problem = std::string("snapshot not used: ") + e.what();
      r.snapshot_records = 0;
      r.snapshot_sealed = false;
      g = std::make_unique<Gallery>(mcc, index);
      g->impl_->cipher = cipher;
      start = {};
    }
  }
  // Replay: collect the log's operations, prepare the inserts in parallel
  // (enrolment is the slow part), then apply them in log order, each run of
  // inserts as one batch.
  std::vector<std::pair<detail::WalOp, std::vector<std::uint8_t>>> ops;
  detail::WalReplay replay;
  start.acknowledged = acknowledged;
  auto log = detail::WriteAheadLog::open(
      dir / kLogName,
      [&](detail::WalOp op, std::span<const std::uint8_t> payload) {
        ops.emplace_back(op, std::vector<std::uint8_t>(payload.begin(), payload.end()));
      },
      replay, start, read_only ? detail::WriteAheadLog::Mode::read_only : detail::WriteAheadLog::Mode::write, cipher);
  std::vector<EnrolledPerson> prepared(ops.size());
  tbb::parallel_for(std::size_t{0}, ops.size(), [&](std::size_t i) {
    if (ops[i].first != detail::WalOp::remove)
      prepared[i] = prepare(decode_person_record(ops[i].second), mcc, g->impl_->index, false);
  });
  for (std::size_t i = 0; i < ops.size();) {
    std::size_t j = i;
    while (j < ops.size() && ops[j].first == detail::WalOp::insert) ++j;
    if (j > i) {
      const std::span<EnrolledPerson> run(prepared.data() + i, j - i);
      g->impl_->check_insertable(run);
      g->impl_->apply_inserts(run);
      i = j;
    } else if (ops[i].first == detail::WalOp::update) {
      g->impl_->check_insertable({&prepared[i], 1}, true);
      g->impl_->apply_remove(prepared[i].ref);
      g->impl_->apply_inserts({&prepared[i], 1});
      ++i;
    } else {
      g->impl_->apply_remove(std::string(ops[i].second.begin(), ops[i].second.end()));
      ++i;
    }
  }
  g->impl_->log.emplace(std::move(log));
  g->impl_->dir = dir;
  g->impl_->read_only = read_only;
  if (report != nullptr) {
    r.records = g->impl_->by_ref.size();
    r.log_entries = replay.entries;
    r.sealed_entries = replay.sealed;
    r.clear_entries = replay.clear;
    if (replay.tail == detail::WalTail::torn) {
      r.torn_tail_bytes = replay.tail_bytes;
      r.torn_tail_offset = replay.tail_offset;
      r.log_problem = replay.problem;
      r.torn_tail_set_aside = replay.set_aside;
    }
    r.quarantined = quarantined_in(dir);
    r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    *report = std::move(r);
  }
  return g;
}

namespace {

// People a run of committed entries adds (inserts) and takes away (removes).
std::ptrdiff_t people_change(const std::vector<detail::WalScan::Entry>& entries) {
  std::ptrdiff_t n = 0;
  for (const auto& e : entries) n += e.op == detail::WalOp::insert ? 1 : e.op == detail::WalOp::remove ? -1 : 0;
  return n;
}

std::string people_text(std::size_t n) { return std::to_string(n) + (n == 1 ? " person" : " people"); }

}  // namespace

GalleryLogCheck check_gallery_log(const std::filesystem::path& dir, const MccParams& mcc, const FingerIndexParams& index) {
  const auto path = dir / kLogName;
  GalleryLogCheck c;
  auto file = read_file(path, std::numeric_limits<std::size_t>::max());
  c.bytes = file.size();
  const auto header = detail::wal_file_header();
  // A damaged file header (8 constant bytes) in front of whole entries is
  // damage the repair can undo; anything else is not this library's log.
  bool header_damaged = false;
  if (file.size() < header.size() || !std::equal(header.begin(), header.end(), file.begin())) {
    auto fixed = file;
    if (fixed.size() >= header.size()) std::copy(header.begin(), header.end(), fixed.begin());
    const bool entries_follow = fixed.size() > header.size() && !detail::scan_wal(fixed, {}).committed.empty();
    if (!entries_follow) {
      if (file.size() >= 4 && std::equal(header.begin(), header.begin() + 4, file.begin()))
        throw Error(ErrorCode::unsupported, path.string() + ": gallery log version not readable by this library");
      throw Error(ErrorCode::malformed_data, path.string() + ": not a tunggal gallery log");
    }
    header_damaged = true;
    file = std::move(fixed);
  }
  const auto scan = detail::scan_wal(file, {});
  c.entries = scan.committed.size();
  c.committed_end = scan.committed_end;
  c.damage_offset = scan.damage_offset;
  c.resumes_at = scan.resumes_at;
  c.problem = scan.problem;
  c.state = scan.tail == detail::WalTail::clean  ? GalleryLogCheck::State::clean
            : scan.tail == detail::WalTail::torn ? GalleryLogCheck::State::torn_tail
                                                 : GalleryLogCheck::State::damaged;
  if (header_damaged) {
    c.state = GalleryLogCheck::State::damaged;
    c.damage_offset = 0;
    c.problem = "the log's file header (bytes 0-7) is damaged" + (c.problem.empty() ? "" : "; " + c.problem);
  }
  c.quarantined = quarantined_in(dir);

  // The snapshot, read whole.
  detail::WalStart start;  // where opening reads the log from
  std::uint64_t acknowledged = 0;
  if (std::filesystem::exists(dir / kSnapshotName)) {
    try {
      detail::SnapshotReader reader(dir / kSnapshotName);
      const auto& h = reader.header();
      c.snapshot_covers = h.log_offset;
      acknowledged = h.log_offset;  // whether or not it is used (as opening does)
      const std::uint64_t people = reader.verify();
      if (!snapshot_matches_log(path, h)) {
        c.snapshot = GalleryLogCheck::Snapshot::of_another_log;
        c.snapshot_problem = "it does not belong to this gallery's log (or the log entry it ends at is damaged)";
      } else if (h.params_tag != detail::snapshot_params_tag(mcc, index) ||
                 h.tables != static_cast<std::uint32_t>(index.tables)) {
        c.snapshot = GalleryLogCheck::Snapshot::other_parameters;
        c.snapshot_problem = "it was made with other matcher or index parameters";
      } else {
        c.snapshot = GalleryLogCheck::Snapshot::intact;
        c.snapshot_people = static_cast<std::size_t>(people);
        start = {h.log_offset, h.log_last_seq, h.log_last_entry, h.log_last_crc, h.log_offset};
      }
    } catch (const Error& e) {
      c.snapshot = GalleryLogCheck::Snapshot::damaged;
      c.snapshot_problem = e.what();
    }
  }
  c.uses_snapshot = c.snapshot == GalleryLogCheck::Snapshot::intact;
  start.acknowledged = acknowledged;
  const auto from_start = c.uses_snapshot ? detail::scan_wal(file, start) : scan;
  const std::size_t base = c.uses_snapshot ? c.snapshot_people : 0;
  const auto loaded = static_cast<std::size_t>(
      std::max<std::ptrdiff_t>(0, static_cast<std::ptrdiff_t>(base) + people_change(from_start.committed)));
  c.damaged_below_snapshot = c.uses_snapshot && scan.tail != detail::WalTail::clean && scan.problem_offset < start.offset;

  // What opening does with them (as Gallery::open and the log's open do).
  const std::uint64_t must_have = std::max(start.offset, acknowledged);
  if (header_damaged) {
    c.opening_problem = "the log's file header is damaged";
  } else if (from_start.tail == detail::WalTail::damaged) {
    c.opening_problem = from_start.problem;
  } else if (c.bytes < must_have ||
             (from_start.tail == detail::WalTail::torn && from_start.problem_offset < must_have)) {
    c.opening_problem = "the snapshot shows the log was acknowledged up to byte " + std::to_string(must_have) +
                        ", but " + (c.bytes < must_have ? "the log is shorter" : from_start.problem);
  } else {
    c.opens = true;
    c.people = loaded;
  }
  if (!c.opens) {
    if (!header_damaged) {  // a cut cannot mend the header
      c.set_aside_from = from_start.problem_offset;
      c.people_kept = loaded;
      c.bytes_set_aside = c.bytes - *c.set_aside_from;
    }
    if (header_damaged || from_start.tail == detail::WalTail::damaged) {
      // What keeping every intact entry would load (a dry run).
      const auto salvaged = detail::salvage_wal(file, start);
      const auto after = detail::scan_wal(salvaged.log, start);
      c.salvage_people = static_cast<std::size_t>(
          std::max<std::ptrdiff_t>(0, static_cast<std::ptrdiff_t>(base) + people_change(after.committed)));
      c.salvage_bytes_dropped = salvaged.bytes_dropped;
    }
  }

  // Advice, in order.
  using S = GalleryLogCheck::Snapshot;
  switch (c.snapshot) {
    case S::none: break;
    case S::intact:
      c.advice.push_back("the snapshot is intact: it holds " + people_text(c.snapshot_people) +
                         " and covers the log up to byte " + std::to_string(c.snapshot_covers));
      break;
    default:
      c.advice.push_back("the snapshot will not be used (" + c.snapshot_problem +
                         "): opening replays the log from its first entry, which is slower but loses nothing the "
                         "log holds; `tunggal snapshot` writes a new one once the gallery opens");
  }
  if (c.damaged_below_snapshot)
    c.advice.push_back("the log is damaged at byte " + std::to_string(scan.damage_offset) +
                       ", below what the intact snapshot covers: opening does not read those bytes and loses "
                       "nothing; the snapshot is now the only intact copy of them, so keep gallery.snap (copy it "
                       "somewhere safe) and never set the log aside below byte " +
                       std::to_string(start.offset));
  if (c.opens) {
    c.advice.push_back("opening loads " + people_text(c.people) +
                       (c.uses_snapshot ? " (" + people_text(c.snapshot_people) + " from the snapshot, " +
                                              std::to_string(from_start.committed.size()) + " log entries after it)"
                                        : " (" + std::to_string(from_start.committed.size()) + " log entries)") +
                       (from_start.tail == detail::WalTail::torn
                            ? "; a writer first moves the unfinished write at the end (" +
                                  std::to_string(c.bytes - from_start.problem_offset) +
                                  " bytes, never acknowledged) aside into a file"
                            : ""));
  } else {
    c.advice.push_back("opening refuses: " + c.opening_problem);
    if (c.salvage_people)
      c.advice.push_back("`tunggal repair --gallery " + dir.string() + " --skip-damaged` keeps " +
                         people_text(*c.salvage_people) + ": every intact entry (" +
                         std::to_string(c.salvage_bytes_dropped) +
                         " damaged bytes are dropped; what they held is lost; the old log is kept whole beside "
                         "the new one)");
    if (c.set_aside_from)
    c.advice.push_back(std::string(c.salvage_people ? "or " : "") + "`tunggal repair --gallery " + dir.string() +
                       " --set-aside-from " +
                       std::to_string(*c.set_aside_from) + "` keeps " + people_text(c.people_kept) +
                       (c.uses_snapshot ? " (the snapshot and the log entries after it up to that byte)" : "") +
                       " and moves the last " + std::to_string(c.bytes_set_aside) +
                       " bytes aside into a file beside the log (nothing is deleted; entries written after the "
                       "damage are in that file, not loaded)");
  }
  return c;
}

namespace {
// Where a repair reads the log from: after an intact snapshot's cover (what
// opening reads from), else the first entry.
detail::WalStart repair_start(const std::filesystem::path& dir, const GalleryLogCheck& c) {
  if (!c.uses_snapshot) return {};
  const detail::SnapshotReader reader(dir / kSnapshotName);
  const auto& h = reader.header();
  return {h.log_offset, h.log_last_seq, h.log_last_entry, h.log_last_crc, h.log_offset};
}

// A repair holds the writer's lock for its whole length (Error(busy) while
// a process has the gallery open for writing).
storage::Fd lock_log_for_repair(const std::filesystem::path& path) {
  storage::Fd fd(::open(path.c_str(), O_RDWR | O_CLOEXEC));
  if (fd.get() < 0) storage::throw_errno(path, "cannot open the gallery log");
  if (::flock(fd.get(), LOCK_EX | LOCK_NB) != 0)
    throw Error(ErrorCode::busy, path.string() + ": another process has this gallery open for writing");
  return fd;
}
}  // namespace

std::vector<std::filesystem::path> set_aside_gallery_log(const std::filesystem::path& dir, std::uint64_t from,
                                                         const MccParams& mcc, const FingerIndexParams& index) {
  const auto path = dir / kLogName;
  storage::Fd fd = lock_log_for_repair(path);
  const auto c = check_gallery_log(dir, mcc, index);
  // Never below an intact snapshot: the people only it holds would go.
  if (c.uses_snapshot && from < c.snapshot_covers)
    throw Error(ErrorCode::invalid_argument,
                path.string() + ": byte " + std::to_string(from) + " is below what the intact snapshot covers (byte " +
                    std::to_string(c.snapshot_covers) + "): setting it aside would set the snapshot aside too and lose " +
                    "people only it holds. Nothing was changed" +
                    (c.opens ? ": the gallery opens as it is" : "; the cut that keeps the most is byte " +
                                                                    std::to_string(c.set_aside_from.value_or(0))));
  // Only at the end of a committed group: a cut anywhere else would leave
  // half an entry or half a batch. The groups are those opening reads.
  const auto file = read_file(path, std::numeric_limits<std::size_t>::max());
  const detail::WalStart start = repair_start(dir, c);
  const auto scan = detail::scan_wal(file, start);
  const bool boundary = from == start.offset ||
                        std::find(scan.group_ends.begin(), scan.group_ends.end(), from) != scan.group_ends.end();
  if (!boundary || from > scan.committed_end)
    throw Error(ErrorCode::invalid_argument,
                path.string() + ": byte " + std::to_string(from) +
                    " is not the end of a committed group before the damage (the last one is byte " +
                    std::to_string(scan.committed_end) + ")");
  std::vector<std::filesystem::path> written;
  if (from == c.bytes) return written;
  if (c.snapshot_covers > from && std::filesystem::exists(dir / kSnapshotName)) {
    // A snapshot that is damaged, of another log or of other parameters,
    // covering bytes set aside (an intact one was refused above).
    const std::filesystem::path aside = (dir / kSnapshotName).string() + ".set-aside-" + std::to_string(from);
    if (::rename((dir / kSnapshotName).c_str(), aside.c_str()) != 0)
      storage::throw_errno(aside, "cannot set the snapshot aside");
    storage::fsync_dir(dir);
    written.push_back(aside);
  }
  written.push_back(detail::set_aside_tail(path, fd.get(), from, "set-aside"));
  return written;
}

GallerySalvageReport salvage_gallery_log(const std::filesystem::path& dir, const MccParams& mcc,
                                         const FingerIndexParams& index) {
  const auto path = dir / kLogName;
  const storage::Fd lock = lock_log_for_repair(path);
  const auto c = check_gallery_log(dir, mcc, index);
  if (c.opens)
    throw Error(ErrorCode::invalid_argument,
                path.string() + ": the gallery opens as it is (" + std::to_string(c.people) + " people): nothing to skip");
  if (!c.salvage_people)
    throw Error(ErrorCode::invalid_argument, path.string() + ": " + c.opening_problem +
                                                 ": no damaged entry to skip (see `tunggal check`)");
  const auto file = read_file(path, std::numeric_limits<std::size_t>::max());
  const detail::WalStart start = repair_start(dir, c);
  auto salvaged = detail::salvage_wal(file, start);
  const auto header = detail::wal_file_header();
  std::copy(header.begin(), header.end(), salvaged.log.begin());  // a damaged file header mended
  GallerySalvageReport r;
  r.bytes_dropped = salvaged.bytes_dropped;
  r.damaged_regions = salvaged.damaged_regions;
  // The old log, whole, beside the new one (nothing is deleted).
  const std::filesystem::path kept = path.string() + ".salvaged-" + std::to_string(salvaged.first_damage);
  write_file_durably(kept, file);  // owner-only, synced, renamed into place
  r.written.push_back(kept);
  // An unusable snapshot that claims more of the log than now remains.
  if (!c.uses_snapshot && std::filesystem::exists(dir / kSnapshotName) && c.snapshot_covers > start.offset) {
    const std::filesystem::path aside = (dir / kSnapshotName).string() + ".set-aside-" + std::to_string(salvaged.first_damage);
    if (::rename((dir / kSnapshotName).c_str(), aside.c_str()) != 0)
      storage::throw_errno(aside, "cannot set the snapshot aside");
    r.written.push_back(aside);
  }
  // The new log, atomically in place.
  write_file_durably(path, salvaged.log);
  const auto after = check_gallery_log(dir, mcc, index);
  r.people_after = after.opens ? after.people : 0;
  return r;
}

GallerySnapshotReport Gallery::snapshot() {
  if (!impl_->log) throw Error(ErrorCode::invalid_argument, "gallery: an in-memory gallery has no folder to snapshot into");
  impl_->require_writable();
  const auto t0 = std::chrono::steady_clock::now();
  std::lock_guard one(impl_->snapshot_mu);
  std::shared_lock lock(impl_->mu);  // searches go on; writers wait
  const Impl& g = *impl_;
  detail::SnapshotHeader h;
  h.log_offset = g.log->end();
  h.log_last_entry = g.log->last().entry_offset;
  h.log_last_seq = g.log->last().seq;
  h.log_last_crc = g.log->last().crc;
  h.params_tag = detail::snapshot_params_tag(g.mcc, g.index_params);
  h.tables = static_cast<std::uint32_t>(g.index.tables());
  h.face_model = g.face_model;
  h.face_dim = static_cast<std::uint32_t>(g.face_dim);
  std::vector<std::size_t> alive;
  for (std::size_t s = 0; s < g.people.size(); ++s)
    if (g.people[s].alive) alive.push_back(s);
  detail::SnapshotWriter out(g.dir / kSnapshotName, h, g.cipher);
  // Blocks of people encoded in parallel (index keys recomputed: keeping
  // them in memory would cost more than computing them here), a group of
  // blocks at a time to bound memory, written in order.
  constexpr std::size_t kBlock = 256, kGroup = 16;
  const std::size_t blocks = (alive.size() + kBlock - 1) / kBlock;
  for (std::size_t g0 = 0; g0 < blocks; g0 += kGroup) {
    const std::size_t g1 = std::min(blocks, g0 + kGroup);
    std::vector<std::vector<std::uint8_t>> bodies(g1 - g0);
    tbb::parallel_for(g0, g1, [&](std::size_t b) {
      const std::size_t s0 = b * kBlock, s1 = std::min(alive.size(), s0 + kBlock);
      std::vector<EnrolledPerson> people(s1 - s0);
      for (std::size_t k = s0; k < s1; ++k) {
        const std::size_t slot = alive[k];
        EnrolledPerson& p = people[k - s0];
        p.ref = g.people[slot].ref;
        p.fingers = g.people[slot].fingers;
        for (std::size_t pos = 1; pos < kPositions; ++pos)
          if (p.fingers[pos].size() > 0) p.keys[pos] = g.index.keys(p.fingers[pos]);
        if (g.people[slot].has_face) {
          const auto* row = g.face_rows.data() + slot * g.face_stride;
          p.face = QuantizedEmbedding{std::vector<std::int8_t>(row, row + g.face_dim), g.face_scale[slot]};
          p.face_model = g.face_model;
        }
      }
      bodies[b - g0] = detail::encode_snapshot_block(people, h.tables);
    });
    for (std::size_t b = g0; b < g1; ++b)
      out.add_block(static_cast<std::uint32_t>(std::min(alive.size(), (b + 1) * kBlock) - b * kBlock), bodies[b - g0]);
  }
  GallerySnapshotReport r;
  r.bytes = out.finish();
  r.records = alive.size();
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return r;
}

void Gallery::insert(const PersonRecord& record) {
  impl_->require_writable();
  EnrolledPerson p = prepare(record, impl_->mcc, impl_->index, true);  // encoding also validates the record
  std::unique_lock lock(impl_->mu);
  impl_->check_insertable({&p, 1});
  if (impl_->log) impl_->log->append(detail::WalOp::insert, p.encoded);
  p.encoded.clear();
  impl_->apply_inserts({&p, 1});
}

void Gallery::insert(std::span<const PersonRecord> records) {
  impl_->require_writable();
  // The ids first, before the costly enrolment of every record: a batch
  // that will be refused for an id is refused at once (2,000 copies of one
  // record took a minute to be refused before).
  {
    std::unordered_set<std::string_view> ids;
    std::shared_lock lock(impl_->mu);
    for (const auto& r : records) {
      if (!ids.insert(r.id).second)
        throw Error(ErrorCode::invalid_argument, "gallery: reference id " + r.id + " appears twice in the batch");
      if (impl_->by_ref.count(r.id) != 0)
        throw Error(ErrorCode::invalid_argument, "gallery: reference id " + r.id + " is already enrolled");
    }
  }
  std::vector<EnrolledPerson> prepared(records.size());
  tbb::parallel_for(std::size_t{0}, records.size(),
                    [&](std::size_t i) { prepared[i] = prepare(records[i], impl_->mcc, impl_->index, true); });
  std::unique_lock lock(impl_->mu);
  impl_->check_insertable(prepared);
  if (impl_->log) {
    std::vector<std::span<const std::uint8_t>> payloads;
    for (const auto& p : prepared) payloads.emplace_back(p.encoded);
    impl_->log->append(detail::WalOp::insert, payloads);
  }
  for (auto& p : prepared) p.encoded = {};
  impl_->apply_inserts(prepared);
}

void Gallery::update(const PersonRecord& record) {
  impl_->require_writable();
  EnrolledPerson p = prepare(record, impl_->mcc, impl_->index, true);
  std::unique_lock lock(impl_->mu);
  impl_->check_insertable({&p, 1}, true);
  // One entry for both halves: a crash cannot leave the person removed.
  if (impl_->log) impl_->log->append(detail::WalOp::update, p.encoded);
  p.encoded.clear();
  impl_->apply_remove(p.ref);
  impl_->apply_inserts({&p, 1});
}

bool Gallery::remove(const std::string& ref) {
  impl_->require_writable();
  std::unique_lock lock(impl_->mu);
  if (impl_->by_ref.count(ref) == 0) return false;
  if (impl_->log)
    impl_->log->append(detail::WalOp::remove, {reinterpret_cast<const std::uint8_t*>(ref.data()), ref.size()});
  return impl_->apply_remove(ref);
}

std::size_t Gallery::count() const {
  std::shared_lock lock(impl_->mu);
  return impl_->by_ref.size();
}

bool Gallery::contains(const std::string& ref) const {
  std::shared_lock lock(impl_->mu);
  return impl_->by_ref.count(ref) != 0;
}

std::vector<DedupDecision> Gallery::identify(std::span<const PersonRecord> probes, const IdentifyOptions& o) const {
  std::vector<EnrolledPerson> prepared(probes.size());
  tbb::parallel_for(std::size_t{0}, probes.size(), [&](std::size_t i) { prepared[i] = prepare(probes[i], impl_->mcc, impl_->index, false); });
  std::vector<DedupDecision> out(probes.size());
  std::shared_lock lock(impl_->mu);
  // Face scores in chunks of probes (a chunk's cosines take chunk x gallery
  // floats), then each probe's candidate search and matching.
  constexpr std::size_t kChunk = 64;
  const std::size_t n = impl_->people.size();
  for (std::size_t c0 = 0; c0 < prepared.size(); c0 += kChunk) {
    const std::size_t c1 = std::min(prepared.size(), c0 + kChunk);
    const std::span<const EnrolledPerson> chunk(prepared.data() + c0, c1 - c0);
    // Without the face nothing reads the cosines: none are computed.
    const auto cosines = o.use_face ? impl_->face_cosines(chunk) : std::vector<float>{};
    tbb::parallel_for(c0, c1, [&](std::size_t i) {
      out[i] = impl_->search(prepared[i], o, cosines.empty() ? nullptr : cosines.data() + (i - c0) * n);
    });
  }
  return out;
}

void require_biometrics(const PersonRecord& record, std::string_view what) {
  bool any = record.face.has_value();
  for (const auto& f : record.fingers) any = any || !f.minutiae.empty();
  if (!any)
    throw Error(ErrorCode::invalid_argument, std::string(what) + ": record '" + record.id +
                                                 "' holds no finger minutiae and no face: there is nothing to search with");
}

DedupDecision Gallery::deduplicate(const PersonRecord& record, const IdentifyOptions& o) {
  impl_->require_writable();
  require_biometrics(record, "deduplicate");
  EnrolledPerson probe = prepare(record, impl_->mcc, impl_->index, true);
  std::unique_lock lock(impl_->mu);
  const auto cosines = impl_->face_cosines({&probe, 1});
  DedupDecision d = impl_->search(probe, o, cosines.data());
  if (d.decision == Decision::unique) {
    impl_->check_insertable({&probe, 1});
    if (impl_->log) impl_->log->append(detail::WalOp::insert, probe.encoded);
    probe.encoded.clear();
    impl_->apply_inserts({&probe, 1});
  }
  return d;
}

}  // namespace tunggal
