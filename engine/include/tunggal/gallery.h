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
#include <string_view>
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
// per-person FMR = target_fpir / searched). `target_fpir` is a rate in
// (0, 1) or a MOSIP-style score of 10-200 (30 = 1 in 1,000); anything else
// throws Error(invalid_argument).
double duplicate_threshold(double target_fpir, std::size_t searched);

// A file set aside beside the log: the bytes of a torn tail a writer moved
// out of the way (`gallery.wal.torn-<offset>`), or what an operator set
// aside with set_aside_gallery_log (`gallery.wal.set-aside-<offset>`, and
// `gallery.snap.set-aside-<offset>` for a snapshot that covered them). Never
// deleted by the library: reported at every open until a person removes it.
struct QuarantinedLogFile {
  std::filesystem::path path;
  std::uint64_t bytes = 0;
};

// Opening a durable gallery: what was found in the snapshot and the log.
struct GalleryOpenReport {
  std::size_t records = 0;
  std::size_t snapshot_records = 0;  // people read from the snapshot, not enrolled again
  std::size_t log_entries = 0;       // log entries replayed (after the snapshot, if one was used)
  // Why a snapshot present was not used (empty: used, or none): damaged,
  // cut short, of other parameters, or not of this log. The log is then
  // replayed in full, so nothing is lost; only start-up is slower.
  std::string snapshot_problem;
  // The log ends in an unfinished write (an entry cut short, zeros where
  // data never landed, or a group whose commit entry is missing) with
  // nothing valid after it: those bytes were never acknowledged and are not
  // loaded. A read-only open leaves them in place; a writer moves them to
  // `torn_tail_set_aside` first (they are kept) so that appends follow the
  // last committed entry.
  std::uint64_t torn_tail_bytes = 0, torn_tail_offset = 0;
  std::string log_problem;  // what the torn tail was, for a person (empty: none)
  std::filesystem::path torn_tail_set_aside;  // written by this open (empty: none)
  std::vector<QuarantinedLogFile> quarantined;  // every quarantine file now beside the log
  // Log entries read sealed (encrypted) and in the clear (written before
  // the gallery had a key, or opened without one).
  std::size_t sealed_entries = 0, clear_entries = 0;
  bool snapshot_sealed = false;
  double seconds = 0;
};

enum class GalleryAccess {
  read_write,  // creates the folder and log if absent; one writer process at a time (Error(busy) otherwise)
  read_only,   // never writes to the folder; inserts, updates, removes and snapshots are refused
};

// What is in a gallery's folder, read without loading anyone and without
// changing anything (`tunggal check`): the log scanned whole, the snapshot
// read whole (every block's checksum; no key needed), what opening will do
// with them, and, where opening would refuse, the repair that keeps the
// most people. The rule: an intact snapshot is preferred for what it
// covers; only what no intact copy holds is ever set aside.
struct GalleryLogCheck {
  enum class State { clean, torn_tail, damaged };
  State state = State::clean;       // of the log, scanned from its first entry
  std::uint64_t bytes = 0;          // the log's size
  std::size_t entries = 0;          // committed entries (inserts, updates, removes) before any problem
  std::uint64_t committed_end = 0;  // byte after the last committed entry before any problem
  std::uint64_t damage_offset = 0;  // the first damaged or unfinished entry
  std::optional<std::uint64_t> resumes_at;  // damaged: a valid entry found after the damage
  std::string problem;              // empty when clean
  std::vector<QuarantinedLogFile> quarantined;

  enum class Snapshot { none, intact, damaged, of_another_log, other_parameters };
  Snapshot snapshot = Snapshot::none;
  std::uint64_t snapshot_covers = 0;  // log offset its header names (0: no readable header)
  std::size_t snapshot_people = 0;    // intact: the people it holds
  std::string snapshot_problem;       // why it will not be used

  // What opening the folder as it is will do.
  bool opens = false;
  bool uses_snapshot = false;         // the snapshot intact, of this log and these parameters
  std::size_t people = 0;             // opening loads this many (when it opens)
  std::string opening_problem;        // why it would refuse (empty: it opens)
  // The log is damaged below what the snapshot covers: opening does not
  // read those bytes, and the snapshot is the only intact copy of them.
  bool damaged_below_snapshot = false;
  // Where opening would refuse: the cut (`tunggal repair --set-aside-from`)
  // that keeps the most people, how many it keeps, and how many bytes it
  // moves aside (kept in a file). Never below an intact snapshot's cover.
  std::optional<std::uint64_t> set_aside_from;
  std::size_t people_kept = 0;
  std::uint64_t bytes_set_aside = 0;
  // ... and the repair that keeps every intact entry
  // (salvage_gallery_log, `tunggal repair --skip-damaged`): how many people
  // it keeps and how many damaged bytes it drops. Preferred: it keeps at
  // least as many.
  std::optional<std::size_t> salvage_people;
  std::uint64_t salvage_bytes_dropped = 0;
  std::vector<std::string> advice;    // for a person, in order
};
GalleryLogCheck check_gallery_log(const std::filesystem::path& dir, const MccParams& mcc = {},
                                  const FingerIndexParams& index = {});

