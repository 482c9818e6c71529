#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <thread>
#include <unordered_map>

#include "gallery_support.h"
#include "tunggal/error.h"
#include "tunggal/files.h"
#include "tunggal/gallery.h"
#include "../engine/src/candidates/finger_index.h"
#include "../engine/src/gallery/snapshot.h"
#include "../engine/src/gallery/wal.h"

namespace tunggal {
namespace {

using test::fresh_dir;
using test::make_population;

TEST(Fusion, FisherFusionAndThresholds) {
  EXPECT_NEAR(fuse_scores(std::vector<double>{30}), 30, 1e-9);  // one term: unchanged
  EXPECT_EQ(fuse_scores(std::vector<double>{0, 0, 0}), 0);
  EXPECT_EQ(fuse_scores({}), 0);
  // Two terms of 30 (p = 1e-3 each): P = e^-x (1 + x), x = -ln(1e-6).
  const double x = 6 * std::log(10.0);
  EXPECT_NEAR(fuse_scores(std::vector<double>{30, 30}), -10 * std::log10(std::exp(-x) * (1 + x)), 1e-9);
  // Ten typical impostor fingers (score ~4.3 each) do not add up to a match.
  EXPECT_LT(fuse_scores(std::vector<double>(10, 4.34)), 10);
  // A weak term dilutes a strong one, but not away.
  EXPECT_GT(fuse_scores(std::vector<double>{60, 0}), 45);
  EXPECT_LT(fuse_scores(std::vector<double>{60, 0}), 60);
  EXPECT_NEAR(duplicate_threshold(1e-3, 1000), 60, 1e-9);
  EXPECT_NEAR(duplicate_threshold(30, 1000), 60, 1e-9);  // MOSIP targetFPIR convention
  EXPECT_THROW(duplicate_threshold(0, 10), Error);
  EXPECT_THROW(duplicate_threshold(-1, 10), Error);
}

TEST(Gallery, FindsPlantedDuplicatesAndNothingElse) {
  const auto pop = make_population(40, 12, 21, 4);
  Gallery g;
  g.insert(std::span<const PersonRecord>(pop.gallery));
  EXPECT_EQ(g.count(), 40u);
  ASSERT_FALSE(pop.mate.empty());
  for (const bool exhaustive : {false, true}) {
    IdentifyOptions o;
    o.exhaustive = exhaustive;
    o.shortlist_min = 5;
    const auto decisions = g.identify(pop.probes, o);
    ASSERT_EQ(decisions.size(), pop.probes.size());
    for (std::size_t i = 0; i < pop.probes.size(); ++i) {
      const auto& d = decisions[i];
      EXPECT_EQ(d.searched, 40u);
      if (exhaustive) {
        EXPECT_EQ(d.matched, 40u);
      } else {  // the union of the face's top 5 and the fingers' top 5 x 10 / 4 (four fingers)
        EXPECT_GE(d.matched, 12u);
        EXPECT_LE(d.matched, 17u);
        EXPECT_GT(d.index_entries, 0u);
      }
      const auto mate = pop.mate.find(pop.probes[i].id);
      if (mate != pop.mate.end()) {
        ASSERT_EQ(d.decision, Decision::duplicate) << pop.probes[i].id;
        EXPECT_EQ(d.candidates.front().ref, mate->second);
        EXPECT_TRUE(d.candidates.front().fingers && d.candidates.front().face);
      } else {
        EXPECT_EQ(d.decision, Decision::unique) << pop.probes[i].id << " vs " << d.candidates.front().ref;
      }
    }
  }
  // Fingers alone and face alone still find a mate; restriction works.
  const auto& [probe_id, mate_id] = *pop.mate.begin();
  const auto probe = std::find_if(pop.probes.begin(), pop.probes.end(), [&](const auto& r) { return r.id == probe_id; });
  IdentifyOptions fingers_only;
  fingers_only.use_face = false;
  const auto f = g.identify({&*probe, 1}, fingers_only).front();
  ASSERT_FALSE(f.candidates.empty());
  EXPECT_EQ(f.candidates.front().ref, mate_id);
  EXPECT_FALSE(f.candidates.front().face);
  IdentifyOptions elsewhere;
  elsewhere.restrict_to = {pop.gallery[0].id == mate_id ? pop.gallery[1].id : pop.gallery[0].id};
  const auto r = g.identify({&*probe, 1}, elsewhere).front();
  EXPECT_EQ(r.searched, 1u);
  EXPECT_EQ(r.decision, Decision::unique);
}

TEST(Gallery, InsertRemoveAndDeduplicate) {
  const auto pop = make_population(10, 6, 22, 3);
  Gallery g;
  g.insert(std::span<const PersonRecord>(pop.gallery));
  EXPECT_THROW(g.insert(pop.gallery[3]), Error);  // already enrolled
  std::vector<PersonRecord> twice{pop.probes[0], pop.probes[0]};
  EXPECT_THROW(g.insert(std::span<const PersonRecord>(twice)), Error);
  EXPECT_EQ(g.count(), 10u);  // all or nothing
  EXPECT_TRUE(g.remove(pop.gallery[3].id));
  EXPECT_FALSE(g.remove(pop.gallery[3].id));
  EXPECT_FALSE(g.contains(pop.gallery[3].id));
  EXPECT_EQ(g.count(), 9u);
  g.insert(pop.gallery[3]);  // back again
  for (const auto& probe : pop.probes) {
    const auto d = g.deduplicate(probe);
    EXPECT_EQ(d.decision == Decision::duplicate, pop.mate.count(probe.id) == 1) << probe.id;
    EXPECT_EQ(g.contains(probe.id), d.decision == Decision::unique);
  }
}

// A record with nothing to search with (no finger minutiae, no face) is
// refused, not found unique and enrolled; fingers without minutiae count
// as nothing. Before 2026-12-08 both were enrolled.
TEST(Gallery, DeduplicatingAnEmptyRecordIsRefused) {
  const auto pop = make_population(10, 2, 23, 3);
  Gallery g;
  g.insert(std::span<const PersonRecord>(pop.gallery));
  PersonRecord empty;
  empty.id = "EMPTY";
  PersonRecord blank = empty;
  blank.id = "BLANK";
  blank.fingers.resize(2);  // captured, but nothing was found on them
  for (const auto* r : {&empty, &blank}) {
    try {
      g.deduplicate(*r);
      ADD_FAILURE() << r->id << " was not refused";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::invalid_argument);
      EXPECT_NE(std::string(e.what()).find("nothing to search with"), std::string::npos) << e.what();
    }
    EXPECT_FALSE(g.contains(r->id));
  }
  EXPECT_EQ(g.count(), 10u);
  PersonRecord face_only = empty;
  face_only.id = "FACE";
  face_only.face = pop.gallery[0].face;  // a face alone is something to search with
  ASSERT_TRUE(face_only.face.has_value());
  EXPECT_NO_THROW(g.deduplicate(face_only));
}

// The CLI: an empty record among others is refused by name, the others
// are deduplicated, and the exit status says something was refused.
TEST(Gallery, TheDedupVerbRefusesAnEmptyRecordAndGoesOn) {
  const auto dir = fresh_dir("dedup_empty");
  std::filesystem::create_directories(dir);
  const auto pop = make_population(3, 1, 24, 2);
  PersonRecord empty;
  empty.id = "EMPTY";
  write_file_durably(dir / "empty.tgr", encode_person_record(empty));
  write_file_durably(dir / "good.tgr", encode_person_record(pop.gallery[0]));
  const std::string cmd = std::string(TUNGGAL_TOOL) + " dedup --gallery " + (dir / "g").string() + " " +
                          (dir / "empty.tgr").string() + " " + (dir / "good.tgr").string() + " 2>&1";
  FILE* f = ::popen(cmd.c_str(), "r");
  ASSERT_NE(f, nullptr);
  std::string out;
  char buf[4096];
  while (const std::size_t n = std::fread(buf, 1, sizeof buf, f)) out.append(buf, n);
  const int status = ::pclose(f);
  ASSERT_TRUE(WIFEXITED(status)) << out;
  EXPECT_EQ(WEXITSTATUS(status), 1) << out;
  EXPECT_NE(out.find("record 'EMPTY' holds no finger minutiae and no face"), std::string::npos) << out;
  EXPECT_NE(out.find("\"" + pop.gallery[0].id + "\""), std::string::npos) << out;
  EXPECT_NE(out.find("1 of 2 enrolled as unique, 1 refused"), std::string::npos) << out;
  const auto g = Gallery::open(dir / "g");
  EXPECT_EQ(g->count(), 1u);
  EXPECT_FALSE(g->contains("EMPTY"));
  std::filesystem::remove_all(dir);
}

// A search sees every insert acknowledged before it started and none that
// had not begun when it ended, however the threads interleave: asserted
// from counters each side keeps, not from timing.
TEST(Gallery, SearchesRunWhileInsertsContinue) {
  const auto pop = make_population(26, 4, 23, 2);
  Gallery g;
  g.insert(std::span<const PersonRecord>(pop.gallery).first(10));
  // Lock step first: after each acknowledged insert, a search sees exactly it.
  for (std::size_t i = 10; i < 16; ++i) {
    std::thread writer([&] { g.insert(pop.gallery[i]); });
    writer.join();
    EXPECT_EQ(g.identify({&pop.probes[0], 1}).front().searched, i + 1);
  }
  // Then free running: two searchers against one writer.
  std::atomic<std::size_t> started{16}, acknowledged{16};
  std::atomic<bool> done{false};
  std::thread writer([&] {
    for (std::size_t i = 16; i < pop.gallery.size(); ++i) {
      started.store(i + 1);
      g.insert(pop.gallery[i]);
      acknowledged.store(i + 1);
    }
    done.store(true);
  });
  std::atomic<int> bad{0}, searches{0};
  std::vector<std::thread> searchers;
  for (int t = 0; t < 2; ++t) {
    searchers.emplace_back([&] {
      do {
        const std::size_t before = acknowledged.load();
        const auto d = g.identify({&pop.probes[0], 1}).front();
        const std::size_t after = started.load();
        if (d.searched < before || d.searched > after) bad.fetch_add(1);
        searches.fetch_add(1);
      } while (!done.load());
    });
  }
  writer.join();
  for (auto& t : searchers) t.join();
  EXPECT_EQ(bad.load(), 0) << "a search missed an acknowledged insert or saw one not yet begun";
  EXPECT_GE(searches.load(), 2);
  EXPECT_EQ(g.identify(pop.probes).front().searched, 26u);
}

TEST(GalleryStorage, ReopensWithEverythingAndSetsATornTailAside) {
  const auto dir = fresh_dir("gallery_reopen");
  const auto pop = make_population(8, 2, 24, 2);
  {
    auto g = Gallery::open(dir);
    g->insert(std::span<const PersonRecord>(pop.gallery).first(6));
    g->insert(pop.gallery[6]);
    g->remove(pop.gallery[0].id);
  }
  const auto size_before = std::filesystem::file_size(dir / "gallery.wal");
  {
    // Half of the next entry, as a write the process died in leaves it.
    const std::vector<std::uint8_t> payload(200, 0x33);
    const std::span<const std::uint8_t> one[] = {payload};
    const auto entry = detail::encode_wal_entries(detail::WalOp::insert, one, 9);
    std::ofstream(dir / "gallery.wal", std::ios::app | std::ios::binary)
        .write(reinterpret_cast<const char*>(entry.data()), 100);
  }
  GalleryOpenReport report;
  auto g = Gallery::open(dir, &report);
  EXPECT_EQ(report.records, 6u);
  EXPECT_EQ(report.log_entries, 8u);  // a batch of 6 logs 6 entries, then 1 insert, 1 remove
  EXPECT_EQ(report.torn_tail_bytes, 100u);
  EXPECT_EQ(report.torn_tail_offset, size_before);
  EXPECT_EQ(std::filesystem::file_size(dir / "gallery.wal"), size_before);  // set aside
  EXPECT_EQ(std::filesystem::file_size(report.torn_tail_set_aside), 100u);  // kept
  EXPECT_FALSE(g->contains(pop.gallery[0].id));
  EXPECT_TRUE(g->contains(pop.gallery[6].id));
  g->insert(pop.gallery[7]);  // appends cleanly after the cut
  g.reset();
  GalleryOpenReport again;
  g = Gallery::open(dir, &again);
  EXPECT_EQ(again.records, 7u);
  EXPECT_EQ(again.torn_tail_bytes, 0u);
  EXPECT_EQ(again.quarantined.size(), 1u);  // reported until a person removes it
  std::filesystem::remove_all(dir);
}

TEST(GalleryStorage, CorruptionBeforeTheTailRefusesToLoad) {
  const auto dir = fresh_dir("gallery_corrupt");
  const auto pop = make_population(3, 1, 25, 1);
  {
    auto g = Gallery::open(dir);
    for (const auto& r : pop.gallery) g->insert(r);
  }
  {
    std::fstream f(dir / "gallery.wal", std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(40);
    f.put('\x5a');
  }
  try {
    Gallery::open(dir);
    ADD_FAILURE() << "loaded a corrupt log";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::checksum_mismatch);
    EXPECT_NE(std::string(e.what()).find("refusing to load"), std::string::npos) << e.what();
  }
  std::filesystem::remove_all(dir);
}

// A gallery's answers to `probes`, as comparable text (full precision).
std::vector<std::string> answers(const Gallery& g, const std::vector<PersonRecord>& probes) {
  IdentifyOptions o;
  o.target_fpir = 1e-2;
  std::vector<std::string> out;
  for (const auto& d : g.identify(probes, o)) {
    std::ostringstream line;
    line.precision(17);
    line << to_string(d.decision) << " searched " << d.searched;
    for (const auto& c : d.candidates) line << " " << c.ref << "=" << c.score;
    if (d.best) line << " best " << d.best->ref << "=" << d.best->score;
    out.push_back(line.str());
  }
  return out;
}

TEST(GalleryStorage, SnapshotThenLogTailReopensTheSameGallery) {
  const auto dir = fresh_dir("gallery_snapshot");
  const auto pop = make_population(40, 10, 31, 4);
  std::vector<std::string> before;
  {
    auto g = Gallery::open(dir);
    g->insert(std::span<const PersonRecord>(pop.gallery).first(30));
    g->remove(pop.gallery[3].id);
    const auto s = g->snapshot();
    EXPECT_EQ(s.records, 29u);
    EXPECT_GT(s.bytes, 29u * 4 * 1000);  // cylinders, not just ids
    g->insert(std::span<const PersonRecord>(pop.gallery).subspan(30));  // after it: from the log
    g->remove(pop.gallery[5].id);
    before = answers(*g, pop.probes);
  }
  ASSERT_FALSE(std::filesystem::exists(dir / "gallery.snap.tmp"));
  GalleryOpenReport r;
  auto g = Gallery::open(dir, &r);
  EXPECT_EQ(r.snapshot_problem, "");
  EXPECT_EQ(r.snapshot_records, 29u);
  EXPECT_EQ(r.log_entries, 11u);  // ten inserts and a remove after the snapshot
  EXPECT_EQ(r.records, 38u);
  EXPECT_FALSE(g->contains(pop.gallery[3].id));
  EXPECT_FALSE(g->contains(pop.gallery[5].id));
  EXPECT_EQ(answers(*g, pop.probes), before);
  // Searching still works after more inserts on the reopened gallery, and a
  // second snapshot replaces the first.
  g->insert(pop.gallery[3]);
  EXPECT_EQ(g->snapshot().records, 39u);
  g.reset();
  g = Gallery::open(dir, &r);
  EXPECT_EQ(r.snapshot_records, 39u);
  EXPECT_EQ(r.log_entries, 0u);
  // The log alone still has everything: without the snapshot, the same.
  std::filesystem::remove(dir / "gallery.snap");
  g.reset();
  g = Gallery::open(dir, &r);
  EXPECT_EQ(r.snapshot_records, 0u);
  EXPECT_EQ(r.log_entries, 43u);
  EXPECT_EQ(r.records, 39u);
  std::filesystem::remove_all(dir);
  EXPECT_THROW(Gallery().snapshot(), Error);  // in memory: no folder
}

TEST(GalleryStorage, UpdateReplacesARecordDurably) {
  const auto dir = fresh_dir("gallery_update");
  const auto pop = make_population(6, 0, 34, 2);
  IdentifyOptions o;
  o.exhaustive = true;
  const auto best_for = [&](const Gallery& g, const PersonRecord& probe) {
    const auto d = g.identify({&probe, 1}, o).front();
    return d.candidates.empty() ? std::string() : d.candidates.front().ref;
  };
  // Person 0 is recaptured: their record now holds person 5's prints.
  PersonRecord recaptured = pop.gallery[5];
  recaptured.id = pop.gallery[0].id;
  {
    auto g = Gallery::open(dir);
    g->insert(std::span<const PersonRecord>(pop.gallery).first(5));
    EXPECT_EQ(best_for(*g, pop.gallery[0]), pop.gallery[0].id);
    g->update(recaptured);
    EXPECT_EQ(g->count(), 5u);
    EXPECT_EQ(best_for(*g, pop.gallery[5]), pop.gallery[0].id);
    EXPECT_EQ(best_for(*g, pop.gallery[0]), "");
    try {
      g->update(pop.gallery[5]);  // not enrolled
      ADD_FAILURE() << "updated an id that is not enrolled";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::not_found);
    }
  }
  GalleryOpenReport r;
  auto g = Gallery::open(dir, &r);
  EXPECT_EQ(r.log_entries, 6u);  // five inserts and the update
  EXPECT_EQ(r.records, 5u);
  EXPECT_EQ(best_for(*g, pop.gallery[5]), pop.gallery[0].id);
  // After a snapshot, an update replayed from the log tail.
  g->snapshot();
  g->update(pop.gallery[0]);
  g.reset();
  g = Gallery::open(dir, &r);
  EXPECT_EQ(r.snapshot_records, 5u);
  EXPECT_EQ(r.log_entries, 1u);
  EXPECT_EQ(best_for(*g, pop.gallery[0]), pop.gallery[0].id);
  EXPECT_EQ(best_for(*g, pop.gallery[5]), "");
  std::filesystem::remove_all(dir);
}

