// Extraction accuracy, measured two ways:
//  1. agreement with an independent commercial extractor: the vendor ISO
//     templates beside the FVC2002 images (their 300x400 frame rescaled to
//     the image, see shared/README.md); precision and recall of our minutiae
//     against theirs, a pair matching within 12 px, one-to-one greedy;
//  2. against ground truth on synthetic images (tunggal's generator):
//     precision, recall, position and angle error of matched minutiae.
// Prints Markdown tables; benchmarks/RESULTS.md quotes them.
//
//   extraction_agreement --data ../shared/data [--synthetic-fingers 20]
#include <fprint.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>

#include "tunggal/datasets/fvc.h"
#include "tunggal/datasets/synthetic_finger.h"
#include "tunggal/extraction.h"
#include "tunggal/formats.h"

using namespace tunggal;

namespace {

struct Point {
  double x, y, angle;
};

struct Agreement {
  double precision = 0, recall = 0, position_error = 0, angle_error = 0;
  int matched = 0;
  std::vector<double> angle_errors;  // radians, per matched pair
};

// Greedy one-to-one matching of the closest pairs within `radius`.
Agreement agree(const std::vector<Point>& ours, const std::vector<Point>& theirs, double radius) {
  struct Pair {
    double d;
    std::size_t i, j;
  };
  std::vector<Pair> pairs;
  for (std::size_t i = 0; i < ours.size(); ++i) {
    for (std::size_t j = 0; j < theirs.size(); ++j) {
      const double d = std::hypot(ours[i].x - theirs[j].x, ours[i].y - theirs[j].y);
      if (d <= radius) pairs.push_back({d, i, j});
    }
  }
  std::sort(pairs.begin(), pairs.end(), [](const Pair& a, const Pair& b) { return a.d < b.d; });
  std::vector<char> ui(ours.size()), uj(theirs.size());
  Agreement a;
  for (const auto& p : pairs) {
    if (ui[p.i] || uj[p.j]) continue;
    ui[p.i] = uj[p.j] = 1;
    ++a.matched;
    a.position_error += p.d;
    double d = std::fmod(std::abs(ours[p.i].angle - theirs[p.j].angle), 2 * M_PI);
    a.angle_error += std::min(d, 2 * M_PI - d);
    a.angle_errors.push_back(std::min(d, 2 * M_PI - d));
  }
  a.precision =
      ours.empty() ? 0 : static_cast<double>(a.matched) / static_cast<double>(ours.size());
  a.recall =
      theirs.empty() ? 0 : static_cast<double>(a.matched) / static_cast<double>(theirs.size());
  if (a.matched) {
    a.position_error /= a.matched;
    a.angle_error /= a.matched;
  }
  return a;
}

// Scales positions and, with them, directions (a direction stretched by a
// non-uniform scale turns).
std::vector<Point> points(const FingerTemplate& t, double sx = 1, double sy = 1) {
  std::vector<Point> p;
  for (const auto& m : t.minutiae) {
    const double a = std::atan2(std::sin(m.angle) * sy, std::cos(m.angle) * sx);
    p.push_back({m.x * sx, m.y * sy, a < 0 ? a + 2 * M_PI : a});
  }
  return p;
}

// Baseline in the same run: the NBIS minutiae detector (mindtct's LFS) that
// ships inside libfprint. Its public API gives positions only.
std::vector<Point> nbis_minutiae(const GrayImage& img) {
  FpImage* fp = fp_image_new(img.width, img.height);
  gsize len = 0;
  auto* data = const_cast<guchar*>(fp_image_get_data(fp, &len));
  std::copy(img.pixels.begin(), img.pixels.begin() + static_cast<long>(len), data);
  struct Wait {
    GMainLoop* loop;
    bool ok = false;
  } wait{g_main_loop_new(nullptr, FALSE)};
  fp_image_detect_minutiae(
      fp, nullptr,
      [](GObject* o, GAsyncResult* r, gpointer u) {
        auto* w = static_cast<Wait*>(u);
        w->ok = fp_image_detect_minutiae_finish(FP_IMAGE(o), r, nullptr);
        g_main_loop_quit(w->loop);
      },
      &wait);
  g_main_loop_run(wait.loop);
  g_main_loop_unref(wait.loop);
  std::vector<Point> out;
  GPtrArray* mins = wait.ok ? fp_image_get_minutiae(fp) : nullptr;
  for (guint i = 0; mins && i < mins->len; ++i) {
    gint x = 0, y = 0;
    fp_minutia_get_coords(static_cast<FpMinutia*>(g_ptr_array_index(mins, i)), &x, &y);
    out.push_back({static_cast<double>(x), static_cast<double>(y), 0.0});
  }
  g_object_unref(fp);
  return out;
}

struct Row {
  double precision = 0, recall = 0, ours = 0, theirs = 0, ms = 0, pos = 0, ang = 0;
  int n = 0;
  std::vector<double> angles;
  void add(const Agreement& a, std::size_t no, std::size_t nt, double t_ms) {
    precision += a.precision;
    recall += a.recall;
    ours += static_cast<double>(no);
    theirs += static_cast<double>(nt);
    ms += t_ms;
    pos += a.position_error;
    ang += a.angle_error;
    angles.insert(angles.end(), a.angle_errors.begin(), a.angle_errors.end());
    ++n;
  }
  void print(const char* name) const {
    const double p = precision / n, r = recall / n;
    std::vector<double> sorted = angles;
    std::sort(sorted.begin(), sorted.end());
    const double median = sorted.empty() ? 0 : sorted[sorted.size() / 2];
    const double flipped =
        sorted.empty()
            ? 0
            : static_cast<double>(std::count_if(sorted.begin(), sorted.end(),
                                                [](double e) { return e > 0.75 * M_PI; })) /
                  static_cast<double>(sorted.size());
    std::printf(
        "| %s | %d | %.1f | %.1f | %.3f | %.3f | %.3f | %.2f | %.1f (%.0f%% > 135) | %.1f |\n",
        name, n, ours / n, theirs / n, p, r, 2 * p * r / (p + r), pos / n, median * 180 / M_PI,
        100 * flipped, ms / n);
  }
};

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Extraction agreement with vendor templates and synthetic ground truth"};
  std::string data = "../shared/data";
  int fingers = 20, impressions = 4;
  app.add_option("--data", data, "Folder holding fvc2002/");
  app.add_option("--synthetic-fingers", fingers, "Synthetic fingers (0: skip)");
  app.add_option("--impressions", impressions, "Impressions per synthetic finger");
  CLI11_PARSE(app, argc, argv);

