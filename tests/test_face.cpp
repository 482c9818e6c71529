#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <opencv2/imgproc.hpp>
#include <random>

#include "test_support.h"
#include "tunggal/error.h"
#include "tunggal/face.h"

namespace tunggal {
namespace {

const std::filesystem::path kShippedModel =
    std::filesystem::path(TUNGGAL_SOURCE_DIR) / "engine/models/faceplugin-fr-js-0.0.1.model";

std::string read_text(const std::filesystem::path& p) {
  std::ifstream in(p);
  return {std::istreambuf_iterator<char>(in), {}};
}

TEST(FaceAlign, SimilarityRecoversAKnownTransform) {
  std::mt19937 rng(3);
  std::uniform_real_distribution<float> u(0, 100);
  const double angle = 0.3, scale = 1.7;
  const Similarity truth{scale * std::cos(angle), scale * std::sin(angle), 12.5, -4.0};
  std::vector<FacePoint> from, to;
  for (int i = 0; i < 5; ++i) {
    from.push_back({u(rng), u(rng)});
    to.push_back(truth.apply(from.back()));
  }
  const Similarity fit = fit_similarity(from, to);
  EXPECT_NEAR(fit.a, truth.a, 1e-4);
  EXPECT_NEAR(fit.b, truth.b, 1e-4);
  EXPECT_NEAR(fit.tx, truth.tx, 1e-2);
  EXPECT_NEAR(fit.ty, truth.ty, 1e-2);
  // With noise the fit is least squares: residuals smaller than with truth
  // perturbed.
  std::normal_distribution<float> noise(0, 1);
  for (auto& p : to) p.x += noise(rng), p.y += noise(rng);
  const Similarity noisy = fit_similarity(from, to);
  const auto sse = [&](const Similarity& s) {
    double e = 0;
    for (std::size_t i = 0; i < from.size(); ++i) {
      const FacePoint q = s.apply(from[i]);
      e += (q.x - to[i].x) * (q.x - to[i].x) + (q.y - to[i].y) * (q.y - to[i].y);
    }
    return e;
  };
  EXPECT_LE(sse(noisy), sse(truth));
  Similarity nudged = noisy;
  nudged.a *= 1.01;
  EXPECT_LT(sse(noisy), sse(nudged));
  const std::vector<FacePoint> same(3, FacePoint{1, 1});
  EXPECT_THROW(fit_similarity(same, to.size() >= 3 ? std::vector<FacePoint>(to.begin(), to.begin() + 3) : to),
               Error);
  EXPECT_THROW(fit_similarity(from, std::vector<FacePoint>(2)), Error);
}

TEST(FaceAlign, FivePointsFrom68FollowTheIbugLayout) {
  std::vector<FacePoint> p(68);
  for (int i = 0; i < 68; ++i) p[static_cast<std::size_t>(i)] = {static_cast<float>(i), static_cast<float>(2 * i)};
  const auto five = five_points_from_68(p);
  EXPECT_FLOAT_EQ(five[0].x, (37 + 38 + 40 + 41) / 4.0f);  // one eye
  EXPECT_FLOAT_EQ(five[1].x, (43 + 44 + 46 + 47) / 4.0f);  // the other
  EXPECT_FLOAT_EQ(five[2].x, 30);                          // nose tip
  EXPECT_FLOAT_EQ(five[3].y, (48 + 60) * 2 / 2.0f);        // mouth corners
  EXPECT_FLOAT_EQ(five[4].y, (54 + 64) * 2 / 2.0f);
  EXPECT_THROW(five_points_from_68(std::vector<FacePoint>(5)), Error);
}

TEST(FaceModelSet, ParsesTheShippedDescription) {
  const auto m = FaceModelSet::parse(read_text(kShippedModel), "/models");
  EXPECT_EQ(m.id, "faceplugin-fr-js-0.0.1");
  EXPECT_EQ(m.detector.file, "fr_detect.onnx");
  EXPECT_EQ(m.detector.input_width, 320);
  EXPECT_EQ(m.detector.input_height, 240);
  EXPECT_EQ(m.landmarks.channels, FaceNetSpec::Channels::gray);
  EXPECT_EQ(m.landmark_points, 68);
  EXPECT_EQ(m.dimensions, 512);
  EXPECT_NEAR(m.embedder.scale, 1.0 / 128, 1e-12);
  EXPECT_NEAR(m.reference[4].y, 92.2041, 1e-3);
  EXPECT_EQ(m.directory, "/models");
}

TEST(FaceModelSet, MalformedDescriptionsNameTheLine) {
  const std::string good = read_text(kShippedModel);
  const auto rejects = [](const std::string& text, const std::string& why) {
    try {
      FaceModelSet::parse(text, ".");
      ADD_FAILURE() << "accepted a description lacking: " << why;
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::malformed_data);
      EXPECT_NE(std::string(e.what()).find(why), std::string::npos) << e.what();
    }
  };
  rejects(good + "colour=blue\n", "unknown key 'colour'");
  rejects(good + "id=again\n", "id given twice");
  rejects("id=x\nembedder.input=112by112\n", "line 2: embedder.input wants WxH");
  rejects("id=x\ndetector.mean=abc\n", "line 2, detector.mean: 'abc' is not a number");
  rejects("id=x\nlandmarks.channels=cmyk\n", "rgb, bgr or gray");
  rejects("id=x\nalignment.reference=1,2;3,4\n", "5 points");
  rejects("just a line\n", "line 1: expected key=value");
  std::string no_reference;
  for (std::size_t pos = 0; pos < good.size();) {
    const std::size_t eol = good.find('\n', pos);
    const std::string line = good.substr(pos, eol - pos);
    if (line.rfind("alignment.reference", 0) != 0) no_reference += line + "\n";
    pos = eol == std::string::npos ? good.size() : eol + 1;
  }
  rejects(no_reference, "missing alignment.reference");
}

TEST(FaceModels, MissingAndCorruptModelFilesGiveTypedErrors) {
  const auto dir = std::filesystem::temp_directory_path() / "tunggal_face_models_test";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  std::filesystem::copy_file(kShippedModel, dir / "model.txt");
  try {
    FaceModelSet::load(dir / "model.txt");
    ADD_FAILURE() << "loaded a model set without its files";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::not_found);
    EXPECT_NE(std::string(e.what()).find("fr_detect.onnx"), std::string::npos) << e.what();
  }
  for (const char* f : {"fr_detect.onnx", "fr_landmark.onnx", "fr_feature.onnx"}) {
    std::ofstream(dir / f) << "this is not an ONNX model";
  }
  const auto m = FaceModelSet::load(dir / "model.txt");
  try {
    FaceExtractor x(m);
    ADD_FAILURE() << "built an extractor from garbage models";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::malformed_data);
    EXPECT_NE(std::string(e.what()).find("face detector"), std::string::npos) << e.what();
  }
  std::filesystem::remove_all(dir);
}