// An operator's decision for a damaged log: moves the log's bytes from
// `from` (the end of a committed group, as check_gallery_log reports) to the
// end into a quarantine file beside it, and cuts the log there, so that the
// gallery opens with everything before. Refused (Error(invalid_argument),
// nothing changed) when an intact snapshot of this log covers past `from`:
// that would set aside people only the snapshot still holds; a snapshot
// that is damaged or not this log's, covering past `from`, is set aside
// too. Nothing is deleted. Needs the writer's lock (Error(busy) while a
// writer has the gallery open). Returns the files written.
std::vector<std::filesystem::path> set_aside_gallery_log(const std::filesystem::path& dir, std::uint64_t from,
                                                         const MccParams& mcc = {},
                                                         const FingerIndexParams& index = {});

// The repair that keeps every intact entry of a damaged log: rewrites the
// log after the point opening reads from (an intact snapshot's cover, or
// the first entry) without its damaged bytes, the intact entries
// renumbered, each group that writes followed committed. The old log is
// kept whole beside it (`gallery.wal.salvaged-<offset>`), nothing is
// deleted; an unusable snapshot covering past the damage is set aside.
// What a damaged entry held (an insert, an update, a remove) is lost: it
// could not be read. Refused (Error(invalid_argument)) when the gallery
// opens as it is. Needs the writer's lock (Error(busy)).
struct GallerySalvageReport {
  std::size_t people_before = 0, people_after = 0;  // what opening loads (before: 0, it refused)
  std::uint64_t bytes_dropped = 0;
  std::size_t damaged_regions = 0;
  std::vector<std::filesystem::path> written;  // the kept old log, a set-aside snapshot
};
GallerySalvageReport salvage_gallery_log(const std::filesystem::path& dir, const MccParams& mcc = {},
                                         const FingerIndexParams& index = {});

struct GallerySnapshotReport {
  std::size_t records = 0;
  std::uint64_t bytes = 0;
  double seconds = 0;
};

// Sealing what a durable gallery writes to its folder: every log entry's
// payload (records, removed ids) and every snapshot block, so that templates
// are encrypted at rest. The engine holds no cryptography: the SDK plugs in
// libsodium's secretbox under an owner-only key file
// (SessionConfig::gallery_key_file). Entries written before a key was given
// stay readable (and in the clear: GalleryOpenReport::clear_entries); a
// sealed entry without the key, or under another key, refuses the open.
class GalleryCipher {
 public:
  virtual ~GalleryCipher() = default;
  virtual std::vector<std::uint8_t> seal(std::span<const std::uint8_t> plain) const = 0;
  // Throws Error(checksum_mismatch) when `box` was not sealed under this
  // key or was changed; `what` names it.
  virtual std::vector<std::uint8_t> open(std::span<const std::uint8_t> box, const std::string& what) const = 0;
};

// Throws Error(invalid_argument), naming `what` and the record, when the
// record holds no finger with minutiae and no face: nothing to search with.
void require_biometrics(const PersonRecord& record, std::string_view what);

class Gallery {
 public:
  // In memory only.
  explicit Gallery(MccParams mcc = {}, FingerIndexParams index = {});
  // Durable, in `dir`: reads the snapshot, if any, and replays the
  // write-ahead log after it. Opening never changes a byte of what was
  // acknowledged. Damage in the log (anything an interrupted write does not
  // explain, or damage with valid entries after it) throws
  // Error(checksum_mismatch or malformed_data) naming the offset, and
  // nothing is loaded or changed; a torn tail is reported (see
  // GalleryOpenReport). Read-only needs an existing gallery
  // (Error(not_found) otherwise).
  static std::unique_ptr<Gallery> open(const std::filesystem::path& dir,
                                       GalleryOpenReport* report = nullptr, MccParams mcc = {},
                                       FingerIndexParams index = {},
                                       GalleryAccess access = GalleryAccess::read_write,
                                       std::shared_ptr<const GalleryCipher> cipher = nullptr);
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
  // concurrent deduplications of the same person cannot both pass. A
  // record with no finger minutiae and no face is refused
  // (Error(invalid_argument)): it would be found unique and enrolled.
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
