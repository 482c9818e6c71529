#include "tunggal/datasets/fvc.h"

#include <algorithm>
#include <charconv>
#include <set>

#include "tunggal/error.h"

namespace tunggal::datasets {
namespace {

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  return s;
}

bool is_image_ext(const std::string& e) {
  static const std::set<std::string> k{".tif", ".tiff", ".png", ".bmp", ".pgm", ".jpg", ".jpeg"};
  return k.count(e) != 0;
}
bool is_template_ext(const std::string& e) {
  static const std::set<std::string> k{".iso", ".ist", ".ansi", ".xyt", ".tgt"};
  return k.count(e) != 0;
}

// "<finger>_<impression>" with positive integers.
bool parse_stem(const std::string& stem, int& finger, int& impression) {
  const auto us = stem.find('_');
  if (us == std::string::npos || us == 0 || us + 1 >= stem.size()) return false;
  const char* b = stem.data();
  auto r1 = std::from_chars(b, b + us, finger);
  if (r1.ec != std::errc() || r1.ptr != b + us) return false;
  auto r2 = std::from_chars(b + us + 1, b + stem.size(), impression);
  if (r2.ec != std::errc() || r2.ptr != b + stem.size()) return false;
  return finger > 0 && impression > 0;
}

bool sample_less(const FvcSample& x, const FvcSample& y) {
  if (x.finger != y.finger) return x.finger < y.finger;
  if (x.impression != y.impression) return x.impression < y.impression;
  return x.path < y.path;
}

}  // namespace

bool is_image_file(const std::filesystem::path& path) {
  return is_image_ext(lower(path.extension().string()));
}

FvcDataset scan_fvc_folder(const std::filesystem::path& folder, const std::string& template_ext) {
  std::error_code ec;
  if (!std::filesystem::is_directory(folder, ec)) {
    throw Error(ErrorCode::not_found, folder.string() + ": not a folder");
  }
  FvcDataset ds;
  ds.root = folder;
  const std::string want = lower(template_ext);
  for (const auto& entry : std::filesystem::directory_iterator(folder)) {
    if (!entry.is_regular_file()) continue;
    const auto& p = entry.path();
    const std::string ext = lower(p.extension().string());
    FvcSample s;
    s.path = p;
    if (!parse_stem(p.stem().string(), s.finger, s.impression) ||
        !(is_image_ext(ext) || is_template_ext(ext))) {
      ds.ignored.push_back(p.filename().string());
      continue;
    }
    if (is_image_ext(ext)) {
      s.kind = SampleKind::image;
      ds.images.push_back(std::move(s));
    } else if (want.empty() || ext == want) {
      s.kind = SampleKind::template_file;
      ds.templates.push_back(std::move(s));
    }
  }
  std::sort(ds.images.begin(), ds.images.end(), sample_less);
  std::sort(ds.templates.begin(), ds.templates.end(), sample_less);
  std::sort(ds.ignored.begin(), ds.ignored.end());
  return ds;
}

std::vector<std::filesystem::path> find_fvc_folders(const std::filesystem::path& root) {
  std::error_code ec;
  if (!std::filesystem::exists(root, ec)) {
    throw Error(ErrorCode::not_found, root.string() + ": no such folder");
  }
  std::vector<std::filesystem::path> out;
  auto consider = [&](const std::filesystem::path& dir) {
    const FvcDataset ds = scan_fvc_folder(dir);
    if (!ds.images.empty() || !ds.templates.empty()) out.push_back(dir);
  };
  if (!std::filesystem::is_directory(root)) return out;
  consider(root);
  for (auto it = std::filesystem::recursive_directory_iterator(
           root, std::filesystem::directory_options::skip_permission_denied);
       it != std::filesystem::recursive_directory_iterator(); ++it) {
    if (it->is_directory()) consider(it->path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<SamplePair> fvc_genuine_pairs(const std::vector<FvcSample>& samples) {
  std::vector<SamplePair> pairs;
  for (std::size_t i = 0; i < samples.size(); ++i) {
    for (std::size_t j = i + 1; j < samples.size(); ++j) {
      if (samples[i].finger == samples[j].finger) pairs.push_back({i, j});
    }
  }
  return pairs;
}

std::vector<SamplePair> fvc_impostor_pairs(const std::vector<FvcSample>& samples,
                                           ImpostorProtocol protocol) {
  auto eligible = [&](const FvcSample& s) {
    switch (protocol) {
      case ImpostorProtocol::first_impressions: return s.impression == 1;
      case ImpostorProtocol::first_two_impressions: return s.impression <= 2;
      case ImpostorProtocol::all_cross_finger: return true;
    }
    return false;
  };
  std::vector<SamplePair> pairs;
  for (std::size_t i = 0; i < samples.size(); ++i) {
    if (!eligible(samples[i])) continue;
    for (std::size_t j = i + 1; j < samples.size(); ++j) {
      if (eligible(samples[j]) && samples[i].finger != samples[j].finger) pairs.push_back({i, j});
    }
  }
  return pairs;
}

}  // namespace tunggal::datasets
