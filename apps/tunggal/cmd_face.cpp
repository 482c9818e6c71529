// `tunggal face IMAGE... -o OUT`: face templates ("TGFC") with quality
// reasons a recording officer can act on.
#include <iomanip>
#include <iostream>

#include "commands.h"
#include "tunggal/face.h"
#include "tunggal/sdk.h"

namespace tunggal::cli {

FaceExtractor make_face_extractor(const std::string& models) {
  return FaceExtractor(FaceModelSet::load(models.empty() ? default_face_model_file() : std::filesystem::path(models)));
}

Runner add_face(CLI::App& app) {
  struct Args {
    std::vector<std::string> images;
    std::string out, models;
  };
  auto a = std::make_shared<Args>();
  auto* cmd = app.add_subcommand("face", "Face image(s) to face template(s), with quality reasons");
  cmd->add_option("images", a->images, "Face images (PNG, JPEG, BMP, TIFF, PGM)")->required();
  cmd->add_option("-o,--out", a->out, "Output file (one image) or folder (several): <name>.tgf");
  cmd->add_option("--models", a->models, "Model description file (default: the installed set)");
  return [a] {
    sdk::SessionConfig cfg;
    cfg.face_models = a->models;
    const sdk::Session session(cfg);
    std::vector<ColorImage> images(a->images.size());
    std::vector<std::string> errors(a->images.size());
    for (std::size_t i = 0; i < images.size(); ++i) {
      try {
        images[i] = read_color_image(a->images[i]);
      } catch (const Error& e) {
        errors[i] = e.what();
      }
    }
    std::vector<sdk::FaceSample> results(images.size());
    std::vector<std::size_t> ok;
    std::vector<ColorImage> batch;
    for (std::size_t i = 0; i < images.size(); ++i) {
      if (errors[i].empty()) {
        ok.push_back(i);
        batch.push_back(std::move(images[i]));
      }
    }
    auto extracted = session.extract_faces(batch);
    for (std::size_t k = 0; k < ok.size(); ++k) results[ok[k]] = std::move(extracted[k]);
    const bool many = a->images.size() > 1;
    if (many && !a->out.empty()) std::filesystem::create_directories(a->out);
    int failures = 0;
    for (std::size_t i = 0; i < results.size(); ++i) {
      std::cout << a->images[i] << ": ";
      if (!errors[i].empty()) {
        std::cout << "ERROR " << errors[i] << "\n";
        ++failures;
        continue;
      }
      const FaceResult& r = results[i].detail;
      if (!r.face) {
        std::cout << "no face\n";
        ++failures;
        continue;
      }
      std::cout << std::fixed << std::setprecision(1) << "face " << (r.box.x2 - r.box.x1) << "x"
                << (r.box.y2 - r.box.y1) << (r.fallback ? " (nothing detected: whole image used)" : "")
                << ", quality " << int{r.face->quality} << ", eye distance " << r.measures.eye_distance
                << " px, sharpness " << r.measures.sharpness << ", yaw " << std::setprecision(2)
                << r.measures.yaw << ", roll " << std::setprecision(1) << r.measures.roll_degrees
                << " deg, brightness " << r.measures.brightness << "\n";
      for (const auto& reason : results[i].reasons) std::cout << "  recapture: " << reason << "\n";
      if (!a->out.empty()) {
        const std::filesystem::path dest =
            many ? std::filesystem::path(a->out) / (std::filesystem::path(a->images[i]).stem().string() + ".tgf")
                 : std::filesystem::path(a->out);
        sdk::write_file_durably(dest, encode_face_template(*r.face));
      }
    }
    return failures > 0 ? 1 : 0;
  };
}

}  // namespace tunggal::cli
