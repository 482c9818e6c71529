// Capture through the real libfprint: its virtual_image driver is fed real
// FVC prints through its socket (and the fault signals the driver knows:
// retry, error, removal); faces from a video file written here with
// cv::VideoWriter from the shared AT&T faces.
#include <gtest/gtest.h>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/videoio.hpp>

#include "test_support.h"
#include "tunggal/sdk/capture.h"

namespace tunggal {
namespace {

using sdk::CaptureStatus;
using sdk::VirtualTouch;

GrayImage fvc(const std::filesystem::path& data, const std::string& name) {
  return read_gray_image(data / "fvc2002" / "DB1_B" / (name + ".tif"));
}

sdk::SessionConfig memory_session() {
  sdk::SessionConfig c;
  c.face = false;
  return c;
}

TEST(FingerCapture, VirtualReaderGivesImagesAndEveryFaultAsAState) {
  TUNGGAL_REQUIRE_SHARED_DATA(data);
  auto reader = sdk::FingerprintReader::open_virtual({
      VirtualTouch::finger(fvc(data, "101_1")),
      VirtualTouch::retry_request(2),  // centre the finger
      VirtualTouch::device_error(4),   // busy
      VirtualTouch::device_error(0),   // general
      VirtualTouch::no_finger(),
      VirtualTouch::unplugged(),
  });
  EXPECT_EQ(reader.info().driver, "virtual_image");
  auto c = reader.capture(std::chrono::seconds(20));
  ASSERT_EQ(c.status, CaptureStatus::captured) << c.message;
  EXPECT_EQ(c.image.width, 388);
  EXPECT_EQ(c.image.height, 374);
  EXPECT_EQ(c.image.pixels, fvc(data, "101_1").pixels);  // the bytes that were sent
  EXPECT_TRUE(c.resolution_assumed);  // virtual_image reports 0 pixels/mm
  EXPECT_EQ(c.image.dpi, 500);
  c = reader.capture(std::chrono::seconds(20));
  EXPECT_EQ(c.status, CaptureStatus::retry) << c.message;
  EXPECT_NE(c.message.find("center"), std::string::npos) << c.message;
  EXPECT_EQ(reader.capture(std::chrono::seconds(20)).status, CaptureStatus::busy);
  EXPECT_EQ(reader.capture(std::chrono::seconds(20)).status, CaptureStatus::device_error);
  c = reader.capture(std::chrono::milliseconds(600));
  EXPECT_EQ(c.status, CaptureStatus::timeout) << c.message;
  EXPECT_EQ(reader.capture(std::chrono::seconds(20)).status, CaptureStatus::unplugged);
  // Gone: every later capture says so at once.
  c = reader.capture(std::chrono::seconds(20));
  EXPECT_EQ(c.status, CaptureStatus::unplugged);
  EXPECT_LT(c.seconds, 5.0);
}

TEST(FingerCapture, TenPrintAsksInTurnRejectsTheSameFingerTwiceAndAllowsAbsentFingers) {
  TUNGGAL_REQUIRE_SHARED_DATA(data);
  sdk::Session session(memory_session());
  auto reader = sdk::FingerprintReader::open_virtual({
      VirtualTouch::finger(fvc(data, "101_1")),  // right thumb
      VirtualTouch::finger(fvc(data, "101_3")),  // asked the right index: the thumb again
      VirtualTouch::finger(fvc(data, "102_1")),  // right index
      VirtualTouch::retry_request(1),            // right middle: too short a swipe
      VirtualTouch::finger(fvc(data, "103_1")),  // right middle
  });
  sdk::TenPrintOptions o;
  o.order = {FingerPosition::right_thumb, FingerPosition::right_index, FingerPosition::right_middle,
             FingerPosition::right_ring};
  o.timeout = std::chrono::seconds(20);
  sdk::TenPrintSession tp(session, reader, o);
  EXPECT_EQ(tp.next(), FingerPosition::right_thumb);
  auto s = tp.capture();
  ASSERT_TRUE(s.capture.accepted()) << (s.capture.reasons.empty() ? "" : s.capture.reasons[0]);
  EXPECT_EQ(tp.next(), FingerPosition::right_index);
  s = tp.capture();
  EXPECT_EQ(s.capture.status, CaptureStatus::rejected);
  ASSERT_TRUE(s.same_as.has_value());
  EXPECT_EQ(*s.same_as, FingerPosition::right_thumb);
  EXPECT_NE(s.capture.reasons.back().find("same finger as the right thumb"), std::string::npos);
  EXPECT_EQ(tp.next(), FingerPosition::right_index);  // asked again
  s = tp.capture();
  ASSERT_TRUE(s.capture.accepted()) << (s.capture.reasons.empty() ? "" : s.capture.reasons[0]);
  s = tp.capture();
  EXPECT_EQ(s.capture.status, CaptureStatus::retry);
  EXPECT_EQ(tp.next(), FingerPosition::right_middle);
  ASSERT_TRUE(tp.capture().capture.accepted());
  EXPECT_FALSE(tp.complete());
  tp.mark_absent(FingerPosition::right_ring, sdk::FingerAbsence::injured);
  EXPECT_TRUE(tp.complete());
  EXPECT_THROW(tp.capture(), Error);
  const PersonRecord r = tp.record("P1");
  ASSERT_EQ(r.fingers.size(), 3u);
  EXPECT_NE(r.finger(FingerPosition::right_index), nullptr);
  ASSERT_NE(r.attribute("finger_4_absent"), nullptr);
  EXPECT_EQ(*r.attribute("finger_4_absent"), "injured");
  // The record enrols and finds itself.
  session.enrol(r);
  PersonRecord probe = r;
  probe.id = "P1-again";
  const auto d = session.identify({&probe, 1}).front();
  ASSERT_EQ(d.decision, Decision::duplicate);
  EXPECT_EQ(d.candidates.front().ref, "P1");
}

TEST(FingerCapture, TheQualityGateAsksForARecapture) {
  TUNGGAL_REQUIRE_SHARED_DATA(data);
  sdk::SessionConfig cfg = memory_session();
  cfg.min_finger_quality = 101 - 1;  // nothing real reaches 100
  sdk::Session strict(cfg);
  auto reader = sdk::FingerprintReader::open_virtual({VirtualTouch::finger(fvc(data, "104_2"))});
  const auto c = sdk::capture_finger(strict, reader, FingerPosition::left_index, std::chrono::seconds(20));
  ASSERT_TRUE(c.sample.has_value());
  EXPECT_EQ(c.status, CaptureStatus::rejected);
  EXPECT_FALSE(c.reasons.empty());
  EXPECT_EQ(c.sample->finger.position, FingerPosition::left_index);
}

class FaceCaptureTest : public ::testing::Test {
 protected:
  void SetUp() override {
    TUNGGAL_REQUIRE_SHARED_DATA(data);
    TUNGGAL_REQUIRE_FACE_MODELS(models);
    att_ = data / "att_faces";
    sdk::SessionConfig c;
    c.face_models = models;
    session_.emplace(c);
    dir_ = std::filesystem::temp_directory_path() / ("tunggal_face_capture_" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  // An AT&T face on a grey canvas, at (x, y) or centred.
  cv::Mat frame(int person, int n, int canvas = 240, int x = -1, int y = -1) const {
    const cv::Mat f = cv::imread((att_ / ("s" + std::to_string(person)) / (std::to_string(n) + ".pgm")).string());
    cv::Mat c(canvas, canvas, CV_8UC3, cv::Scalar(120, 120, 120));
    if (x < 0) x = (canvas - f.cols) / 2, y = (canvas - f.rows) / 2;
    f.copyTo(c(cv::Rect(x, y, f.cols, f.rows)));
    return c;
  }
  std::string video(const std::string& name, const std::vector<cv::Mat>& frames) const {
    const std::string path = (dir_ / name).string();
    cv::VideoWriter w(path, cv::VideoWriter::fourcc('M', 'J', 'P', 'G'), 10, frames.front().size());
    EXPECT_TRUE(w.isOpened());
    for (const auto& f : frames) w.write(f);
    return path;
  }
  std::filesystem::path att_, dir_;
  std::optional<sdk::Session> session_;
};

TEST_F(FaceCaptureTest, TheBestFrameOfAVideoIsChosen) {
  // Grey frames, a blurred face, then the sharp face: the sharp one wins.
  std::vector<cv::Mat> frames;
  for (int i = 0; i < 3; ++i) frames.emplace_back(240, 240, CV_8UC3, cv::Scalar(120, 120, 120));
  cv::Mat blurred;
  cv::GaussianBlur(frame(3, 1), blurred, {0, 0}, 3.0);
  frames.push_back(blurred);
  frames.push_back(frame(3, 1));
  frames.push_back(frame(3, 1));
  const auto c = sdk::capture_face(*session_, sdk::FaceSource::video_file(video("faces.avi", frames)));
  EXPECT_EQ(c.frames_read, 6);
  ASSERT_TRUE(c.best.has_value());
  EXPECT_EQ(c.status, CaptureStatus::captured) << (c.reasons.empty() ? "" : c.reasons[0]);
  EXPECT_GE(c.frame_index, 4);
  ASSERT_TRUE(c.best->face.has_value());
  // The captured face verifies against another image of the same person.
  const auto other = session_->extract_face(read_color_image(att_ / "s3" / "5.pgm"));
  ASSERT_TRUE(other.face.has_value());
  EXPECT_GT(session_->verify(*c.best->face, *other.face, 1e-2).score,
            session_->verify(*c.best->face,
                             *session_->extract_face(read_color_image(att_ / "s9" / "5.pgm")).face, 1e-2).score);
}

TEST_F(FaceCaptureTest, RecaptureReasonsForNoFaceOffCentreAndTilt) {
  std::vector<cv::Mat> empty(4, cv::Mat(240, 240, CV_8UC3, cv::Scalar(30, 30, 30)));
  auto c = sdk::capture_face(*session_, sdk::FaceSource::video_file(video("empty.avi", empty)));
  EXPECT_EQ(c.status, CaptureStatus::rejected);
  ASSERT_FALSE(c.reasons.empty());
  EXPECT_NE(c.reasons.front().find("no face"), std::string::npos) << c.reasons.front();
  // In the corner of a large frame.
  c = sdk::capture_face(*session_, sdk::FaceSource::video_file(video("corner.avi", {frame(4, 1, 480, 0, 0)})));
  ASSERT_TRUE(c.best.has_value());
  EXPECT_NE(std::find(c.best->issues.begin(), c.best->issues.end(), FaceIssue::off_centre), c.best->issues.end());
  // Tilted by 40 degrees: the eyes are not level.
  cv::Mat tilted;
  cv::warpAffine(frame(5, 1), tilted, cv::getRotationMatrix2D({120, 120}, 40, 1.0), {240, 240}, cv::INTER_LINEAR,
                 cv::BORDER_REPLICATE);
  c = sdk::capture_face(*session_, sdk::FaceSource::video_file(video("tilt.avi", {tilted})));
  ASSERT_TRUE(c.best.has_value());
  EXPECT_NE(std::find(c.best->issues.begin(), c.best->issues.end(), FaceIssue::eyes_not_level), c.best->issues.end());
  // A source that is not there.
  c = sdk::capture_face(*session_, sdk::FaceSource::video_file((dir_ / "missing.avi").string()));
  EXPECT_EQ(c.status, CaptureStatus::device_error);
  EXPECT_NE(c.message.find("cannot open"), std::string::npos);
  // A still image goes through the same gate.
  c = sdk::capture_face(*session_, sdk::FaceSource::still_image((att_ / "s6" / "1.pgm").string()));
  EXPECT_EQ(c.frames_read, 1);
  EXPECT_TRUE(c.best.has_value());
}

}  // namespace
}  // namespace tunggal
