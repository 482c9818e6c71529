// The gallery: enrolled people laid out for scanning (cylinders precomputed
// per finger position, face embeddings in one row-major matrix), a
// reader-writer lock, and the write-ahead log.
#include "tunggal/gallery.h"

#include <tbb/enumerable_thread_specific.h>
#include <tbb/parallel_for.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <mutex>
#include <shared_mutex>
#include <unordered_map>

#include "tunggal/calibration.h"
#include "tunggal/error.h"
#include "tunggal/face.h"
#include "../candidates/finger_index.h"
#include "../kernels/dot_int8.h"
#include "wal.h"

namespace tunggal {
namespace {

constexpr std::size_t kPositions = kMaxFingerPosition + 1;  // index 0 unused

// A record made ready for comparison, outside any lock.
struct Prepared {
  std::string ref;
  std::array<EnrolledFinger, kPositions> fingers;
  std::array<std::vector<std::uint32_t>, kPositions> keys;  // fingerprint index keys
  std::optional<FaceTemplate> face;
  std::vector<std::uint8_t> encoded;  // the log payload
};

Prepared prepare(const PersonRecord& r, const MccParams& mcc, const detail::FingerIndex& index, bool encode) {
  Prepared p;
  p.ref = r.id;
  if (encode) p.encoded = encode_person_record(r);  // validates the record
  for (const auto& f : r.fingers) {
    const auto pos = static_cast<std::size_t>(f.position);
    if (pos < 1 || pos >= kPositions) continue;
    p.fingers[pos] = enroll_finger(f, mcc);
    p.keys[pos] = index.keys(p.fingers[pos]);
  }
  if (r.face) p.face = r.face;
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
  Impl(const MccParams& m, const FingerIndexParams& ip) : mcc(m), index(ip, m) {}
  struct Person {
    std::string ref;
    std::array<EnrolledFinger, kPositions> fingers;
    bool has_face = false, alive = false;
  };
  MccParams mcc;
  detail::FingerIndex index;
  std::vector<Person> people;  // slots; removed people stay as dead slots
  std::unordered_map<std::string, std::size_t> by_ref;
  std::string face_model;
  std::size_t face_dim = 0, face_stride = 0;  // stride: dim padded to 32 for the SIMD scan
  std::vector<std::int8_t> face_rows;  // slot * face_stride, zero rows for no face
  std::vector<float> face_scale;       // per slot: cosine = dot(rows) * scale_a * scale_b
  kernels::DotInt8RowsFn dot_rows = kernels::dot_int8_rows_kernel();
  mutable std::shared_mutex mu;
  std::optional<detail::WriteAheadLog> log;

  void check_insertable(const Prepared& p) const {
    if (by_ref.count(p.ref) != 0)
      throw Error(ErrorCode::invalid_argument, "gallery: reference id " + p.ref + " is already enrolled");
    if (p.face && !face_model.empty() && (p.face->model != face_model || p.face->embedding.size() != face_dim)) {
      throw Error(ErrorCode::invalid_argument, "gallery: face model " + p.face->model +
                                                   " differs from the gallery's " + face_model);
    }
  }

  void apply_insert(Prepared&& p) {
    if (p.face && face_model.empty()) {
      face_model = p.face->model;
      face_dim = p.face->embedding.size();
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
      if (!p.keys[pos].empty()) index.add(static_cast<std::uint32_t>(slot), static_cast<int>(pos), p.keys[pos]);
    if (p.face) {
      const auto q = quantize_embedding(p.face->embedding);
      std::copy(q.values.begin(), q.values.end(), face_rows.begin() + static_cast<std::ptrdiff_t>(slot * face_stride));
      face_scale[slot] = q.scale;
    }
    people.push_back(std::move(person));
    by_ref.emplace(people.back().ref, slot);
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

  bool face_usable(const Prepared& probe) const {
    return probe.face && face_dim > 0 && probe.face->model == face_model && probe.face->embedding.size() == face_dim;
  }
  // Cosines of a batch of probes against every slot (probe-major; rows of
  // probes without a usable face stay 0): one parallel pass over the
  // gallery, each row read once per four probes.
  std::vector<float> face_cosines(std::span<const Prepared> probes) const;
  DedupDecision search(const Prepared& probe, const IdentifyOptions& o, const float* cosine) const;
};

std::vector<float> Gallery::Impl::face_cosines(std::span<const Prepared> probes) const {
  const std::size_t n = people.size();
  std::vector<float> out(probes.size() * n, 0.0f);
  if (face_stride == 0 || n == 0) return out;
  std::vector<std::int8_t> queries(probes.size() * face_stride, 0);
  std::vector<float> qscale(probes.size(), 0.0f);
  for (std::size_t i = 0; i < probes.size(); ++i) {
    if (!face_usable(probes[i])) continue;
    const auto q = quantize_embedding(probes[i].face->embedding);
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

DedupDecision Gallery::Impl::search(const Prepared& probe, const IdentifyOptions& o, const float* cosine) const {
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
      append_top(std::move(voted), m, [&](std::size_t s) { return votes[s]; }, matched);
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

std::unique_ptr<Gallery> Gallery::open(const std::filesystem::path& dir, GalleryOpenReport* report, MccParams mcc,
                                       FingerIndexParams index) {
  const auto t0 = std::chrono::steady_clock::now();
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) throw Error(ErrorCode::io, dir.string() + ": cannot create the gallery folder: " + ec.message());
  auto g = std::make_unique<Gallery>(mcc, index);
  // Replay: collect the log's operations, prepare the inserts in parallel
  // (enrolment is the slow part), then apply them in log order.
  std::vector<std::pair<detail::WalOp, std::vector<std::uint8_t>>> ops;
  detail::WalReplay replay;
  auto log = detail::WriteAheadLog::open(
      dir / "gallery.wal",
      [&](detail::WalOp op, std::span<const std::uint8_t> payload) {
        ops.emplace_back(op, std::vector<std::uint8_t>(payload.begin(), payload.end()));
      },
      replay);
  std::vector<std::optional<Prepared>> prepared(ops.size());
  tbb::parallel_for(std::size_t{0}, ops.size(), [&](std::size_t i) {
    if (ops[i].first == detail::WalOp::insert)
      prepared[i] = prepare(decode_person_record(ops[i].second), mcc, g->impl_->index, false);
  });
  for (std::size_t i = 0; i < ops.size(); ++i) {
    if (ops[i].first == detail::WalOp::insert) {
      g->impl_->check_insertable(*prepared[i]);
      g->impl_->apply_insert(std::move(*prepared[i]));
    } else {
      g->impl_->apply_remove(std::string(ops[i].second.begin(), ops[i].second.end()));
    }
  }
  g->impl_->log.emplace(std::move(log));
  if (report != nullptr) {
    report->records = g->impl_->by_ref.size();
    report->log_entries = replay.entries;
    report->torn_tail_bytes = replay.torn_tail_bytes;
    report->seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  }
  return g;
}

void Gallery::insert(const PersonRecord& record) {
  Prepared p = prepare(record, impl_->mcc, impl_->index, true);  // encoding also validates the record
  std::unique_lock lock(impl_->mu);
  impl_->check_insertable(p);
  if (impl_->log) impl_->log->append(detail::WalOp::insert, p.encoded);
  p.encoded.clear();
  impl_->apply_insert(std::move(p));
}

void Gallery::insert(std::span<const PersonRecord> records) {
  std::vector<Prepared> prepared(records.size());
  tbb::parallel_for(std::size_t{0}, records.size(),
                    [&](std::size_t i) { prepared[i] = prepare(records[i], impl_->mcc, impl_->index, true); });
  std::unique_lock lock(impl_->mu);
  std::unordered_map<std::string, int> seen;
  for (const auto& p : prepared) {
    impl_->check_insertable(p);
    if (++seen[p.ref] > 1)
      throw Error(ErrorCode::invalid_argument, "gallery: reference id " + p.ref + " appears twice in the batch");
  }
  // Face model consistency inside the batch (the gallery may have none yet).
  const FaceTemplate* first_face = nullptr;
  for (const auto& p : prepared) {
    if (!p.face) continue;
    if (first_face == nullptr) first_face = &*p.face;
    if (p.face->model != first_face->model || p.face->embedding.size() != first_face->embedding.size())
      throw Error(ErrorCode::invalid_argument, "gallery: the batch mixes face models");
  }
  if (impl_->log) {
    std::vector<std::span<const std::uint8_t>> payloads;
    for (const auto& p : prepared) payloads.emplace_back(p.encoded);
    impl_->log->append(detail::WalOp::insert, payloads);
  }
  for (auto& p : prepared) {
    p.encoded.clear();
    impl_->apply_insert(std::move(p));
  }
}

bool Gallery::remove(const std::string& ref) {
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
  std::vector<Prepared> prepared(probes.size());
  tbb::parallel_for(std::size_t{0}, probes.size(), [&](std::size_t i) { prepared[i] = prepare(probes[i], impl_->mcc, impl_->index, false); });
  std::vector<DedupDecision> out(probes.size());
  std::shared_lock lock(impl_->mu);
  // Face scores in chunks of probes (a chunk's cosines take chunk x gallery
  // floats), then each probe's candidate search and matching.
  constexpr std::size_t kChunk = 64;
  const std::size_t n = impl_->people.size();
  for (std::size_t c0 = 0; c0 < prepared.size(); c0 += kChunk) {
    const std::size_t c1 = std::min(prepared.size(), c0 + kChunk);
    const std::span<const Prepared> chunk(prepared.data() + c0, c1 - c0);
    // Without the face nothing reads the cosines: none are computed.
    const auto cosines = o.use_face ? impl_->face_cosines(chunk) : std::vector<float>{};
    tbb::parallel_for(c0, c1, [&](std::size_t i) {
      out[i] = impl_->search(prepared[i], o, cosines.empty() ? nullptr : cosines.data() + (i - c0) * n);
    });
  }
  return out;
}

DedupDecision Gallery::deduplicate(const PersonRecord& record, const IdentifyOptions& o) {
  Prepared probe = prepare(record, impl_->mcc, impl_->index, true);
  std::unique_lock lock(impl_->mu);
  const auto cosines = impl_->face_cosines({&probe, 1});
  DedupDecision d = impl_->search(probe, o, cosines.data());
  if (d.decision == Decision::unique) {
    impl_->check_insertable(probe);
    if (impl_->log) impl_->log->append(detail::WalOp::insert, probe.encoded);
    probe.encoded.clear();
    impl_->apply_insert(std::move(probe));
  }
  return d;
}

}  // namespace tunggal
