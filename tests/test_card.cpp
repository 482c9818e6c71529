// Card rendering (tunggal/sdk/card.h): the ID-1 page, the 300-dpi image, the
// fields from a generated record, and values that must wrap, shrink or be
// refused rather than overflow.
#include <gtest/gtest.h>

#include <algorithm>
#include <regex>

#include "tunggal/datasets/population.h"
#include "tunggal/error.h"
#include "tunggal/sdk/card.h"

namespace tunggal {
namespace {

ColorImage test_photo(int w = 92, int h = 112) {
  ColorImage img;
  img.width = w;
  img.height = h;
  img.rgb.resize(static_cast<std::size_t>(w) * h * 3);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x)
      for (int c = 0; c < 3; ++c)
        img.rgb[(static_cast<std::size_t>(y) * w + x) * 3 + c] = static_cast<std::uint8_t>((x * 3 + y * 2 + c * 40) % 256);
  return img;
}

sdk::CardData sample_card(std::uint64_t seed = 1) {
  const auto key = datasets::draw_nik_key(seed, seed % 2 == 0);
  const auto d = datasets::make_demographics(seed, key, 1);
  PersonRecord r;
  r.id = "R1";
  r.attributes = d.attributes();
  return sdk::card_data_from_record(r, "01-12-2026");
}

// The page size a PDF states (its first MediaBox), in points.
std::pair<double, double> media_box(const std::vector<std::uint8_t>& pdf) {
  const std::string text(pdf.begin(), pdf.end());
  std::smatch m;
  const std::regex re(R"(/MediaBox \[ *0 +0 +([0-9.]+) +([0-9.]+) *\])");
  if (!std::regex_search(text, m, re)) return {0, 0};
  return {std::stod(m[1]), std::stod(m[2])};
}

std::string error_of(const sdk::CardData& d, const ColorImage& photo, const ColorImage* sig = nullptr) {
  try {
    sdk::render_card(d, photo, sig);
  } catch (const Error& e) {
    return std::string(to_string(e.code())) + ": " + e.what();
  }
  return "";
}

TEST(Card, Id1PdfAndA300DpiImageFromARecord) {
  const auto d = sample_card();
  const auto card = sdk::render_card(d, test_photo());
  const auto [w, h] = media_box(card.pdf);
  EXPECT_NEAR(w, 85.60 / 25.4 * 72, 0.05);
  EXPECT_NEAR(h, 53.98 / 25.4 * 72, 0.05);
  EXPECT_EQ(card.png_width, 1011);
  EXPECT_EQ(card.png_height, 638);
  const ColorImage png = decode_color_image(card.png);
  EXPECT_EQ(png.width, 1011);
  EXPECT_EQ(png.height, 638);
  EXPECT_EQ(d.berlaku_hingga, "SEUMUR HIDUP");
  EXPECT_EQ(d.kewarganegaraan, "WNI");
  EXPECT_EQ(d.tempat_terbit, d.kabupaten_kota);
  // The photo is on the card: its box (right side) is not the background.
  const auto at = [&](int x, int y) { return png.rgb[(static_cast<std::size_t>(y) * png.width + x) * 3]; };
  int differs = 0;
  for (int y = 130; y < 400; y += 10)
    for (int x = 745; x < 970; x += 10) differs += at(x, y) != at(x + 5, y + 3);
  EXPECT_GT(differs, 100);
}

TEST(Card, TheLongestGeneratedValuesFitAndLongerOnesWrapOrShrink) {
  // The longest name and address among 3,000 generated people.
  sdk::CardData longest = sample_card();
  for (std::uint64_t seed = 1; seed <= 3000; ++seed) {
    const auto d = datasets::make_demographics(seed, datasets::draw_nik_key(seed, seed % 2 == 0), 1);
    if (d.name.size() > longest.nama.size()) longest.nama = d.name;
    if (d.address.size() > longest.alamat.size()) longest.alamat = d.address;
    if (d.occupation.size() > longest.pekerjaan.size()) longest.pekerjaan = d.occupation;
    if (d.village.size() > longest.kel_desa.size()) longest.kel_desa = d.village;
  }
  EXPECT_NO_THROW(sdk::render_card(longest, test_photo())) << longest.nama << " / " << longest.alamat;
  // Longer than any generated: a name of 58 characters takes two lines.
  auto d = sample_card();
  d.nama = "RADEN MAS MUHAMMAD ABDURRAHMAN WAHYUDI SETIAWAN KUSUMANEGARA";
  const auto two = sdk::render_card(d, test_photo());
  EXPECT_TRUE(std::any_of(two.adjusted.begin(), two.adjusted.end(),
                          [](const std::string& a) { return a.rfind("Nama:", 0) == 0 && a.find("2 lines") != std::string::npos; }))
      << two.adjusted.size();
  // An address of 110 characters shrinks below the usual size on two lines.
  d.alamat = "JL. RAYA PASAR MINGGU GANG H. MUHAMMAD SALEH KOMPLEK PERUMAHAN GRIYA ASRI BLOK C NOMOR 12 A LANTAI DUA BELAKANG";
  const auto small = sdk::render_card(d, test_photo());
  const auto alamat = std::find_if(small.adjusted.begin(), small.adjusted.end(),
                                   [](const std::string& a) { return a.rfind("Alamat:", 0) == 0; });
  ASSERT_NE(alamat, small.adjusted.end());
  EXPECT_EQ(alamat->find("5.6 pt"), std::string::npos) << *alamat;
  // Too long for any size: refused, naming the field; never clipped.
  d.alamat = std::string(190, 'W');
  const std::string e = error_of(d, test_photo());
  EXPECT_NE(e.find("invalid argument"), std::string::npos) << e;
  EXPECT_NE(e.find("Alamat does not fit"), std::string::npos) << e;
}

TEST(Card, BadFieldsAndPicturesAreNamedErrors) {
  const auto good = sample_card();
  auto d = good;
  d.nik = "12345";
  EXPECT_NE(error_of(d, test_photo()).find("NIK must be 16 digits"), std::string::npos);
  d = good;
  d.nama = "BUDI\x01";
  EXPECT_NE(error_of(d, test_photo()).find("Nama holds a control character"), std::string::npos);
  d = good;
  d.alamat = "JL. \xC3\x28";
  EXPECT_NE(error_of(d, test_photo()).find("Alamat is not valid UTF-8"), std::string::npos);
  d = good;
  d.agama.clear();
  EXPECT_NE(error_of(d, test_photo()).find("Agama is empty"), std::string::npos);
  d = good;
  d.tanggal_lahir = "1990-01-02";
  EXPECT_NE(error_of(d, test_photo()).find("Tgl Lahir"), std::string::npos);
  // The photo: missing, too small, blank.
  EXPECT_NE(error_of(good, ColorImage{}).find("malformed data: card: the photo is missing"), std::string::npos);
  EXPECT_NE(error_of(good, test_photo(40, 50)).find("smaller than"), std::string::npos);
  ColorImage blank = test_photo();
  std::fill(blank.rgb.begin(), blank.rgb.end(), 200);
  EXPECT_NE(error_of(good, blank).find("photo is blank"), std::string::npos);
  // A record without the demographics a card needs.
  PersonRecord r;
  r.id = "R9";
  try {
    sdk::card_data_from_record(r);
    ADD_FAILURE() << "a record without attributes made a card";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::malformed_data);
    EXPECT_NE(std::string(e.what()).find("no attribute 'province'"), std::string::npos) << e.what();
  }
}

TEST(Card, ASignatureIsPrintedInItsBoxAndOtherwiseTheBoxStaysEmpty) {
  const auto d = sample_card();
  ColorImage sig = test_photo(120, 40);
  const auto with = decode_color_image(sdk::render_card(d, test_photo(), &sig).png);
  const auto without = decode_color_image(sdk::render_card(d, test_photo()).png);
  // Inside the signature box (about 63.4-81.8 mm across, 42.4-50.8 mm down).
  std::size_t changed = 0, inked = 0;
  for (int y = 510; y < 590; ++y) {
    for (int x = 760; x < 955; ++x) {
      const std::size_t i = (static_cast<std::size_t>(y) * with.width + x) * 3;
      changed += with.rgb[i] != without.rgb[i];
      inked += without.rgb[i] < 200;
    }
  }
  EXPECT_GT(changed, 5000u);
  EXPECT_EQ(inked, 0u) << "the empty box has marks inside it";
}

}  // namespace
}  // namespace tunggal
