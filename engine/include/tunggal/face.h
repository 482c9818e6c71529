// Face pipeline: image -> face template. Detection, landmarks and embedding
// are ONNX models run by OpenCV's DNN module; which models, and their input
// conventions, come from a model description file (FaceModelSet), so another
// model set plugs in without code changes. The default set is the MIT-
// licensed faceplugin-face-recognition-js 0.0.1 models, installed by
// scripts/setup (see README, "Face models").
//
// Pipeline: detect (decode boxes, non-maximum suppression) -> pick the main
// face -> 68 landmarks -> 5 points -> similarity alignment to the reference
// points -> embedding -> L2 normalisation; quality reasons a recording
// officer can act on.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "tunggal/calibration.h"
#include "tunggal/image.h"
#include "tunggal/person_record.h"

namespace tunggal {

struct FacePoint {
  float x = 0, y = 0;
};

// One network's input convention: value = (pixel - mean) * scale, planar
// NCHW, channels in `channels` order.
struct FaceNetSpec {
  enum class Channels { rgb, bgr, gray };
  std::string file;  // relative to the description file's folder
  int input_width = 0, input_height = 0;
  Channels channels = Channels::rgb;
  double mean = 0, scale = 1;
};

// A model set, read from a description file of `key=value` lines (see
// engine/models/faceplugin-fr-js-0.0.1.model for every key).
struct FaceModelSet {
  std::string id;  // goes into every FaceTemplate: templates of different sets never compare
  std::filesystem::path directory;
  FaceNetSpec detector, landmarks, embedder;
  // Detector outputs: boxes [1, N, 4] as (x1, y1, x2, y2) in 0..1 of the
  // input, scores [1, N, 2] (background, face).
  std::string boxes_output = "boxes", scores_output = "scores";
  double score_threshold = 0.65, nms_threshold = 0.4;
  // Landmark output: `landmark_points` (x, y) pairs in 0..1 of the face box;
  // 68 (iBUG layout, reduced to 5) or 5 (eyes, nose, mouth corners).
  int landmark_points = 68;
  int dimensions = 512;  // embedding length
  // Where the 5 points go in the embedder's input (eyes, nose, mouth corners).
  std::array<FacePoint, 5> reference{};

