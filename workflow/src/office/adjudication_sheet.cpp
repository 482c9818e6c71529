#include "adjudication_sheet.h"

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "tunggal/error.h"
#include "tunggal/files.h"

namespace tunggal::workflow::detail {
namespace {

constexpr int kCellW = 170, kCellH = 210, kLabelW = 250, kHeader = 28, kPad = 6;

// `src` scaled to fit the cell at (x, y), centred, aspect kept.
void place(cv::Mat& sheet, const cv::Mat& src, int x, int y) {
  const double s = std::min(static_cast<double>(kCellW - 2 * kPad) / src.cols,
                            static_cast<double>(kCellH - 2 * kPad) / src.rows);
  cv::Mat scaled;
  cv::resize(src, scaled, {}, s, s, s < 1 ? cv::INTER_AREA : cv::INTER_LINEAR);
  const int ox = x + (kCellW - scaled.cols) / 2, oy = y + (kCellH - scaled.rows) / 2;
  scaled.copyTo(sheet(cv::Rect(ox, oy, scaled.cols, scaled.rows)));
}

void text(cv::Mat& img, const std::string& s, int x, int y, double size = 0.45, int weight = 1) {
  cv::putText(img, s, {x, y}, cv::FONT_HERSHEY_SIMPLEX, size, {20, 20, 20}, weight, cv::LINE_AA);
}

// Lines too wide for the label column break after ", " (then anywhere).
std::vector<std::string> wrapped(const std::vector<std::string>& lines) {
  const auto fits = [](const std::string& s) {
    int base = 0;
    return cv::getTextSize(s, cv::FONT_HERSHEY_SIMPLEX, 0.45, 1, &base).width <= kLabelW - 2 * kPad;
  };
  std::vector<std::string> out;
  for (std::string rest : lines) {
    while (!fits(rest)) {
      std::size_t cut = rest.size();
      while (cut > 1 && !fits(rest.substr(0, cut))) --cut;
      const auto comma = rest.rfind(", ", cut);
      const std::size_t at = comma != std::string::npos && comma > 0 ? comma : cut;
      out.push_back(rest.substr(0, at));
      rest = rest.substr(at + (comma == at ? 2 : 0));
    }
    out.push_back(rest);
  }
  return out;
}

void absent(cv::Mat& sheet, int x, int y, const std::string& why) {
  cv::rectangle(sheet, cv::Rect(x + kPad, y + kPad, kCellW - 2 * kPad, kCellH - 2 * kPad), {235, 235, 235}, cv::FILLED);
  text(sheet, why, x + 2 * kPad, y + kCellH / 2, 0.4);
}

}  // namespace

void write_adjudication_sheet(const std::vector<SheetRow>& rows, const std::vector<FingerPosition>& positions,
                              const std::filesystem::path& png) {
  const int cols = 1 + static_cast<int>(positions.size());
  const int w = kLabelW + cols * kCellW, h = kHeader + static_cast<int>(rows.size()) * kCellH;
  cv::Mat sheet(h, w, CV_8UC3, cv::Scalar(255, 255, 255));
  text(sheet, "face", kLabelW + kCellW / 2 - 16, 19, 0.5);
  for (std::size_t c = 0; c < positions.size(); ++c)
    text(sheet, std::string(to_string(positions[c])), kLabelW + static_cast<int>(c + 1) * kCellW + kPad, 19, 0.42);
  for (std::size_t r = 0; r < rows.size(); ++r) {
    const SheetRow& row = rows[r];
    const int y = kHeader + static_cast<int>(r) * kCellH;
    if (r > 0) cv::line(sheet, {0, y}, {w, y}, {160, 160, 160}, 1);
    text(sheet, row.title, kPad, y + 24, 0.5, r == 0 ? 2 : 1);
    int ly = y + 50;
    for (const auto& line : wrapped(row.lines)) {
      text(sheet, line, kPad, ly);
      ly += 20;
    }
    int x = kLabelW;
    if (row.photo && row.photo->width > 0) {
      cv::Mat rgb(row.photo->height, row.photo->width, CV_8UC3, const_cast<std::uint8_t*>(row.photo->rgb.data()));
      cv::Mat bgr;
      cv::cvtColor(rgb, bgr, cv::COLOR_RGB2BGR);
      place(sheet, bgr, x, y);
    } else {
      absent(sheet, x, y, row.missing.empty() ? "no face image" : row.missing);
    }
    for (const FingerPosition p : positions) {
      x += kCellW;
      const auto it = row.fingers.find(p);
      if (it == row.fingers.end() || it->second.width == 0) {
        absent(sheet, x, y, row.missing.empty() ? "not captured" : row.missing);
        continue;
      }
      const GrayImage& g = it->second;
      cv::Mat grey(g.height, g.width, CV_8UC1, const_cast<std::uint8_t*>(g.pixels.data())), bgr;
      cv::cvtColor(grey, bgr, cv::COLOR_GRAY2BGR);
      place(sheet, bgr, x, y);
    }
  }
  // Biometric images: written owner-only, like everything personal.
  std::vector<std::uint8_t> bytes;
  if (!cv::imencode(".png", sheet, bytes)) throw Error(ErrorCode::io, png.string() + ": cannot encode the adjudication sheet");
  write_private_file(png, bytes);
}

}  // namespace tunggal::workflow::detail
