// A first accuracy probe for the MCC matcher (issue 5 builds `tunggal eval`
// on it): EER under the FVC protocol (280 genuine pairs, 2,880 cross-finger
// impostor pairs) for one FVC database, from our own extraction of the images
// or from the vendor ISO templates beside them (matcher alone).
//
//   fvc_eer DIR [--iso]
#include <algorithm>
#include <chrono>
#include <cstring>
#include <iostream>

#include "tunggal/comparison.h"
#include "tunggal/datasets/fvc.h"
#include "tunggal/extraction.h"
#include "tunggal/formats.h"
#include "tunggal/image.h"

using namespace tunggal;

namespace {
// Equal error rate: the threshold where false non-match and false match
// rates cross (the larger of the two at the closest point).
double equal_error_rate(std::vector<double> genuine, std::vector<double> impostor) {
  std::sort(genuine.begin(), genuine.end());
  std::sort(impostor.begin(), impostor.end());
  double best = 1;
  for (double t : genuine) {
    const double fnmr = static_cast<double>(std::lower_bound(genuine.begin(), genuine.end(), t) - genuine.begin()) /
                        static_cast<double>(genuine.size());
    const double fmr = static_cast<double>(impostor.end() - std::lower_bound(impostor.begin(), impostor.end(), t)) /
                       static_cast<double>(impostor.size());
    best = std::min(best, std::max(fnmr, fmr));
  }
  return best;
}
}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: fvc_eer DIR [--iso]\n";
    return 2;
  }
  const bool iso = argc > 2 && std::strcmp(argv[2], "--iso") == 0;
  const auto ds = datasets::scan_fvc_folder(argv[1], ".iso");
  const auto& samples = iso ? ds.templates : ds.images;
  if (samples.empty() || ds.images.empty()) {
    std::cerr << "fvc_eer: " << argv[1] << ": no " << (iso ? "templates" : "images") << "\n";
    return 1;
  }
  const GrayImage first = read_gray_image(ds.images.front().path);
  std::vector<EnrolledFinger> enrolled;
  for (const auto& s : samples) {
    FingerTemplate t;
    if (iso) {
      // The vendor wrote a 300x400 frame: back to the image's pixels.
      t = decode_iso19794_2(read_file(s.path)).at(0);
      for (auto& m : t.minutiae) {
        m.x = static_cast<std::uint16_t>(m.x * first.width / 300);
        m.y = static_cast<std::uint16_t>(m.y * first.height / 400);
      }
    } else {
      t = extract_finger(read_gray_image(s.path)).finger;
    }
    enrolled.push_back(enroll_finger(t));
  }
  std::vector<double> genuine, impostor;
  const auto t0 = std::chrono::steady_clock::now();
  for (const auto& p : datasets::fvc_genuine_pairs(samples)) genuine.push_back(compare_fingers(enrolled[p.a], enrolled[p.b]));
  for (const auto& p : datasets::fvc_impostor_pairs(samples, datasets::ImpostorProtocol::all_cross_finger)) {
    impostor.push_back(compare_fingers(enrolled[p.a], enrolled[p.b]));
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::cout << argv[1] << (iso ? " (vendor ISO templates)" : " (tunggal extraction)") << ": EER "
            << 100 * equal_error_rate(genuine, impostor) << "% over " << genuine.size() << " genuine and "
            << impostor.size() << " impostor pairs, "
            << static_cast<double>(genuine.size() + impostor.size()) / seconds << " comparisons/s (1 thread)\n";
  return 0;
}