  // parse() names the line of anything malformed; load() reads a file and
  // checks that the model files exist.
  static FaceModelSet parse(std::string_view text, const std::filesystem::path& directory);
  static FaceModelSet load(const std::filesystem::path& description_file);
};

// The installed default: $TUNGGAL_FACE_MODELS (a description file, or a
// folder holding model.txt) if set, else the folder scripts/setup fills.
std::filesystem::path default_face_model_file();

// Every quality threshold of the pipeline, with its default.
struct FaceParams {
  // Tightly cropped portraits (no background) defeat face detectors; when
  // nothing is detected, treat the whole image as the face box and say so
  // (FaceResult::fallback, and FaceIssue::no_face among the issues, so the
  // capture is not acceptable for enrolment) instead of failing.
  bool assume_cropped_when_undetected = true;
  // Another detection at least this share of the main face's area means
  // "more than one face".
  double second_face_area = 0.35;
  double min_eye_distance = 18;  // px between eye centres in the input image
  // Variance of the Laplacian of the aligned 112x112 grey face: below this
  // the face is too blurred.
  double min_sharpness = 40;
  double max_yaw = 0.35;           // |nose offset from the eye midline| / eye distance
  double max_roll_degrees = 25;    // eye-line tilt
  double max_centre_offset = 0.25; // face centre from the frame's centre, in frame widths / heights
  double min_brightness = 45;      // mean grey of the aligned face
  double max_brightness = 210;
  // Embed the aligned face and its mirror image and keep their normalised
  // sum: a face is nearly symmetric, what is not (light from one side, a
  // slight turn) is what the embedding should not depend on.
  bool mirror_embedding = true;
};

enum class FaceIssue : std::uint8_t {
  no_face,
  multiple_faces,
  face_too_small,
  too_blurred,
  off_pose,
  too_dark,
  too_bright,
  eyes_not_level,  // the head tilted sideways (roll); off_pose is a turned head (yaw)
  off_centre,      // the face far from the middle of the frame
};
std::string_view to_string(FaceIssue issue) noexcept;
// What the recording officer should do about it.
std::string_view advice(FaceIssue issue) noexcept;

struct FaceBox {
  float x1 = 0, y1 = 0, x2 = 0, y2 = 0, score = 0;
};

struct FaceMeasures {
  double eye_distance = 0, sharpness = 0, yaw = 0, roll_degrees = 0, brightness = 0;
};

// Cost counters of one extraction, in milliseconds (wall clock, this thread).
struct FaceTimings {
  double detect = 0, landmarks = 0, align = 0, embed = 0;
};

struct FaceResult {
  std::optional<FaceTemplate> face;  // absent only when no face could be used
  std::vector<FaceBox> detections;   // after non-maximum suppression, best first
  bool fallback = false;             // nothing detected: the whole image was used
  FaceBox box;                       // the face the template comes from
  std::vector<FacePoint> landmarks;  // image coordinates
  std::array<FacePoint, 5> five_points{};
  FaceMeasures measures;
  std::vector<FaceIssue> issues;  // empty: fit for enrolment
  FaceTimings timings;
  bool acceptable() const { return face.has_value() && issues.empty(); }
};

// Thread-safe: extract() may run on many threads at once (each thread gets
// its own networks, built from model bytes read once).
class FaceExtractor {
 public:
  // Reads and checks the models: a missing or unreadable file, or outputs
  // that do not fit the description, throw tunggal::Error naming the model.
  explicit FaceExtractor(FaceModelSet models, FaceParams params = {});
  FaceResult extract(const ColorImage& image) const;
  // Batch: in parallel, results in input order.
  std::vector<FaceResult> extract(std::span<const ColorImage> images) const;
  const FaceModelSet& models() const noexcept;
  const FaceParams& params() const noexcept;

 private:
  struct Impl;
  std::shared_ptr<const Impl> impl_;
};

// --- the stages, public for tests and for other pipelines ------------------

// Least-squares similarity (rotation, uniform scale, translation) taking
// `from` onto `to` (Umeyama 1991): x' = a x - b y + tx, y' = b x + a y + ty.
struct Similarity {
  double a = 1, b = 0, tx = 0, ty = 0;
  FacePoint apply(FacePoint p) const {
    return {static_cast<float>(a * p.x - b * p.y + tx), static_cast<float>(b * p.x + a * p.y + ty)};
  }
};
Similarity fit_similarity(std::span<const FacePoint> from, std::span<const FacePoint> to);

// Eyes (mean of each eye's four corner points), nose tip, mouth corners
// from the 68-point iBUG layout.
std::array<FacePoint, 5> five_points_from_68(std::span<const FacePoint> points);

// Cosine similarity of two L2-normalised embeddings; throws
// Error(invalid_argument) when the models or lengths differ.
double compare_faces(const FaceTemplate& a, const FaceTemplate& b);

// The gallery's int8 form: values = round(v * 127 / max|v|), so that
// v ~= values * scale with scale = max|v| / 127 (a per-vector scale keeps
// about 7 bits for the largest component; a fixed scale would leave 512-d
// unit vectors, whose components are near 0.04, with 3). Dot products are
// then exact in int32 and rescaled once. Non-finite components count as 0.
struct QuantizedEmbedding {
  std::vector<std::int8_t> values;
  float scale = 0;
};
QuantizedEmbedding quantize_embedding(std::span<const float> v);

// Face templates as files: the native envelope, magic "TGFC".
std::vector<std::uint8_t> encode_face_template(const FaceTemplate& face);
FaceTemplate decode_face_template(std::span<const std::uint8_t> bytes);

// Calibration of compare_faces() for the default model set (score = -10
// log10 FMR), see its source().
const ScoreCalibration& default_face_calibration();

}  // namespace tunggal
