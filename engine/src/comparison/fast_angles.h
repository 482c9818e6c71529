// The angle arithmetic of LSS-R's compatibility terms: a fast atan2 and an
// angle difference, scalar and four lanes at a time (SSE2). The lanes do the
// same IEEE operations in the same order as the scalar calls, so they equal
// them bit for bit (tested); the scalar ones are the reference.
#pragma once

#include <algorithm>
#include <cmath>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace tunggal::comparison_detail {

inline constexpr double kFastPi = 3.14159265358979323846;

// atan2 to about 1e-4 rad (a minimax polynomial), several times faster than
// std::atan2: the relaxation evaluates it n_R^2 times per comparison.
inline float fast_atan2(float y, float x) {
  const float ax = std::abs(x), ay = std::abs(y);
  const float mn = std::min(ax, ay), mx = std::max(ax, ay);
  if (mx == 0.0f) return 0.0f;
  const float a = mn / mx, s = a * a;
  float r = ((-0.0464964749f * s + 0.15931422f) * s - 0.327622764f) * s * a + a;
  if (ay > ax) r = 1.57079637f - r;
  if (x < 0) r = 3.14159274f - r;
  return y < 0 ? -r : r;
}

inline float fast_dphi(float a, float b) {
  constexpr float pi = static_cast<float>(kFastPi), two_pi = static_cast<float>(2 * kFastPi);
  float d = a - b;
  // One branch-free step covers angles in [0, 2 pi); the loops (the same
  // arithmetic continued) only run for angles outside it.
  d = d >= pi ? d - two_pi : d;
  d = d < -pi ? d + two_pi : d;
  while (d >= pi) d -= two_pi;
  while (d < -pi) d += two_pi;
  return d;
}

#if defined(__SSE2__)
// fast_atan2 and fast_dphi four lanes at a time, with the same IEEE
// operations in the same order, so that every lane equals the scalar call.
inline __m128 select_ps(__m128 mask, __m128 yes, __m128 no) { return _mm_or_ps(_mm_and_ps(mask, yes), _mm_andnot_ps(mask, no)); }

inline __m128 fast_atan2_x4(__m128 y, __m128 x) {
  const __m128 magnitude = _mm_castsi128_ps(_mm_set1_epi32(0x7FFFFFFF));
  const __m128 zero = _mm_setzero_ps();
  const __m128 ax = _mm_and_ps(x, magnitude), ay = _mm_and_ps(y, magnitude);
  const __m128 mn = select_ps(_mm_cmplt_ps(ay, ax), ay, ax), mx = select_ps(_mm_cmplt_ps(ax, ay), ay, ax);
  const __m128 a = _mm_div_ps(mn, mx), s = _mm_mul_ps(a, a);
  __m128 r = _mm_add_ps(_mm_mul_ps(_mm_set1_ps(-0.0464964749f), s), _mm_set1_ps(0.15931422f));
  r = _mm_sub_ps(_mm_mul_ps(r, s), _mm_set1_ps(0.327622764f));
  r = _mm_add_ps(_mm_mul_ps(_mm_mul_ps(r, s), a), a);
  r = select_ps(_mm_cmpgt_ps(ay, ax), _mm_sub_ps(_mm_set1_ps(1.57079637f), r), r);
  r = select_ps(_mm_cmplt_ps(x, zero), _mm_sub_ps(_mm_set1_ps(3.14159274f), r), r);
  r = select_ps(_mm_cmplt_ps(y, zero), _mm_xor_ps(r, _mm_set1_ps(-0.0f)), r);
  return _mm_andnot_ps(_mm_cmpeq_ps(mx, zero), r);
}

// fast_dphi's branch-free step; lanes it does not bring into [-pi, pi) are
// flagged in `outside` (the scalar loops then take the group).
inline __m128 fast_dphi_x4(__m128 a, __m128 b, __m128& outside) {
  const __m128 pi = _mm_set1_ps(static_cast<float>(kFastPi)), neg = _mm_set1_ps(-static_cast<float>(kFastPi));
  const __m128 two_pi = _mm_set1_ps(static_cast<float>(2 * kFastPi));
  __m128 d = _mm_sub_ps(a, b);
  d = select_ps(_mm_cmpge_ps(d, pi), _mm_sub_ps(d, two_pi), d);
  d = select_ps(_mm_cmplt_ps(d, neg), _mm_add_ps(d, two_pi), d);
  outside = _mm_or_ps(outside, _mm_or_ps(_mm_cmpge_ps(d, pi), _mm_cmplt_ps(d, neg)));
  return d;
}
#endif

}  // namespace tunggal::comparison_detail
