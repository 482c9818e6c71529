// Face template maths and files: alignment, comparison, quantisation, the
// "TGFC" file format.
#include <Eigen/Geometry>
#include <algorithm>
#include <cmath>

#include "../template/envelope.h"
#include "../template/face_body.h"
#include "tunggal/error.h"
#include "tunggal/face.h"

namespace tunggal {
namespace {

constexpr std::string_view kName = "face template";
constexpr std::uint8_t kMagic[4] = {'T', 'G', 'F', 'C'};
constexpr std::uint16_t kVersion = 1;

}  // namespace

// Least-squares similarity (rotation, uniform scale, translation) by
// Umeyama's method, as Eigen implements it.
Similarity fit_similarity(std::span<const FacePoint> from, std::span<const FacePoint> to) {
  if (from.size() != to.size() || from.size() < 2)
    throw Error(ErrorCode::invalid_argument, "fit_similarity: needs two equal sets of >= 2 points");
  Eigen::MatrixXd src(2, from.size()), dst(2, to.size());
  for (std::size_t i = 0; i < from.size(); ++i) {
    const auto k = static_cast<Eigen::Index>(i);
    src(0, k) = from[i].x, src(1, k) = from[i].y;
    dst(0, k) = to[i].x, dst(1, k) = to[i].y;
  }
  // Umeyama divides by the source's variance: coincident points have none.
  if (!((src.colwise() - src.rowwise().mean()).squaredNorm() > 0))
    throw Error(ErrorCode::invalid_argument, "fit_similarity: the points coincide");
  const Eigen::MatrixXd m = Eigen::umeyama(src, dst, true);
  Similarity s;
  s.a = m(0, 0);
  s.b = m(1, 0);
  s.tx = m(0, 2);
  s.ty = m(1, 2);
  return s;
}

std::array<FacePoint, 5> five_points_from_68(std::span<const FacePoint> p) {
  if (p.size() != 68) throw Error(ErrorCode::invalid_argument, "five_points_from_68: needs 68 points");
  const auto mean = [&](std::initializer_list<int> idx) {
    FacePoint m;
    for (int i : idx) m.x += p[static_cast<std::size_t>(i)].x, m.y += p[static_cast<std::size_t>(i)].y;
    m.x /= static_cast<float>(idx.size());
    m.y /= static_cast<float>(idx.size());
    return m;
  };
  // iBUG 68: eye corners and lids 36-41 (subject's right, image left) and
  // 42-47; nose tip 30; mouth corners 48 and 54 (outer) with 60 and 64 (inner).
  return {mean({37, 38, 40, 41}), mean({43, 44, 46, 47}), p[30], mean({48, 60}), mean({54, 64})};
}

double compare_faces(const FaceTemplate& a, const FaceTemplate& b) {
  if (a.model != b.model) {
    throw Error(ErrorCode::invalid_argument,
                "face templates from different models (" + a.model + ", " + b.model + ") do not compare");
  }
  if (a.embedding.size() != b.embedding.size() || a.embedding.empty())
    throw Error(ErrorCode::invalid_argument, "face embeddings differ in length");
  double dot = 0;
  for (std::size_t i = 0; i < a.embedding.size(); ++i)
    dot += static_cast<double>(a.embedding[i]) * b.embedding[i];
  return std::clamp(dot, -1.0, 1.0);
}

QuantizedEmbedding quantize_embedding(std::span<const float> v) {
  QuantizedEmbedding q;
  q.values.assign(v.size(), 0);
  float top = 0;
  for (const float x : v)
    if (std::isfinite(x)) top = std::max(top, std::fabs(x));
  if (top == 0) return q;
  q.scale = top / 127.0f;
  for (std::size_t i = 0; i < v.size(); ++i) {
    const float x = std::isfinite(v[i]) ? v[i] : 0.0f;
    q.values[i] = static_cast<std::int8_t>(std::lround(std::clamp(x / q.scale, -127.0f, 127.0f)));
  }
  return q;
}

std::vector<std::uint8_t> encode_face_template(const FaceTemplate& face) {
  detail::check_face(face, "face template encoder", ErrorCode::invalid_argument);
  detail::ByteWriter out;
  detail::begin_envelope(out, kMagic, kVersion, 0);
  detail::write_face(out, face);
  detail::seal_envelope(out);
  return std::move(out.bytes());
}

FaceTemplate decode_face_template(std::span<const std::uint8_t> bytes) {
  const detail::Envelope env = detail::open_envelope(bytes, kName, kMagic, kVersion);
  if (env.word != 0) detail::throw_malformed(kName, 6, "unknown flags set");
  detail::ByteReader body(env.sealed, kName);
  body.take(detail::kEnvelopeHeader, "header");
  FaceTemplate face = detail::read_face(body, kName);
  if (body.remaining() != 0) {
    detail::throw_malformed(kName, body.offset(),
                            std::to_string(body.remaining()) + " bytes follow the template");
  }
  detail::check_face(face, std::string(kName), ErrorCode::malformed_data);
  return face;
}

const ScoreCalibration& default_face_calibration() {
  static const ScoreCalibration table = ScoreCalibration::parse(
#include "face_calibration.inc"
  );
  return table;
}

}  // namespace tunggal
