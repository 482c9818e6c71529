#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "tunggal/files.h"
#include "tunggal/workflow/sla.h"

#include <iomanip>

namespace tunggal::workflow {

void write_sla_chart(const SlaReport& report, const std::filesystem::path& png) {
  const int w = 900, h = 420, left = 60, right = 20, top = 40, bottom = 70;
  cv::Mat img(h, w, CV_8UC3, cv::Scalar(255, 255, 255));
  const double cap = 3.0;  // bars stop at 300% of the limit
  const auto y_of = [&](double share) {
    return h - bottom - static_cast<int>(std::min(share, cap) / cap * (h - top - bottom));
  };
  for (double g : {0.5, 1.0, 2.0, 3.0}) {
    cv::line(img, {left, y_of(g)}, {w - right, y_of(g)}, g == 1.0 ? cv::Scalar(0, 0, 200) : cv::Scalar(225, 225, 225),
             g == 1.0 ? 2 : 1);
    cv::putText(img, std::to_string(static_cast<int>(g * 100)) + "%", {8, y_of(g) + 4}, cv::FONT_HERSHEY_SIMPLEX, 0.4,
                {0, 0, 0});
  }
  const int n = static_cast<int>(report.steps.size());
  const int slot = (w - left - right) / std::max(1, n);
  for (int i = 0; i < n; ++i) {
    const auto& s = report.steps[static_cast<std::size_t>(i)];
    const int x = left + i * slot + slot / 6;
    const int bw = slot / 3;
    if (s.limit_minutes > 0 && s.count > 0) {
      cv::rectangle(img, {x, y_of(s.p50_minutes / s.limit_minutes)}, {x + bw, y_of(0)}, {190, 140, 60}, cv::FILLED);
      const bool over = s.p95_minutes > s.limit_minutes;
      cv::rectangle(img, {x + bw, y_of(s.p95_minutes / s.limit_minutes)}, {x + 2 * bw, y_of(0)},
                    over ? cv::Scalar(60, 60, 220) : cv::Scalar(120, 190, 120), cv::FILLED);
    }
    const std::string label = static_cast<int>(s.step) == 12 ? "day" : std::to_string(static_cast<int>(s.step));
    cv::putText(img, label, {x + bw / 2, h - bottom + 18}, cv::FONT_HERSHEY_SIMPLEX, 0.45, {0, 0, 0});
    cv::putText(img, std::to_string(s.limit_minutes) + "m", {x, h - bottom + 36}, cv::FONT_HERSHEY_SIMPLEX, 0.35,
                {90, 90, 90});
  }
  cv::putText(img, "SOP step time against its limit: p50 (blue), p95 (green within, red over); limit = red line",
              {left, 25}, cv::FONT_HERSHEY_SIMPLEX, 0.45, {0, 0, 0});
  cv::putText(img, "step (limit in minutes)", {w / 2 - 80, h - 15}, cv::FONT_HERSHEY_SIMPLEX, 0.45, {0, 0, 0});
  std::vector<std::uint8_t> out;
  cv::imencode(".png", img, out);
  write_file_durably(png, out);
}

void write_sla_table(const SlaReport& report, std::ostream& out) {
  const auto flags = out.flags();
  out << "| step | what | count | p50 min | p95 min | limit min | over |\n| --- | --- | --- | --- | --- | --- | --- |\n";
  for (const auto& s : report.steps)
    out << std::fixed << std::setprecision(1) << "| " << static_cast<int>(s.step) << " | "
        << (static_cast<int>(s.step) == 12 ? "the whole procedure" : std::string(to_string(s.step))) << " | " << s.count
        << " | " << s.p50_minutes << " | " << s.p95_minutes << " | " << s.limit_minutes << " | " << s.over_limit << " |\n";
  out.flags(flags);
  out << report.overdue.size() << " open applications overdue";
  for (std::size_t i = 0; i < report.overdue.size() && i < 10; ++i) out << (i ? ", " : ": ") << report.overdue[i];
  if (report.overdue.size() > 10) out << ", ...";
  out << "\n";
}

}  // namespace tunggal::workflow
