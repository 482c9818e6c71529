// Capture at the recording desk: fingerprint readers through libfprint, the
// ten-print sequence with missing fingers and wrong-finger detection, and
// the face from a camera, a video file, an image sequence or a still.
//
// Device faults are states, not exceptions: a capture returns a status the
// caller acts on (no reader, unplugged, busy, retry, timeout). Exceptions
// (tunggal::Error) are for misuse and for opening what is not there.
//
// libfprint runs its devices on GLib's default main context, so every
// reader of a process is driven by one worker thread that this library
// starts on first use and that owns that context from then on; calls from
// any thread are queued to it, and two readers capture one after the
// other, not at once (a capture holds the worker for its whole timeout).
// Consequences for a host program: it must not iterate GLib's default
// context itself once a reader was used (a GTK or GStreamer main loop on
// the default context would wait for ever: give them their own); a child
// made by fork() has no worker, so it must not use readers; and
// open_virtual sets FP_VIRTUAL_IMAGE while its context enumerates, which
// races with getenv() on other threads during that moment.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tunggal/sdk/session.h"

namespace tunggal::sdk {

enum class CaptureStatus {
  captured,      // an image came (its quality is checked separately)
  no_reader,     // no reader, or not the one asked for
  unplugged,     // the reader went away
  busy,          // the reader is in use by someone else
  retry,         // the device asks for another touch (message says why)
  timeout,       // no finger within the time allowed
  cancelled,     // the caller cancelled
  device_error,  // any other device failure (message)
  rejected,      // a sample came but the quality gate or a check refused it (reasons)
};
std::string_view to_string(CaptureStatus s) noexcept;

struct ReaderInfo {
  std::string id;      // "<driver>:<index>", stable while the reader stays plugged
  std::string driver;  // libfprint driver, e.g. "virtual_image", "elan"
  std::string name;
};

// One image from a reader.
struct RawCapture {
  CaptureStatus status = CaptureStatus::device_error;
  std::string message;  // what happened, for the operator
  GrayImage image;      // captured only
  // libfprint reports pixels per mm; when a reader reports 0 the image is
  // taken as 500 dpi, and this says so.
  bool resolution_assumed = false;
  double seconds = 0;
};

// What libfprint's virtual_image driver is sent for one capture (for
// demonstrations and tests: the reader is a socket this process feeds).
struct VirtualTouch {
  enum class Kind { image, retry, error, unplug, nothing };
  Kind kind = Kind::image;
  GrayImage image;  // Kind::image (at most 5000 x 5000)
  int code = 0;     // retry: FpDeviceRetry (0 general, 1 too short, 2 centre, 3 remove); error: FpDeviceError
  static VirtualTouch finger(GrayImage image);
  static VirtualTouch retry_request(int code = 0);
  static VirtualTouch device_error(int code = 0);
  static VirtualTouch unplugged();
  static VirtualTouch no_finger();  // nothing is sent: the capture times out
};

class FingerprintReader {
 public:
  // The readers libfprint finds (empty when none).
  static std::vector<ReaderInfo> list();
  // Opens the reader with this id ("": the first one). Throws
  // Error(not_found) when there is none, Error(busy) when it is in use.
  static FingerprintReader open(const std::string& id = "");
  // A virtual_image reader fed by this process: each capture() takes the
  // next touch of `script` (after the last one, captures time out).
  static FingerprintReader open_virtual(std::vector<VirtualTouch> script);
  FingerprintReader(FingerprintReader&&) noexcept;
  FingerprintReader& operator=(FingerprintReader&&) noexcept;
  ~FingerprintReader();

  const ReaderInfo& info() const;
  // Waits for a finger (finger-on detection) and returns its image, or the
  // state that stopped it.
  RawCapture capture(std::chrono::milliseconds timeout = std::chrono::seconds(30));

  struct Impl;

