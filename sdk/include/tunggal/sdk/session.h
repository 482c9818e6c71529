// tunggal::sdk::Session: what an application at the office links to. One
// object, opened from a configuration, that extracts and checks samples,
// verifies 1:1 with calibrated scores, identifies and deduplicates 1:N
// against a gallery, and enrols. Capture devices (capture.h), card
// rendering (card.h) and printing (printing.h) take a Session where they
// need one.
//
// Thread-safe: every const call may run on many threads at once; enrolment
// calls serialise inside the gallery. No global state: two sessions on two
// galleries are independent. Errors are tunggal::Error (tunggal/error.h)
// with an ErrorCode and a message naming what is wrong.
#pragma once

#include <cstddef>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "tunggal/error.h"
#include "tunggal/extraction.h"
#include "tunggal/face.h"
#include "tunggal/gallery.h"
#include "tunggal/image.h"
#include "tunggal/person_record.h"

namespace tunggal::sdk {

struct SessionConfig {
  // The embedded default: a gallery folder (created if absent, durable: a
  // write-ahead log, see README "Durability"); empty: a gallery in memory.
  std::filesystem::path gallery;
  // Templates encrypted at rest: the gallery's log entries and snapshot
  // blocks sealed with libsodium's secretbox (XSalsa20-Poly1305) under the
  // 32-byte key in this file (created, random and 0600, if absent; refused
  // if others may read it). Empty: written in the clear. A gallery written
  // with a key does not open without it (Error(invalid_argument)), nor with
  // another (Error(checksum_mismatch)).
  std::filesystem::path gallery_key_file;
  // The remote mode: a tunggald address, "http://HOST:PORT" or
  // "https://HOST:PORT", for the same gallery calls against the
  // consolidation center's daemon (`gallery` must then be empty). Extraction
  // and 1:1 between templates stay here; enrol, update, remove, identify,
  // deduplicate, count, contains and verify against an enrolled id go to the
  // daemon, each durable there before it returns. A call whose connection
  // drops is sent again (daemon_attempts in all) with the same requestId,
  // which the daemon answers once. Differences: a batch enrol is one request
  // per record (each durable, not all or nothing); snapshot() is the
  // daemon's own (Error(unsupported)); the shortlist options are the
  // daemon's. A refused token is Error(denied); an unreachable daemon
  // Error(io).
  std::string daemon;
  std::filesystem::path daemon_token_file;  // its bearer token, first line (owner-only file)
  std::filesystem::path daemon_ca_file;     // https: the CA of the daemon's certificate ("": the system's)
  std::filesystem::path daemon_client_cert, daemon_client_key;  // https: a client certificate, when asked for
  double daemon_timeout_seconds = 60;
  int daemon_attempts = 3;
  GalleryAccess access = GalleryAccess::read_write;
  // Face model description file ("": the installed default set). The models
  // load on the first face call; `face = false` refuses face calls.
  std::filesystem::path face_models;
  bool face = true;
  // Default decision points: verify() accepts at this false-match rate;
  // identify()/deduplicate() call a duplicate at this false-positive
  // identification rate (a rate in (0, 1), or MOSIP's targetFPIR of 10-200:
  // 30 = 1 in 1,000). The session refuses anything else when it opens.
  double verify_fmr = 1e-4;
  double target_fpir = 1e-3;
  std::size_t max_results = 10;
  // The quality gate: a finger sample below this (0-100) is asked again.
  int min_finger_quality = 40;
  ExtractionParams extraction;
  MccParams mcc;
  FingerIndexParams index;
  FaceParams face_params;
};

// A fingerprint image turned into a template, with its quality gate.
struct FingerSample {
  FingerTemplate finger;
  int quality = 0;                   // 0-100
  bool acceptable = false;           // quality >= min_finger_quality and usable
  std::vector<std::string> reasons;  // what to do about it (empty when acceptable)
};

// A face image turned into a template, with its quality gate.
struct FaceSample {
  std::optional<FaceTemplate> face;  // absent when no face could be used
  bool acceptable = false;
  std::vector<FaceIssue> issues;
  std::vector<std::string> reasons;  // advice for each issue
  FaceResult detail;                 // detections, landmarks, measures
};

// A 1:1 comparison: calibrated score (-10 log10 FMR), the threshold for the
// false-match rate asked for, and the decision.
struct Verification {
  double score = 0;
  double threshold = 0;
  double fmr = 0;  // the rate the threshold stands for
  bool match = false;
  std::optional<double> fingers, face;  // per modality, when compared
  int fingers_compared = 0;
};

class Session {
 public:
  explicit Session(SessionConfig config);
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  const SessionConfig& config() const noexcept;
  // What opening the gallery found (people, snapshot, torn tail, quarantine).
  const GalleryOpenReport& gallery_report() const noexcept;

  // Image -> template, quality and recapture reasons. Batches run in
  // parallel.
  FingerSample extract_finger(const GrayImage& image, FingerPosition position = FingerPosition::unknown) const;
  std::vector<FingerSample> extract_fingers(std::span<const GrayImage> images,
                                            std::span<const FingerPosition> positions = {}) const;
  FaceSample extract_face(const ColorImage& image) const;
  std::vector<FaceSample> extract_faces(std::span<const ColorImage> images) const;

  // 1:1 at `fmr` (default: config().verify_fmr). Fingers are compared by
  // MCC and calibrated; faces by cosine and calibrated; records over every
  // finger position both hold and the face, fused (Fisher's method).
  Verification verify(const FingerTemplate& a, const FingerTemplate& b, std::optional<double> fmr = {}) const;
  Verification verify(const FaceTemplate& a, const FaceTemplate& b, std::optional<double> fmr = {}) const;
  Verification verify(const PersonRecord& a, const PersonRecord& b, std::optional<double> fmr = {}) const;
  // Against an enrolled person (Error(not_found) if the id is not enrolled).
  Verification verify(const PersonRecord& probe, const std::string& enrolled_id, std::optional<double> fmr = {}) const;
  // The calibrated score alone (symmetric).
  double compare(const FingerTemplate& a, const FingerTemplate& b) const;

  // 1:N. Options default to the configuration's FPIR and result count.
  IdentifyOptions identify_options() const;
  std::vector<DedupDecision> identify(std::span<const PersonRecord> probes) const;
  std::vector<DedupDecision> identify(std::span<const PersonRecord> probes, const IdentifyOptions& options) const;
  // Search, then enrol only when unique, under one lock.
  DedupDecision deduplicate(const PersonRecord& record);
  DedupDecision deduplicate(const PersonRecord& record, const IdentifyOptions& options);

  // Durable before they return (a batch: one group commit, all or nothing).
  void enrol(const PersonRecord& record);
  void enrol(std::span<const PersonRecord> records);
  void update(const PersonRecord& record);
  bool remove(const std::string& id);
  std::size_t count() const;
  bool contains(const std::string& id) const;
  GallerySnapshotReport snapshot();

  // The face pipeline (loaded on first use; Error if face = false).
  const FaceExtractor& face_extractor() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace tunggal::sdk
