#include "tunggal/sdk/session.h"

#include <tbb/parallel_for.h>

#include <cmath>
#include <mutex>
#include <set>

#include "tunggal/calibration.h"
#include "tunggal/comparison.h"
#include "remote/remote_gallery.h"
#include "tunggal/store/vault.h"

namespace tunggal::sdk {
namespace {

// The gallery's cipher: the store's vault (libsodium secretbox) under the
// session's key file.
class KeyFileCipher final : public GalleryCipher {
 public:
  explicit KeyFileCipher(const std::filesystem::path& key_file)
      : vault_(key_file.has_parent_path() ? key_file.parent_path() : ".", key_file) {}
  std::vector<std::uint8_t> seal(std::span<const std::uint8_t> plain) const override { return vault_.seal(plain); }
  std::vector<std::uint8_t> open(std::span<const std::uint8_t> box, const std::string& what) const override {
    try {
      return vault_.open(box, what);
    } catch (const Error& e) {
      throw Error(e.code(), std::string(e.what()) + " (a wrong key, or damage)");
    }
  }

 private:
  store::Vault vault_;
};

double threshold_for(double fmr) {
  if (!(fmr > 0 && fmr < 1))
    throw Error(ErrorCode::invalid_argument, "verify: a false-match rate must lie in (0, 1), got " + std::to_string(fmr));
  return score_for_fmr(fmr);
}

Verification decide(double score, double fmr) {
  Verification v;
  v.fmr = fmr;
  v.threshold = threshold_for(fmr);
  v.score = score;
  v.match = score >= v.threshold;
  return v;
}

}  // namespace

struct Session::Impl {
  SessionConfig config;
  GalleryOpenReport report;
  std::unique_ptr<Gallery> gallery;                 // embedded,
  std::unique_ptr<detail::RemoteGallery> remote;    // or the daemon's
  mutable std::once_flag face_once;
  mutable std::optional<FaceExtractor> face;
};

Session::Session(SessionConfig config) : impl_(std::make_unique<Impl>()) {
  if (!config.gallery_key_file.empty() && config.gallery.empty())
    throw Error(ErrorCode::invalid_argument, "session: a gallery key needs a gallery folder (an in-memory gallery writes nothing)");
  if (!config.daemon.empty() && !config.gallery.empty())
    throw Error(ErrorCode::invalid_argument, "session: a gallery folder or a daemon address, not both");
  if (config.min_finger_quality < 0 || config.min_finger_quality > 100)
    throw Error(ErrorCode::invalid_argument, "session: min_finger_quality must lie in 0..100");
  threshold_for(config.verify_fmr);
  duplicate_threshold(config.target_fpir, 1);  // a rate, or a MOSIP score of 10-200
  if (!(config.verify_fmr > 0 && config.verify_fmr < 1))
    throw Error(ErrorCode::invalid_argument, "session: verify_fmr must be a rate in (0, 1), e.g. 0.0001, not " +
                                                 std::to_string(config.verify_fmr));
  if (config.max_results < 1 || config.max_results > 1000)
    throw Error(ErrorCode::invalid_argument, "session: max_results must lie in 1..1000");
  impl_->config = std::move(config);
  const SessionConfig& c = impl_->config;
  if (!c.daemon.empty()) {
    impl_->remote = std::make_unique<detail::RemoteGallery>(c);
  } else if (c.gallery.empty()) {
    impl_->gallery = std::make_unique<Gallery>(c.mcc, c.index);
  } else {
    std::shared_ptr<const GalleryCipher> cipher;
    if (!c.gallery_key_file.empty()) cipher = std::make_shared<KeyFileCipher>(c.gallery_key_file);
    impl_->gallery = Gallery::open(c.gallery, &impl_->report, c.mcc, c.index, c.access, cipher);
  }
}

Session::~Session() = default;

const SessionConfig& Session::config() const noexcept { return impl_->config; }
const GalleryOpenReport& Session::gallery_report() const noexcept { return impl_->report; }

const FaceExtractor& Session::face_extractor() const {
  if (!impl_->config.face) throw Error(ErrorCode::invalid_argument, "session: opened without the face pipeline");
  std::call_once(impl_->face_once, [this] {
    const auto& file = impl_->config.face_models;
    impl_->face.emplace(FaceModelSet::load(file.empty() ? default_face_model_file() : file), impl_->config.face_params);
  });
  return *impl_->face;
}

FingerSample Session::extract_finger(const GrayImage& image, FingerPosition position) const {
  ExtractionResult r = tunggal::extract_finger(image, impl_->config.extraction);
  FingerSample s;
  s.finger = std::move(r.finger);
  s.finger.position = position;
  s.quality = s.finger.quality;
  s.reasons = std::move(r.reasons);
  s.acceptable = s.quality >= impl_->config.min_finger_quality && !s.finger.minutiae.empty();
  if (!s.acceptable && s.reasons.empty())
    s.reasons.push_back("quality " + std::to_string(s.quality) + " below the gate of " +
                        std::to_string(impl_->config.min_finger_quality) + ": clean the finger and the reader, press flat");
  return s;
}

std::vector<FingerSample> Session::extract_fingers(std::span<const GrayImage> images,
                                                   std::span<const FingerPosition> positions) const {
  if (!positions.empty() && positions.size() != images.size())
    throw Error(ErrorCode::invalid_argument, "extract_fingers: one position per image, or none");
  std::vector<FingerSample> out(images.size());
  tbb::parallel_for(std::size_t{0}, images.size(), [&](std::size_t i) {
    out[i] = extract_finger(images[i], positions.empty() ? FingerPosition::unknown : positions[i]);
  });
  return out;
}

namespace {
FaceSample to_sample(FaceResult r) {
  FaceSample s;
  s.face = r.face;
  s.issues = r.issues;
  s.acceptable = r.acceptable();
  for (const FaceIssue i : r.issues) s.reasons.emplace_back(advice(i));
  s.detail = std::move(r);
  return s;
}
}  // namespace

FaceSample Session::extract_face(const ColorImage& image) const { return to_sample(face_extractor().extract(image)); }

std::vector<FaceSample> Session::extract_faces(std::span<const ColorImage> images) const {
  auto results = face_extractor().extract(images);
  std::vector<FaceSample> out;
  out.reserve(results.size());
  for (auto& r : results) out.push_back(to_sample(std::move(r)));
  return out;
}

double Session::compare(const FingerTemplate& a, const FingerTemplate& b) const {
  const MccParams& p = impl_->config.mcc;
  return default_finger_calibration().calibrate(compare_fingers(enroll_finger(a, p), enroll_finger(b, p), p));
}

Verification Session::verify(const FingerTemplate& a, const FingerTemplate& b, std::optional<double> fmr) const {
  Verification v = decide(compare(a, b), fmr.value_or(impl_->config.verify_fmr));
  v.fingers = v.score;
  v.fingers_compared = 1;
  return v;
}

Verification Session::verify(const FaceTemplate& a, const FaceTemplate& b, std::optional<double> fmr) const {
  Verification v = decide(default_face_calibration().calibrate(compare_faces(a, b)), fmr.value_or(impl_->config.verify_fmr));
  v.face = v.score;
  return v;
}

Verification Session::verify(const PersonRecord& a, const PersonRecord& b, std::optional<double> fmr) const {
  std::vector<double> finger_scores, all;
  for (const auto& fa : a.fingers) {
    if (fa.position == FingerPosition::unknown) continue;
    const FingerTemplate* fb = b.finger(fa.position);
    if (fb != nullptr) finger_scores.push_back(compare(fa, *fb));
  }
  std::optional<double> face;
  if (a.face && b.face && a.face->model == b.face->model)
    face = default_face_calibration().calibrate(compare_faces(*a.face, *b.face));
  if (finger_scores.empty() && !face)
    throw Error(ErrorCode::invalid_argument, "verify: the records share no finger position and no face model");
  all = finger_scores;
  if (face) all.push_back(*face);
  Verification v = decide(fuse_scores(all), fmr.value_or(impl_->config.verify_fmr));
  if (!finger_scores.empty()) v.fingers = fuse_scores(finger_scores);
  v.face = face;
  v.fingers_compared = static_cast<int>(finger_scores.size());
  return v;
}

Verification Session::verify(const PersonRecord& probe, const std::string& enrolled_id, std::optional<double> fmr) const {
  if (!contains(enrolled_id)) throw Error(ErrorCode::not_found, "verify: " + enrolled_id + " is not enrolled");
  IdentifyOptions o;
  o.exhaustive = true;
  o.restrict_to = {enrolled_id};
  o.max_results = 1;
  const DedupDecision d = identify({&probe, 1}, o).front();
  Verification v = decide(d.best ? d.best->score : 0.0, fmr.value_or(impl_->config.verify_fmr));
  if (d.best) {
    v.fingers = d.best->fingers;
    v.face = d.best->face;
    v.fingers_compared = d.best->fingers_compared;
  }
  return v;
}

IdentifyOptions Session::identify_options() const {
  IdentifyOptions o;
  o.target_fpir = impl_->config.target_fpir;
  o.max_results = impl_->config.max_results;
  return o;
}

std::vector<DedupDecision> Session::identify(std::span<const PersonRecord> probes) const {
  return identify(probes, identify_options());
}
std::vector<DedupDecision> Session::identify(std::span<const PersonRecord> probes, const IdentifyOptions& o) const {
  if (!impl_->remote) return impl_->gallery->identify(probes, o);
  std::vector<DedupDecision> out;
  out.reserve(probes.size());
  for (const auto& p : probes) out.push_back(impl_->remote->identify(p, o));
  return out;
}
DedupDecision Session::deduplicate(const PersonRecord& record) { return deduplicate(record, identify_options()); }
DedupDecision Session::deduplicate(const PersonRecord& record, const IdentifyOptions& o) {
  require_biometrics(record, "deduplicate");  // before anything is sent or searched
  return impl_->remote ? impl_->remote->deduplicate(record, o) : impl_->gallery->deduplicate(record, o);
}
void Session::enrol(const PersonRecord& record) {
  if (impl_->remote) return impl_->remote->insert(record);
  impl_->gallery->insert(record);
}
void Session::enrol(std::span<const PersonRecord> records) {
  if (!impl_->remote) return impl_->gallery->insert(records);
  // One request per record: checked here first, so that a batch the
  // embedded gallery would refuse whole is refused before anything is sent.
  std::set<std::string> ids;
  for (const auto& r : records) {
    encode_person_record(r);
    if (!ids.insert(r.id).second) throw Error(ErrorCode::invalid_argument, "enrol: reference id " + r.id + " is twice in the batch");
  }
  for (std::size_t i = 0; i < records.size(); ++i) {
    try {
      impl_->remote->insert(records[i]);
    } catch (const Error& e) {
      throw Error(e.code(), std::string(e.what()) + " (" + std::to_string(i) + " of the batch's " +
                                std::to_string(records.size()) + " records were enrolled before it)");
    }
  }
}
void Session::update(const PersonRecord& record) {
  if (impl_->remote) return impl_->remote->update(record);
  impl_->gallery->update(record);
}
bool Session::remove(const std::string& id) { return impl_->remote ? impl_->remote->remove(id) : impl_->gallery->remove(id); }
std::size_t Session::count() const { return impl_->remote ? impl_->remote->count() : impl_->gallery->count(); }
bool Session::contains(const std::string& id) const {
  return impl_->remote ? impl_->remote->contains(id) : impl_->gallery->contains(id);
}
GallerySnapshotReport Session::snapshot() {
  if (impl_->remote) throw Error(ErrorCode::unsupported, "session: snapshots of the daemon's gallery are the daemon's to take");
  return impl_->gallery->snapshot();
}

}  // namespace tunggal::sdk
