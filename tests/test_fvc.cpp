#include <gtest/gtest.h>

#include <fstream>

#include "test_support.h"
#include "tunggal/datasets/fvc.h"
#include "tunggal/error.h"

namespace tunggal::datasets {
namespace {

class FvcFolder : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("tunggal_fvc_" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) +
            "_" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    for (int f = 101; f <= 110; ++f) {
      for (int i = 1; i <= 8; ++i) {
        touch(std::to_string(f) + "_" + std::to_string(i) + ".tif");
        touch(std::to_string(f) + "_" + std::to_string(i) + ".iso");
      }
    }
    touch("README.txt");
    touch("101_x.tif");
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  void touch(const std::string& name) { std::ofstream(dir_ / name) << "x"; }
  std::filesystem::path dir_;
};

TEST_F(FvcFolder, ScanFindsImagesTemplatesAndIgnoresTheRest) {
  const FvcDataset ds = scan_fvc_folder(dir_);
  EXPECT_EQ(ds.images.size(), 80u);
  EXPECT_EQ(ds.templates.size(), 80u);
  EXPECT_EQ(ds.ignored, (std::vector<std::string>{"101_x.tif", "README.txt"}));
  EXPECT_EQ(ds.images.front().finger, 101);
  EXPECT_EQ(ds.images.front().impression, 1);
  EXPECT_EQ(ds.images.back().finger, 110);
  EXPECT_EQ(ds.images.back().impression, 8);
  EXPECT_EQ(scan_fvc_folder(dir_, ".xyt").templates.size(), 0u);
}

TEST_F(FvcFolder, ProtocolPairCountsMatchTheFvcDefinition) {
  const FvcDataset ds = scan_fvc_folder(dir_);
  const auto genuine = fvc_genuine_pairs(ds.images);
  EXPECT_EQ(genuine.size(), 280u);  // 10 fingers x C(8,2)
  for (const auto& p : genuine) {
    EXPECT_EQ(ds.images[p.a].finger, ds.images[p.b].finger);
    EXPECT_LT(ds.images[p.a].impression, ds.images[p.b].impression);
  }
  const auto first = fvc_impostor_pairs(ds.images, ImpostorProtocol::first_impressions);
  EXPECT_EQ(first.size(), 45u);  // C(10,2)
  for (const auto& p : first) {
    EXPECT_NE(ds.images[p.a].finger, ds.images[p.b].finger);
    EXPECT_EQ(ds.images[p.a].impression, 1);
    EXPECT_EQ(ds.images[p.b].impression, 1);
  }
  EXPECT_EQ(fvc_impostor_pairs(ds.images, ImpostorProtocol::first_two_impressions).size(), 180u);
  EXPECT_EQ(fvc_impostor_pairs(ds.images, ImpostorProtocol::all_cross_finger).size(), 2880u);
}

TEST_F(FvcFolder, FindsDatabaseFoldersRecursively) {
  const auto parent = dir_.parent_path() / (dir_.filename().string() + "_root");
  std::filesystem::remove_all(parent);
  std::filesystem::create_directories(parent / "set");
  std::filesystem::copy(dir_, parent / "set" / "DB1", std::filesystem::copy_options::recursive);
  std::filesystem::create_directories(parent / "empty");
  const auto found = find_fvc_folders(parent);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].filename(), "DB1");
  std::filesystem::remove_all(parent);
}

TEST(Fvc, MissingFolderIsNotFound) {
  try {
    scan_fvc_folder("/nonexistent/tunggal");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::not_found);
  }
}

TEST(Fvc, SharedDatabasesHaveTheFvcShape) {
  TUNGGAL_REQUIRE_SHARED_DATA(data);
  const auto folders = find_fvc_folders(data);
  EXPECT_EQ(folders.size(), 8u);  // FVC2000 and FVC2002, DB1-DB4 each
  for (const auto& f : folders) {
    const auto ds = scan_fvc_folder(f);
    EXPECT_EQ(ds.images.size(), 80u) << f;
    EXPECT_EQ(fvc_genuine_pairs(ds.images).size(), 280u) << f;
  }
}

}  // namespace
}  // namespace tunggal::datasets
