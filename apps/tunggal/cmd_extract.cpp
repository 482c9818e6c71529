// `tunggal extract`: images to minutiae templates, one file or whole folders
// (in parallel), with a debug view for people to check what was found.
#include <tbb/parallel_for.h>

#include <chrono>
#include <cmath>
#include <iostream>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "commands.h"
#include "mcc_options.h"
#include "tunggal/files.h"
#include "tunggal/datasets/fvc.h"
#include "tunggal/extraction.h"
#include "tunggal/sdk.h"

namespace tunggal::cli {
namespace {

struct ExtractArgs {
  std::vector<std::string> inputs;
  std::string output, format = "iso", debug_png;
  int dpi = 500;
  std::vector<std::string> extract_params;
};

std::string extension_for(TemplateFormat f) {
  switch (f) {
    case TemplateFormat::iso19794_2_2005: return ".iso";
    case TemplateFormat::ansi378_2004: return ".ansi";
    case TemplateFormat::nist_xyt: return ".xyt";
    case TemplateFormat::native: return ".tgt";
  }
  return ".bin";
}

// Mask (background dimmed), orientation every 16 px, minutiae (red endings,
// blue bifurcations) with their directions.
void write_debug_png(const GrayImage& img, const ExtractionResult& r, const std::string& path) {
  cv::Mat g(img.height, img.width, CV_8U, const_cast<std::uint8_t*>(img.pixels.data())), c;
  cv::cvtColor(g, c, cv::COLOR_GRAY2BGR);
  const double s = static_cast<double>(img.width) / r.width;  // 500 dpi -> image
  for (int y = 0; y < img.height; ++y) {
    for (int x = 0; x < img.width; ++x) {
      const int mx = std::min(r.width - 1, static_cast<int>(x / s)),
                my = std::min(r.height - 1, static_cast<int>(y / s));
      if (!r.mask[static_cast<std::size_t>(my) * r.width + mx])
        c.at<cv::Vec3b>(y, x) = c.at<cv::Vec3b>(y, x) / 3;
    }
  }
  for (int y = 8; y < r.height; y += 16) {
    for (int x = 8; x < r.width; x += 16) {
      const std::size_t i = static_cast<std::size_t>(y) * r.width + x;
      if (!r.mask[i]) continue;
      const double t = r.orientation[i], len = 6 * r.coherence[i] + 2;
      cv::line(c,
               {static_cast<int>((x - len * std::cos(t)) * s),
                static_cast<int>((y + len * std::sin(t)) * s)},
               {static_cast<int>((x + len * std::cos(t)) * s),
                static_cast<int>((y - len * std::sin(t)) * s)},
               {0, 200, 0}, 1);
    }
  }
  for (const auto& m : r.finger.minutiae) {
    const cv::Scalar col =
        m.type == MinutiaType::ending ? cv::Scalar(0, 0, 255) : cv::Scalar(255, 90, 0);
    cv::circle(c, {m.x, m.y}, 4, col, 1);
    cv::line(c, {m.x, m.y},
             {static_cast<int>(m.x + 10 * std::cos(m.angle)),
              static_cast<int>(m.y - 10 * std::sin(m.angle))},
             col, 1);
  }
  // A fingerprint image: owner-only, like every biometric file written.
  std::vector<std::uint8_t> png;
  if (!cv::imencode(".png", c, png)) throw Error(ErrorCode::io, path + ": cannot encode PNG");
  write_private_file(path, png);
}

}  // namespace

Runner add_extract(CLI::App& app) {
  auto a = std::make_shared<ExtractArgs>();
  auto* cmd = app.add_subcommand("extract",
                                 "Extract minutiae templates from fingerprint images "
                                 "(files or folders, in parallel)");
  cmd->add_option("inputs", a->inputs, "Images (PNG, TIFF, BMP, PGM, JPEG) or folders of them")
      ->required();
  cmd->add_option("-o,--output", a->output,
                  "Output file (one image) or folder (several images or a folder)")
      ->required();
  cmd->add_option("--format", a->format, "Template format: iso, ansi, xyt, native")
      ->check(CLI::IsMember({"iso", "ansi", "xyt", "native"}))
      ->capture_default_str();
  cmd->add_option("--dpi", a->dpi, "Resolution of the images")
      ->check(CLI::Range(100, 5000))
      ->capture_default_str();
  cmd->add_option("--debug-png", a->debug_png,
                  "Draw mask, orientation and minutiae over the (single) image");
  add_extraction_param_option(cmd, a->extract_params);
  return [a] {
    const TemplateFormat format = *format_from_name(a->format);
    std::vector<std::filesystem::path> images;
    bool folder_mode = a->inputs.size() > 1;
    for (const auto& in : a->inputs) {
      if (std::filesystem::is_directory(in)) {
        folder_mode = true;
        for (const auto& e : std::filesystem::directory_iterator(in)) {
          if (e.is_regular_file() && datasets::is_image_file(e.path())) images.push_back(e.path());
        }
      } else {
        images.emplace_back(in);
      }
    }
    std::sort(images.begin(), images.end());
    if (images.empty()) throw Error(ErrorCode::not_found, "no images to extract");
    if (folder_mode) std::filesystem::create_directories(a->output);
    // Images in parallel (oneTBB), in chunks to bound memory; results are
    // printed in input order. Each image's time is its own thread's.
    struct Outcome {
      std::string line;
      bool ok = false;
      double ms = 0;
    };
    const bool debug = !a->debug_png.empty() && !folder_mode;
    ExtractionParams params = extraction_params_from(a->extract_params);
    params.keep_intermediates = debug;
    int failures = 0;
    double total_ms = 0;
    const auto start = std::chrono::steady_clock::now();
    constexpr std::size_t kChunk = 64;
    for (std::size_t c0 = 0; c0 < images.size(); c0 += kChunk) {
      const std::size_t c1 = std::min(images.size(), c0 + kChunk);
      std::vector<Outcome> out(c1 - c0);
      tbb::parallel_for(c0, c1, [&](std::size_t i) {
        Outcome& o = out[i - c0];
        const auto& path = images[i];
        try {
          const GrayImage img = read_gray_image(path, a->dpi);
          const auto t0 = std::chrono::steady_clock::now();
          const ExtractionResult r = extract_finger(img, params);
          o.ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0)
                     .count();
          const std::filesystem::path file =
              folder_mode ? std::filesystem::path(a->output) /
                                (path.stem().string() + extension_for(format))
                          : std::filesystem::path(a->output);
          EncodeOptions eo;
          eo.xyt_convention = XytConvention::m1;
          sdk::save_template_file(file, {&r.finger, 1}, format, eo);
          o.line = path.string() + ": " + std::to_string(r.finger.minutiae.size()) +
                   " minutiae, quality " + std::to_string(r.finger.quality);
          for (const auto& reason : r.reasons) o.line += "; " + reason;
          if (debug) write_debug_png(img, r, a->debug_png);
          o.ok = true;
        } catch (const Error& e) {
          o.line = std::string("tunggal extract: ") + e.what();
        }
      });
      for (const auto& o : out) {
        (o.ok ? std::cout : std::cerr) << o.line << "\n";
        failures += !o.ok;
        total_ms += o.ms;
      }
    }
    const double wall =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::cout << images.size() - failures << "/" << images.size() << " images extracted, "
              << total_ms / static_cast<double>(std::max<std::size_t>(1, images.size() - failures))
              << " ms per image per thread, " << static_cast<double>(images.size()) / wall
              << " images/s on all threads\n";
    return failures ? 1 : 0;
  };
}

}  // namespace tunggal::cli
