#include "tunggal/datasets/population.h"

#include <tbb/blocked_range.h>
#include <tbb/global_control.h>
#include <tbb/parallel_for.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <unordered_map>

#include "../synthetic/rng.h"
#include "tunggal/error.h"
#include "tunggal/files.h"
#include "tunggal/text.h"
#include "tunggal/version.h"

namespace tunggal::datasets {
namespace {

using synth::derive_seed;
using synth::Rng;

// Streams of the run's seed, one per kind of entity.
enum Stream : std::uint64_t {
  kPersonSex = 1,
  kIdentity = 2,
  kMaster = 3,
  kFingerState = 4,
  kImpression = 5,
  kFaceIdentity = 6,
  kFaceCapture = 7,
  kDuplicates = 8,
  kProbeOrder = 9,
};

std::string numbered(char prefix, std::uint64_t n) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "%c%08llu", prefix, static_cast<unsigned long long>(n));
  return buf;
}

// Generated records are personal-data-shaped: owner-only, like every
// biometric file the project writes (not synced: a population can be made
// again from its seed).
void write_bytes(const std::filesystem::path& path, std::span<const std::uint8_t> bytes) {
  write_private_file(path, bytes);
}

void write_png(const std::filesystem::path& path, const GrayImage& img) {
  const cv::Mat m(img.height, img.width, CV_8U, const_cast<std::uint8_t*>(img.pixels.data()));
  std::vector<std::uint8_t> png;
  if (!cv::imencode(".png", m, png)) throw Error(ErrorCode::io, path.string() + ": cannot encode PNG");
  write_private_file(path, png);
}

void write_text(const std::filesystem::path& path, const std::string& text) {
  write_private_file(path, {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()});
}

std::string finger_suffix(FingerPosition p) {
  char buf[8];
  std::snprintf(buf, sizeof buf, ".f%02d", static_cast<int>(p));
  return buf;
}

template <typename Body>
void run_parallel(std::size_t n, int threads, Body&& body) {
  std::unique_ptr<tbb::global_control> limit;
  if (threads > 0) {
    limit = std::make_unique<tbb::global_control>(tbb::global_control::max_allowed_parallelism,
                                                  static_cast<std::size_t>(threads));
  }
  tbb::parallel_for(tbb::blocked_range<std::size_t>(0, n, 1),
                    [&](const tbb::blocked_range<std::size_t>& r) {
                      for (std::size_t i = r.begin(); i != r.end(); ++i) body(i);
                    });
}

}  // namespace

std::string person_id(std::uint64_t person) {
  return numbered('P', person + 1);
}

PopulationPlan plan_population(const PopulationParams& p) {
  if (p.people == 0)
    throw Error(ErrorCode::invalid_argument, "a population needs at least one person");
  if (p.duplicate_fraction < 0 || p.duplicate_fraction > 1) {
    throw Error(ErrorCode::invalid_argument, "duplicate fraction must be within 0-1");
  }
  PopulationPlan plan;
  plan.gallery = p.people;
  plan.probes = p.probes ? p.probes : std::max<std::size_t>(1, p.people / 10);
  plan.duplicates = std::min(
      p.people, static_cast<std::size_t>(std::llround(plan.probes * p.duplicate_fraction)));
  plan.records.reserve(plan.gallery + plan.probes);
  for (std::size_t i = 0; i < plan.gallery; ++i) {
    RecordPlan r;
    r.person = i;
    plan.records.push_back(r);
  }
  // Duplicates: distinct enrolled people, drawn by a partial Fisher-Yates.
  Rng dup_rng(derive_seed(p.seed, kDuplicates));
  std::vector<std::uint64_t> pool(p.people);
  for (std::size_t i = 0; i < pool.size(); ++i) pool[i] = i;
  std::vector<RecordPlan> probes;
  for (std::size_t k = 0; k < plan.duplicates; ++k) {
    std::swap(pool[k], pool[k + dup_rng.below(pool.size() - k)]);
    RecordPlan r;
    r.person = pool[k];
    r.probe = true;
    r.capture = 1;
    probes.push_back(r);
  }
  for (std::size_t k = plan.duplicates; k < plan.probes; ++k) {
    RecordPlan r;
    r.person = p.people + (k - plan.duplicates);
    r.probe = true;
    probes.push_back(r);
  }
  Rng order(derive_seed(p.seed, kProbeOrder));
  for (std::size_t k = probes.size(); k > 1; --k) std::swap(probes[k - 1], probes[order.below(k)]);
  plan.records.insert(plan.records.end(), probes.begin(), probes.end());
  // Identities: every record claims its own; NIK serials count up per prefix.
  std::unordered_map<std::string, int> serials;
  for (std::size_t i = 0; i < plan.records.size(); ++i) {
    RecordPlan& r = plan.records[i];
    r.index = i;
    r.record_id = numbered('R', i + 1);
    const bool female = Rng(derive_seed(p.seed, kPersonSex, r.person)).chance(0.5);
    r.nik_key = draw_nik_key(derive_seed(p.seed, kIdentity, i), female);
    int& serial = serials[r.nik_key.prefix()];
    if (++serial > 9999)
      throw Error(ErrorCode::limit_exceeded, "more than 9999 NIKs share one prefix");
    r.nik_serial = serial;
  }
  return plan;
}