TEST(GalleryStorage, ADamagedOrForeignSnapshotIsNotUsedAndNothingIsLost) {
  const auto dir = fresh_dir("gallery_badsnap"), other = fresh_dir("gallery_othersnap");
  const auto pop = make_population(14, 0, 32, 2);
  Gallery::open(dir)->insert(std::span<const PersonRecord>(pop.gallery).first(12));
  Gallery::open(dir)->snapshot();
  {
    auto o = Gallery::open(other);
    o->insert(std::span<const PersonRecord>(pop.gallery).subspan(12));
    o->snapshot();
  }
  const auto snap = dir / "gallery.snap";
  std::vector<char> good(std::filesystem::file_size(snap));
  std::ifstream(snap, std::ios::binary).read(good.data(), static_cast<std::streamsize>(good.size()));
  const auto reopen_expecting = [&](const std::string& problem, FingerIndexParams ip = {}) {
    GalleryOpenReport r;
    auto g = Gallery::open(dir, &r, MccParams{}, ip);
    EXPECT_NE(r.snapshot_problem.find(problem), std::string::npos) << r.snapshot_problem;
    EXPECT_EQ(r.snapshot_records, 0u);
    EXPECT_EQ(r.records, 12u);  // from the log
    for (std::size_t i = 0; i < 12; ++i) EXPECT_TRUE(g->contains(pop.gallery[i].id));
  };
  const auto write = [&](const std::vector<char>& bytes) {
    std::ofstream(snap, std::ios::binary | std::ios::trunc).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  };
  auto flipped = good;
  flipped[flipped.size() / 2] ^= 0x10;
  write(flipped);
  reopen_expecting("checksum");
  write(std::vector<char>(good.begin(), good.begin() + static_cast<std::ptrdiff_t>(good.size() / 2)));
  reopen_expecting("cut short");
  write(std::vector<char>(good.begin(), good.begin() + 20));
  reopen_expecting("cut short");
  write(good);
  FingerIndexParams other_index;
  other_index.tables = 8;
  reopen_expecting("other matcher or index parameters", other_index);
  std::filesystem::copy_file(other / "gallery.snap", snap, std::filesystem::copy_options::overwrite_existing);
  reopen_expecting("does not belong to this gallery's log");
  write(good);
  GalleryOpenReport r;
  Gallery::open(dir, &r);
  EXPECT_EQ(r.snapshot_problem, "");
  EXPECT_EQ(r.snapshot_records, 12u);
  // A snapshot without its log is a damaged folder: refused, not restarted.
  std::filesystem::rename(dir / "gallery.wal", dir / "moved.wal");
  EXPECT_THROW(Gallery::open(dir), Error);
  EXPECT_FALSE(std::filesystem::exists(dir / "gallery.wal"));
  std::filesystem::remove_all(dir);
  std::filesystem::remove_all(other);
}

