// `tunggal enroll`, `tunggal identify`, `tunggal dedup`: the 1:N engine over
// a gallery folder (durable: a write-ahead log). RECORD arguments are person
// records from `tunggal gen` (files, or folders of .tgr files);
// `--population DIR` takes a generated population's gallery records (enroll)
// or its applicants (identify, dedup) by its truth.csv, and then also scores
// the decisions against that truth.
#include <tbb/global_control.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <map>
#include <sstream>

#include "commands.h"
#include "json_out.h"
#include "progress.h"
#include "tunggal/error.h"
#include "tunggal/sdk.h"
#include "tunggal/text.h"

namespace tunggal::cli {
namespace {

struct Truth {
  std::map<std::string, std::string> person, role;  // record id -> person id / role
  std::map<std::string, std::string> gallery_record_of;  // person id -> gallery record id
};

Truth read_truth(const std::filesystem::path& dir) {
  const auto path = dir / "truth.csv";
  std::ifstream in(path);
  if (!in) throw Error(ErrorCode::not_found, path.string() + ": no truth file");
  Truth t;
  std::string line;
  std::getline(in, line);
  if (split_csv_line(line, path.string() + ", line 1") != std::vector<std::string>{"record_id", "person_id", "role"})
    throw Error(ErrorCode::malformed_data, path.string() + ": expected the header record_id,person_id,role");
  for (std::size_t n = 2; std::getline(in, line); ++n) {
    const std::string where = path.string() + ", line " + std::to_string(n);
    const auto f = split_csv_line(line, where);
    if (f.size() != 3 || f[0].empty() || f[1].empty() || (f[2] != "gallery" && f[2] != "probe"))
      throw Error(ErrorCode::malformed_data, where + ": expected record_id,person_id,gallery|probe");
    t.person[f[0]] = f[1];
    t.role[f[0]] = f[2];
    if (f[2] == "gallery") t.gallery_record_of[f[1]] = f[0];
  }
  return t;
}

std::vector<std::filesystem::path> record_paths(const std::vector<std::string>& args, const std::string& population,
                                                const std::string& role, const Truth* truth) {
  std::vector<std::filesystem::path> paths;
  for (const auto& a : args) {
    if (std::filesystem::is_directory(a)) {
      std::vector<std::filesystem::path> in;
      for (const auto& e : std::filesystem::directory_iterator(a))
        if (e.path().extension() == ".tgr") in.push_back(e.path());
      std::sort(in.begin(), in.end());
      paths.insert(paths.end(), in.begin(), in.end());
    } else {
      paths.emplace_back(a);
    }
  }
  if (!population.empty()) {
    for (const auto& [rec, r] : truth->role)
      if (r == role) paths.push_back(std::filesystem::path(population) / "records" / (rec + ".tgr"));
  }
  return paths;
}

std::string json_decision(const std::string& probe, const DedupDecision& d) {
  Json candidates = Json::array();
  for (const Candidate& c : d.candidates) {
    Json o;
    o["ref"] = c.ref;
    o["score"] = two_decimals(c.score);
    o["fingers"] = c.fingers ? Json(two_decimals(*c.fingers)) : Json(nullptr);
    o["face"] = c.face ? Json(two_decimals(*c.face)) : Json(nullptr);
    candidates.push_back(std::move(o));
  }
  Json j;
  j["probe"] = probe;
  j["decision"] = std::string(to_string(d.decision));
  j["candidates"] = std::move(candidates);
  return json_line(j);
}

struct GalleryArgs {
  std::string gallery, population, key_file;
  std::vector<std::string> records;
  double target_fpir = 1e-3;
  std::size_t max_results = 10;
  bool exhaustive = false;
  std::string modalities = "all";
};

// The gallery through an SDK session (no face models: records carry their
// face embeddings already).
std::unique_ptr<sdk::Session> open_gallery(const std::string& dir, GalleryAccess access, const std::string& key_file) {
  sdk::SessionConfig cfg;
  cfg.gallery = dir;
  cfg.gallery_key_file = key_file;
  cfg.access = access;
  cfg.face = false;
  auto g = std::make_unique<sdk::Session>(cfg);
  const GalleryOpenReport& report = g->gallery_report();
  std::cerr << "gallery " << dir << ": " << report.records << " people (" << report.snapshot_records
            << " from the snapshot, " << report.log_entries << " log entries replayed) loaded in " << std::fixed
            << std::setprecision(2) << report.seconds << " s"
            << (access == GalleryAccess::read_only ? ", read-only" : "") << "\n";
  if (!key_file.empty() && report.clear_entries > 0)
    std::cerr << "gallery " << dir << ": note: " << report.clear_entries
              << " log entries were written before the gallery had a key and stay in the clear\n";
  if (!report.snapshot_problem.empty())
    std::cerr << "gallery " << dir << ": warning: " << report.snapshot_problem
              << "; the log was replayed in full (nothing lost; run `tunggal snapshot` to write a new one)\n";
  if (report.torn_tail_bytes > 0) {
    std::cerr << "gallery " << dir << ": warning: " << report.log_problem << "; not loaded";
    if (!report.torn_tail_set_aside.empty())
      std::cerr << "; its bytes were moved to " << report.torn_tail_set_aside.string();
    else
      std::cerr << "; left in place (read-only)";
    std::cerr << "\n";
  }
  for (const auto& q : report.quarantined)
    std::cerr << "gallery " << dir << ": warning: quarantined log bytes kept in " << q.path.string() << " ("
              << q.bytes << " bytes); inspect them, then delete the file to clear this warning\n";
  return g;
}

IdentifyOptions options_from(const GalleryArgs& a) {
  IdentifyOptions o;
  o.target_fpir = a.target_fpir;
  o.max_results = a.max_results;
  o.exhaustive = a.exhaustive;
  o.use_face = a.modalities != "fingers";
  o.use_fingers = a.modalities != "face";
  return o;
}

void add_common(CLI::App* cmd, GalleryArgs& a, bool search, bool creates) {
  cmd->add_option("--gallery", a.gallery, creates ? "Gallery folder (created if absent)" : "Gallery folder (read-only)")
      ->required();
  cmd->add_option("--key-file", a.key_file,
                  "Templates encrypted at rest under this key (32 bytes, owner-only; created if absent)");
  cmd->add_option("records", a.records, "Person records (.tgr files or folders of them)");
  cmd->add_option("--population", a.population,
                  "A folder from 'tunggal gen': its gallery records (enroll) or applicants (identify, dedup)");
  if (search) {
    cmd->add_option("--target-fpir", a.target_fpir, "Rate (e.g. 0.001) or MOSIP targetFPIR (30 = 1 in 1,000)")
        ->capture_default_str();
    cmd->add_option("--max-results", a.max_results, "Candidates listed at most")->capture_default_str();
    cmd->add_flag("--exhaustive", a.exhaustive, "Match every gallery person fully (no index shortlists)");
    cmd->add_option("--modalities", a.modalities, "all, fingers or face")
        ->check(CLI::IsMember({"all", "fingers", "face"}))
        ->capture_default_str();
  }
}

// FNIR / FPIR against a population's truth: a probe is mated when its
// person has a gallery record; a mated probe is found when that record is
// among the candidates.
void score_against_truth(const Truth& t, const std::vector<std::string>& probes,
                         const std::vector<DedupDecision>& decisions, double seconds) {
  std::size_t mated = 0, missed = 0, nonmated = 0, false_pos = 0, matched = 0, searched = 0, comparisons = 0;
  for (std::size_t i = 0; i < probes.size(); ++i) {
    const auto person = t.person.find(probes[i]);
    if (person == t.person.end()) continue;
    const auto mate = t.gallery_record_of.find(person->second);
    const auto& d = decisions[i];
    matched += d.matched;
    searched += d.searched;
    comparisons += d.finger_comparisons;
    if (mate != t.gallery_record_of.end()) {
      ++mated;
      const bool found = std::any_of(d.candidates.begin(), d.candidates.end(),
                                     [&](const Candidate& c) { return c.ref == mate->second; });
      missed += !found;
    } else {
      ++nonmated;
      false_pos += d.decision == Decision::duplicate;
    }
  }
  std::cerr << std::fixed << std::setprecision(4) << "truth: " << mated << " mated probes, FNIR "
            << (mated ? static_cast<double>(missed) / static_cast<double>(mated) : 0.0) << " (" << missed << " missed); "
            << nonmated << " non-mated, FPIR "
            << (nonmated ? static_cast<double>(false_pos) / static_cast<double>(nonmated) : 0.0) << " (" << false_pos
            << " false duplicates); penetration " << std::setprecision(3)
            << (searched ? static_cast<double>(matched) / static_cast<double>(searched) : 0.0) << "; "
            << std::setprecision(1) << static_cast<double>(probes.size()) / seconds << " identifications/s, "
            << std::setprecision(0) << static_cast<double>(comparisons) / seconds << " finger comparisons/s\n";
}

std::vector<PersonRecord> load_records(const std::vector<std::filesystem::path>& paths, int& failures) {
  std::vector<PersonRecord> out;
  for (const auto& p : paths) {
    try {
      out.push_back(decode_person_record(read_file(p)));
    } catch (const Error& e) {
      std::cerr << p.string() << ": " << e.what() << "\n";
      ++failures;
    }
  }
  return out;
}

}  // namespace

Runner add_enroll(CLI::App& app) {
  auto a = std::make_shared<GalleryArgs>();
  auto* cmd = app.add_subcommand("enroll", "Add person records to a gallery (durable before it returns)");
  add_common(cmd, *a, false, true);
  return [a] {
    Truth truth;
    if (!a->population.empty()) truth = read_truth(a->population);
    const auto paths = record_paths(a->records, a->population, "gallery", &truth);
    auto g = open_gallery(a->gallery, GalleryAccess::read_write, a->key_file);
    int failures = 0;
    const auto t0 = std::chrono::steady_clock::now();
    Progress progress("records enrolled");
    // Batches of 512: parallel enrolment, one fsync each (group commit). A
    // batch that fails as a whole is retried one record at a time, so one
    // bad record does not keep the others out.
    constexpr std::size_t kBatch = 512;
    for (std::size_t from = 0; from < paths.size(); from += kBatch) {
      const std::vector<std::filesystem::path> chunk(paths.begin() + static_cast<std::ptrdiff_t>(from),
                                                     paths.begin() + static_cast<std::ptrdiff_t>(std::min(paths.size(), from + kBatch)));
      int bad = 0;
      const auto records = load_records(chunk, bad);
      failures += bad;
      try {
        g->enrol(std::span<const PersonRecord>(records));
      } catch (const Error&) {
        for (const auto& r : records) {
          try {
            g->enrol(r);
          } catch (const Error& e) {
            std::cerr << r.id << ": " << e.what() << "\n";
            ++failures;
          }
        }
      }
      progress.update(std::min(paths.size(), from + kBatch), paths.size());
    }
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::cout << "enrolled " << paths.size() - static_cast<std::size_t>(failures) << " of " << paths.size()
              << " records in " << std::fixed << std::setprecision(1) << s << " s; gallery now holds "
              << g->count() << " people\n";
    return failures > 0 ? 1 : 0;
  };
}

// What identify and dedup share: the truth (when a population is given),
// the applicants' records, and the gallery.
struct ProbeRun {
  Truth truth;
  int failures = 0;
  std::vector<PersonRecord> probes;
  std::unique_ptr<sdk::Session> gallery;
};

ProbeRun open_probe_run(const GalleryArgs& a, GalleryAccess access) {
  ProbeRun r;
  if (!a.population.empty()) r.truth = read_truth(a.population);
  r.probes = load_records(record_paths(a.records, a.population, "probe", &r.truth), r.failures);
  r.gallery = open_gallery(a.gallery, access, a.key_file);
  return r;
}

Runner add_identify(CLI::App& app) {
  auto a = std::make_shared<GalleryArgs>();
  auto* cmd = app.add_subcommand("identify", "Search a gallery for each record (one JSON line per probe)");
  add_common(cmd, *a, true, false);
  return [a] {
    auto [truth, failures, probes, g] = open_probe_run(*a, GalleryAccess::read_only);
    const auto t0 = std::chrono::steady_clock::now();
    const auto decisions = g->identify(probes, options_from(*a));
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::vector<std::string> ids;
    for (std::size_t i = 0; i < probes.size(); ++i) {
      ids.push_back(probes[i].id);
      std::cout << json_decision(probes[i].id, decisions[i]) << "\n";
    }
    if (!a->population.empty()) score_against_truth(truth, ids, decisions, s);
    return failures > 0 ? 1 : 0;
  };
}

Runner add_snapshot(CLI::App& app) {
  auto dir = std::make_shared<std::string>();
  auto key = std::make_shared<std::string>();
  auto* cmd = app.add_subcommand(
      "snapshot", "Write a gallery's enrolled form to disk so that the next start-up need not enrol the log again");
  cmd->add_option("--gallery", *dir, "Gallery folder")->required();
  cmd->add_option("--key-file", *key, "The gallery's key, if it has one (the snapshot is sealed under it)");
  return [dir, key] {
    auto g = open_gallery(*dir, GalleryAccess::read_write, *key);
    const auto r = g->snapshot();
    std::cout << "snapshot of " << r.records << " people, " << std::fixed << std::setprecision(1)
              << static_cast<double>(r.bytes) / (1 << 20) << " MiB, written in " << std::setprecision(2) << r.seconds
              << " s\n";
    return 0;
  };
}

Runner add_dedup(CLI::App& app) {
  auto a = std::make_shared<GalleryArgs>();
  auto* cmd = app.add_subcommand("dedup", "Deduplicate each record in turn: search, enrol only if unique");
  add_common(cmd, *a, true, true);
  return [a] {
    auto [truth, failures, probes, g] = open_probe_run(*a, GalleryAccess::read_write);
    std::size_t enrolled = 0;
    std::size_t refused = 0;
    for (const auto& p : probes) {
      try {
        const auto d = g->deduplicate(p, options_from(*a));
        enrolled += d.decision == Decision::unique;
        std::cout << json_decision(p.id, d) << "\n";
      } catch (const Error& e) {
        if (e.code() != ErrorCode::invalid_argument) throw;
        ++refused;  // this record only: the others go on
        std::cerr << "dedup: " << e.what() << "\n";
      }
    }
    std::cerr << "dedup: " << enrolled << " of " << probes.size() << " enrolled as unique";
    if (refused) std::cerr << ", " << refused << " refused";
    std::cerr << "; gallery now holds " << g->count() << " people\n";
    return failures > 0 || refused > 0 ? 1 : 0;
  };
}

Runner add_check(CLI::App& app) {
  auto dir = std::make_shared<std::string>();
  auto* cmd = app.add_subcommand("check",
                                 "Read a gallery's log and snapshot whole without loading or changing anything: damage, "
                                 "torn tails, what opening will do and, where it would refuse, the repair that keeps "
                                 "the most people (exit 0 clean, 1 otherwise)");
  cmd->add_option("--gallery", *dir, "Gallery folder")->required();
  return [dir] {
    const auto c = check_gallery_log(*dir);
    const char* state = c.state == GalleryLogCheck::State::clean       ? "clean"
                        : c.state == GalleryLogCheck::State::torn_tail ? "torn tail"
                                                                       : "damaged";
    std::cout << "log: " << c.bytes << " bytes, " << c.entries << " committed entries up to byte " << c.committed_end
              << ": " << state << "\n";
    if (!c.problem.empty()) std::cout << "problem: " << c.problem << "\n";
    using S = GalleryLogCheck::Snapshot;
    switch (c.snapshot) {
      case S::none: std::cout << "snapshot: none\n"; break;
      case S::intact:
        std::cout << "snapshot: intact, " << c.snapshot_people << " people, covers the log up to byte "
                  << c.snapshot_covers << "\n";
        break;
      case S::damaged: std::cout << "snapshot: damaged: " << c.snapshot_problem << "\n"; break;
      case S::of_another_log: std::cout << "snapshot: not this log's: " << c.snapshot_problem << "\n"; break;
      case S::other_parameters: std::cout << "snapshot: " << c.snapshot_problem << "\n"; break;
    }
    for (const auto& a : c.advice) std::cout << "- " << a << "\n";
    for (const auto& q : c.quarantined) std::cout << "quarantined: " << q.path.string() << " (" << q.bytes << " bytes)\n";
    const bool clean = c.state == GalleryLogCheck::State::clean && (c.snapshot == S::none || c.snapshot == S::intact) &&
                       c.quarantined.empty();
    return clean ? 0 : 1;
  };
}

Runner add_repair(CLI::App& app) {
  auto dir = std::make_shared<std::string>();
  auto from = std::make_shared<std::uint64_t>(0);
  auto skip = std::make_shared<bool>(false);
  auto* cmd = app.add_subcommand("repair",
                                 "An operator's decision for a damaged log, as `tunggal check` advises: skip the "
                                 "damaged entries (keeping every intact one), or move the log's bytes from an offset on "
                                 "into a quarantine file beside it; nothing is deleted, and nothing below an intact "
                                 "snapshot's cover is touched");
  cmd->add_option("--gallery", *dir, "Gallery folder")->required();
  auto* cut = cmd->add_option("--set-aside-from", *from,
                              "Byte offset: the end of a committed group, as `tunggal check` advises");
  auto* salvage = cmd->add_flag("--skip-damaged", *skip,
                                "Rewrite the log without its damaged entries, every intact entry kept (the old log is "
                                "kept beside it)");
  cut->excludes(salvage);
  salvage->excludes(cut);
  return [dir, from, skip, cut] {
    if (*skip) {
      const auto r = salvage_gallery_log(*dir);
      for (const auto& f : r.written) std::cout << "kept: " << f.string() << "\n";
      std::cout << "skipped " << r.bytes_dropped << " damaged bytes in " << r.damaged_regions << " place(s)\n";
    } else if (cut->count() > 0) {
      for (const auto& f : set_aside_gallery_log(*dir, *from)) std::cout << "set aside: " << f.string() << "\n";
    } else {
      throw Error(ErrorCode::invalid_argument, "repair: give --skip-damaged or --set-aside-from (see `tunggal check`)");
    }
    const auto c = check_gallery_log(*dir);
    std::cout << "log: " << c.entries << " committed entries, " << c.bytes << " bytes\n";
    if (c.opens) std::cout << "the gallery now opens with " << c.people << " people\n";
    else std::cout << "opening still refuses: " << c.opening_problem << "\n";
    return c.opens ? 0 : 1;
  };
}

}  // namespace tunggal::cli