GeneratedRecord generate_record(const PopulationParams& p, const RecordPlan& plan) {
  GeneratedRecord out;
  PersonRecord& rec = out.record;
  rec.id = plan.record_id;
  rec.enrolled_at = p.enrolment_epoch + static_cast<std::int64_t>(plan.index) * 37;
  rec.attributes =
      make_demographics(derive_seed(p.seed, kIdentity, plan.index), plan.nik_key, plan.nik_serial)
          .attributes();
  if (p.fingers < 1 || p.fingers > 10) throw Error(ErrorCode::invalid_argument, "population: fingers per record in 1..10");
  for (int pos = 1; pos <= p.fingers; ++pos) {
    // Missing and damaged fingers belong to the person: the same at every capture.
    Rng state(derive_seed(p.seed, kFingerState, plan.person, pos));
    const double u = state.uniform();
    if (u < p.missing_finger_rate) continue;
    const bool damaged = u < p.missing_finger_rate + p.damaged_finger_rate;
    const MasterFinger master =
        generate_master(derive_seed(p.seed, kMaster, plan.person, pos), p.master, p.images);
    ImpressionParams ip = p.impression;
    if (damaged) {
      ip.drop_rate = 0.35;
      ip.spurious_rate = 0.3;
      ip.scratch_probability = 1.0;
      ip.max_dry = 1.0;
    }
    Impression imp = make_impression(
        master, derive_seed(p.seed, kImpression, plan.person, pos * 16 + plan.capture), ip,
        p.images);
    imp.observed.position = imp.truth.position = static_cast<FingerPosition>(pos);
    rec.fingers.push_back(std::move(imp.observed));
    out.patterns.push_back(master.pattern);
    if (p.images) {
      out.images.push_back(std::move(imp.image));
      out.truth.push_back(std::move(imp.truth));
    }
  }
  const auto identity =
      synthetic_face_identity(derive_seed(p.seed, kFaceIdentity, plan.person), p.face);
  rec.face = synthetic_face_sample(
      identity, derive_seed(p.seed, kFaceCapture, plan.person, plan.capture), p.face);
  return out;
}

PopulationSummary write_population(const PopulationParams& p, const std::filesystem::path& dir,
                                   int threads,
                                   const std::function<void(std::size_t, std::size_t)>& progress) {
  const auto start = std::chrono::steady_clock::now();
  const PopulationPlan plan = plan_population(p);
  std::filesystem::create_directories(dir / "records");
  if (p.images) std::filesystem::create_directories(dir / "truth" / "minutiae");
  std::atomic<std::size_t> done{0}, fingers{0}, images{0}, bytes{0}, missing{0};
  const std::size_t total = plan.records.size();
  run_parallel(total, threads, [&](std::size_t i) {
    const RecordPlan& r = plan.records[i];
    const GeneratedRecord g = generate_record(p, r);
    const auto rec_bytes = encode_person_record(g.record);
    write_bytes(dir / "records" / (r.record_id + ".tgr"), rec_bytes);
    bytes += rec_bytes.size();
    fingers += g.record.fingers.size();
    missing += 10 - g.record.fingers.size();
    for (std::size_t f = 0; f < g.images.size(); ++f) {
      const std::string suffix = finger_suffix(g.record.fingers[f].position);
      write_png(dir / "records" / (r.record_id + suffix + ".png"), g.images[f]);
      write_bytes(dir / "truth" / "minutiae" / (r.record_id + suffix + ".tgt"),
                  encode_native({&g.truth[f], 1}));
      ++images;
    }
    const std::size_t n = ++done;
    if (progress) progress(n, total);
  });
  {
    std::string truth = "record_id,person_id,role\n";
    for (const auto& r : plan.records)
      truth += csv_field(r.record_id) + ',' + csv_field(person_id(r.person)) + ',' + (r.probe ? "probe" : "gallery") + '\n';
    write_text(dir / "truth.csv", truth);
  }
  PopulationSummary s;
  s.records = total;
  s.gallery = plan.gallery;
  s.probes = plan.probes;
  s.duplicates = plan.duplicates;
  s.fingers = fingers;
  s.images = images;
  s.missing_fingers = missing;
  s.bytes = bytes;
  s.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  nlohmann::ordered_json manifest;
  manifest["generator"] = "tunggal gen " + std::string(version());
  manifest["fingerprint_model"] = std::string(kFingerprintModel);
  manifest["seed"] = p.seed;
  manifest["records"] = s.records;
  manifest["gallery"] = s.gallery;
  manifest["probes"] = s.probes;
  manifest["planted_duplicates"] = s.duplicates;
  manifest["fingers"] = s.fingers;
  manifest["missing_fingers"] = s.missing_fingers;
  manifest["images"] = s.images;
  manifest["face_model"] = kSyntheticFaceModel;
  manifest["face_embeddings"] = "synthetic (not from face images)";
  manifest["record_format"] = "records/<record_id>.tgr: tunggal PersonRecord v1";
  manifest["truth"] = "truth.csv: record_id,person_id,role";
  write_text(dir / "manifest.json", manifest.dump(2) + "\n");
  return s;
}

