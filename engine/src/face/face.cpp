// The face pipeline over OpenCV DNN: detect -> main face -> landmarks ->
// five points -> similarity alignment -> embedding -> L2 normalisation, with
// quality reasons.
#include <tbb/enumerable_thread_specific.h>
#include <tbb/parallel_for.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <opencv2/dnn.hpp>
#include <opencv2/imgproc.hpp>

#include "tunggal/error.h"
#include "tunggal/face.h"

namespace tunggal {

std::string_view to_string(FaceIssue issue) noexcept {
  switch (issue) {
    case FaceIssue::no_face: return "no_face";
    case FaceIssue::multiple_faces: return "multiple_faces";
    case FaceIssue::face_too_small: return "face_too_small";
    case FaceIssue::too_blurred: return "too_blurred";
    case FaceIssue::off_pose: return "off_pose";
    case FaceIssue::too_dark: return "too_dark";
    case FaceIssue::too_bright: return "too_bright";
    case FaceIssue::eyes_not_level: return "eyes_not_level";
    case FaceIssue::off_centre: return "off_centre";
  }
  return "unknown";
}

std::string_view advice(FaceIssue issue) noexcept {
  switch (issue) {
    case FaceIssue::no_face: return "no face found: check the camera points at the applicant";
    case FaceIssue::multiple_faces: return "more than one face: only the applicant in the frame";
    case FaceIssue::face_too_small: return "face too small: move the applicant closer to the camera";
    case FaceIssue::too_blurred: return "too blurred: hold still, check focus, recapture";
    case FaceIssue::off_pose: return "face turned: look straight into the camera";
    case FaceIssue::too_dark: return "too dark: add light in front of the applicant";
    case FaceIssue::too_bright: return "too bright: reduce light or glare on the face";
    case FaceIssue::eyes_not_level: return "eyes not level: hold the head straight, not tilted to one side";
    case FaceIssue::off_centre: return "face off-centre: move the applicant to the middle of the frame";
  }
  return "";
}

namespace {

using Channels = FaceNetSpec::Channels;

// Planar NCHW float blob of an RGB (CV_8UC3) or grey image, resized to the
// net's input, (pixel - mean) * scale.
cv::Mat make_blob(const cv::Mat& rgb, const FaceNetSpec& net) {
  cv::Mat resized;
  cv::resize(rgb, resized, {net.input_width, net.input_height}, 0, 0, cv::INTER_LINEAR);
  cv::Mat src;
  if (net.channels == Channels::gray) {
    cv::cvtColor(resized, src, cv::COLOR_RGB2GRAY);
  } else if (net.channels == Channels::bgr) {
    cv::cvtColor(resized, src, cv::COLOR_RGB2BGR);
  } else {
    src = resized;
  }
  const int c = src.channels();
  cv::Mat blob({1, c, net.input_height, net.input_width}, CV_32F);
  auto* out = blob.ptr<float>();
  const std::size_t plane = static_cast<std::size_t>(net.input_width) * net.input_height;
  for (int y = 0; y < net.input_height; ++y) {
    const std::uint8_t* row = src.ptr<std::uint8_t>(y);
    for (int x = 0; x < net.input_width; ++x) {
      for (int k = 0; k < c; ++k) {
        out[static_cast<std::size_t>(k) * plane + static_cast<std::size_t>(y) * net.input_width + x] =
            static_cast<float>((row[x * c + k] - net.mean) * net.scale);
      }
    }
  }
  return blob;
}

cv::dnn::Net load_net(const std::vector<std::uint8_t>& bytes, const std::string& what) {
  try {
    cv::dnn::Net net = cv::dnn::readNetFromONNX(reinterpret_cast<const char*>(bytes.data()), bytes.size());
    if (net.empty()) throw Error(ErrorCode::malformed_data, what + ": OpenCV loaded an empty network");
    net.setPreferableBackend(cv::dnn::DNN_BACKEND_OPENCV);
    net.setPreferableTarget(cv::dnn::DNN_TARGET_CPU);
    return net;
  } catch (const cv::Exception& e) {
    throw Error(ErrorCode::malformed_data, what + ": not a usable ONNX model (" + e.msg + ")");
  }
}

struct Nets {
  cv::dnn::Net detector, landmarks, embedder;
};

}  // namespace

struct FaceExtractor::Impl {
  FaceModelSet models;
  FaceParams params;
  std::vector<std::uint8_t> detector_bytes, landmark_bytes, embedder_bytes;
  mutable tbb::enumerable_thread_specific<std::unique_ptr<Nets>> nets;

