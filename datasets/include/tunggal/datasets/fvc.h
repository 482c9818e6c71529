// The FVC folder layout and test protocol (Fingerprint Verification
// Competitions 2000-2006): files named <finger>_<impression>.<ext>, e.g.
// 101_1.tif ... 110_8.tif, with templates beside the images (.iso, .xyt...).
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace tunggal::datasets {

enum class SampleKind { image, template_file };

struct FvcSample {
  int finger = 0;      // e.g. 101
  int impression = 0;  // e.g. 1..8
  std::filesystem::path path;
  SampleKind kind = SampleKind::image;
};

struct FvcDataset {
  std::filesystem::path root;
  std::vector<FvcSample> images;     // sorted by (finger, impression)
  std::vector<FvcSample> templates;  // sorted by (finger, impression)
  std::vector<std::string> ignored;  // file names that do not fit the layout
};

// Lists one FVC database folder (not recursive). Images are .tif, .tiff,
// .png, .bmp, .pgm, .wsq is not read; templates are .iso, .ist, .ansi, .xyt,
// .tgt. If several template extensions exist for one sample, `template_ext`
// (e.g. ".iso") chooses; empty means all are listed. Throws tunggal::Error
// (not_found) if the folder does not exist.
FvcDataset scan_fvc_folder(const std::filesystem::path& folder,
                           const std::string& template_ext = "");

// True for the image extensions the loaders read (.tif .tiff .png .bmp .pgm
// .jpg .jpeg, any case).
bool is_image_file(const std::filesystem::path& path);

// Finds FVC database folders (those holding at least one <finger>_<n> file)
// at or below `root`, sorted by path.
std::vector<std::filesystem::path> find_fvc_folders(const std::filesystem::path& root);

struct SamplePair {
  std::size_t a = 0;  // indices into the sample list the pairs were made from
  std::size_t b = 0;
};

enum class ImpostorProtocol {
  first_impressions,      // FVC: impression 1 of each finger vs impression 1 of every other
  first_two_impressions,  // impressions 1 and 2 of each finger vs those of every other
  all_cross_finger,       // every pair of samples of different fingers
};

// Genuine pairs: every unordered pair of impressions of the same finger.
std::vector<SamplePair> fvc_genuine_pairs(const std::vector<FvcSample>& samples);
// Impostor pairs of different fingers under the chosen protocol; unordered.
std::vector<SamplePair> fvc_impostor_pairs(const std::vector<FvcSample>& samples,
                                           ImpostorProtocol protocol);

}  // namespace tunggal::datasets
