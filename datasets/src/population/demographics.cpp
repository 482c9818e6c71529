// Demographic records consistent with the Indonesian civil registry (KTP-el
// fields) and NIKs built by its rules. Province and regency/city codes are the
// official ones for the cities listed; district (kecamatan) codes are
// numbered in list order, which follows the format but not the official
// table. Names and places come from short embedded lists.
#include <array>
#include <cmath>
#include <cstdio>
#include <string>

#include "../synthetic/rng.h"
#include "tunggal/datasets/population.h"

namespace tunggal::datasets {
namespace {

using synth::Rng;

struct City {
  int province_code;
  const char* province;
  int regency_code;
  const char* regency;
  std::array<const char*, 6> districts;
  double weight;  // relative population
};

constexpr City kCities[] = {
    {31,
     "DKI JAKARTA",
     71,
     "KOTA JAKARTA SELATAN",
     {"KEBAYORAN BARU", "TEBET", "SETIABUDI", "PANCORAN", "CILANDAK", "JAGAKARSA"},
     2.2},
    {31,
     "DKI JAKARTA",
     72,
     "KOTA JAKARTA TIMUR",
     {"MATRAMAN", "JATINEGARA", "DUREN SAWIT", "CAKUNG", "PULO GADUNG", "KRAMAT JATI"},
     3.0},
    {31,
     "DKI JAKARTA",
     74,
     "KOTA JAKARTA BARAT",
     {"CENGKARENG", "GROGOL PETAMBURAN", "TAMAN SARI", "KEBON JERUK", "PALMERAH", "KALIDERES"},
     2.4},
    {32,
     "JAWA BARAT",
     73,
     "KOTA BANDUNG",
     {"SUKASARI", "COBLONG", "CICENDO", "ANDIR", "BATUNUNGGAL", "KIARACONDONG"},
     2.5},
    {32,
     "JAWA BARAT",
     75,
     "KOTA BEKASI",
     {"BEKASI TIMUR", "BEKASI BARAT", "BEKASI UTARA", "BEKASI SELATAN", "RAWALUMBU",
      "BANTAR GEBANG"},
     2.5},
    {33,
     "JAWA TENGAH",
     74,
     "KOTA SEMARANG",
     {"SEMARANG TENGAH", "SEMARANG UTARA", "CANDISARI", "GAJAHMUNGKUR", "TEMBALANG", "BANYUMANIK"},
     1.7},
    {34,
     "DI YOGYAKARTA",
     71,
     "KOTA YOGYAKARTA",
     {"MANTRIJERON", "KRATON", "MERGANGSAN", "UMBULHARJO", "GONDOKUSUMAN", "JETIS"},
     0.4},
    {35,
     "JAWA TIMUR",
     78,
     "KOTA SURABAYA",
     {"GENTENG", "TEGALSARI", "GUBENG", "WONOKROMO", "RUNGKUT", "SUKOLILO"},
     2.9},
    {35,
     "JAWA TIMUR",
     73,
     "KOTA MALANG",
     {"KEDUNGKANDANG", "SUKUN", "KLOJEN", "BLIMBING", "LOWOKWARU", "JUNREJO"},
     0.9},
    {51,
     "BALI",
     71,
     "KOTA DENPASAR",
     {"DENPASAR SELATAN", "DENPASAR TIMUR", "DENPASAR BARAT", "DENPASAR UTARA", "SANUR", "RENON"},
     0.7},
    {12,
     "SUMATERA UTARA",
     75,
     "KOTA MEDAN",
     {"MEDAN KOTA", "MEDAN BARU", "MEDAN PETISAH", "MEDAN TEMBUNG", "MEDAN JOHOR", "MEDAN AREA"},
     2.4},
    {73,
     "SULAWESI SELATAN",
     71,
     "KOTA MAKASSAR",
     {"MARISO", "MAMAJANG", "TAMALATE", "RAPPOCINI", "MAKASSAR", "UJUNG PANDANG"},
     1.4},
    {16,
     "SUMATERA SELATAN",
     71,
     "KOTA PALEMBANG",
     {"ILIR BARAT I", "ILIR TIMUR I", "SEBERANG ULU I", "KEMUNING", "KALIDONI", "SAKO"},
     1.7},
};

constexpr const char* kMaleNames[] = {
    "BUDI",   "AGUS",   "AHMAD",  "MUHAMMAD", "ANDI",        "DEDI",   "EKO",   "HENDRA",
    "JOKO",   "RUDI",   "SLAMET", "BAMBANG",  "WAHYU",       "YUSUF",  "RIZKI", "FAJAR",
    "ARIF",   "DIMAS",  "TEGUH",  "HADI",     "IWAN",        "YOGA",   "BAYU",  "ADITYA",
    "RAHMAT", "TAUFIK", "IRFAN",  "HARI",     "SURYA",       "MADE",   "KETUT", "NYOMAN",
    "ILHAM",  "REZA",   "FIRMAN", "GILANG",   "AHMAD FAUZI", "SUGENG", "HERU",  "DANI"};
constexpr const char* kFemaleNames[] = {
    "SITI",  "SRI",   "DEWI",  "RATNA",   "RINA",  "WATI",   "YUNI",   "LESTARI",
    "AYU",   "FITRI", "INDAH", "NUR",     "PUTRI", "ANI",    "RINI",   "MAYA",
    "NOVI",  "DIAN",  "EKA",   "KARTIKA", "NURUL", "AISYAH", "WULAN",  "SARI",
    "INTAN", "MEGA",  "RATIH", "ENDANG",  "TUTI",  "YULI",   "NI LUH", "NI MADE",
    "LINDA", "SUSI",  "ANISA", "NABILA",  "TRI",   "ROSA",   "DESI",   "MARLINA"};
constexpr const char* kFamilyNames[] = {
    "SANTOSO",   "WIJAYA",      "SAPUTRA",   "PRATAMA", "HIDAYAT",   "KURNIAWAN", "SETIAWAN",
    "NUGROHO",   "SUSANTO",     "GUNAWAN",   "HAKIM",   "HASIBUAN",  "SIREGAR",   "NASUTION",
    "LUBIS",     "SIMANJUNTAK", "HARAHAP",   "PURNOMO", "WIBOWO",    "PERMANA",   "FIRMANSYAH",
    "RAMADHAN",  "MAULANA",     "KUSUMA",    "HARTONO", "SUTRISNO",  "SURYADI",   "HANDAYANI",
    "WULANDARI", "RAHAYU",      "SUSANTI",   "PUSPITA", "ANGGRAINI", "UTAMI",     "PANGARIBUAN",
    "TAMBUNAN",  "DAENG",       "SEMBIRING", "GINTING", "MANURUNG"};
constexpr const char* kVillageParts[] = {
    "SUKA",  "MARGA",   "KARANG", "TEGAL",   "KEBON",  "CIPA",    "SIDO",  "WONO", "BANJAR",
    "PASIR", "TANJUNG", "RAWA",   "KAMPUNG", "GUNUNG", "CEMPAKA", "MEKAR", "SARI", "JAYA"};
constexpr const char* kVillageEnds[] = {"MAJU",  "JADI",   "HAYU",  "ANYAR", "SARI",   "REJO",
                                        "MULYO", "JAYA",   "INDAH", "BARU",  "ASRI",   "WANGI",
                                        "MEKAR", "TENGAH", "LOR",   "KIDUL", "PERMAI", "MAKMUR"};
constexpr const char* kStreets[] = {
    "JL. MERDEKA",    "JL. JEND. SUDIRMAN", "JL. DIPONEGORO",       "JL. GATOT SUBROTO",
    "JL. AHMAD YANI", "JL. KARTINI",        "JL. PAHLAWAN",         "JL. MELATI",
    "JL. MAWAR",      "JL. KENANGA",        "JL. CEMPAKA PUTIH",    "JL. IMAM BONJOL",
    "JL. PEMUDA",     "JL. VETERAN",        "JL. RAYA BOGOR",       "GG. MUSHOLA",
    "GG. DAMAI",      "JL. CENDRAWASIH",    "JL. SISINGAMANGARAJA", "JL. HASANUDDIN"};
constexpr const char* kBirthPlaces[] = {
    "JAKARTA",   "BANDUNG",   "SURABAYA",    "SEMARANG", "YOGYAKARTA", "MEDAN",
    "MAKASSAR",  "PALEMBANG", "MALANG",      "DENPASAR", "BOGOR",      "SOLO",
    "CIREBON",   "GARUT",     "TASIKMALAYA", "KEDIRI",   "MADIUN",     "PADANG",
    "PEKANBARU", "MANADO",    "KUPANG",      "AMBON",    "PONTIANAK",  "BANJARMASIN"};
constexpr const char* kOccupations[] = {"KARYAWAN SWASTA",
                                        "WIRASWASTA",
                                        "PETANI/PEKEBUN",
                                        "MENGURUS RUMAH TANGGA",
                                        "PEGAWAI NEGERI SIPIL (PNS)",
                                        "BURUH HARIAN LEPAS",
                                        "PEDAGANG",
                                        "GURU",
                                        "NELAYAN/PERIKANAN",
                                        "TIDAK/BELUM BEKERJA",
                                        "SOPIR",
                                        "PERAWAT",
                                        "TNI",
                                        "KEPOLISIAN RI",
                                        "PENSIUNAN"};

template <typename T, std::size_t N>
const T& pick(Rng& rng, const T (&items)[N]) {
  return items[rng.below(N)];
}

// Census 2010 shares of religion.
std::string draw_religion(Rng& rng) {
  const double u = rng.uniform();
  if (u < 0.872) return "ISLAM";
  if (u < 0.942) return "KRISTEN";
  if (u < 0.971) return "KATHOLIK";
  if (u < 0.988) return "HINDU";
  if (u < 0.995) return "BUDHA";
  if (u < 0.996) return "KHONGHUCU";
  return "KEPERCAYAAN TERHADAP TUHAN YME";
}

bool leap(int y) {
  return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}
int days_in_month(int m, int y) {
  static constexpr int d[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && leap(y) ? 29 : d[m - 1];
}

constexpr int kReferenceYear = 2026;  // ages are as of this year (not the clock: determinism)

}  // namespace

std::string Demographics::birth_date() const {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%02d-%02d-%04d", birth_day, birth_month, birth_year);
  return buf;
}

std::vector<std::pair<std::string, std::string>> Demographics::attributes() const {
  char rtrw[16];
  std::snprintf(rtrw, sizeof rtrw, "%03d/%03d", rt, rw);
  return {{"nik", nik},
          {"name", name},
          {"sex", sex()},
          {"birth_place", birth_place},
          {"birth_date", birth_date()},
          {"address", address},
          {"rt_rw", rtrw},
          {"village", village},
          {"district", district},
          {"regency", regency},
          {"province", province},
          {"religion", religion},
          {"marital_status", marital_status},
          {"occupation", occupation},
          {"blood_type", blood_type},
          {"citizenship", "WNI"}};
}

std::string NikKey::prefix() const {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%02d%02d%02d%02d%02d%02d", province_code, regency_code,
                district_code, day + (female ? 40 : 0), month, year % 100);
  return buf;
}

bool parse_nik(const std::string& nik, NikParts& p, std::string* reason) {
  auto fail = [&](const char* why) {
    if (reason) *reason = why;
    return false;
  };
  if (nik.size() != 16) return fail("a NIK has 16 digits");
  for (char c : nik) {
    if (c < '0' || c > '9') return fail("a NIK has only digits");
  }
  auto num = [&](std::size_t at, std::size_t n) { return std::stoi(nik.substr(at, n)); };
  p.province = num(0, 2);
  p.regency = num(2, 2);
  p.district = num(4, 2);
  int day = num(6, 2);
  p.month = num(8, 2);
  p.year2 = num(10, 2);
  p.serial = num(12, 4);
  if (p.province < 11 || p.province > 96) return fail("province code outside 11-96");
  if (p.regency < 1) return fail("regency/city code 00");
  if (p.district < 1) return fail("district code 00");
  p.female = day > 40;
  if (p.female) day -= 40;
  p.day = day;
  if (p.month < 1 || p.month > 12) return fail("month outside 01-12");
  // The century is not in the NIK; a date valid in either century passes.
  if (day < 1 || (day > days_in_month(p.month, 1900 + p.year2) &&
                  day > days_in_month(p.month, 2000 + p.year2))) {
    return fail("day does not exist in that month (women add 40)");
  }
  if (p.serial < 1) return fail("serial 0000");
  return true;
}

NikKey draw_nik_key(std::uint64_t seed, bool female) {
  Rng rng(seed);
  double total = 0;
  for (const auto& c : kCities) total += c.weight;
  double u = rng.uniform() * total;
  std::size_t city = 0;
  while (city + 1 < std::size(kCities) && (u -= kCities[city].weight) >= 0) ++city;
  NikKey k;
  k.province_code = kCities[city].province_code;
  k.regency_code = kCities[city].regency_code;
  k.district_code = 1 + static_cast<int>(rng.below(kCities[city].districts.size()));
  // Age 17-80, younger adults more common (a rough population pyramid).
  const int age = 17 + static_cast<int>(63 * std::pow(rng.uniform(), 1.4));
  k.year = kReferenceYear - age;
  k.month = 1 + static_cast<int>(rng.below(12));
  k.day = 1 + static_cast<int>(rng.below(days_in_month(k.month, k.year)));
  k.female = female;
  return k;
}

Demographics make_demographics(std::uint64_t seed, const NikKey& key, int serial) {
  Rng rng(synth::splitmix64(seed ^ 0xDE30ull));
  const City* city = nullptr;
  for (const auto& c : kCities) {
    if (c.province_code == key.province_code && c.regency_code == key.regency_code) city = &c;
  }
  Demographics d;
  char serial_digits[8];
  std::snprintf(serial_digits, sizeof serial_digits, "%04d", serial);
  d.nik = key.prefix() + serial_digits;
  d.female = key.female;
  d.birth_day = key.day;
  d.birth_month = key.month;
  d.birth_year = key.year;
  const std::string given = key.female ? pick(rng, kFemaleNames) : pick(rng, kMaleNames);
  d.name = rng.chance(0.3) ? given : given + " " + pick(rng, kFamilyNames);
  d.birth_place =
      rng.chance(0.6) && city ? std::string(city->regency).substr(5) : pick(rng, kBirthPlaces);
  d.address = std::string(pick(rng, kStreets)) + " NO. " + std::to_string(1 + rng.below(150));
  d.rt = 1 + static_cast<int>(rng.below(15));
  d.rw = 1 + static_cast<int>(rng.below(12));
  d.village = std::string(pick(rng, kVillageParts)) + pick(rng, kVillageEnds);
  d.district = city ? city->districts[key.district_code - 1] : "";
  d.regency = city ? city->regency : "";
  d.province = city ? city->province : "";
  d.religion = draw_religion(rng);
  const int age = kReferenceYear - key.year;
  const double u = rng.uniform();
  if (age < 20) {
    d.marital_status = u < 0.9 ? "BELUM KAWIN" : "KAWIN";
  } else if (age < 30) {
    d.marital_status = u < 0.45 ? "BELUM KAWIN" : u < 0.95 ? "KAWIN" : "CERAI HIDUP";
  } else {
    const double widowed = std::min(0.35, (age - 30) * 0.007);
    d.marital_status = u < 0.06             ? "BELUM KAWIN"
                       : u < 0.92 - widowed ? "KAWIN"
                       : u < 0.97 - widowed ? "CERAI HIDUP"
                                            : "CERAI MATI";
  }
  d.occupation = age < 23 && rng.chance(0.7)     ? "PELAJAR/MAHASISWA"
                 : age > 58 && rng.chance(0.5)   ? "PENSIUNAN"
                 : key.female && rng.chance(0.3) ? "MENGURUS RUMAH TANGGA"
                                                 : pick(rng, kOccupations);
  const double b = rng.uniform();  // many cards show "-": the holder did not know
  d.blood_type = b < 0.30 ? "-" : b < 0.56 ? "O" : b < 0.74 ? "A" : b < 0.94 ? "B" : "AB";
  return d;
}

}  // namespace tunggal::datasets