// The block decoder is a parser of files: mangled blocks (checksums aside)
// raise Error(malformed_data), never crash or allocate without bound.
TEST(GalleryStorage, SnapshotBlockDecoderRejectsMangledBlocks) {
  const auto pop = make_population(3, 0, 33, 2);
  const MccParams mcc;
  const FingerIndexParams ip;
  const detail::FingerIndex index(ip, mcc);
  std::vector<detail::EnrolledPerson> people(3);
  for (std::size_t i = 0; i < 3; ++i) {
    people[i].ref = pop.gallery[i].id;
    for (const auto& f : pop.gallery[i].fingers) {
      const auto pos = static_cast<std::size_t>(f.position);
      people[i].fingers[pos] = enroll_finger(f, mcc);
      people[i].keys[pos] = index.keys(people[i].fingers[pos]);
    }
    people[i].face = QuantizedEmbedding{std::vector<std::int8_t>(8, static_cast<std::int8_t>(i)), 0.5f};
  }
  detail::SnapshotHeader h;
  h.tables = static_cast<std::uint32_t>(ip.tables);
  h.face_model = "m";
  h.face_dim = 8;
  const auto body = detail::encode_snapshot_block(people, h.tables);
  const auto back = detail::decode_snapshot_block(body, 3, h, "t");
  ASSERT_EQ(back.size(), 3u);
  EXPECT_EQ(back[2].ref, people[2].ref);
  EXPECT_EQ(back[2].keys, people[2].keys);
  EXPECT_EQ(back[1].face->values, people[1].face->values);
  std::mt19937 rng(5);
  int rejected = 0;
  for (int round = 0; round < 400; ++round) {
    auto bad = body;
    if (round % 4 == 0) {
      bad.resize(rng() % bad.size());
    } else {
      // Mangle the small fields near the start of a person, where counts live.
      for (int k = 0; k < 3; ++k) bad[rng() % std::min<std::size_t>(bad.size(), 64)] = static_cast<std::uint8_t>(rng());
    }
    try {
      detail::decode_snapshot_block(bad, static_cast<std::uint32_t>(1 + rng() % 4), h, "t");
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::malformed_data);
      ++rejected;
    }
  }
  EXPECT_GT(rejected, 300);
}

