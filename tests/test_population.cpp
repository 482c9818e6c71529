#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "tunggal/datasets/population.h"
#include "tunggal/image.h"

namespace tunggal::datasets {
namespace {

double cosine(const std::vector<float>& a, const std::vector<float>& b) {
  double s = 0;
  for (std::size_t i = 0; i < a.size(); ++i) s += static_cast<double>(a[i]) * b[i];
  return s;
}

TEST(Population, NiksFollowTheRulesAndAreUnique) {
  PopulationParams p;
  p.people = 3000;
  p.probes = 500;
  const PopulationPlan plan = plan_population(p);
  ASSERT_EQ(plan.records.size(), 3500u);
  std::set<std::string> niks;
  for (const auto& r : plan.records) {
    const Demographics d = make_demographics(12345 + r.index, r.nik_key, r.nik_serial);
    NikParts parts;
    std::string why;
    ASSERT_TRUE(parse_nik(d.nik, parts, &why)) << d.nik << ": " << why;
    EXPECT_EQ(parts.female, d.female);
    EXPECT_EQ(parts.day, d.birth_day);
    EXPECT_EQ(parts.month, d.birth_month);
    EXPECT_EQ(parts.year2, d.birth_year % 100);
    EXPECT_EQ(d.nik.substr(0, 2), std::to_string(parts.province));
    EXPECT_TRUE(niks.insert(d.nik).second) << "duplicate NIK " << d.nik;
    const int age = 2026 - d.birth_year;
    EXPECT_GE(age, 17);
    EXPECT_LE(age, 80);
    EXPECT_FALSE(d.name.empty());
  }
  NikParts parts;
  EXPECT_FALSE(parse_nik("3273017002970001", parts));  // day 30 + 40 in February
  EXPECT_FALSE(parse_nik("327301450997000", parts));   // 15 digits
  EXPECT_FALSE(parse_nik("3273014509970000", parts));  // serial 0000
  EXPECT_TRUE(parse_nik("3273014509970001", parts));
  EXPECT_TRUE(parts.female);
  EXPECT_EQ(parts.day, 5);
}

TEST(Population, PlantedDuplicatesAreEnrolledPeopleUnderNewIdentities) {
  PopulationParams p;
  p.people = 400;
  p.probes = 100;
  p.duplicate_fraction = 0.25;
  const PopulationPlan plan = plan_population(p);
  EXPECT_EQ(plan.duplicates, 25u);
  std::set<std::uint64_t> gallery;
  std::size_t dups = 0;
  for (const auto& r : plan.records) {
    if (!r.probe) {
      gallery.insert(r.person);
    } else if (gallery.count(r.person)) {
      ++dups;
      EXPECT_EQ(r.capture, 1);
    }
  }
  EXPECT_EQ(dups, 25u);
  // A duplicate's record: new identity, same fingers (fresh impressions), same face identity.
  for (const auto& r : plan.records) {
    if (!r.probe || !gallery.count(r.person)) continue;
    const RecordPlan& first = plan.records[r.person];
    const GeneratedRecord a = generate_record(p, first), b = generate_record(p, r);
    EXPECT_NE(*a.record.attribute("nik"), *b.record.attribute("nik"));
    EXPECT_EQ(a.patterns, b.patterns);
    EXPECT_NE(a.record.fingers, b.record.fingers);
    EXPECT_GT(cosine(a.record.face->embedding, b.record.face->embedding), 0.2);
    // Nothing in the record names the person.
    for (const auto& [k, v] : b.record.attributes)
      EXPECT_EQ(v.find(person_id(r.person)), std::string::npos);
    break;
  }
}

TEST(Population, SyntheticFaceScoresMatchTheirTargets) {
  const int n = 1500;
  std::vector<std::vector<float>> first, second;
  for (int i = 0; i < n; ++i) {
    const auto id = synthetic_face_identity(100 + i);
    first.push_back(synthetic_face_sample(id, 7000 + i).embedding);
    second.push_back(synthetic_face_sample(id, 9000 + i).embedding);
  }
  double gm = 0, gs = 0, im = 0, is = 0;
  int ni = 0;
  for (int i = 0; i < n; ++i) {
    const double c = cosine(first[i], second[i]);
    gm += c;
    gs += c * c;
    for (int j = i + 1; j < std::min(n, i + 10); ++j) {
      const double d = cosine(first[i], second[j]);
      im += d;
      is += d * d;
      ++ni;
    }
  }
  gm /= n;
  gs = std::sqrt(gs / n - gm * gm);
  im /= ni;
  is = std::sqrt(is / ni - im * im);
  // Targets (population.h): genuine N(0.65, 0.10), impostor N(0.00, 0.07).
  EXPECT_NEAR(gm, 0.65, 0.03);
  EXPECT_NEAR(gs, 0.10, 0.025);
  EXPECT_NEAR(im, 0.00, 0.01);
  EXPECT_NEAR(is, 0.07, 0.015);
  double norm = 0;
  for (float v : first[0]) norm += static_cast<double>(v) * v;
  EXPECT_NEAR(norm, 1.0, 1e-5);
}

std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(Population, WrittenPopulationIsDeterministicAndComplete) {
  const auto base = std::filesystem::temp_directory_path() / "tunggal_population_test";
  std::filesystem::remove_all(base);
  PopulationParams p;
  p.seed = 99;
  p.people = 30;
  p.probes = 10;
  p.duplicate_fraction = 0.3;
  const auto s1 = write_population(p, base / "a", 2);
  const auto s2 = write_population(p, base / "b", 1);
  EXPECT_EQ(s1.records, 40u);
  EXPECT_EQ(s1.duplicates, 3u);
  EXPECT_EQ(s2.fingers, s1.fingers);
  EXPECT_EQ(slurp(base / "a" / "truth.csv"), slurp(base / "b" / "truth.csv"));
  std::size_t files = 0;
  for (const auto& e : std::filesystem::directory_iterator(base / "a" / "records")) {
    const auto other = base / "b" / "records" / e.path().filename();
    EXPECT_EQ(slurp(e.path()), slurp(other)) << e.path().filename();
    const PersonRecord r = decode_person_record(read_file(e.path()));
    EXPECT_EQ(r.id + ".tgr", e.path().filename().string());
    EXPECT_EQ(r.face->model, kSyntheticFaceModel);
    ++files;
  }
  EXPECT_EQ(files, 40u);
  // truth.csv: header, one line per record, probes whose person is enrolled = duplicates.
  std::ifstream truth(base / "a" / "truth.csv");
  std::string line;
  std::getline(truth, line);
  EXPECT_EQ(line, "record_id,person_id,role");
  std::set<std::string> gallery_people;
  std::vector<std::string> probe_people;
  while (std::getline(truth, line)) {
    const auto c1 = line.find(','), c2 = line.rfind(',');
    const std::string person = line.substr(c1 + 1, c2 - c1 - 1), role = line.substr(c2 + 1);
    if (role == "gallery")
      gallery_people.insert(person);
    else
      probe_people.push_back(person);
  }
  std::size_t dups = 0;
  for (const auto& pp : probe_people) dups += gallery_people.count(pp);
  EXPECT_EQ(dups, 3u);
  EXPECT_TRUE(std::filesystem::exists(base / "a" / "manifest.json"));
  std::filesystem::remove_all(base);
}

}  // namespace
}  // namespace tunggal::datasets
