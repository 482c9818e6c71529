// `tunggal capture finger` and `tunggal capture face`: the recording desk's
// capture through the SDK (tunggal/sdk/capture.h). --virtual feeds
// libfprint's virtual_image driver with the given images (demonstrations,
// tests); without it the first real reader (or --reader ID) is used.
#include <iostream>

#include "commands.h"
#include "tunggal/face.h"
#include "tunggal/sdk.h"

namespace tunggal::cli {
namespace {

FingerPosition position_from(int p) {
  if (p < 0 || p > kMaxFingerPosition) throw Error(ErrorCode::invalid_argument, "--position must lie in 0..10");
  return static_cast<FingerPosition>(p);
}

}  // namespace

Runner add_capture(CLI::App& app) {
  auto* capture = app.add_subcommand("capture", "Capture a fingerprint (libfprint) or a face (camera, video, images)");
  capture->require_subcommand(1);
  struct FingerArgs {
    std::vector<std::string> virtual_images;
    std::string reader, out;
    int position = 0, attempts = 3;
    double timeout = 30;
  };
  auto f = std::make_shared<FingerArgs>();
  auto* finger = capture->add_subcommand("finger", "Capture one finger and write the template of the best capture");
  finger->add_option("--virtual", f->virtual_images,
                     "Feed libfprint's virtual_image reader with these images, one per touch");
  finger->add_option("--reader", f->reader, "Reader id (tunggal capture finger --list shows them)");
  finger->add_option("--position", f->position, "ISO finger position 0-10")->capture_default_str();
  finger->add_option("--attempts", f->attempts, "Touches at most (with --virtual: one per image)")->capture_default_str();
  finger->add_option("--timeout", f->timeout, "Seconds to wait for each touch")->capture_default_str();
  finger->add_option("-o,--out", f->out, "Template file (.iso, .ansi, .xyt, .tgt)")->required();
  struct FaceArgs {
    std::string video, images, still, out, models;
    int camera = -1, frames = 150;
  };
  auto fa = std::make_shared<FaceArgs>();
  auto* face = capture->add_subcommand("face", "Capture a face: the best frame by the face pipeline's quality");
  face->add_option("--video", fa->video, "A video file");
  face->add_option("--images", fa->images, "An image sequence (OpenCV pattern, e.g. frame_%03d.png)");
  face->add_option("--still", fa->still, "One still image");
  face->add_option("--camera", fa->camera, "A camera index");
  face->add_option("--frames", fa->frames, "Frames looked at, at most")->capture_default_str();
  face->add_option("--models", fa->models, "Face model description (default: the installed set)");
  face->add_option("-o,--out", fa->out, "Face template file (.tgf)")->required();
  return [f, fa, finger] {
    if (finger->parsed()) {
      sdk::SessionConfig cfg;
      cfg.face = false;
      const sdk::Session session(cfg);
      std::vector<sdk::VirtualTouch> script;
      for (const auto& p : f->virtual_images) script.push_back(sdk::VirtualTouch::finger(read_gray_image(p)));
      auto reader = script.empty() ? sdk::FingerprintReader::open(f->reader)
                                   : sdk::FingerprintReader::open_virtual(std::move(script));
      const int attempts = f->virtual_images.empty() ? f->attempts : static_cast<int>(f->virtual_images.size());
      std::optional<sdk::FingerSample> best;
      for (int i = 0; i < attempts; ++i) {
        const auto c = sdk::capture_finger(session, reader, position_from(f->position),
                                           std::chrono::milliseconds(static_cast<long long>(f->timeout * 1000)));
        std::cerr << "touch " << i + 1 << " on " << reader.info().id << ": " << sdk::to_string(c.status);
        if (c.sample) std::cerr << ", quality " << c.sample->quality << ", " << c.sample->finger.minutiae.size() << " minutiae";
        if (c.resolution_assumed) std::cerr << " (the reader reports no resolution: 500 dpi assumed)";
        for (const auto& r : c.reasons) std::cerr << "; " << r;
        std::cerr << "\n";
        if (c.status == sdk::CaptureStatus::unplugged || c.status == sdk::CaptureStatus::no_reader) break;
        if (c.accepted() && (!best || c.sample->quality > best->quality)) best = c.sample;
      }
      if (!best) {
        std::cerr << "capture finger: no touch passed the quality gate\n";
        return 1;
      }
      const auto format = format_from_extension(f->out);
      if (!format) throw Error(ErrorCode::invalid_argument, f->out + ": the extension names no template format (.iso, .ansi, .xyt, .tgt)");
      sdk::save_template_file(f->out, {&best->finger, 1}, *format);
      std::cout << "captured " << to_string(best->finger.position) << ": quality " << best->quality << ", "
                << best->finger.minutiae.size() << " minutiae -> " << f->out << "\n";
      return 0;
    }
    const int given = !fa->video.empty() + !fa->images.empty() + !fa->still.empty() + (fa->camera >= 0);
    if (given != 1) throw Error(ErrorCode::invalid_argument, "capture face: give one of --video, --images, --still, --camera");
    sdk::SessionConfig cfg;
    cfg.face_models = fa->models;
    const sdk::Session session(cfg);
    const sdk::FaceSource source = !fa->video.empty()    ? sdk::FaceSource::video_file(fa->video)
                                   : !fa->images.empty() ? sdk::FaceSource::image_sequence(fa->images)
                                   : !fa->still.empty()  ? sdk::FaceSource::still_image(fa->still)
                                                         : sdk::FaceSource::camera_index(fa->camera);
    sdk::FaceCaptureOptions o;
    o.max_frames = fa->frames;
    const auto c = sdk::capture_face(session, source, o);
    std::cerr << "capture face: " << sdk::to_string(c.status) << ", " << c.frames_read << " frames read, "
              << c.frames_scored << " scored";
    if (c.best && c.best->face) std::cerr << "; best frame " << c.frame_index << ", quality " << int{c.best->face->quality};
    if (!c.message.empty()) std::cerr << "; " << c.message;
    for (const auto& r : c.reasons) std::cerr << "; " << r;
    std::cerr << "\n";
    if (!c.accepted()) return 1;
    write_file_durably(fa->out, encode_face_template(*c.best->face));
    std::cout << "captured face (frame " << c.frame_index << ", quality " << int{c.best->face->quality} << ") -> "
              << fa->out << "\n";
    return 0;
  };
}

}  // namespace tunggal::cli