TEST(FaceModels, OutputsThatDoNotFitTheDescriptionAreRejected) {
  TUNGGAL_REQUIRE_FACE_MODELS(models);
  FaceModelSet m = FaceModelSet::load(models);
  m.dimensions = 128;  // the embedder gives 512
  try {
    FaceExtractor x(m);
    ADD_FAILURE() << "accepted a 512-d embedder described as 128-d";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::malformed_data);
    EXPECT_NE(std::string(e.what()).find("the description says 128"), std::string::npos) << e.what();
  }
  m = FaceModelSet::load(models);
  m.landmark_points = 5;  // the landmark net gives 68 points
  EXPECT_THROW(FaceExtractor{m}, Error);
}

TEST(FaceTemplateFile, RoundTripsAndRejectsCorruption) {
  FaceTemplate f;
  f.model = "m1";
  f.quality = 77;
  f.embedding = {0.6f, -0.8f, 0.0f};
  const auto bytes = encode_face_template(f);
  EXPECT_EQ(decode_face_template(bytes), f);
  auto bad = bytes;
  bad[bad.size() / 2] ^= 0x10;
  try {
    decode_face_template(bad);
    ADD_FAILURE();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::checksum_mismatch);
  }
  EXPECT_THROW(decode_face_template(std::span(bytes).first(bytes.size() - 3)), Error);
  EXPECT_THROW(decode_face_template({}), Error);
  FaceTemplate nan = f;
  nan.embedding[0] = std::nanf("");
  EXPECT_THROW(encode_face_template(nan), Error);
}