  Nets& local_nets() const {
    auto& n = nets.local();
    if (!n) {
      n = std::make_unique<Nets>();
      n->detector = load_net(detector_bytes, "face detector " + models.detector.file);
      n->landmarks = load_net(landmark_bytes, "face landmark model " + models.landmarks.file);
      n->embedder = load_net(embedder_bytes, "face embedder " + models.embedder.file);
    }
    return *n;
  }

  std::vector<FaceBox> detect(Nets& n, const cv::Mat& rgb) const;
  std::vector<FacePoint> landmarks(Nets& n, const cv::Mat& rgb, const FaceBox& box) const;
  std::vector<float> embed(Nets& n, const cv::Mat& aligned) const;
  FaceResult run(const ColorImage& image) const;
};

namespace {

cv::Mat forward_one(cv::dnn::Net& net, const cv::Mat& blob, const std::string& output,
                    const std::string& what) {
  try {
    net.setInput(blob);
    return output.empty() ? net.forward() : net.forward(output);
  } catch (const cv::Exception& e) {
    throw Error(ErrorCode::malformed_data, what + ": inference failed (" + e.msg + ")");
  }
}

}  // namespace

std::vector<FaceBox> FaceExtractor::Impl::detect(Nets& n, const cv::Mat& rgb) const {
  const cv::Mat blob = make_blob(rgb, models.detector);
  std::vector<cv::Mat> outs;
  try {
    n.detector.setInput(blob);
    n.detector.forward(outs, std::vector<std::string>{models.boxes_output, models.scores_output});
  } catch (const cv::Exception& e) {
    throw Error(ErrorCode::malformed_data, "face detector: inference failed (" + e.msg + ")");
  }
  const cv::Mat& boxes = outs.at(0);
  const cv::Mat& scores = outs.at(1);
  const int count = boxes.dims == 3 ? boxes.size[1] : 0;
  if (boxes.dims != 3 || boxes.size[2] != 4 || scores.dims != 3 || scores.size[1] != count ||
      scores.size[2] != 2) {
    throw Error(ErrorCode::malformed_data,
                "face detector: outputs do not fit the description (boxes [1,N,4], scores [1,N,2])");
  }
  std::vector<cv::Rect2d> rects;
  std::vector<float> conf;
  const float* b = boxes.ptr<float>();
  const float* s = scores.ptr<float>();
  for (int i = 0; i < count; ++i) {
    const float score = s[2 * i + 1];
    if (score < models.score_threshold) continue;
    const double x1 = std::clamp(b[4 * i] * rgb.cols, 0.0f, static_cast<float>(rgb.cols));
    const double y1 = std::clamp(b[4 * i + 1] * rgb.rows, 0.0f, static_cast<float>(rgb.rows));
    const double x2 = std::clamp(b[4 * i + 2] * rgb.cols, 0.0f, static_cast<float>(rgb.cols));
    const double y2 = std::clamp(b[4 * i + 3] * rgb.rows, 0.0f, static_cast<float>(rgb.rows));
    if (x2 - x1 < 2 || y2 - y1 < 2) continue;
    rects.emplace_back(x1, y1, x2 - x1, y2 - y1);
    conf.push_back(score);
  }
  std::vector<int> keep;
  cv::dnn::NMSBoxes(rects, conf, static_cast<float>(models.score_threshold),
                    static_cast<float>(models.nms_threshold), keep);
  std::vector<FaceBox> out;
  for (int k : keep) {
    const auto& r = rects[static_cast<std::size_t>(k)];
    out.push_back({static_cast<float>(r.x), static_cast<float>(r.y), static_cast<float>(r.x + r.width),
                   static_cast<float>(r.y + r.height), conf[static_cast<std::size_t>(k)]});
  }
  // Main face first: the largest, ties to the more confident.
  std::sort(out.begin(), out.end(), [](const FaceBox& p, const FaceBox& q) {
    const float ap = (p.x2 - p.x1) * (p.y2 - p.y1), aq = (q.x2 - q.x1) * (q.y2 - q.y1);
    return ap != aq ? ap > aq : p.score > q.score;
  });
  return out;
}

std::vector<FacePoint> FaceExtractor::Impl::landmarks(Nets& n, const cv::Mat& rgb,
                                                      const FaceBox& box) const {
  const cv::Rect roi(cv::Point(static_cast<int>(box.x1), static_cast<int>(box.y1)),
                     cv::Point(static_cast<int>(std::ceil(box.x2)), static_cast<int>(std::ceil(box.y2))));
  const cv::Rect clipped = roi & cv::Rect(0, 0, rgb.cols, rgb.rows);
  if (clipped.width < 4 || clipped.height < 4) return {};
  const cv::Mat out = forward_one(n.landmarks, make_blob(rgb(clipped), models.landmarks), "",
                                  "face landmark model");
  const int want = 2 * models.landmark_points;
  if (static_cast<int>(out.total()) != want) {
    throw Error(ErrorCode::malformed_data, "face landmark model: " + std::to_string(out.total()) +
                                               " outputs, the description says " +
                                               std::to_string(want));
  }
  const float* v = out.ptr<float>();
  std::vector<FacePoint> pts(static_cast<std::size_t>(models.landmark_points));
  for (std::size_t i = 0; i < pts.size(); ++i) {
    pts[i] = {static_cast<float>(clipped.x + v[2 * i] * clipped.width),
              static_cast<float>(clipped.y + v[2 * i + 1] * clipped.height)};
  }
  return pts;
}

std::vector<float> FaceExtractor::Impl::embed(Nets& n, const cv::Mat& aligned) const {
  const cv::Mat out = forward_one(n.embedder, make_blob(aligned, models.embedder), "", "face embedder");
  if (static_cast<int>(out.total()) != models.dimensions) {
    throw Error(ErrorCode::malformed_data, "face embedder: " + std::to_string(out.total()) +
                                               " outputs, the description says " +
                                               std::to_string(models.dimensions));
  }
  std::vector<float> e(out.ptr<float>(), out.ptr<float>() + models.dimensions);
  double norm = 0;
  for (float v : e) norm += static_cast<double>(v) * v;
  norm = std::sqrt(norm);
  if (!(norm > 0) || !std::isfinite(norm))
    throw Error(ErrorCode::malformed_data, "face embedder: a zero or non-finite embedding");
  for (float& v : e) v = static_cast<float>(v / norm);
  return e;
}

FaceResult FaceExtractor::Impl::run(const ColorImage& image) const {
  if (image.width <= 0 || image.height <= 0 ||
      image.rgb.size() != static_cast<std::size_t>(image.width) * image.height * 3) {
    throw Error(ErrorCode::invalid_argument, "face: image size and pixel buffer disagree");
  }
  Nets& n = local_nets();
  using Clock = std::chrono::steady_clock;
  auto mark = Clock::now();
  const auto lap_ms = [&mark] {
    const auto now = Clock::now();
    const double ms = std::chrono::duration<double, std::milli>(now - mark).count();
    mark = now;
    return ms;
  };
  const cv::Mat rgb(image.height, image.width, CV_8UC3, const_cast<std::uint8_t*>(image.rgb.data()));
  FaceResult r;
  r.detections = detect(n, rgb);
  r.timings.detect = lap_ms();
  if (r.detections.empty()) {
    if (!params.assume_cropped_when_undetected) {
      r.issues.push_back(FaceIssue::no_face);
      return r;
    }
    // Still a template (tightly cropped portraits), but flagged: an
    // enrolment capture must show a detectable face.
    r.fallback = true;
    r.issues.push_back(FaceIssue::no_face);
    r.box = {0, 0, static_cast<float>(image.width), static_cast<float>(image.height), 0};
  } else {
    r.box = r.detections.front();
    const float main_area = (r.box.x2 - r.box.x1) * (r.box.y2 - r.box.y1);
    for (std::size_t i = 1; i < r.detections.size(); ++i) {
      const auto& d = r.detections[i];
      if ((d.x2 - d.x1) * (d.y2 - d.y1) >= params.second_face_area * main_area) {
        r.issues.push_back(FaceIssue::multiple_faces);
        break;
      }
    }
  }
  r.landmarks = landmarks(n, rgb, r.box);
  r.timings.landmarks = lap_ms();
  if (r.landmarks.empty()) {
    r.issues.push_back(FaceIssue::no_face);
    return r;
  }
  if (models.landmark_points == 68) {
    r.five_points = five_points_from_68(r.landmarks);
  } else {
    std::copy_n(r.landmarks.begin(), 5, r.five_points.begin());
  }
  const Similarity s = fit_similarity(r.five_points, models.reference);
  const cv::Matx23d m(s.a, -s.b, s.tx, s.b, s.a, s.ty);
  cv::Mat aligned;
  cv::warpAffine(rgb, aligned, m, {models.embedder.input_width, models.embedder.input_height},
                 cv::INTER_LINEAR, cv::BORDER_REPLICATE);
  r.timings.align = lap_ms();
  // Measures for the quality reasons.
  const FacePoint le = r.five_points[0], re = r.five_points[1], nose = r.five_points[2];
  const double ex = re.x - le.x, ey = re.y - le.y;
  r.measures.eye_distance = std::hypot(ex, ey);
  r.measures.roll_degrees = std::atan2(ey, ex) * 180.0 / 3.14159265358979323846;
  if (r.measures.eye_distance > 0) {
    // Nose offset from the eyes' perpendicular bisector, in eye distances.
    const double mx = (le.x + re.x) / 2.0, my = (le.y + re.y) / 2.0;
    r.measures.yaw = ((nose.x - mx) * ex + (nose.y - my) * ey) / (r.measures.eye_distance * r.measures.eye_distance);
  }
  cv::Mat grey, lap;
  cv::cvtColor(aligned, grey, cv::COLOR_RGB2GRAY);
  cv::Laplacian(grey, lap, CV_64F);
  cv::Scalar mu, sd;
  cv::meanStdDev(lap, mu, sd);
  r.measures.sharpness = sd[0] * sd[0];
  r.measures.brightness = cv::mean(grey)[0];
  if (r.measures.eye_distance < params.min_eye_distance) r.issues.push_back(FaceIssue::face_too_small);
  if (r.measures.sharpness < params.min_sharpness) r.issues.push_back(FaceIssue::too_blurred);
  if (std::abs(r.measures.yaw) > params.max_yaw) r.issues.push_back(FaceIssue::off_pose);
  if (std::abs(r.measures.roll_degrees) > params.max_roll_degrees) r.issues.push_back(FaceIssue::eyes_not_level);
  if (!r.fallback) {
    const double cx = (r.box.x1 + r.box.x2) / 2.0 / image.width - 0.5, cy = (r.box.y1 + r.box.y2) / 2.0 / image.height - 0.5;
    if (std::abs(cx) > params.max_centre_offset || std::abs(cy) > params.max_centre_offset)
      r.issues.push_back(FaceIssue::off_centre);
  }
  if (r.measures.brightness < params.min_brightness) r.issues.push_back(FaceIssue::too_dark);
  if (r.measures.brightness > params.max_brightness) r.issues.push_back(FaceIssue::too_bright);
  FaceTemplate t;
  t.model = models.id;
  lap_ms();  // quality measures are not a pipeline stage
  t.embedding = embed(n, aligned);
  if (params.mirror_embedding) {
    cv::Mat mirrored;
    cv::flip(aligned, mirrored, 1);
    const auto other = embed(n, mirrored);
    double norm = 0;
    for (std::size_t i = 0; i < other.size(); ++i) {
      t.embedding[i] += other[i];
      norm += static_cast<double>(t.embedding[i]) * t.embedding[i];
    }
    norm = std::sqrt(norm);
    if (!(norm > 0)) throw Error(ErrorCode::malformed_data, "face embedder: the face and its mirror image cancel out");
    for (float& v : t.embedding) v = static_cast<float>(v / norm);
  }
  r.timings.embed = lap_ms();
  // Quality 0-100: the detector's confidence (60 when it found nothing and
  // the whole image was used), less 20 per issue.
  const double base = r.fallback ? 60.0 : 100.0 * r.box.score;
  t.quality = static_cast<std::uint8_t>(std::clamp(base - 20.0 * static_cast<double>(r.issues.size()), 0.0, 100.0));
  r.face = std::move(t);
  return r;
}

FaceExtractor::FaceExtractor(FaceModelSet models, FaceParams params) {
  auto impl = std::make_shared<Impl>();
  impl->models = std::move(models);
  impl->params = params;
  const auto& m = impl->models;
  const auto read = [&](const FaceNetSpec& net, const std::string& what) {
    const auto path = m.directory / net.file;
    if (!std::filesystem::is_regular_file(path))
      throw Error(ErrorCode::not_found, what + ": " + path.string() + " not found");
    return read_file(path, std::size_t{1} << 30);
  };
  impl->detector_bytes = read(m.detector, "face detector");
  impl->landmark_bytes = read(m.landmarks, "face landmark model");
  impl->embedder_bytes = read(m.embedder, "face embedder");
  // Build this thread's networks and run each once on a blank image, so a
  // model that does not fit its description fails here, not mid-batch.
  Nets& n = impl->local_nets();
  const cv::Mat blank(m.embedder.input_height, m.embedder.input_width, CV_8UC3, cv::Scalar(128, 128, 128));
  impl->detect(n, blank);
  impl->landmarks(n, blank, {0, 0, static_cast<float>(blank.cols), static_cast<float>(blank.rows), 0});
  impl->embed(n, blank);
  impl_ = std::move(impl);
}

FaceResult FaceExtractor::extract(const ColorImage& image) const { return impl_->run(image); }

std::vector<FaceResult> FaceExtractor::extract(std::span<const ColorImage> images) const {
  std::vector<FaceResult> out(images.size());
  tbb::parallel_for(std::size_t{0}, images.size(), [&](std::size_t i) { out[i] = impl_->run(images[i]); });
  return out;
}

const FaceModelSet& FaceExtractor::models() const noexcept { return impl_->models; }
const FaceParams& FaceExtractor::params() const noexcept { return impl_->params; }

}  // namespace tunggal
