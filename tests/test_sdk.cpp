#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <fstream>
#include <random>

#include "gallery_support.h"
#include "test_support.h"
#include "tunggal/sdk.h"
#include "tunggal/workflow/sop.h"

namespace tunggal {
namespace {

class TempDir : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           (std::string("tunggal_sdk_") +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::filesystem::path dir_;
};

TEST_F(TempDir, SaveThenLoadEveryFormat) {
  std::mt19937 rng(5);
  FingerTemplate t = test::random_template(rng, 25);
  for (auto& m : t.minutiae) {  // multiples of 90 degrees lie on every format's grid
    m.angle = static_cast<float>((m.x % 4) * 64 * 6.283185307179586 / 256.0);
  }
  for (TemplateFormat f :
       {TemplateFormat::iso19794_2_2005, TemplateFormat::ansi378_2004, TemplateFormat::native}) {
    const auto path = dir_ / ("t." + std::string(to_string(f)));
    sdk::save_template_file(path, {&t, 1}, f);
    const auto loaded = sdk::load_template_file(path);
    EXPECT_EQ(loaded.format, f);
    ASSERT_EQ(loaded.views.size(), 1u);
    EXPECT_EQ(loaded.views[0], t) << to_string(f);
    // Biometric data: owner-only permissions.
    struct stat st {};
    ASSERT_EQ(::stat(path.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u);
  }
}

TEST_F(TempDir, DurableWriteReplacesAtomicallyAndLeavesNoTemporaries) {
  const auto path = dir_ / "record.bin";
  const std::vector<std::uint8_t> a(1000, 0xAA), b(10, 0xBB);
  sdk::write_file_durably(path, a);
  sdk::write_file_durably(path, b);
  EXPECT_EQ(read_file(path), b);
  std::size_t entries = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(dir_)) ++entries;
  EXPECT_EQ(entries, 1u);
}

TEST_F(TempDir, ErrorsNameTheFile) {
  try {
    sdk::load_template_file(dir_ / "missing.iso");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::not_found);
    EXPECT_NE(std::string(e.what()).find("missing.iso"), std::string::npos);
  }
  const auto junk = dir_ / "junk.iso";
  std::ofstream(junk) << "FMR\0garbage";
  try {
    sdk::load_template_file(junk);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::malformed_data);
    EXPECT_NE(std::string(e.what()).find("junk.iso"), std::string::npos);
  }
  try {
    sdk::write_file_durably(dir_ / "no" / "such" / "dir" / "x", std::vector<std::uint8_t>{1});
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::io);
  }
}

TEST(Image, NonImagesAndEmptyInputAreTypedErrors) {
  const std::string text = "this is not an image";
  try {
    decode_gray_image({reinterpret_cast<const std::uint8_t*>(text.data()), text.size()});
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::unsupported);
  }
  // A PNG whose header claims 100000 x 100000 pixels is refused before decoding.
  std::vector<std::uint8_t> png = {0x89, 'P', 'N',  'G',  0x0D, 0x0A, 0x1A, 0x0A, 0,    0,
                                   0,    13,  'I',  'H',  'D',  'R',  0,    1,    0x86, 0xA0,
                                   0,    1,   0x86, 0xA0, 8,    0,    0,    0,    0};
  try {
    decode_gray_image(png);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::limit_exceeded);
    EXPECT_NE(std::string(e.what()).find("100000x100000"), std::string::npos);
  }
  // A truncated PNG body is a typed error too.
  png[16] = 0;
  png[17] = 0;
  png[18] = 0;
  png[19] = 64;
  png[20] = 0;
  png[21] = 0;
  png[22] = 0;
  png[23] = 64;
  try {
    decode_gray_image(png);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::malformed_data);
  }
  try {
    decode_gray_image({});
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::malformed_data);
  }
}

TEST(Workflow, TwelveStepsInOrder) {
  using workflow::SopStep;
  int count = 1;
  SopStep s = SopStep::apply_online;
  while (auto n = workflow::next_step(s)) {
    EXPECT_EQ(static_cast<int>(*n), static_cast<int>(s) + 1);
    s = *n;
    ++count;
  }
  EXPECT_EQ(count, workflow::kSopStepCount);
  EXPECT_EQ(s, SopStep::done);
  EXPECT_EQ(workflow::to_string(SopStep::check_deduplication), "check deduplication");
  EXPECT_EQ(workflow::default_role(SopStep::record_biometrics), workflow::Role::recording_officer);
  EXPECT_EQ(workflow::sla_minutes(SopStep::record_biometrics), 15);
}

// The library's version against the project's, read here from the top
// CMakeLists.txt (not from the macro the library was built with).
TEST(Version, MatchesTheProject) {
  std::ifstream in(std::string(TUNGGAL_SOURCE_DIR) + "/CMakeLists.txt");
  const std::string text((std::istreambuf_iterator<char>(in)), {});
  const auto at = text.find("VERSION ", text.find("project("));
  ASSERT_NE(at, std::string::npos);
  const std::string declared = text.substr(at + 8, text.find_first_of(" )\n", at + 8) - at - 8);
  EXPECT_EQ(version(), declared);
  EXPECT_EQ(std::count(declared.begin(), declared.end(), '.'), 2) << declared;
}