// The fingerprint index alone (face off, five of 120 people proposed: a
// shortlist of 2 x 10 / 4 for four-finger probes) keeps the mates that
// exhaustive fingerprint matching ranks first.
TEST(FingerIndex, ProposesTheMatesExhaustiveSearchFinds) {
  const auto pop = make_population(120, 24, 31, 4);
  Gallery g;
  g.insert(std::span<const PersonRecord>(pop.gallery));
  IdentifyOptions o;
  o.use_face = false;
  o.shortlist_min = 2;
  o.shortlist_share = 0;
  IdentifyOptions all = o;
  all.exhaustive = true;
  const auto fast = g.identify(pop.probes, o);
  const auto reference = g.identify(pop.probes, all);
  std::size_t found_by_reference = 0, lost = 0;
  for (std::size_t i = 0; i < pop.probes.size(); ++i) {
    EXPECT_LE(fast[i].matched, 5u);
    EXPECT_EQ(reference[i].matched, 120u);
    const auto mate = pop.mate.find(pop.probes[i].id);
    if (mate == pop.mate.end() || !reference[i].best || reference[i].best->ref != mate->second) continue;
    ++found_by_reference;
    lost += !fast[i].best || fast[i].best->ref != mate->second;
  }
  EXPECT_GE(found_by_reference, 8u);
  // Four fingers only here and two proposals (ten fingers in the benchmark,
  // where 1 of 1,000 proposed lost none of 100 mates). Over ten such
  // populations (seeds 31-40) the index lost 16 of 120 mates with the
  // generator's fingerprint model 1 and 15 of 120 with model 2: at most a
  // quarter, so that a regression shows and the draw of one seed does not.
  EXPECT_LE(4 * lost, found_by_reference) << "the index lost " << lost << " of " << found_by_reference << " mates";
}

