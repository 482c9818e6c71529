// Resampling, segmentation, orientation and ridge period.
#include <algorithm>
#include <cmath>
#include <opencv2/imgproc.hpp>

#include "stages.h"
#include "tunggal/error.h"

namespace tunggal::extraction {

constexpr double kPi = 3.14159265358979323846;

cv::Mat to_500dpi(const GrayImage& image, double& scale) {
  if (image.width <= 0 || image.height <= 0 ||
      image.pixels.size() != static_cast<std::size_t>(image.width) * image.height) {
    throw Error(ErrorCode::invalid_argument,
                "extraction: empty image or pixel buffer of the wrong size");
  }
  if (image.dpi < 100 || image.dpi > 5000) {
    throw Error(ErrorCode::invalid_argument,
                "extraction: resolution " + std::to_string(image.dpi) + " dpi outside 100-5000");
  }
  const cv::Mat src(image.height, image.width, CV_8U,
                    const_cast<std::uint8_t*>(image.pixels.data()));
  cv::Mat f;
  src.convertTo(f, CV_32F);
  scale = 500.0 / image.dpi;
  if (std::abs(scale - 1.0) < 1e-3) {
    scale = 1.0;
    return f;
  }
  cv::Mat out;
  cv::resize(f, out, cv::Size(), scale, scale, scale < 1 ? cv::INTER_AREA : cv::INTER_LINEAR);
  return out;
}

cv::Mat segment(const cv::Mat& gray, const ExtractionParams& p, const cv::Mat& coherence) {
  const int b = p.block;
  const int bw = gray.cols / b, bh = gray.rows / b;
  cv::Mat blocks(std::max(bh, 1), std::max(bw, 1), CV_32F, cv::Scalar(0));
  std::vector<float> sds;
  for (int by = 0; by < bh; ++by) {
    for (int bx = 0; bx < bw; ++bx) {
      cv::Scalar mu, sd;
      const cv::Rect r(bx * b, by * b, b, b);
      cv::meanStdDev(gray(r), mu, sd);
      sds.push_back(static_cast<float>(sd[0]));
      // Texture without a ridge flow (sensor background, smudges) is not finger.
      const bool flowing = coherence.empty() || cv::mean(coherence(r))[0] >= p.min_block_coherence;
      blocks.at<float>(by, bx) = flowing ? static_cast<float>(sd[0]) : 0.0f;
    }
  }
  cv::Mat mask(gray.size(), CV_8U, cv::Scalar(0));
  if (sds.empty()) return mask;
  std::vector<float> sorted = sds;
  std::nth_element(sorted.begin(), sorted.begin() + static_cast<long>(sorted.size() * 9 / 10),
                   sorted.end());
  const double p90 = sorted[sorted.size() * 9 / 10];
  const double threshold = std::max(p.min_block_sd, p.foreground_contrast * p90);
  cv::Mat fg;
  cv::compare(blocks, threshold, fg, cv::CMP_GT);  // 255 / 0
  // Clean up at block level: close gaps, keep the largest component, fill holes.
  cv::morphologyEx(fg, fg, cv::MORPH_CLOSE, cv::getStructuringElement(cv::MORPH_ELLIPSE, {3, 3}));
  cv::Mat labels, stats, centroids;
  const int n = cv::connectedComponentsWithStats(fg, labels, stats, centroids, 8);
  int best = 0, best_area = 0;
  for (int i = 1; i < n; ++i) {
    if (stats.at<int>(i, cv::CC_STAT_AREA) > best_area) {
      best_area = stats.at<int>(i, cv::CC_STAT_AREA);
      best = i;
    }
  }
  cv::Mat largest = (labels == best) & (fg > 0);
  if (best == 0) return mask;
  // Fill holes: background not connected to the border is foreground.
  cv::Mat padded;
  cv::copyMakeBorder(largest, padded, 1, 1, 1, 1, cv::BORDER_CONSTANT, 0);
  cv::Mat flood = padded.clone();
  cv::floodFill(flood, cv::Point(0, 0), 255);
  cv::Mat holes = ~flood(cv::Rect(1, 1, largest.cols, largest.rows));
  largest |= holes;
  cv::Mat up;
  cv::resize(largest, up, cv::Size(bw * b, bh * b), 0, 0, cv::INTER_NEAREST);
  up.copyTo(mask(cv::Rect(0, 0, up.cols, up.rows)));
  // Smooth the blocky outline.
  cv::GaussianBlur(mask, mask, cv::Size(0, 0), b / 2.0);
  cv::threshold(mask, mask, 127, 1, cv::THRESH_BINARY);
  return mask;
}

void orientation_field(const cv::Mat& gray, double sigma, cv::Mat& theta, cv::Mat& coherence) {
  cv::Mat gx, gy;
  cv::Sobel(gray, gx, CV_32F, 1, 0, 3);
  cv::Sobel(gray, gy, CV_32F, 0, 1, 3);
  cv::Mat gxx = gx.mul(gx), gyy = gy.mul(gy), gxy = gx.mul(gy);
  // The tensor varies slowly: smooth it at half resolution (4x less work).
  for (cv::Mat* m : {&gxx, &gyy, &gxy}) {
    cv::Mat half;
    cv::resize(*m, half, cv::Size((gray.cols + 1) / 2, (gray.rows + 1) / 2), 0, 0, cv::INTER_AREA);
    cv::GaussianBlur(half, half, cv::Size(0, 0), sigma / 2);
    cv::resize(half, *m, gray.size(), 0, 0, cv::INTER_LINEAR);
  }
  theta.create(gray.size(), CV_32F);
  coherence.create(gray.size(), CV_32F);
  for (int y = 0; y < gray.rows; ++y) {
    const float* a = gxx.ptr<float>(y);
    const float* b = gyy.ptr<float>(y);
    const float* c = gxy.ptr<float>(y);
    float* t = theta.ptr<float>(y);
    float* k = coherence.ptr<float>(y);
    for (int x = 0; x < gray.cols; ++x) {
      const double d = a[x] - b[x], sum = a[x] + b[x];
      // Gradient direction in image coordinates (y down); ridges run across it.
      const double grad = 0.5 * std::atan2(2.0 * c[x], d);
      double ridge = -(grad + kPi / 2);  // to counter-clockwise on screen
      ridge = std::fmod(ridge, kPi);
      if (ridge < 0) ridge += kPi;
      t[x] = static_cast<float>(ridge >= kPi ? 0.0 : ridge);
      k[x] = static_cast<float>(sum > 1e-6 ? std::sqrt(d * d + 4.0 * c[x] * c[x]) / sum : 0.0);
    }
  }
}

namespace {
// Separable Hann window of side n, computed once per size in use.
cv::Mat make_hann(int n) {
  cv::Mat win(n, n, CV_32F);
  for (int y = 0; y < n; ++y) {
    for (int x = 0; x < n; ++x) {
      win.at<float>(y, x) = static_cast<float>((0.5 - 0.5 * std::cos(2 * kPi * (x + 0.5) / n)) *
                                               (0.5 - 0.5 * std::cos(2 * kPi * (y + 0.5) / n)));
    }
  }
  return win;
}
cv::Mat hann_window(int n) {
  static const cv::Mat w32 = make_hann(32);  // the size extraction uses
  return n == 32 ? w32 : make_hann(n);
}
}  // namespace

double spectral_period(const cv::Mat& block) {
  const int n = block.rows;
  cv::Mat f;
  block.convertTo(f, CV_32F);
  f -= cv::mean(f)[0];
  const cv::Mat win = hann_window(n);
  cv::Mat spec;
  cv::dft(f.mul(win), spec, cv::DFT_COMPLEX_OUTPUT);
  const double rmin = n / 16.0, rmax = n / 4.0;  // periods 4-16 px
  double best = 0, best_r = 0, total = 0;
  const int lim = static_cast<int>(rmax) + 1;
  for (int v = -lim; v <= lim; ++v) {
    for (int u = 0; u <= lim; ++u) {
      const double r = std::sqrt(u * u + v * v);
      if (r < rmin || r > rmax) continue;
      const cv::Vec2f c = spec.at<cv::Vec2f>((v + n) % n, u);
      const double mag = c[0] * c[0] + c[1] * c[1];
      total += mag;
      if (mag > best) {
        best = mag;
        best_r = r;
      }
    }
  }
  if (best_r <= 0) return 0;
  double wsum = 0, rsum = 0;
  for (int v = -lim; v <= lim; ++v) {
    for (int u = 0; u <= lim; ++u) {
      const double r = std::sqrt(u * u + v * v);
      if (std::abs(r - best_r) > 0.75) continue;
      const cv::Vec2f c = spec.at<cv::Vec2f>((v + n) % n, u);
      const double mag = c[0] * c[0] + c[1] * c[1];
      wsum += mag;
      rsum += mag * r;
    }
  }
  // A ridge pattern concentrates its energy in a ring; edges, blobs and
  // noise spread it over the band.
  if (wsum < 0.25 * total) return 0;
  return n / (rsum / wsum);
}

cv::Mat ridge_period(const cv::Mat& gray, const cv::Mat& mask, const ExtractionParams& p,
                     double* ridge_share) {
  const int b = p.block, win = 2 * b;
  const int bw = std::max(1, gray.cols / b), bh = std::max(1, gray.rows / b);
  cv::Mat grid(bh, bw, CV_32F, cv::Scalar(0));
  for (int by = 0; by < bh; ++by) {
    for (int bx = 0; bx < bw; ++bx) {
      const int cx = bx * b + b / 2, cy = by * b + b / 2;
      const int x0 = cx - win / 2, y0 = cy - win / 2;
      if (x0 < 0 || y0 < 0 || x0 + win > gray.cols || y0 + win > gray.rows) continue;
      if (!mask.at<std::uint8_t>(std::min(cy, mask.rows - 1), std::min(cx, mask.cols - 1)))
        continue;
      grid.at<float>(by, bx) =
          static_cast<float>(spectral_period(gray(cv::Rect(x0, y0, win, win))));
    }
  }
  // Median of the measured blocks fills the gaps, then a smoothing pass.
  int foreground_blocks = 0;
  for (int by = 0; by < bh; ++by) {
    for (int bx = 0; bx < bw; ++bx) {
      const int cx = bx * b + b / 2, cy = by * b + b / 2;
      const int x0 = cx - win / 2, y0 = cy - win / 2;
      if (x0 < 0 || y0 < 0 || x0 + win > gray.cols || y0 + win > gray.rows) continue;
      foreground_blocks +=
          mask.at<std::uint8_t>(std::min(cy, mask.rows - 1), std::min(cx, mask.cols - 1)) != 0;
    }
  }
  std::vector<float> valid;
  for (int i = 0; i < grid.rows * grid.cols; ++i) {
    const float v = grid.at<float>(i / grid.cols, i % grid.cols);
    if (v >= 4.5f && v <= 15.5f) valid.push_back(v);
  }
  if (ridge_share) {
    *ridge_share = foreground_blocks ? static_cast<double>(valid.size()) / foreground_blocks : 0.0;
  }
  float fill = static_cast<float>(p.default_period);
  if (!valid.empty()) {
    std::nth_element(valid.begin(), valid.begin() + static_cast<long>(valid.size() / 2),
                     valid.end());
    fill = valid[valid.size() / 2];
  }
  for (int y = 0; y < grid.rows; ++y) {
    for (int x = 0; x < grid.cols; ++x) {
      float& v = grid.at<float>(y, x);
      if (v < 4.5f || v > 15.5f) v = fill;
    }
  }
  cv::medianBlur(grid, grid, 3);
  cv::GaussianBlur(grid, grid, cv::Size(0, 0), 1.0);
  cv::Mat period;
  cv::resize(grid, period, cv::Size(bw * b, bh * b), 0, 0, cv::INTER_LINEAR);
  cv::copyMakeBorder(period, period, 0, gray.rows - period.rows, 0, gray.cols - period.cols,
                     cv::BORDER_REPLICATE);
  cv::min(cv::max(period, 5.0), 15.0, period);
  return period;
}

}  // namespace tunggal::extraction