 private:
  explicit FingerprintReader(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// One finger: capture, extract, quality gate.
struct FingerCapture {
  CaptureStatus status = CaptureStatus::device_error;
  FingerPosition position = FingerPosition::unknown;
  std::optional<FingerSample> sample;  // when an image came
  GrayImage image;                     // that image (to show, or keep for adjudication)
  std::vector<std::string> reasons;    // what to do next (empty when accepted)
  bool resolution_assumed = false;
  bool accepted() const { return status == CaptureStatus::captured; }
};
FingerCapture capture_finger(const Session& session, FingerprintReader& reader, FingerPosition position,
                             std::chrono::milliseconds timeout = std::chrono::seconds(30));

enum class FingerAbsence { missing, injured, bandaged, unable };
std::string_view to_string(FingerAbsence a) noexcept;

struct TenPrintOptions {
  // The order the officer asks for the fingers: right thumb to little, then left.
  std::vector<FingerPosition> order = {
      FingerPosition::right_thumb, FingerPosition::right_index, FingerPosition::right_middle,
      FingerPosition::right_ring,  FingerPosition::right_little, FingerPosition::left_thumb,
      FingerPosition::left_index,  FingerPosition::left_middle,  FingerPosition::left_ring,
      FingerPosition::left_little};
  std::chrono::milliseconds timeout = std::chrono::seconds(30);
  // A new sample that matches a finger already taken at this false-match
  // rate is the wrong finger (the same one presented twice).
  double wrong_finger_fmr = 1e-4;
};

// One attempt of a ten-print session.
struct TenPrintStep {
  FingerCapture capture;
  FingerPosition asked = FingerPosition::unknown;
  // Set when the sample is a finger already taken: which one, and the score.
  std::optional<FingerPosition> same_as;
  double same_score = 0;
};

// Asks for each finger position in turn; a position is done when a sample
// passes the quality gate and matches no finger already taken, or when it
// is marked absent (missing, injured...). Not thread-safe: one desk, one
// session.
class TenPrintSession {
 public:
  TenPrintSession(const Session& session, FingerprintReader& reader, TenPrintOptions options = {});
  // The position to present now (none when complete).
  std::optional<FingerPosition> next() const;
  TenPrintStep capture();
  void mark_absent(FingerPosition position, FingerAbsence why);
  bool complete() const;
  const std::map<FingerPosition, FingerSample>& taken() const { return taken_; }
  const std::map<FingerPosition, FingerAbsence>& absent() const { return absent_; }
  // The images of the fingers taken (what an adjudicator looks at later).
  const std::map<FingerPosition, GrayImage>& images() const { return images_; }
  // The fingers as a person record (attributes "finger_<n>_absent" for the
  // ones marked absent), ready to enrol or deduplicate.
  PersonRecord record(const std::string& id) const;

 private:
  const Session& session_;
  FingerprintReader& reader_;
  TenPrintOptions options_;
  std::map<FingerPosition, FingerSample> taken_;
  std::map<FingerPosition, FingerAbsence> absent_;
  std::map<FingerPosition, GrayImage> images_;
};

// Faces.
struct FaceSource {
  enum class Kind { camera, video, images, still };
  Kind kind = Kind::still;
  int camera = 0;    // Kind::camera: the device index
  std::string path;  // video file, image sequence pattern (OpenCV's, e.g. "img_%02d.png"), or still image
  static FaceSource camera_index(int index);
  static FaceSource video_file(std::string path);
  static FaceSource image_sequence(std::string pattern);
  static FaceSource still_image(std::string path);
};

struct FaceCaptureOptions {
  int max_frames = 150;   // frames looked at, at most
  double timeout_seconds = 20;
  int frame_step = 1;     // look at every n-th frame (a camera's 30 fps need not all be scored)
  int good_frames_to_stop = 5;  // stop early after this many acceptable frames
};

struct FaceCapture {
  CaptureStatus status = CaptureStatus::device_error;  // captured, rejected, no_reader, timeout, device_error
  std::optional<FaceSample> best;  // the best frame's sample (by the pipeline's quality)
  ColorImage frame;                // that frame
  int frame_index = -1, frames_read = 0, frames_scored = 0;
  std::vector<std::string> reasons;  // recapture reasons of the best frame (empty when accepted)
  std::string message;
  bool accepted() const { return status == CaptureStatus::captured; }
};
FaceCapture capture_face(const Session& session, const FaceSource& source, const FaceCaptureOptions& options = {});

}  // namespace tunggal::sdk
