// Face capture from an OpenCV VideoCapture (camera, video file, image
// sequence) or a still: every frame looked at goes through the face
// pipeline, and the best one by its quality is kept.
#include <opencv2/imgproc.hpp>
#include <opencv2/videoio.hpp>

#include <chrono>
#include <cstring>
#include <filesystem>

#include "tunggal/sdk/capture.h"

namespace tunggal::sdk {
namespace {

ColorImage from_bgr(const cv::Mat& bgr) {
  cv::Mat rgb;
  if (bgr.channels() == 1) {
    cv::cvtColor(bgr, rgb, cv::COLOR_GRAY2RGB);
  } else {
    cv::cvtColor(bgr, rgb, cv::COLOR_BGR2RGB);
  }
  if (rgb.depth() != CV_8U) rgb.convertTo(rgb, CV_8U);
  ColorImage img;
  img.width = rgb.cols;
  img.height = rgb.rows;
  img.rgb.resize(static_cast<std::size_t>(img.width) * img.height * 3);
  for (int y = 0; y < img.height; ++y)
    std::memcpy(img.rgb.data() + static_cast<std::size_t>(y) * img.width * 3, rgb.ptr(y),
                static_cast<std::size_t>(img.width) * 3);
  return img;
}

// Better = acceptable first, then fewer issues, then higher quality.
bool better(const FaceSample& a, const FaceSample& b) {
  if (a.acceptable != b.acceptable) return a.acceptable;
  if (a.issues.size() != b.issues.size()) return a.issues.size() < b.issues.size();
  const int qa = a.face ? a.face->quality : -1, qb = b.face ? b.face->quality : -1;
  if (qa != qb) return qa > qb;
  return a.detail.measures.sharpness > b.detail.measures.sharpness;
}

}  // namespace

FaceSource FaceSource::camera_index(int index) {
  FaceSource s;
  s.kind = Kind::camera;
  s.camera = index;
  return s;
}
FaceSource FaceSource::video_file(std::string path) {
  FaceSource s;
  s.kind = Kind::video;
  s.path = std::move(path);
  return s;
}
FaceSource FaceSource::image_sequence(std::string pattern) {
  FaceSource s;
  s.kind = Kind::images;
  s.path = std::move(pattern);
  return s;
}
FaceSource FaceSource::still_image(std::string path) {
  FaceSource s;
  s.kind = Kind::still;
  s.path = std::move(path);
  return s;
}

FaceCapture capture_face(const Session& session, const FaceSource& source, const FaceCaptureOptions& o) {
  if (o.max_frames < 1 || o.frame_step < 1 || o.good_frames_to_stop < 1 || !(o.timeout_seconds > 0))
    throw Error(ErrorCode::invalid_argument, "face capture: max_frames, frame_step, good_frames_to_stop >= 1, timeout > 0");
  FaceCapture out;
  const auto consider = [&](ColorImage frame, int index) {
    FaceSample s = session.extract_face(frame);
    ++out.frames_scored;
    if (!out.best || better(s, *out.best)) {
      out.best = std::move(s);
      out.frame = std::move(frame);
      out.frame_index = index;
    }
  };
  if (source.kind == FaceSource::Kind::still) {
    consider(read_color_image(source.path), 0);  // throws on a bad file
    out.frames_read = 1;
  } else {
    cv::VideoCapture cap;
    if (source.kind == FaceSource::Kind::video && !std::filesystem::is_regular_file(source.path)) {
      out.status = CaptureStatus::device_error;
      out.message = "cannot open " + source.path + ": no such file";
      out.reasons.push_back(out.message);
      return out;
    }
    try {
      if (source.kind == FaceSource::Kind::camera) {
        cap.open(source.camera);
      } else if (source.kind == FaceSource::Kind::images) {
        cap.open(source.path, cv::CAP_IMAGES);
      } else if (!cap.open(source.path, cv::CAP_FFMPEG)) {
        cap.open(source.path, cv::CAP_ANY);  // another backend may read it
      }
    } catch (const cv::Exception& e) {
      out.status = CaptureStatus::device_error;
      out.message = std::string("cannot open the source: ") + e.what();
      return out;
    }
    if (!cap.isOpened()) {
      out.status = source.kind == FaceSource::Kind::camera ? CaptureStatus::no_reader : CaptureStatus::device_error;
      out.message = source.kind == FaceSource::Kind::camera
                        ? "no camera " + std::to_string(source.camera)
                        : "cannot open " + source.path + " (missing, or not a video OpenCV reads)";
      out.reasons.push_back(out.message);
      return out;
    }
    const auto deadline =
        std::chrono::steady_clock::now() + std::chrono::milliseconds(static_cast<long long>(o.timeout_seconds * 1000));
    int good = 0;
    cv::Mat frame;
    for (int i = 0; i < o.max_frames; ++i) {
      if (std::chrono::steady_clock::now() > deadline) {
        out.message = "stopped at the time limit";
        break;
      }
      bool ok = false;
      try {
        ok = cap.read(frame);
      } catch (const cv::Exception& e) {
        out.message = std::string("the source failed: ") + e.what();
        break;
      }
      if (!ok || frame.empty()) break;
      ++out.frames_read;
      if (i % o.frame_step != 0) continue;
      // Frames from outside are held to the same size limits as images.
      if (static_cast<std::uint64_t>(frame.cols) * frame.rows > kImageLimits.max_pixels ||
          frame.cols > kImageLimits.max_side || frame.rows > kImageLimits.max_side) {
        out.status = CaptureStatus::device_error;
        out.message = "frames of " + std::to_string(frame.cols) + "x" + std::to_string(frame.rows) +
                      " exceed the image limits";
        return out;
      }
      consider(from_bgr(frame), i);
      if (out.best && out.best->acceptable && ++good >= o.good_frames_to_stop) break;
    }
  }
  if (!out.best) {
    out.status = out.frames_read == 0 ? CaptureStatus::device_error : CaptureStatus::timeout;
    if (out.message.empty()) out.message = "no frame to look at";
    out.reasons.push_back(out.message);
    return out;
  }
  out.reasons = out.best->reasons;
  out.status = out.best->acceptable ? CaptureStatus::captured : CaptureStatus::rejected;
  return out;
}

}  // namespace tunggal::sdk