TEST(FaceCompare, CosineModelsAndQuantisation) {
  FaceTemplate a{"m", {0.6f, 0.8f}, 90}, b{"m", {0.8f, 0.6f}, 90}, c{"other", {0.6f, 0.8f}, 90};
  EXPECT_NEAR(compare_faces(a, b), 0.96, 1e-6);
  EXPECT_NEAR(compare_faces(a, a), 1.0, 1e-6);
  EXPECT_EQ(compare_faces(a, b), compare_faces(b, a));
  EXPECT_THROW(compare_faces(a, c), Error);
  const auto q = quantize_embedding(std::vector<float>{1.0f, -1.0f, 0.5f, 2.0f, 0.0f, std::nanf("")});
  EXPECT_EQ(q.values, (std::vector<std::int8_t>{64, -64, 32, 127, 0, 0}));  // 1/2*127 = 63.5 rounds away
  EXPECT_FLOAT_EQ(q.scale, 2.0f / 127.0f);
  EXPECT_EQ(quantize_embedding(std::vector<float>(4, 0.0f)).scale, 0.0f);
  // On a 512-d unit vector the int8 dot product stays within 1e-3 of the
  // float cosine.
  std::mt19937 rng(3);
  std::normal_distribution<float> g;
  std::vector<float> x(512), y(512);
  double nx = 0, ny = 0, dot = 0;
  for (std::size_t i = 0; i < 512; ++i) {
    x[i] = g(rng);
    y[i] = 0.6f * x[i] + 0.8f * g(rng);
    nx += x[i] * x[i];
    ny += y[i] * y[i];
  }
  for (std::size_t i = 0; i < 512; ++i) {
    x[i] /= static_cast<float>(std::sqrt(nx));
    y[i] /= static_cast<float>(std::sqrt(ny));
    dot += x[i] * y[i];
  }
  const auto qx = quantize_embedding(x), qy = quantize_embedding(y);
  std::int64_t idot = 0;
  for (std::size_t i = 0; i < 512; ++i) idot += qx.values[i] * qy.values[i];
  EXPECT_NEAR(static_cast<double>(idot) * qx.scale * qy.scale, dot, 1e-3);
}

TEST(FaceImage, BadInputIsATypedError) {
  EXPECT_THROW(decode_color_image({}), Error);
  const std::vector<std::uint8_t> junk{'n', 'o', 't', ' ', 'a', 'n', ' ', 'i', 'm', 'a', 'g', 'e'};
  try {
    decode_color_image(junk);
    ADD_FAILURE();
  } catch (const Error& e) {  // not a whitelisted image format
    EXPECT_EQ(e.code(), ErrorCode::unsupported) << e.what();
  }
  EXPECT_THROW(read_color_image("/nonexistent/face.png"), Error);
}

// --- the pipeline on real faces (models from scripts/setup, AT&T faces) ---

ColorImage from_mat(const cv::Mat& rgb) {
  ColorImage img;
  img.width = rgb.cols;
  img.height = rgb.rows;
  img.rgb.assign(rgb.data, rgb.data + rgb.total() * 3);
  return img;
}

cv::Mat to_mat(const ColorImage& img) {
  return cv::Mat(img.height, img.width, CV_8UC3, const_cast<std::uint8_t*>(img.rgb.data())).clone();
}

class FacePipeline : public ::testing::Test {
 protected:
  void SetUp() override {
    TUNGGAL_REQUIRE_SHARED_DATA(data);
    TUNGGAL_REQUIRE_FACE_MODELS(models);
    att_ = data / "att_faces";
    extractor_.emplace(FaceModelSet::load(models));
  }
  ColorImage face(int person, int n) const {
    return read_color_image(att_ / ("s" + std::to_string(person)) / (std::to_string(n) + ".pgm"));
  }
  // An AT&T face on a larger mid-grey canvas, so the detector sees context.
  ColorImage framed(const ColorImage& f, int canvas = 200) const {
    cv::Mat c(canvas, canvas, CV_8UC3, cv::Scalar(120, 120, 120));
    to_mat(f).copyTo(c(cv::Rect((canvas - f.width) / 2, (canvas - f.height) / 2, f.width, f.height)));
    return from_mat(c);
  }
  std::filesystem::path att_;
  std::optional<FaceExtractor> extractor_;
};

bool has(const FaceResult& r, FaceIssue i) {
  return std::find(r.issues.begin(), r.issues.end(), i) != r.issues.end();
}