// The compact postings (sorted run + recent hash map, merged as they grow)
// answer exactly what a plain hash map of vectors does, at every stage.
TEST(FingerIndex, PostingsEqualAHashMapReference) {
  for (const int bits : {6, 20, 24, 30}) {
    detail::Postings postings(bits);
    std::unordered_map<std::uint32_t, std::vector<std::uint32_t>> reference;
    std::mt19937 rng(static_cast<unsigned>(bits));
    const std::uint32_t mask = bits == 32 ? ~0u : (1u << bits) - 1;
    const auto check = [&](std::uint32_t key) {
      std::vector<std::uint32_t> got;
      const auto b = postings.find(key);
      b.for_each([&](std::uint32_t s) { got.push_back(s); });
      ASSERT_EQ(b.size(), got.size());
      const auto it = reference.find(key);
      ASSERT_EQ(got, it == reference.end() ? std::vector<std::uint32_t>{} : it->second) << "key " << key;
    };
    for (std::uint32_t slot = 0; slot < 3000; ++slot) {
      // Single additions, and every 300th slot a bulk one of 100 slots.
      const bool bulk = slot % 300 == 299;
      std::vector<std::pair<std::uint32_t, std::uint32_t>> pairs;
      for (std::uint32_t s = slot; s < (bulk ? slot + 100 : slot + 1); ++s) {
        for (int k = 0; k < 20; ++k) {
          // Some keys crowded (as real buckets are), most rare.
          const std::uint32_t key = (rng() % 4 == 0 ? rng() % 16 : rng()) & mask;
          if (bulk) {
            pairs.emplace_back(key, s);
          } else {
            postings.add(key, s);
          }
          reference[key].push_back(s);
        }
      }
      if (bulk) postings.add(std::move(pairs)), slot += 99;
      if (slot % 400 == 0)
        for (int q = 0; q < 200; ++q) check(rng() & mask);
    }
    for (const auto& [key, slots] : reference) check(key);
    std::size_t entries = 0;
    for (const auto& [key, slots] : reference) entries += slots.size();
    EXPECT_EQ(postings.size(), entries);
    // 6 bytes an entry once merged, plus the recent part and the directory.
    EXPECT_LT(postings.memory_bytes(), 60000u * 20);
  }
}

