// Helpers for the gallery tests: small generated populations with their
// truth, and fresh scratch folders.
#pragma once

#include <unistd.h>

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "tunggal/datasets/population.h"
#include "tunggal/person_record.h"

namespace tunggal::test {

// A small generated population: `people` gallery records, `probes`
// applicants of whom half are planted duplicates; truth from the plan.
struct Population {
  std::vector<PersonRecord> gallery, probes;
  std::map<std::string, std::string> mate;  // probe id -> gallery id (mated probes only)
};

inline Population make_population(std::size_t people, std::size_t probes, std::uint64_t seed, int fingers = 10) {
  datasets::PopulationParams p;
  p.seed = seed;
  p.people = people;
  p.probes = probes;
  p.duplicate_fraction = 0.5;
  const auto plan = datasets::plan_population(p);
  Population pop;
  std::map<std::uint64_t, std::string> gallery_of;
  for (const auto& r : plan.records) {
    auto rec = datasets::generate_record(p, r).record;
    if (static_cast<int>(rec.fingers.size()) > fingers) rec.fingers.resize(static_cast<std::size_t>(fingers));
    if (r.probe) {
      pop.probes.push_back(std::move(rec));
    } else {
      gallery_of[r.person] = rec.id;
      pop.gallery.push_back(std::move(rec));
    }
  }
  for (const auto& r : plan.records)
    if (r.probe && gallery_of.count(r.person)) pop.mate[r.record_id] = gallery_of[r.person];
  return pop;
}

inline std::filesystem::path fresh_dir(const std::string& name) {
  const auto d = std::filesystem::temp_directory_path() / ("tunggal_" + name + "_" + std::to_string(::getpid()));
  std::filesystem::remove_all(d);
  return d;
}

}  // namespace tunggal::test
