// The face model description file: `key=value` lines, '#' comments.
#include <cmath>
#include <cstdlib>
#include <map>

#include "tunggal/error.h"
#include "tunggal/text.h"
#include "tunggal/face.h"

#ifndef TUNGGAL_DEFAULT_MODEL_DIR
#define TUNGGAL_DEFAULT_MODEL_DIR "/var/cache/tunggal/models"
#endif

namespace tunggal {
namespace {

[[noreturn]] void bad(std::size_t line, const std::string& what) {
  throw Error(ErrorCode::malformed_data,
              "face model description, line " + std::to_string(line) + ": " + what);
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

double number(std::string_view v, std::size_t line, std::string_view key) {
  return parse_number(v, "face model description, line " + std::to_string(line) + ", " + std::string(key));
}

int whole(std::string_view v, std::size_t line, std::string_view key, int lo, int hi) {
  const double d = number(v, line, key);
  if (d != std::floor(d) || d < lo || d > hi)
    bad(line, std::string(key) + " must be a whole number in " + std::to_string(lo) + ".." +
                  std::to_string(hi));
  return static_cast<int>(d);
}

void size_of(std::string_view v, std::size_t line, std::string_view key, FaceNetSpec& net) {
  const std::size_t x = v.find('x');
  if (x == std::string_view::npos) bad(line, std::string(key) + " wants WxH, e.g. 112x112");
  net.input_width = whole(v.substr(0, x), line, key, 8, 4096);
  net.input_height = whole(v.substr(x + 1), line, key, 8, 4096);
}

}  // namespace

FaceModelSet FaceModelSet::parse(std::string_view text, const std::filesystem::path& directory) {
  FaceModelSet m;
  m.directory = directory;
  std::map<std::string, std::size_t> seen;
  std::size_t line_no = 0;
  bool have_reference = false;
  while (!text.empty()) {
    const std::size_t eol = text.find('\n');
    const std::string_view line = trim(text.substr(0, eol));
    text = eol == std::string_view::npos ? std::string_view{} : text.substr(eol + 1);
    ++line_no;
    if (line.empty() || line.front() == '#') continue;
    const std::size_t eq = line.find('=');
    if (eq == std::string_view::npos) bad(line_no, "expected key=value");
    const std::string key(trim(line.substr(0, eq)));
    const std::string_view v = trim(line.substr(eq + 1));
    if (!seen.emplace(key, line_no).second) bad(line_no, key + " given twice");
    const std::size_t dot = key.find('.');
    const std::string part = dot == std::string::npos ? "" : key.substr(0, dot);
    const std::string field = dot == std::string::npos ? key : key.substr(dot + 1);
    FaceNetSpec* net = part == "detector"    ? &m.detector
                       : part == "landmarks" ? &m.landmarks
                       : part == "embedder"  ? &m.embedder
                                             : nullptr;
    if (key == "id") {
      if (v.empty() || v.size() > 255) bad(line_no, "id must be 1-255 characters");
      m.id = v;
    } else if (net != nullptr && field == "file") {
      if (v.empty()) bad(line_no, key + " is empty");
      net->file = v;
    } else if (net != nullptr && field == "input") {
      size_of(v, line_no, key, *net);
    } else if (net != nullptr && field == "channels") {
      if (v == "rgb") net->channels = FaceNetSpec::Channels::rgb;
      else if (v == "bgr") net->channels = FaceNetSpec::Channels::bgr;
      else if (v == "gray") net->channels = FaceNetSpec::Channels::gray;
      else bad(line_no, key + " must be rgb, bgr or gray");
    } else if (net != nullptr && field == "mean") {
      net->mean = number(v, line_no, key);
    } else if (net != nullptr && field == "scale") {
      net->scale = number(v, line_no, key);
      if (net->scale == 0) bad(line_no, key + " must not be 0");
    } else if (key == "detector.boxes_output") {
      m.boxes_output = v;
    } else if (key == "detector.scores_output") {
      m.scores_output = v;
    } else if (key == "detector.score_threshold") {
      m.score_threshold = number(v, line_no, key);
      if (m.score_threshold <= 0 || m.score_threshold >= 1) bad(line_no, key + " must be in (0, 1)");
    } else if (key == "detector.nms_threshold") {
      m.nms_threshold = number(v, line_no, key);
      if (m.nms_threshold <= 0 || m.nms_threshold > 1) bad(line_no, key + " must be in (0, 1]");
    } else if (key == "landmarks.points") {
      m.landmark_points = whole(v, line_no, key, 5, 68);
      if (m.landmark_points != 5 && m.landmark_points != 68) bad(line_no, key + " must be 5 or 68");
    } else if (key == "embedder.dimensions") {
      m.dimensions = whole(v, line_no, key, 1, static_cast<int>(kMaxFaceDimensions));
    } else if (key == "alignment.reference") {
      std::string_view rest = v;
      for (int i = 0; i < 5; ++i) {
        const std::size_t semi = rest.find(';');
        const std::string_view pt = rest.substr(0, semi);
        const std::size_t comma = pt.find(',');
        if (comma == std::string_view::npos) bad(line_no, key + " wants 5 points x,y;x,y;...");
        m.reference[static_cast<std::size_t>(i)] = {
            static_cast<float>(number(trim(pt.substr(0, comma)), line_no, key)),
            static_cast<float>(number(trim(pt.substr(comma + 1)), line_no, key))};
        if (i < 4 && semi == std::string_view::npos) bad(line_no, key + " wants 5 points");
        rest = semi == std::string_view::npos ? std::string_view{} : rest.substr(semi + 1);
      }
      if (!trim(rest).empty()) bad(line_no, key + " has more than 5 points");
      have_reference = true;
    } else {
      bad(line_no, "unknown key '" + key + "'");
    }
  }
  const auto need = [&](bool ok, const std::string& what) {
    if (!ok) bad(line_no, "missing " + what);
  };
  need(!m.id.empty(), "id");
  for (const auto& [net, name] : {std::pair{&m.detector, "detector"},
                                  std::pair{&m.landmarks, "landmarks"},
                                  std::pair{&m.embedder, "embedder"}}) {
    need(!net->file.empty(), std::string(name) + ".file");
    need(net->input_width > 0, std::string(name) + ".input");
  }
  need(have_reference, "alignment.reference");
  return m;
}

FaceModelSet FaceModelSet::load(const std::filesystem::path& description_file) {
  const auto bytes = read_file(description_file, std::size_t{1} << 20);
  FaceModelSet m;
  try {
    m = parse(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()),
              description_file.parent_path());
  } catch (const Error& e) {
    throw Error(e.code(), description_file.string() + ": " + e.what());
  }
  for (const auto* net : {&m.detector, &m.landmarks, &m.embedder}) {
    if (!std::filesystem::is_regular_file(m.directory / net->file)) {
      throw Error(ErrorCode::not_found, "face model " + m.id + ": " +
                                            (m.directory / net->file).string() + " not found");
    }
  }
  return m;
}

std::filesystem::path default_face_model_file() {
  if (const char* env = std::getenv("TUNGGAL_FACE_MODELS"); env != nullptr && *env != '\0') {
    const std::filesystem::path p(env);
    return std::filesystem::is_directory(p) ? p / "model.txt" : p;
  }
  return std::filesystem::path(TUNGGAL_DEFAULT_MODEL_DIR) / "faceplugin-fr-js-0.0.1" / "model.txt";
}

}  // namespace tunggal
