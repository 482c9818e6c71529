// The KTP-el front, rendered with cairo and pango: ID-1 (85.60 x 53.98 mm)
// as a vector PDF and as a 300-dpi PNG, from the same drawing. Fields wrap
// (Nama up to two lines, Alamat up to three) or shrink to fit their box; a value
// that does not fit even at the smallest size is an error, never a clipped
// or overflowing card. A photo is required and checked; a captured
// signature is printed when given, otherwise its box stays empty for a wet
// signature.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "tunggal/image.h"
#include "tunggal/person_record.h"

namespace tunggal::sdk {

// What the card shows, in the card's own words (upper case as printed).
struct CardData {
  std::string provinsi;         // PROVINSI <...>
  std::string kabupaten_kota;   // KABUPATEN/KOTA name as printed, e.g. "KOTA BANDUNG"
  std::string nik;              // 16 digits
  std::string nama;
  std::string tempat_lahir, tanggal_lahir;  // DD-MM-YYYY
  std::string jenis_kelamin;    // LAKI-LAKI / PEREMPUAN
  std::string gol_darah = "-";  // A, B, AB, O or -
  std::string alamat;
  std::string rt_rw;            // 001/002
  std::string kel_desa, kecamatan, agama, status_perkawinan, pekerjaan;
  std::string kewarganegaraan = "WNI";
  std::string berlaku_hingga = "SEUMUR HIDUP";
  std::string tempat_terbit;    // place of issue (the regency or city)
  std::string tanggal_terbit;   // date of issue, DD-MM-YYYY
};

// From a person record's attributes as `tunggal gen` writes them (nik,
// name, sex, birth_place, birth_date, address, rt_rw, village, district,
// regency, province, religion, marital_status, occupation, blood_type,
// citizenship). The place of issue defaults to the regency, the date of
// issue to today (UTC). Throws Error(malformed_data) naming the first
// missing or unusable attribute.
CardData card_data_from_record(const PersonRecord& record, const std::string& issue_date = "");

// Checks every field (present where the card needs it, valid UTF-8, no
// control characters, at most 200 bytes, NIK of 16 digits, dates as
// DD-MM-YYYY); throws Error(invalid_argument) naming the field.
void validate_card_data(const CardData& data);

struct CardRenderOptions {
  int png_dpi = 300;
  // Fonts are looked up by fontconfig; Liberation Sans (metric-compatible
  // with Arial, as the card uses) is in Debian's fonts-liberation2.
  std::string font_family = "Liberation Sans";
  double min_font_points = 3.6;  // smallest size a field may shrink to
};

struct RenderedCard {
  std::vector<std::uint8_t> pdf;  // one page, 242.65 x 153.01 pt
  std::vector<std::uint8_t> png;  // png_dpi (1011 x 638 at 300 dpi)
  int png_width = 0, png_height = 0;
  // Fields drawn smaller than their usual size or on two lines, for the
  // operator's review (field name: points, lines).
  std::vector<std::string> adjusted;
};

// Throws Error: invalid_argument for a field that does not fit or fails
// validation (named), malformed_data for an unusable photo (too small,
// blank) or signature.
RenderedCard render_card(const CardData& data, const ColorImage& photo, const ColorImage* signature = nullptr,
                         const CardRenderOptions& options = {});

}  // namespace tunggal::sdk