TEST(FingerIndex, KeysAreDeterministicAndCollideForTheSameFinger) {
  const auto pop = make_population(3, 0, 32, 1);
  const MccParams mcc;
  const detail::FingerIndex a(FingerIndexParams{}, mcc), b(FingerIndexParams{}, mcc);
  const auto f0 = enroll_finger(pop.gallery[0].fingers[0], mcc);
  const auto f1 = enroll_finger(pop.gallery[1].fingers[0], mcc);
  ASSERT_GT(f0.size(), 10u);
  EXPECT_EQ(a.keys(f0), b.keys(f0));  // a fixed seed: keys do not change between runs
  detail::FingerIndex index(FingerIndexParams{}, mcc);
  const auto pos = static_cast<int>(pop.gallery[0].fingers[0].position);
  const auto k0 = index.keys(f0), k1 = index.keys(f1);
  const detail::FingerIndex::Addition additions[] = {{0, pos, k0}, {1, pos, k1}};
  index.add(additions);  // two at once: the tables are filled in parallel
  std::vector<float> votes(2, 0.0f);
  index.vote(pos, index.keys(f0), votes);
  std::size_t usable = 0;
  for (auto k : index.keys(f0)) usable += k != detail::FingerIndex::kNoKey;
  // Every usable key finds itself, weight >= 1 / sqrt(cylinders).
  EXPECT_GE(votes[0] * std::sqrt(static_cast<float>(f0.size())), static_cast<float>(usable) * 0.999f);
  EXPECT_LT(votes[1] * 10, votes[0]);
  // Bad parameters are refused, not used.
  FingerIndexParams bad;
  bad.bits_per_key = 40;
  EXPECT_THROW(detail::FingerIndex(bad, mcc), Error);
}