std::vector<std::uint8_t> file_bytes(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}
bool holds(const std::vector<std::uint8_t>& hay, std::span<const std::uint8_t> needle) {
  return std::search(hay.begin(), hay.end(), needle.begin(), needle.end()) != hay.end();
}
ErrorCode code_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.code();
  }
  return ErrorCode::ok;
}

// Templates at rest: with a key file, nothing of a record reaches the
// gallery's folder in the clear (log and snapshot), the gallery reopens the
// same with its key, and not at all without it or with another.
TEST_F(TempDir, AGalleryWithAKeyKeepsItsTemplatesSealed) {
  const auto pop = test::make_population(30, 6, 909, 4);
  sdk::SessionConfig c;
  c.gallery = dir_ / "gallery";
  c.gallery_key_file = dir_ / "gallery.key";
  c.face = false;
  std::vector<DedupDecision> before;
  {
    sdk::Session s(c);
    s.enrol(std::span(pop.gallery).first(20));
    s.snapshot();
    s.enrol(std::span(pop.gallery).subspan(20));
    EXPECT_TRUE(s.remove(pop.gallery[5].id));
    before = s.identify(pop.probes);
  }
  EXPECT_EQ(std::filesystem::status(c.gallery_key_file).permissions() &
                (std::filesystem::perms::group_all | std::filesystem::perms::others_all),
            std::filesystem::perms::none);
  // No record's bytes, no minutiae block, no reference id in the folder.
  for (const auto& f : std::filesystem::directory_iterator(c.gallery)) {
    const auto bytes = file_bytes(f.path());
    for (const auto& r : pop.gallery) {
      const auto enc = encode_person_record(r);
      EXPECT_FALSE(holds(bytes, std::span(enc).subspan(enc.size() / 2, 32))) << f.path();
      EXPECT_FALSE(holds(bytes, {reinterpret_cast<const std::uint8_t*>(r.id.data()), r.id.size()})) << f.path() << " " << r.id;
    }
  }
  {
    sdk::Session s(c);
    EXPECT_TRUE(s.gallery_report().snapshot_sealed);
    EXPECT_EQ(s.gallery_report().snapshot_records, 20u);
    EXPECT_EQ(s.gallery_report().clear_entries, 0u);
    EXPECT_GT(s.gallery_report().sealed_entries, 0u);
    EXPECT_EQ(s.count(), pop.gallery.size() - 1);
    const auto after = s.identify(pop.probes);
    ASSERT_EQ(after.size(), before.size());
    for (std::size_t i = 0; i < after.size(); ++i) {
      EXPECT_EQ(after[i].decision, before[i].decision);
      ASSERT_EQ(after[i].candidates.size(), before[i].candidates.size());
      for (std::size_t k = 0; k < after[i].candidates.size(); ++k)
        EXPECT_EQ(after[i].candidates[k].ref, before[i].candidates[k].ref);
    }
  }
  // Without the key: refused, naming why; with another key: refused as not authentic.
  sdk::SessionConfig none = c;
  none.gallery_key_file.clear();
  try {
    sdk::Session s(none);
    ADD_FAILURE() << "opened without its key";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::invalid_argument);
    EXPECT_NE(std::string(e.what()).find("its key"), std::string::npos) << e.what();
  }
  sdk::SessionConfig other = c;
  other.gallery_key_file = dir_ / "other.key";
  EXPECT_EQ(code_of([&] { sdk::Session s(other); }), ErrorCode::checksum_mismatch);
  // A key others may read is refused; a key without a gallery folder too.
  std::filesystem::permissions(c.gallery_key_file, std::filesystem::perms::others_read, std::filesystem::perm_options::add);
  EXPECT_EQ(code_of([&] { sdk::Session s(c); }), ErrorCode::invalid_argument);
  sdk::SessionConfig memory;
  memory.gallery_key_file = dir_ / "k";
  EXPECT_EQ(code_of([&] { sdk::Session s(memory); }), ErrorCode::invalid_argument);
}

// A gallery written in the clear opens with a key: what was there stays
// readable (and is reported as in the clear), what comes after is sealed.
TEST_F(TempDir, AClearGalleryTakesAKeyFromThenOn) {
  const auto pop = test::make_population(10, 2, 910, 2);
  sdk::SessionConfig c;
  c.gallery = dir_ / "gallery";
  c.face = false;
  {
    sdk::Session s(c);
    s.enrol(std::span(pop.gallery).first(5));
  }
  c.gallery_key_file = dir_ / "gallery.key";
  {
    sdk::Session s(c);
    EXPECT_EQ(s.gallery_report().clear_entries, 5u);
    s.enrol(std::span(pop.gallery).subspan(5));
  }
  sdk::Session s(c);
  EXPECT_EQ(s.gallery_report().clear_entries, 5u);
  EXPECT_EQ(s.gallery_report().sealed_entries, 5u);
  EXPECT_EQ(s.count(), 10u);
  const auto wal = file_bytes(c.gallery / "gallery.wal");
  const auto& early = pop.gallery.front().id;
  const auto& late = pop.gallery.back().id;
  EXPECT_TRUE(holds(wal, {reinterpret_cast<const std::uint8_t*>(early.data()), early.size()}));  // the search finds what is there
  EXPECT_FALSE(holds(wal, {reinterpret_cast<const std::uint8_t*>(late.data()), late.size()}));
}

}  // namespace
}  // namespace tunggal
