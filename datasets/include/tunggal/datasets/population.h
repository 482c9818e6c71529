// A synthetic population for deduplication tests: people with Indonesian
// civil-registry demographics and a NIK built by its rules, ten fingers each
// (SFinGe masters, see synthetic_finger.h), a synthetic face embedding, and
// planted duplicates — enrolled people who apply again under a new identity.
// Ground truth (who is whom) is kept apart from what the matcher sees.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "tunggal/datasets/synthetic_finger.h"
#include "tunggal/person_record.h"

namespace tunggal::datasets {

// ---- Demographics -------------------------------------------------------

struct Demographics {
  std::string
      nik;  // 16 digits: province(2) regency(2) district(2) DDMMYY (+40 to DD for women) serial(4)
  std::string name;
  bool female = false;
  std::string birth_place;
  int birth_day = 1, birth_month = 1, birth_year = 1990;
  std::string address;  // street and number
  int rt = 1, rw = 1;
  std::string village, district, regency, province;
  std::string religion, marital_status, occupation, blood_type;

  std::string sex() const { return female ? "PEREMPUAN" : "LAKI-LAKI"; }
  std::string birth_date() const;  // DD-MM-YYYY
  // As PersonRecord attributes ("nik", "name", "sex", ...).
  std::vector<std::pair<std::string, std::string>> attributes() const;
};

// The first 12 digits of a NIK and the region it names; the serial comes
// from whoever guarantees uniqueness (plan_population).
struct NikKey {
  int province_code = 0, regency_code = 0, district_code = 0;
  int day = 1, month = 1, year = 1990;
  bool female = false;
  std::string prefix() const;  // 12 digits
};

struct NikParts {
  int province = 0, regency = 0, district = 0, day = 0, month = 0, year2 = 0, serial = 0;
  bool female = false;
};
// Parses and checks a NIK (16 digits, valid codes, a real date with women's
// day + 40, serial 0001-9999); false with a reason when it breaks a rule.
bool parse_nik(const std::string& nik, NikParts& parts, std::string* reason = nullptr);

// Draws the identity-defining fields (region, birth date) for `female`.
NikKey draw_nik_key(std::uint64_t seed, bool female);
// The full demographic record for a drawn key and a serial.
Demographics make_demographics(std::uint64_t seed, const NikKey& key, int serial);

// ---- Synthetic face embeddings ------------------------------------------

// Targets, from ArcFace-style 512-d embedders on frontal enrolment photos:
// genuine cosine ~ N(0.65, 0.10), impostor cosine ~ N(0.00, 0.07). The
// generator is calibrated to them (tests/test_population.cpp checks it).
struct SyntheticFaceParams {
  int dimensions = 512;
  double structure_share = 0.25;  // identity variance shared through a low-rank subspace
  int structure_rank = 10;
  double noise_scale = 0.70;   // capture noise relative to identity (median)
  double noise_spread = 0.30;  // log-normal spread of the noise per capture
};
inline constexpr const char* kSyntheticFaceModel = "synthetic-arcface512-v1";

std::vector<float> synthetic_face_identity(std::uint64_t seed, const SyntheticFaceParams& p = {});
// One capture of an identity: a unit vector and a quality 0-100.
FaceTemplate synthetic_face_sample(const std::vector<float>& identity, std::uint64_t seed,
                                   const SyntheticFaceParams& p = {});

// ---- Population ------------------------------------------------------------

struct PopulationParams {
  std::uint64_t seed = 1;
  std::size_t people = 1000;           // enrolled people (one gallery record each)
  std::size_t probes = 0;              // new applicants; 0 means people / 10 (at least 1)
  double duplicate_fraction = 0.1;     // share of applicants already enrolled, under a new identity
  bool images = false;                 // render finger images (slow) besides templates
  int fingers = 10;                    // fingers per record: positions 1..fingers (right thumb first)
  double missing_finger_rate = 0.003;  // per finger, persistent (amputation)
  double damaged_finger_rate = 0.01;   // per finger, persistent (scar, worn skin)
  std::int64_t enrolment_epoch = 1767225600;  // 2026-01-01T00:00:00Z
  MasterParams master;
  ImpressionParams impression = enrolment_desk_conditions();  // captured at an office's desk
  SyntheticFaceParams face;
};

struct RecordPlan {
  std::size_t index = 0;
  std::string record_id;     // "R00000001"
  std::uint64_t person = 0;  // ground truth; never written into the record
  bool probe = false;
  int capture = 0;  // 0: first capture of this person, 1: the duplicate's capture
  NikKey nik_key;
  int nik_serial = 1;
};

struct PopulationPlan {
  std::vector<RecordPlan> records;  // gallery first, then probes in random order
  std::size_t gallery = 0, probes = 0, duplicates = 0;
};

std::string person_id(std::uint64_t person);  // "P00000001"
PopulationPlan plan_population(const PopulationParams& p);

struct GeneratedRecord {
  PersonRecord record;                 // what the matcher sees
  std::vector<GrayImage> images;       // per finger of record.fingers (with images)
  std::vector<FingerTemplate> truth;   // ground-truth minutiae per finger (with images)
  std::vector<PatternClass> patterns;  // per finger
};
GeneratedRecord generate_record(const PopulationParams& p, const RecordPlan& plan);

struct PopulationSummary {
  std::size_t records = 0, gallery = 0, probes = 0, duplicates = 0, fingers = 0, images = 0;
  std::size_t missing_fingers = 0, bytes = 0;
  double seconds = 0;
};

// Writes DIR/records/<record_id>.tgr (PersonRecord) and, with images,
// DIR/records/<record_id>.fNN.png plus ground-truth minutiae in
// DIR/truth/minutiae/<record_id>.fNN.tgt; then DIR/truth.csv
// (record_id,person_id,role) and DIR/manifest.json. Parallel (oneTBB, up to
// `threads`, 0 = all cores); `progress(done, total)` is called from worker
// threads, serialised by the caller if needed.
PopulationSummary write_population(
    const PopulationParams& p, const std::filesystem::path& dir, int threads = 0,
    const std::function<void(std::size_t, std::size_t)>& progress = {});

// FVC-style evaluation set: `fingers` synthetic fingers x `impressions`
// images, DIR/<101+f>_<i>.png with ground truth DIR/truth/<101+f>_<i>.tgt.
PopulationSummary write_fvc_set(std::uint64_t seed, int fingers, int impressions,
                                const std::filesystem::path& dir, const MasterParams& master = {},
                                const ImpressionParams& impression = {}, int threads = 0,
                                const std::function<void(std::size_t, std::size_t)>& progress = {});

// A contact sheet for people to look at: the master's ridge pattern (with
// its ground-truth minutiae and singular points marked) beside `impressions`
// impressions of it, as one grey PNG.
void write_contact_sheet(std::uint64_t seed, int impressions, const std::filesystem::path& png,
                         const MasterParams& master = {}, const ImpressionParams& impression = {});

}  // namespace tunggal::datasets
