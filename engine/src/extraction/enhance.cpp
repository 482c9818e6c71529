// Contextual enhancement with the shared space-variant Gabor kernel.
#include <algorithm>
#include <opencv2/imgproc.hpp>

#include "../kernels/gabor.h"
#include "stages.h"

namespace tunggal::extraction {
cv::Mat enhance(const cv::Mat& gray, const cv::Mat& theta, const cv::Mat& period,
                const cv::Mat& mask, const ExtractionParams& p) {
  using namespace kernels;
  const int w = gray.cols, h = gray.rows;
  // Local normalisation over about three ridge periods; ridges (dark) positive.
  cv::Mat mean, sq, var;
  cv::boxFilter(gray, mean, CV_32F, cv::Size(31, 31));
  cv::boxFilter(gray.mul(gray), sq, CV_32F, cv::Size(31, 31));
  var = sq - mean.mul(mean);
  const int stride = w + 2 * kGaborRadius + (kGaborRow - kGaborSide);
  std::vector<std::int16_t> src(static_cast<std::size_t>(stride) * (h + 2 * kGaborRadius), 0);
  std::vector<std::int16_t> dst(src.size(), 0);
  std::vector<std::uint16_t> index(static_cast<std::size_t>(w) * h);
  for (int y = 0; y < h; ++y) {
    const float* g = gray.ptr<float>(y);
    const float* m = mean.ptr<float>(y);
    const float* v = var.ptr<float>(y);
    const float* t = theta.ptr<float>(y);
    const float* f = period.ptr<float>(y);
    for (int x = 0; x < w; ++x) {
      const double sd = std::sqrt(std::max(0.0f, v[x])) + 1.0;
      const double n = -(g[x] - m[x]) / sd * 50.0;
      src[static_cast<std::size_t>(y + kGaborRadius) * stride + x + kGaborRadius] =
          static_cast<std::int16_t>(std::clamp(n, -127.0, 127.0));
      index[static_cast<std::size_t>(y) * w + x] = GaborBank::index(t[x], f[x]);
    }
  }
  const GaborPass pass{
      src.data(),        dst.data(), stride, w, index.data(), default_gabor_bank().taps(),
      p.enhancement_gain};
  gabor_rows(pass, 0, h);
  cv::Mat out(h, w, CV_16S);
  for (int y = 0; y < h; ++y) {
    std::int16_t* o = out.ptr<std::int16_t>(y);
    const std::uint8_t* mk = mask.ptr<std::uint8_t>(y);
    for (int x = 0; x < w; ++x) {
      o[x] =
          mk[x] ? dst[static_cast<std::size_t>(y + kGaborRadius) * stride + x + kGaborRadius] : 0;
    }
  }
  return out;
}

}  // namespace tunggal::extraction
