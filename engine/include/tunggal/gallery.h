// 1:N deduplication ("penunggalan"): a Gallery of enrolled people, searched
// by new applicants' ten fingerprints and face, answering unique or possible
// duplicate with a ranked candidate list at an error rate the operator
// chooses.
//
// Batch first: identify() takes many probes at once; a single probe is a
// batch of one. Thread-safe: searches run in parallel with each other and
// with inserts; a search sees every insert acknowledged before it started.
// Durable when opened on a folder: every insert, update and remove is in the
// write-ahead log, checksummed and fsync'ed, before it returns.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "tunggal/candidates.h"
#include "tunggal/comparison.h"
#include "tunggal/person_record.h"

namespace tunggal {

struct IdentifyOptions {
  // Target false-positive identification rate: the share of applicants who
  // are in nobody's gallery but would still be called duplicates. Either a
  // rate (0 < r < 1) or MOSIP's targetFPIR convention (r >= 1: 30 means
  // 1 in 1,000, i.e. 10^(-r/10)).
  double target_fpir = 1e-3;
  std::size_t max_results = 10;  // candidates returned at most
  // Match every gallery person fully (the reference the fast path is
  // measured against) instead of shortlisting with the indexes first.
  bool exhaustive = false;
  // Fast path: each index (fingerprint LSH votes, face similarity) proposes
  // max(shortlist_min, shortlist_share * searched people), best first; the
  // union is fully matched. The fingerprint index proposes 10 / k times as
  // many for a probe with k < 10 fingers: the same number of finger
  // comparisons. A probe with neither usable fingers nor a usable face is
  // matched exhaustively.
  std::size_t shortlist_min = 50;
  double shortlist_share = 0.001;
  bool use_fingers = true, use_face = true;
  // Search only these reference ids (empty: everyone).
  std::vector<std::string> restrict_to;
};

// Per-modality evidence for one gallery person. Scores are on the
// calibrated scale (-10 log10 FMR); absent modalities are nullopt.
struct Candidate {
  std::string ref;
  double score = 0;  // fused over fingers and face
  std::optional<double> fingers;  // fused over the fingers compared
  std::optional<double> face;
  int fingers_compared = 0;
};

enum class Decision { unique, duplicate };
std::string_view to_string(Decision d) noexcept;

struct DedupDecision {
  Decision decision = Decision::unique;
  std::vector<Candidate> candidates;  // score >= threshold, best first, at most max_results
  double threshold = 0;               // fused score a duplicate must reach
  // Cost counters: people searched, people fully matched (penetration =
  // matched / searched), finger comparisons made, fingerprint index bucket
  // entries visited.
  std::size_t searched = 0, matched = 0, finger_comparisons = 0, index_entries = 0;
  // The best-scoring person matched, above the threshold or not: for
  // benchmarks that sweep thresholds (FNIR at several FPIRs).
  std::optional<Candidate> best;
};

// Fuses calibrated scores s_i = -10 log10(p_i) by Fisher's method: under
// "impostor" the p_i are independent uniform, so -2 sum ln p_i is chi-square
// with 2k degrees of freedom; returns -10 log10 of its tail probability,
// i.e. again a score on the FMR scale, now for all k terms together. (A sum
// of scores alone would grow with the number of fingers compared.)
double fuse_scores(std::span<const double> scores) noexcept;

// The fused score a duplicate must reach so that, over `searched` people,
// the chance of any impostor reaching it is `target_fpir` (Bonferroni:
// per-person FMR = target_fpir / searched).
double duplicate_threshold(double target_fpir, std::size_t searched);

// Opening a durable gallery: what was found in the snapshot and the log.
struct GalleryOpenReport {
  std::size_t records = 0;
  std::size_t snapshot_records = 0;  // people read from the snapshot, not enrolled again
  std::size_t log_entries = 0;       // log entries replayed (after the snapshot, if one was used)
  // Why a snapshot present was not used (empty: used, or none): damaged,
  // cut short, of other parameters, or not of this log. The log is then
  // replayed in full, so nothing is lost; only start-up is slower.
  std::string snapshot_problem;
  // A last entry cut short or failing its checksum: a write the process
  // died in, never acknowledged. It is cut off, and reported here.
  std::uint64_t torn_tail_bytes = 0;
  double seconds = 0;
};

struct GallerySnapshotReport {
  std::size_t records = 0;
  std::uint64_t bytes = 0;
  double seconds = 0;
};

class Gallery {
 public:
  // In memory only.
  explicit Gallery(MccParams mcc = {}, FingerIndexParams index = {});
  // Durable, in `dir` (created if absent): reads the snapshot, if any, and
  // replays the write-ahead log after it. Corruption of the log before its
  // last entry throws Error(checksum_mismatch or malformed_data) naming the
  // offset: nothing is loaded as garbage.
  static std::unique_ptr<Gallery> open(const std::filesystem::path& dir,
                                       GalleryOpenReport* report = nullptr, MccParams mcc = {},
                                       FingerIndexParams index = {});
  ~Gallery();
  Gallery(const Gallery&) = delete;
  Gallery& operator=(const Gallery&) = delete;

  // Throws Error(invalid_argument) if the reference id is already enrolled.
  // Returns once durable (when opened on a folder).
  void insert(const PersonRecord& record);
  // Batch: enrols in parallel, then logs all with one fsync (group commit).
  // All or nothing: a bad record or an id already present (or twice in the
  // batch) throws before anything is written.
  void insert(std::span<const PersonRecord> records);
  // Replaces an enrolled person's record (same reference id), e.g. after a
  // recapture: one log entry, so a crash leaves the old record or the new
  // one, never neither. Throws Error(not_found) if the id is not enrolled.
  void update(const PersonRecord& record);
  bool remove(const std::string& ref);
  std::size_t count() const;
  bool contains(const std::string& ref) const;

  std::vector<DedupDecision> identify(std::span<const PersonRecord> probes,
                                      const IdentifyOptions& options = {}) const;
  // identify(), then insert only when unique; the decision is returned.
  // The search and the insert hold the write lock together, so two
  // concurrent deduplications of the same person cannot both pass.
  DedupDecision deduplicate(const PersonRecord& record, const IdentifyOptions& options = {});

  // Writes the enrolled form of every living person (cylinders, index keys,
  // int8 faces) to `dir`/gallery.snap, atomically, so the next open() reads
  // it instead of enrolling the whole log again. Searches go on meanwhile;
  // inserts and removes wait. Throws Error(invalid_argument) for an
  // in-memory gallery.
  GallerySnapshotReport snapshot();

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace tunggal
