// The NIK's rules, dates, typed text and the age rule, from the data: the office's own
// implementation (the generator in datasets/ has another; the tests hold
// each against the other).
#include <algorithm>
#include <array>
#include <cstdio>

#include "tunggal/text.h"
#include "tunggal/workflow/office.h"

namespace tunggal::workflow {
namespace {

// Province codes (Kemendagri), 38 provinces.
constexpr std::array<int, 38> kProvinces = {11, 12, 13, 14, 15, 16, 17, 18, 19, 21, 31, 32, 33, 34, 35, 36, 51, 52, 53,
                                            61, 62, 63, 64, 65, 71, 72, 73, 74, 75, 76, 81, 82, 91, 92, 93, 94, 95, 96};

bool leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }
int days_in(int m, int y) {
  static const int d[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && leap(y) ? 29 : d[m - 1];
}
int two(std::string_view s, std::size_t at) { return (s[at] - '0') * 10 + (s[at + 1] - '0'); }

bool parse_date(const std::string& s, int& d, int& m, int& y) {
  if (s.size() != 10 || s[2] != '-' || s[5] != '-') return false;
  for (std::size_t i : {0u, 1u, 3u, 4u, 6u, 7u, 8u, 9u})
    if (s[i] < '0' || s[i] > '9') return false;
  d = two(s, 0);
  m = two(s, 3);
  y = two(s, 6) * 100 + two(s, 8);
  return m >= 1 && m <= 12 && d >= 1 && d <= days_in(m, y);
}

}  // namespace

std::string nik_problem(std::string_view nik) {
  if (nik.size() != 16) return "a NIK has 16 digits, this one " + std::to_string(nik.size()) + " characters";
  for (char c : nik)
    if (c < '0' || c > '9') return "a NIK has only digits";
  const int province = two(nik, 0), regency = two(nik, 2), district = two(nik, 4);
  if (std::find(kProvinces.begin(), kProvinces.end(), province) == kProvinces.end())
    return "province code " + std::string(nik.substr(0, 2)) + " does not exist";
  if (regency == 0) return "regency/city code 00";
  if (district == 0) return "district code 00";
  int day = two(nik, 6);
  const int month = two(nik, 8), yy = two(nik, 10);
  if (day > 40) day -= 40;  // women: 40 added to the day of birth
  if (month < 1 || month > 12) return "birth month " + std::string(nik.substr(8, 2)) + " outside 01-12";
  // The century is not in the NIK: a date valid in either passes.
  if (day < 1 || (day > days_in(month, 1900 + yy) && day > days_in(month, 2000 + yy)))
    return "birth day " + std::string(nik.substr(6, 2)) + " does not exist in that month";
  if (nik.substr(12) == "0000") return "serial 0000";
  return "";
}

std::string date_problem(std::string_view date) {
  int d, m, y;
  if (!parse_date(std::string(date), d, m, y)) return "'" + std::string(date.substr(0, 40)) + "' is not a date (DD-MM-YYYY, a day that exists)";
  if (y < 1900 || y > 2199) return "year " + std::to_string(y) + " is outside 1900-2199";
  return "";
}

std::string iso_day_problem(std::string_view day) {
  // YYYY-MM-DD: the same checks on the same digits, rearranged.
  if (day.size() != 10 || day[4] != '-' || day[7] != '-')
    return "'" + std::string(day.substr(0, 40)) + "' is not a day (YYYY-MM-DD)";
  const std::string ddmmyyyy = std::string(day.substr(8, 2)) + "-" + std::string(day.substr(5, 2)) + "-" + std::string(day.substr(0, 4));
  if (!date_problem(ddmmyyyy).empty()) return "'" + std::string(day) + "' is not a day that exists (YYYY-MM-DD)";
  return "";
}

std::string text_problem(std::string_view text, std::size_t min_bytes, std::size_t max_bytes) {
  if (text.size() < min_bytes) return text.empty() ? "is empty" : "is shorter than " + std::to_string(min_bytes) + " bytes";
  if (text.size() > max_bytes)
    return "is " + std::to_string(text.size()) + " bytes, over the limit of " + std::to_string(max_bytes);
  if (!is_valid_utf8(text)) return "is not valid UTF-8";
  for (const unsigned char c : text)
    if (c < 0x20 || c == 0x7F) return "holds a control character";
  return "";
}

int age_on(const std::string& birth_date, const std::string& on) {
  int bd, bm, by, d, m, y;
  if (!parse_date(birth_date, bd, bm, by) || !parse_date(on, d, m, y)) return -1;
  int age = y - by;
  if (m < bm || (m == bm && d < bd)) --age;
  return age;
}

}  // namespace tunggal::workflow