  std::printf(
      "| set | images | our minutiae | reference minutiae | precision | recall | F1 | position "
      "error px | angle error deg, median (share > 135 deg) | ms per image |\n");
  std::printf("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n");
  Row all, all_nbis;
  std::vector<std::pair<std::string, Row>> nbis_rows;
  for (const char* db : {"DB1_B", "DB2_B", "DB3_B", "DB4_B"}) {
    const auto dir = std::filesystem::path(data) / "fvc2002" / db;
    if (!std::filesystem::exists(dir)) continue;
    const auto ds = datasets::scan_fvc_folder(dir, ".iso");
    Row row, nbis;
    for (const auto& img_sample : ds.images) {
      const auto tpl = std::find_if(ds.templates.begin(), ds.templates.end(), [&](const auto& t) {
        return t.finger == img_sample.finger && t.impression == img_sample.impression;
      });
      if (tpl == ds.templates.end()) continue;
      const GrayImage img = read_gray_image(img_sample.path);
      const auto t0 = std::chrono::steady_clock::now();
      const ExtractionResult r = extract_finger(img);
      const double ms =
          std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
      const FingerTemplate vendor = decode_iso19794_2(read_file(tpl->path)).at(0);
      const auto theirs = points(vendor, img.width / 300.0, img.height / 400.0);
      const auto a = agree(points(r.finger), theirs, 12.0);
      row.add(a, r.finger.minutiae.size(), theirs.size(), ms);
      all.add(a, r.finger.minutiae.size(), theirs.size(), ms);
      const auto t1 = std::chrono::steady_clock::now();
      const auto baseline = nbis_minutiae(img);
      const double nbis_ms =
          std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t1).count();
      const auto b = agree(baseline, theirs, 12.0);
      nbis.add(b, baseline.size(), theirs.size(), nbis_ms);
      all_nbis.add(b, baseline.size(), theirs.size(), nbis_ms);
    }
    row.print((std::string("tunggal, FVC2002 ") + db + " vs vendor").c_str());
    nbis_rows.emplace_back(std::string("NBIS (libfprint), FVC2002 ") + db + " vs vendor", nbis);
  }
  if (all.n) all.print("tunggal, FVC2002 mean vs vendor");
  for (const auto& [name, r] : nbis_rows) r.print(name.c_str());
  if (all_nbis.n) all_nbis.print("NBIS (libfprint), FVC2002 mean vs vendor");
  if (fingers > 0) {
    Row syn;
    for (int f = 0; f < fingers; ++f) {
      const auto m = datasets::generate_master(900000 + static_cast<std::uint64_t>(f));
      for (int i = 0; i < impressions; ++i) {
        const auto imp =
            datasets::make_impression(m, 5000 + static_cast<std::uint64_t>(f * 100 + i));
        const auto t0 = std::chrono::steady_clock::now();
        const ExtractionResult r = extract_finger(imp.image);
        const double ms =
            std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0)
                .count();
        const auto truth = points(imp.truth);
        syn.add(agree(points(r.finger), truth, 12.0), r.finger.minutiae.size(), truth.size(), ms);
      }
    }
    syn.print("synthetic vs ground truth");
  }
  return 0;
}