// kill -9 at random moments while a child process inserts: afterwards the
// gallery holds every insert the child acknowledged (reported through a
// pipe after insert() returned), and nothing but those and at most the one
// in flight.
// Snapshots are taken as it goes, so the kills also hit them.
TEST(GalleryStorage, KillNineKeepsEveryAcknowledgedInsert) {
  const auto dir = fresh_dir("gallery_kill");
  const auto pop = make_population(150, 1, 26, 1);
  int killed_mid_run = 0;
  std::mt19937 rng(7);
  std::set<std::string> acknowledged;
  std::set<std::string> durable;  // acknowledged, or in flight and found on disk
  std::size_t next = 0;
  for (int round = 0; round < 6 && next < pop.gallery.size(); ++round) {
    int fds[2];
    ASSERT_EQ(::pipe(fds), 0);
    const pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
      ::close(fds[0]);
      try {
        auto g = Gallery::open(dir);
        for (std::size_t i = next; i < pop.gallery.size(); ++i) {
          g->insert(pop.gallery[i]);
          const std::string line = pop.gallery[i].id + "\n";
          if (::write(fds[1], line.data(), line.size()) < 0) ::_exit(3);
          if ((i - next) % 10 == 9) g->snapshot();  // kills also land mid-snapshot
        }
      } catch (...) {
        ::_exit(2);
      }
      ::_exit(0);
    }
    ::close(fds[1]);
    // Wait until it has acknowledged a random number of inserts (1-25),
    // then kill it mid-whatever it does next: what is asserted does not
    // depend on the machine's speed.
    const int wait_for = std::uniform_int_distribution<int>(1, 25)(rng);
    std::string got;
    char buf[4096];
    while (std::count(got.begin(), got.end(), '\n') < wait_for) {
      const ssize_t n = ::read(fds[0], buf, sizeof buf);
      if (n <= 0) break;  // the child ran out of records or failed: checked below
      got.append(buf, static_cast<std::size_t>(n));
    }
    ::kill(child, SIGKILL);
    int status = 0;
    ::waitpid(child, &status, 0);
    killed_mid_run += WIFSIGNALED(status) ? 1 : 0;
    EXPECT_TRUE(WIFSIGNALED(status) || (WIFEXITED(status) && WEXITSTATUS(status) == 0)) << "the child failed";
    for (ssize_t n; (n = ::read(fds[0], buf, sizeof buf)) > 0;) got.append(buf, static_cast<std::size_t>(n));
    ::close(fds[0]);
    for (std::size_t pos = 0, eol; (eol = got.find('\n', pos)) != std::string::npos; pos = eol + 1)
      acknowledged.insert(got.substr(pos, eol - pos));
    GalleryOpenReport report;
    auto g = Gallery::open(dir, &report);
    // A snapshot is renamed into place whole or not at all.
    EXPECT_EQ(report.snapshot_problem, "");
    for (const auto& id : acknowledged) EXPECT_TRUE(g->contains(id)) << "acknowledged " << id << " lost";
    // Present = everything known durable before, the acknowledged, plus at
    // most the one insert that was in flight when the kill came (it may or
    // may not have reached the disk; either is correct).
    for (const auto& id : acknowledged) durable.insert(id);
    EXPECT_LE(g->count(), durable.size() + 1);
    EXPECT_GE(g->count(), durable.size());
    if (g->count() == durable.size() + 1) {
      const auto& in_flight = pop.gallery[g->count() - 1].id;  // inserts run in order
      EXPECT_TRUE(g->contains(in_flight)) << "an unexpected record appeared";
      durable.insert(in_flight);
    }
    next = g->count();
  }
  EXPECT_GE(acknowledged.size(), 6u);  // every round waited for at least one
  EXPECT_GT(killed_mid_run, 0);  // the test did interrupt inserts
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace tunggal