TEST_F(FacePipeline, SamePersonScoresAboveOthersAndBatchEqualsSingle) {
  std::vector<ColorImage> imgs;
  for (int p = 1; p <= 4; ++p)
    for (int n = 1; n <= 2; ++n) imgs.push_back(face(p, n));
  const auto batch = extractor_->extract(imgs);
  for (std::size_t i = 0; i < imgs.size(); ++i) {
    ASSERT_TRUE(batch[i].face) << i;
    const auto& e = batch[i].face->embedding;
    ASSERT_EQ(e.size(), 512u);
    double norm = 0;
    for (float v : e) norm += v * v;
    EXPECT_NEAR(norm, 1.0, 1e-4);
    EXPECT_EQ(batch[i].face->model, "faceplugin-fr-js-0.0.1");
  }
  EXPECT_EQ(extractor_->extract(imgs[3]).face->embedding, batch[3].face->embedding);
  for (std::size_t p = 0; p < 4; ++p) {
    const double genuine = compare_faces(*batch[2 * p].face, *batch[2 * p + 1].face);
    for (std::size_t q = 0; q < 4; ++q) {
      if (q == p) continue;
      EXPECT_GT(genuine, compare_faces(*batch[2 * p].face, *batch[2 * q].face)) << p << " vs " << q;
    }
  }
}

TEST_F(FacePipeline, QualityReasonsForDarkBrightBlurredTurnedAndTinyFaces) {
  const ColorImage base = framed(face(2, 1));
  const FaceResult good = extractor_->extract(base);
  ASSERT_TRUE(good.face);
  EXPECT_FALSE(good.fallback);
  EXPECT_TRUE(good.issues.empty()) << to_string(good.issues.front());

  cv::Mat m = to_mat(base);
  cv::Mat dark = m * 0.2, bright;
  m.convertTo(bright, -1, 1.0, 170);
  EXPECT_TRUE(has(extractor_->extract(from_mat(dark)), FaceIssue::too_dark));
  EXPECT_TRUE(has(extractor_->extract(from_mat(bright)), FaceIssue::too_bright));
  cv::Mat blurred;
  cv::GaussianBlur(m, blurred, {0, 0}, 3.0);
  EXPECT_TRUE(has(extractor_->extract(from_mat(blurred)), FaceIssue::too_blurred));
  cv::Mat turned;
  cv::warpAffine(m, turned, cv::getRotationMatrix2D({100, 100}, 45, 1.0), m.size(), cv::INTER_LINEAR,
                 cv::BORDER_REPLICATE);
  EXPECT_TRUE(has(extractor_->extract(from_mat(turned)), FaceIssue::eyes_not_level));
  cv::Mat small_face;
  cv::resize(to_mat(face(2, 1)), small_face, {}, 0.5, 0.5, cv::INTER_AREA);
  const FaceResult tiny = extractor_->extract(framed(from_mat(small_face)));
  EXPECT_TRUE(has(tiny, FaceIssue::face_too_small) || has(tiny, FaceIssue::no_face));
}

TEST_F(FacePipeline, TwoFacesAndNoFace) {
  const cv::Mat a = to_mat(face(1, 1)), b = to_mat(face(3, 1));
  cv::Mat pair(160, 260, CV_8UC3, cv::Scalar(120, 120, 120));
  a.copyTo(pair(cv::Rect(20, 24, a.cols, a.rows)));
  b.copyTo(pair(cv::Rect(148, 24, b.cols, b.rows)));
  EXPECT_TRUE(has(extractor_->extract(from_mat(pair)), FaceIssue::multiple_faces));

  const cv::Mat blank(200, 200, CV_8UC3, cv::Scalar(128, 128, 128));
  const FaceResult fallback = extractor_->extract(from_mat(blank));
  EXPECT_TRUE(fallback.fallback);  // the whole image stands in for a face...
  EXPECT_TRUE(has(fallback, FaceIssue::no_face));  // ...and the capture is flagged
  EXPECT_FALSE(fallback.acceptable());
  FaceParams strict;
  strict.assume_cropped_when_undetected = false;
  const FaceExtractor no_fallback(extractor_->models(), strict);
  const FaceResult none = no_fallback.extract(from_mat(blank));
  EXPECT_FALSE(none.face);
  EXPECT_TRUE(has(none, FaceIssue::no_face));
}

}  // namespace
}  // namespace tunggal
