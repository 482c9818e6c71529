// `tunggal info`: describe template files, or survey FVC-layout folders (every
// template parsed, minutiae statistics, image sizes) — the first pass of the
// main job over the real data in ../shared/data.
#include <algorithm>
#include <cstdio>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <map>
#include <numeric>
#include <set>
#include <sstream>

#include "commands.h"
#include "json_out.h"
#include "tunggal/datasets/fvc.h"
#include "tunggal/person_record.h"
#include "tunggal/sdk.h"

namespace tunggal::cli {
namespace {

struct InfoArgs {
  std::vector<std::string> paths;
  std::string xyt_convention = "m1";
  int width = 0, height = 0, dpi = 500;
  bool json = false;
  bool attributes = false;
};

bool is_person_record(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  char magic[4] = {};
  in.read(magic, 4);
  return in.gcount() == 4 && std::string_view(magic, 4) == "TGPR";
}

// Person records hold personal data: only counts are shown unless asked.
void describe_record(const std::string& path, bool json, bool show_attributes) {
  const auto bytes = read_file(path, kMaxTemplateBytes);
  PersonRecord r;
  try {
    r = decode_person_record(bytes);
  } catch (const Error& e) {
    throw Error(e.code(), path + ": " + e.what());
  }
  std::size_t minutiae = 0;
  for (const auto& f : r.fingers) minutiae += f.minutiae.size();
  if (json) {
    Json j;
    j["path"] = path;
    j["format"] = "person record";
    j["id"] = r.id;
    j["fingers"] = r.fingers.size();
    j["minutiae"] = minutiae;
    j["face_model"] = r.face ? r.face->model : "";
    j["attributes"] = r.attributes.size();
    std::cout << j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
    return;
  }
  std::cout << path << ": person record " << r.id << ", " << bytes.size() << " bytes, "
            << r.fingers.size() << " fingers (" << minutiae << " minutiae), face "
            << (r.face ? r.face->model + " (" + std::to_string(r.face->embedding.size()) +
                             "-d, quality " + std::to_string(r.face->quality) + ")"
                       : std::string("none"))
            << ", " << r.attributes.size() << " attributes\n";
  for (const auto& f : r.fingers) {
    std::cout << "  " << to_string(f.position) << ": " << f.minutiae.size() << " minutiae, "
              << f.width << "x" << f.height << " px\n";
  }
  if (show_attributes) {
    for (const auto& [k, v] : r.attributes) std::cout << "  " << k << ": " << v << "\n";
  }
}

struct FolderSurvey {
  std::string path;
  std::size_t templates = 0, parsed = 0, images = 0, image_errors = 0;
  std::vector<std::pair<std::string, std::string>> failures;  // file, message
  std::vector<int> minutiae_counts;
  std::size_t endings = 0, bifurcations = 0, others = 0;
  std::set<std::string> template_frames, image_sizes, formats, resolutions;
};

std::string size_str(int w, int h) {
  return std::to_string(w) + "x" + std::to_string(h);
}

void describe_file(const sdk::TemplateFile& f, const std::string& path, bool json) {
  if (json) {
    Json views = Json::array();
    for (const auto& t : f.views) {
      Json v;
      v["finger_position"] = static_cast<int>(t.position);
      v["impression"] = static_cast<int>(t.impression);
      v["view"] = static_cast<int>(t.view);
      v["width"] = t.width;
      v["height"] = t.height;
      v["dpi_x"] = t.dpi_x;
      v["dpi_y"] = t.dpi_y;
      v["quality"] = static_cast<int>(t.quality);
      v["minutiae"] = t.minutiae.size();
      v["extended_data_bytes"] = t.extended_data.size();
      views.push_back(std::move(v));
    }
    Json j;
    j["path"] = path;
    j["format"] = std::string(to_string(f.format));
    j["bytes"] = f.size_bytes;
    j["views"] = std::move(views);
    std::cout << j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
    return;
  }
  std::cout << path << ": " << to_string(f.format) << ", " << f.size_bytes << " bytes, "
            << f.views.size() << (f.views.size() == 1 ? " view\n" : " views\n");
  for (std::size_t v = 0; v < f.views.size(); ++v) {
    const auto& t = f.views[v];
    std::size_t count[3] = {0, 0, 0};
    for (const auto& m : t.minutiae) ++count[static_cast<int>(m.type)];
    std::cout << "  view " << v + 1 << ": " << to_string(t.position) << " (" << int(t.position)
              << "), " << to_string(t.impression) << ", view number " << int(t.view) << ", "
              << size_str(t.width, t.height) << " px at " << t.dpi_x << "x" << t.dpi_y
              << " dpi, quality " << int(t.quality) << ", " << t.minutiae.size() << " minutiae ("
              << count[1] << " endings, " << count[2] << " bifurcations, " << count[0]
              << " other), extended data " << t.extended_data.size() << " bytes\n";
  }
}

FolderSurvey survey_folder(const std::filesystem::path& dir, const DecodeOptions& opts) {
  const auto ds = datasets::scan_fvc_folder(dir);
  FolderSurvey s;
  s.path = dir.string();
  s.templates = ds.templates.size();
  for (const auto& sample : ds.templates) {
    try {
      const auto f = sdk::load_template_file(sample.path, std::nullopt, opts);
      ++s.parsed;
      s.formats.insert(std::string(to_string(f.format)));
      for (const auto& t : f.views) {
        s.minutiae_counts.push_back(static_cast<int>(t.minutiae.size()));
        s.template_frames.insert(size_str(t.width, t.height));
        s.resolutions.insert(std::to_string(t.dpi_x) + "x" + std::to_string(t.dpi_y));
        for (const auto& m : t.minutiae) {
          (m.type == MinutiaType::ending        ? s.endings
           : m.type == MinutiaType::bifurcation ? s.bifurcations
                                                : s.others)++;
        }
      }
    } catch (const Error& e) {
      s.failures.emplace_back(sample.path.filename().string(), e.what());
    }
  }
  s.images = ds.images.size();
  for (const auto& sample : ds.images) {
    try {
      const auto img = read_gray_image(sample.path);
      s.image_sizes.insert(size_str(img.width, img.height));
    } catch (const Error& e) {
      ++s.image_errors;
      s.failures.emplace_back(sample.path.filename().string(), e.what());
    }
  }
  return s;
}

std::string join(const std::set<std::string>& items) {
  std::string out;
  for (const auto& i : items) out += (out.empty() ? "" : ", ") + i;
  return out.empty() ? "-" : out;
}

void print_survey(const FolderSurvey& s, bool json, bool first) {
  const auto& c = s.minutiae_counts;
  const double mean =
      c.empty() ? 0.0 : std::accumulate(c.begin(), c.end(), 0.0) / static_cast<double>(c.size());
  const int lo = c.empty() ? 0 : *std::min_element(c.begin(), c.end());
  const int hi = c.empty() ? 0 : *std::max_element(c.begin(), c.end());
  const std::size_t typed = s.endings + s.bifurcations;
  const double bif = typed ? static_cast<double>(s.bifurcations) / static_cast<double>(typed) : 0.0;
  if (json) {
    Json failures = Json::array();
    for (const auto& [file, error] : s.failures) failures.push_back(Json{{"file", file}, {"error", error}});
    Json j;
    j["folder"] = s.path;
    j["templates"] = s.templates;
    j["parsed"] = s.parsed;
    j["images"] = s.images;
    j["image_errors"] = s.image_errors;
    j["minutiae_mean"] = mean;
    j["minutiae_min"] = lo;
    j["minutiae_max"] = hi;
    j["bifurcation_share"] = bif;
    j["failures"] = std::move(failures);
    std::cout << (first ? "" : ",\n") << j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    return;
  }
  std::cout << std::fixed << std::setprecision(1);
  std::cout << s.path << "\n  templates: " << s.parsed << "/" << s.templates << " parsed ("
            << join(s.formats) << "), frame " << join(s.template_frames) << ", "
            << join(s.resolutions) << " dpi\n";
  if (!c.empty()) {
    std::cout << "  minutiae per view: mean " << mean << ", min " << lo << ", max " << hi
              << "; bifurcations " << std::setprecision(1) << 100.0 * bif
              << "% of typed minutiae\n";
  }
  if (s.images) {
    std::cout << "  images: " << s.images - s.image_errors << "/" << s.images << " read, size "
              << join(s.image_sizes) << "\n";
  }
  if (!s.template_frames.empty() && !s.image_sizes.empty() && s.template_frames != s.image_sizes) {
    std::cout << "  note: template frame differs from the image size (coordinates need "
                 "rescaling before comparing with the images)\n";
  }
  for (const auto& [file, msg] : s.failures)
    std::cout << "  FAILED " << file << ": " << msg << "\n";
}

}  // namespace

Runner add_info(CLI::App& app) {
  auto args = std::make_shared<InfoArgs>();
  auto* cmd =
      app.add_subcommand("info",
                         "Describe template files, or survey folders in the FVC layout "
                         "(<finger>_<impression>.<ext>): parse every template, summarise minutiae, "
                         "read every image");
  cmd->add_option("paths", args->paths, "Template files or folders")->required();
  cmd->add_flag("--json", args->json, "Print JSON instead of text");
  cmd->add_flag("--attributes", args->attributes,
                "Also print a person record's attributes (personal data: off by default)");
  cmd->add_option("--xyt-convention", args->xyt_convention,
                  "Convention of .xyt files: m1 (default here: no image height needed) or nist")
      ->check(CLI::IsMember({"nist", "m1"}));
  cmd->add_option("--height", args->height, "Image height, for .xyt in the nist convention");
  return [args] {
    DecodeOptions opts;
    opts.xyt_convention = args->xyt_convention == "nist" ? XytConvention::nist : XytConvention::m1;
    opts.xyt_height = static_cast<std::uint16_t>(args->height);
    int status = 0;
    bool first = true;
    if (args->json) std::cout << "[";
    for (const auto& p : args->paths) {
      if (std::filesystem::is_directory(p)) {
        const auto folders = datasets::find_fvc_folders(p);
        if (folders.empty()) {
          std::cerr << "tunggal info: " << p << ": no files in the FVC layout found\n";
          status = 1;
        }
        std::size_t total = 0, ok = 0;
        for (const auto& dir : folders) {
          const auto s = survey_folder(dir, opts);
          print_survey(s, args->json, first);
          first = false;
          total += s.templates + s.images;
          ok += s.parsed + s.images - s.image_errors;
        }
        if (!args->json) {
          std::cout << p << ": " << ok << "/" << total << " files read in " << folders.size()
                    << " folders\n";
        }
        if (ok != total) status = 1;
      } else {
        try {
          if (is_person_record(p)) {
            if (args->json && !first) std::cout << ",\n";
            describe_record(p, args->json, args->attributes);
            first = false;
            continue;
          }
          const auto f = sdk::load_template_file(p, std::nullopt, opts);
          if (args->json && !first) std::cout << ",\n";
          describe_file(f, p, args->json);
          first = false;
        } catch (const Error& e) {
          std::cerr << "tunggal info: " << e.what() << '\n';
          status = 2;
        }
      }
    }
    if (args->json) std::cout << "]\n";
    return status;
  };
}

}  // namespace tunggal::cli