PopulationSummary write_fvc_set(std::uint64_t seed, int fingers, int impressions,
                                const std::filesystem::path& dir, const MasterParams& master,
                                const ImpressionParams& impression, int threads,
                                const std::function<void(std::size_t, std::size_t)>& progress) {
  if (fingers < 1 || impressions < 1)
    throw Error(ErrorCode::invalid_argument, "need at least one finger and one impression");
  const auto start = std::chrono::steady_clock::now();
  std::filesystem::create_directories(dir / "truth");
  std::atomic<std::size_t> done{0};
  run_parallel(static_cast<std::size_t>(fingers), threads, [&](std::size_t f) {
    const MasterFinger m = generate_master(derive_seed(seed, kMaster, f, 0), master, true);
    for (int i = 1; i <= impressions; ++i) {
      const Impression imp = make_impression(
          m, derive_seed(seed, kImpression, f, static_cast<std::uint64_t>(i)), impression, true);
      const std::string stem = std::to_string(101 + f) + "_" + std::to_string(i);
      write_png(dir / (stem + ".png"), imp.image);
      write_bytes(dir / "truth" / (stem + ".tgt"), encode_native({&imp.truth, 1}));
    }
    const std::size_t n = ++done;
    if (progress) progress(n, static_cast<std::size_t>(fingers));
  });
  PopulationSummary s;
  s.images = static_cast<std::size_t>(fingers) * impressions;
  s.fingers = static_cast<std::size_t>(fingers);
  s.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return s;
}

void write_contact_sheet(std::uint64_t seed, int impressions, const std::filesystem::path& png,
                         const MasterParams& master_params, const ImpressionParams& ip) {
  const MasterFinger m = generate_master(derive_seed(seed, kMaster, 0, 0), master_params, true);
  cv::Mat master(m.height, m.width, CV_8UC3);
  for (int y = 0; y < m.height; ++y) {
    for (int x = 0; x < m.width; ++x) {
      const int v = m.ridges[static_cast<std::size_t>(y) * m.width + x];
      const auto g = static_cast<std::uint8_t>(m.inside(x, y) ? 128 - v : 235 - v / 8);
      master.at<cv::Vec3b>(y, x) = {g, g, g};
    }
  }
  for (const auto& mi : m.minutiae) {
    const cv::Scalar col =
        mi.type == MinutiaType::ending ? cv::Scalar(0, 0, 230) : cv::Scalar(230, 80, 0);
    cv::circle(master, {mi.x, mi.y}, 3, col, 1);
    cv::line(master, {mi.x, mi.y},
             {static_cast<int>(mi.x + 8 * std::cos(mi.angle)),
              static_cast<int>(mi.y - 8 * std::sin(mi.angle))},
             col, 1);
  }
  for (const auto& sp : m.singular_points) {
    cv::circle(master, {static_cast<int>(sp.x), static_cast<int>(sp.y)}, 7,
               sp.core ? cv::Scalar(0, 170, 0) : cv::Scalar(0, 170, 220), 2);
  }
  std::vector<cv::Mat> tiles{master};
  for (int i = 1; i <= impressions; ++i) {
    const Impression imp = make_impression(
        m, derive_seed(seed, kImpression, 0, static_cast<std::uint64_t>(i)), ip, true);
    cv::Mat g(imp.image.height, imp.image.width, CV_8U,
              const_cast<std::uint8_t*>(imp.image.pixels.data())),
        c;
    cv::cvtColor(g, c, cv::COLOR_GRAY2BGR);
    cv::Mat padded(m.height, c.cols, CV_8UC3, cv::Scalar(255, 255, 255));
    c.copyTo(padded(cv::Rect(0, (m.height - c.rows) / 2, c.cols, c.rows)));
    tiles.push_back(padded);
  }
  cv::Mat sheet;
  cv::hconcat(tiles, sheet);
  if (!cv::imwrite(png.string(), sheet))
    throw Error(ErrorCode::io, png.string() + ": cannot write PNG");
}

}  // namespace tunggal::datasets
