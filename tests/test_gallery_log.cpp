// The gallery log's damage handling, tested the way SQLite tests itself: a
// small gallery's log is damaged at every header byte, a sample of payload
// bytes, and truncated at every byte of its last two entries; after each,
// opening refuses with a message naming the offset or loads exactly what
// precedes the damage and says so, and never changes the file.
//
// The expected outcome comes from the log's layout as the writer produced
// it (file sizes after each acknowledged operation, entry lengths read by
// the small reader below from the format's description), not from the
// scanner under test.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <random>
#include <set>

#include "gallery_support.h"
#include "tunggal/error.h"
#include "tunggal/gallery.h"
#include "../engine/src/gallery/wal.h"

namespace tunggal {
namespace {

using test::fresh_dir;
using test::make_population;

std::vector<std::uint8_t> slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

void spit(const std::filesystem::path& p, std::span<const std::uint8_t> bytes) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
}

std::uint32_t le32(const std::uint8_t* p) { return p[0] | (p[1] << 8) | (p[2] << 16) | (std::uint32_t{p[3]} << 24); }

// A gallery of six one-finger people written as four groups: a batch of
// three, one insert, a remove, an update, then two single inserts. The
// truth: the log's size after each acknowledged operation, the number of
// people alive then, and each entry's offset and size.
struct LogFixture {
  std::filesystem::path dir;
  std::vector<std::uint8_t> log;
  struct Group {
    std::uint64_t end;
    std::size_t people;
  };
  std::vector<Group> groups;  // in order; groups[0] is the empty log (end 8)
  struct Entry {
    std::uint64_t offset, size;
  };
  std::vector<Entry> entries;
  std::vector<PersonRecord> people;

  // People alive in a log cut at byte `t` (whole groups only).
  const Group& last_group_within(std::uint64_t t) const {
    const Group* g = &groups.front();
    for (const auto& x : groups)
      if (x.end <= t) g = &x;
    return *g;
  }
};

LogFixture make_log(const std::string& name) {
  LogFixture f;
  f.dir = fresh_dir(name);
  const auto pop = make_population(6, 0, 41, 1);
  f.people = pop.gallery;
  const auto size = [&] { return std::filesystem::file_size(f.dir / "gallery.wal"); };
  {
    auto g = Gallery::open(f.dir);
    f.groups.push_back({size(), 0});
    g->insert(std::span<const PersonRecord>(pop.gallery).first(3));
    f.groups.push_back({size(), 3});
    g->insert(pop.gallery[3]);
    f.groups.push_back({size(), 4});
    g->remove(pop.gallery[0].id);
    f.groups.push_back({size(), 3});
    PersonRecord recaptured = pop.gallery[4];
    recaptured.id = pop.gallery[1].id;
    g->update(recaptured);
    f.groups.push_back({size(), 3});
    g->insert(pop.gallery[4]);
    f.groups.push_back({size(), 4});
    g->insert(pop.gallery[5]);
    f.groups.push_back({size(), 5});
  }
  f.log = slurp(f.dir / "gallery.wal");
  // Entries, by the format: 24-byte header (length at +12), payload, CRC.
  for (std::uint64_t at = 8; at < f.log.size();) {
    const std::uint64_t n = 28 + le32(f.log.data() + at + 12);
    f.entries.push_back({at, n});
    at += n;
  }
  EXPECT_EQ(f.entries.size(), 8u);  // 3 + 1 + 1 + 1 + 1 + 1
  EXPECT_EQ(f.groups.back().end, f.log.size());
  return f;
}

// What a read-only open must do with `bytes` as the log: refuse (returns
// the message) or load `people` and report a torn tail of `torn` bytes.
struct Outcome {
  bool refused = false;
  std::string message;
  std::size_t people = 0;
  GalleryOpenReport report;
};

Outcome open_read_only(const std::filesystem::path& dir) {
  Outcome o;
  try {
    auto g = Gallery::open(dir, &o.report, MccParams{}, FingerIndexParams{}, GalleryAccess::read_only);
    o.people = g->count();
  } catch (const Error& e) {
    o.refused = true;
    o.message = e.what();
  }
  return o;
}

TEST(GalleryLog, EveryDamagedHeaderByteIsRefusedAndNothingChanges) {
  const auto f = make_log("log_headers");
  const auto path = f.dir / "gallery.wal";
  std::size_t cases = 0;
  for (const auto& e : f.entries) {
    for (std::uint64_t k = 0; k < 24; ++k) {
      for (const std::uint8_t flip : {std::uint8_t{0x01}, std::uint8_t{0xFF}}) {
        auto bad = f.log;
        bad[e.offset + k] ^= flip;
        spit(path, bad);
        const auto c = check_gallery_log(f.dir);
        EXPECT_EQ(c.state, GalleryLogCheck::State::damaged) << "byte " << e.offset + k;
        EXPECT_EQ(c.damage_offset, e.offset);
        // Only the whole groups before the damaged entry are offered as a cut.
        EXPECT_EQ(c.committed_end, f.last_group_within(e.offset).end);
        // Full opens for a sample (each enrols the people it loads).
        if (k % 6 == 0 && flip == 0x01) {
          const auto o = open_read_only(f.dir);
          EXPECT_TRUE(o.refused) << "loaded a log damaged at byte " << e.offset + k;
          EXPECT_NE(o.message.find("byte " + std::to_string(e.offset)), std::string::npos) << o.message;
          EXPECT_NE(o.message.find("Nothing was changed"), std::string::npos) << o.message;
          EXPECT_THROW(Gallery::open(f.dir), Error);  // a writer refuses too
        }
        ASSERT_EQ(slurp(path), bad) << "the log was changed";
        ++cases;
      }
    }
  }
  EXPECT_EQ(cases, 8u * 24 * 2);
  EXPECT_TRUE(check_gallery_log(f.dir).quarantined.empty());
  std::filesystem::remove_all(f.dir);
}

TEST(GalleryLog, DamagedPayloadBytesAreRefusedEvenInTheLastEntry) {
  const auto f = make_log("log_payloads");
  const auto path = f.dir / "gallery.wal";
  std::mt19937 rng(3);
  for (std::size_t i = 0; i < f.entries.size(); ++i) {
    const auto& e = f.entries[i];
    // The first and last payload bytes, the CRC's four, and a sample.
    std::vector<std::uint64_t> at = {e.offset + 24, e.offset + e.size - 5, e.offset + e.size - 4,
                                     e.offset + e.size - 1};
    for (int k = 0; k < 12; ++k) at.push_back(e.offset + 24 + rng() % (e.size - 24));
    for (const auto b : at) {
      auto bad = f.log;
      bad[b] ^= static_cast<std::uint8_t>(1u << (rng() % 8));
      spit(path, bad);
      const auto c = check_gallery_log(f.dir);
      EXPECT_EQ(c.state, GalleryLogCheck::State::damaged) << "entry " << i << " byte " << b;
      EXPECT_EQ(c.damage_offset, e.offset);
      if (b == at.front() || i + 1 == f.entries.size()) {
        const auto o = open_read_only(f.dir);
        EXPECT_TRUE(o.refused) << "loaded a log damaged at byte " << b;
      }
      ASSERT_EQ(slurp(path), bad);
    }
  }
  std::filesystem::remove_all(f.dir);
}

TEST(GalleryLog, TruncationAtEveryByteOfTheLastTwoEntries) {
  const auto f = make_log("log_truncate");
  const auto path = f.dir / "gallery.wal";
  const std::uint64_t from = f.entries[f.entries.size() - 2].offset;
  std::size_t opened = 0;
  for (std::uint64_t t = from; t < f.log.size(); ++t) {
    const std::vector<std::uint8_t> cut(f.log.begin(), f.log.begin() + static_cast<std::ptrdiff_t>(t));
    spit(path, cut);
    const auto& g = f.last_group_within(t);
    const bool boundary = g.end == t;
    const auto c = check_gallery_log(f.dir);
    ASSERT_EQ(c.state, boundary ? GalleryLogCheck::State::clean : GalleryLogCheck::State::torn_tail) << "cut at " << t;
    EXPECT_EQ(c.committed_end, g.end);
    // Full opens (each enrols the people it loads) for a sample: every
    // group boundary, the first and last cut, and every 97th byte.
    if (t % 97 == 0 || boundary || t + 1 == f.log.size() || t == from + 1) {
      const auto o = open_read_only(f.dir);
      ASSERT_FALSE(o.refused) << "cut at " << t << ": " << o.message;
      EXPECT_EQ(o.people, g.people) << "cut at " << t;
      EXPECT_EQ(o.report.torn_tail_bytes, t - g.end) << "cut at " << t;  // said, when fewer are loaded
      if (!boundary) {
        EXPECT_EQ(o.report.torn_tail_offset, g.end);
        EXPECT_NE(o.report.log_problem.find("byte " + std::to_string(g.end)), std::string::npos);
      }
      EXPECT_TRUE(o.report.torn_tail_set_aside.empty());
      ++opened;
    }
    ASSERT_EQ(slurp(path), cut) << "a read-only open changed the log";
  }
  EXPECT_GT(opened, 10u);
  std::filesystem::remove_all(f.dir);
}

// A writer that finds a torn tail moves its bytes beside the log, exactly,
// then appends after the last committed entry; the quarantine file is
// reported at every open until a person deletes it.
TEST(GalleryLog, AWriterSetsATornTailAsideAndKeepsItsBytes) {
  const auto f = make_log("log_writer");
  const auto path = f.dir / "gallery.wal";
  for (const std::uint64_t t : {f.log.size() - 1, f.entries.back().offset + 10, f.entries.back().offset + 30}) {
    std::filesystem::remove_all(f.dir);
    std::filesystem::create_directories(f.dir);
    spit(path, std::span(f.log).first(t));
    const auto& g = f.last_group_within(t);
    GalleryOpenReport r;
    {
      auto gallery = Gallery::open(f.dir, &r);
      EXPECT_EQ(gallery->count(), g.people);
      EXPECT_EQ(r.torn_tail_bytes, t - g.end);
      ASSERT_FALSE(r.torn_tail_set_aside.empty());
      EXPECT_EQ(r.torn_tail_set_aside.filename(), "gallery.wal.torn-" + std::to_string(g.end));
      EXPECT_EQ(slurp(r.torn_tail_set_aside), std::vector<std::uint8_t>(f.log.begin() + static_cast<std::ptrdiff_t>(g.end),
                                                                         f.log.begin() + static_cast<std::ptrdiff_t>(t)));
      EXPECT_EQ(slurp(path), std::vector<std::uint8_t>(f.log.begin(), f.log.begin() + static_cast<std::ptrdiff_t>(g.end)));
      gallery->insert(f.people[5]);  // appends cleanly after the cut
    }
    GalleryOpenReport again;
    auto gallery = Gallery::open(f.dir, &again, MccParams{}, FingerIndexParams{}, GalleryAccess::read_only);
    EXPECT_EQ(gallery->count(), g.people + 1);
    EXPECT_EQ(again.torn_tail_bytes, 0u);
    ASSERT_EQ(again.quarantined.size(), 1u);  // still reported
    EXPECT_EQ(again.quarantined[0].path, r.torn_tail_set_aside);
    EXPECT_EQ(again.quarantined[0].bytes, t - g.end);
  }
  std::filesystem::remove_all(f.dir);
}

// The cases the issue found: a flipped bit in the first entry's length
// field, and a flipped byte near the end of the file. Before: the first
// made a read-only identify truncate the log to its header; the second cut
// an acknowledged enrolment. Now both refuse and change nothing, and an
// operator's repair keeps what it sets aside.
TEST(GalleryLog, DamageThatLooksLikeATornTailIsRefusedAndRepairKeepsTheBytes) {
  const auto f = make_log("log_issue");
  const auto path = f.dir / "gallery.wal";
  auto bad = f.log;
  bad[8 + 12] ^= 0x04;  // first entry's length
  spit(path, bad);
  EXPECT_TRUE(open_read_only(f.dir).refused);
  EXPECT_THROW(Gallery::open(f.dir), Error);
  EXPECT_EQ(slurp(path), bad);

  bad = f.log;
  bad[bad.size() - 10] ^= 0x20;  // inside the last, acknowledged entry
  spit(path, bad);
  const auto o = open_read_only(f.dir);
  ASSERT_TRUE(o.refused);
  EXPECT_NE(o.message.find("damage, not a torn tail"), std::string::npos) << o.message;
  EXPECT_EQ(slurp(path), bad);
  // The operator decides: set the damaged entry aside, keeping its bytes.
  const auto c = check_gallery_log(f.dir);
  EXPECT_EQ(c.committed_end, f.entries.back().offset);
  EXPECT_THROW(set_aside_gallery_log(f.dir, c.committed_end + 3), Error);  // not a group's end
  const auto written = set_aside_gallery_log(f.dir, c.committed_end);
  ASSERT_EQ(written.size(), 1u);
  EXPECT_EQ(slurp(written[0]), std::vector<std::uint8_t>(bad.begin() + static_cast<std::ptrdiff_t>(c.committed_end), bad.end()));
  const auto after = open_read_only(f.dir);
  ASSERT_FALSE(after.refused) << after.message;
  EXPECT_EQ(after.people, f.groups[f.groups.size() - 2].people);
  ASSERT_EQ(after.report.quarantined.size(), 1u);
  std::filesystem::remove_all(f.dir);
}

// Whole entries of a batch whose commit entry never landed: none of the
// batch is loaded (all or nothing on disk as in memory), and it is said.
TEST(GalleryLog, ABatchWithoutItsCommitIsNotLoaded) {
  const auto f = make_log("log_batch");
  const auto path = f.dir / "gallery.wal";
  const std::uint64_t t = f.entries[2].offset;  // entries 0 and 1 of the batch of three, whole
  spit(path, std::span(f.log).first(t));
  const auto o = open_read_only(f.dir);
  ASSERT_FALSE(o.refused) << o.message;
  EXPECT_EQ(o.people, 0u);
  EXPECT_EQ(o.report.torn_tail_bytes, t - 8);
  EXPECT_NE(o.report.log_problem.find("commit never landed"), std::string::npos) << o.report.log_problem;
  // Zeros where data never reached the disk are an unfinished write too.
  auto zeros = std::vector<std::uint8_t>(f.log.begin(), f.log.begin() + static_cast<std::ptrdiff_t>(f.groups[1].end));
  zeros.resize(zeros.size() + 700, 0);
  spit(path, zeros);
  const auto z = open_read_only(f.dir);
  ASSERT_FALSE(z.refused) << z.message;
  EXPECT_EQ(z.people, 3u);
  EXPECT_EQ(z.report.torn_tail_bytes, 700u);
  std::filesystem::remove_all(f.dir);
}

TEST(GalleryLog, OneWriterAtATimeAndReadOnlyChangesNothing) {
  const auto dir = fresh_dir("log_access");
  EXPECT_THROW(Gallery::open(dir, nullptr, MccParams{}, FingerIndexParams{}, GalleryAccess::read_only), Error);
  EXPECT_FALSE(std::filesystem::exists(dir));  // a reader creates nothing
  const auto pop = make_population(2, 0, 42, 1);
  auto writer = Gallery::open(dir);
  writer->insert(pop.gallery[0]);
  try {
    Gallery::open(dir);
    ADD_FAILURE() << "two writers on one gallery";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::busy);
  }
  EXPECT_THROW(set_aside_gallery_log(dir, 8), Error);  // needs the writer's lock
  auto reader = Gallery::open(dir, nullptr, MccParams{}, FingerIndexParams{}, GalleryAccess::read_only);
  EXPECT_EQ(reader->count(), 1u);
  EXPECT_THROW(reader->insert(pop.gallery[1]), Error);
  EXPECT_THROW(reader->remove(pop.gallery[0].id), Error);
  EXPECT_THROW(reader->snapshot(), Error);
  EXPECT_FALSE(std::filesystem::exists(dir / "gallery.snap"));
  writer.reset();
  Gallery::open(dir)->insert(pop.gallery[1]);  // the lock went with the writer
  std::filesystem::remove_all(dir);
}

// A snapshot covers the log up to an offset: a log cut below it is missing
// acknowledged entries, and is refused rather than replayed short.
TEST(GalleryLog, ALogShorterThanItsSnapshotIsRefused) {
  const auto dir = fresh_dir("log_snapshot");
  const auto pop = make_population(4, 0, 43, 1);
  {
    auto g = Gallery::open(dir);
    g->insert(std::span<const PersonRecord>(pop.gallery).first(3));
    g->snapshot();
    g->insert(pop.gallery[3]);
  }
  const auto log = slurp(dir / "gallery.wal");
  const auto covered = check_gallery_log(dir).snapshot_covers;
  ASSERT_GT(covered, 8u);
  spit(dir / "gallery.wal", std::span(log).first(covered - 1));
  const auto o = open_read_only(dir);
  EXPECT_TRUE(o.refused);
  // Setting aside below an intact snapshot is refused: it would set the
  // snapshot aside too and lose the people only it holds (before
  // 2026-12-08 it did, and the gallery opened with nobody).
  spit(dir / "gallery.wal", log);
  try {
    set_aside_gallery_log(dir, 8);
    ADD_FAILURE() << "a cut below an intact snapshot was made";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::invalid_argument);
    EXPECT_NE(std::string(e.what()).find("intact snapshot"), std::string::npos) << e.what();
  }
  EXPECT_TRUE(std::filesystem::exists(dir / "gallery.snap"));
  EXPECT_EQ(slurp(dir / "gallery.wal"), log);
  EXPECT_EQ(open_read_only(dir).people, 4u);
  // A damaged snapshot covering the cut is set aside with the log's bytes.
  auto snap = slurp(dir / "gallery.snap");
  snap[snap.size() / 2] ^= 0xFF;
  spit(dir / "gallery.snap", snap);
  const auto written = set_aside_gallery_log(dir, 8);
  EXPECT_EQ(written.size(), 2u);
  EXPECT_FALSE(std::filesystem::exists(dir / "gallery.snap"));
  const auto after = open_read_only(dir);
  ASSERT_FALSE(after.refused) << after.message;
  EXPECT_EQ(after.people, 0u);
  EXPECT_EQ(after.report.quarantined.size(), 2u);
  std::filesystem::remove_all(dir);
}

// The scanner alone on built logs: a valid entry after damage is found
// wherever it is, and a log that is only zeros after its header is torn.
TEST(GalleryLog, ScannerFindsValidEntriesAfterDamage) {
  const std::vector<std::uint8_t> a(100, 7), b(5, 9);
  const std::span<const std::uint8_t> one[] = {a}, two[] = {b};
  auto file = detail::wal_file_header();
  const auto e1 = detail::encode_wal_entries(detail::WalOp::insert, one, 1);
  const auto e2 = detail::encode_wal_entries(detail::WalOp::remove, two, 2);
  file.insert(file.end(), e1.begin(), e1.end());
  const std::uint64_t second = file.size();
  file.insert(file.end(), e2.begin(), e2.end());
  auto s = detail::scan_wal(file, {});
  EXPECT_EQ(s.tail, detail::WalTail::clean);
  EXPECT_EQ(s.committed.size(), 2u);
  EXPECT_EQ(s.last_seq, 2u);
  file[8 + 30] ^= 1;  // first payload
  s = detail::scan_wal(file, {});
  EXPECT_EQ(s.tail, detail::WalTail::damaged);
  ASSERT_TRUE(s.resumes_at.has_value());
  EXPECT_EQ(*s.resumes_at, second);
  file[8 + 30] ^= 1;
  // A sequence gap (an entry lost in the middle) is damage.
  const auto e3 = detail::encode_wal_entries(detail::WalOp::remove, two, 4);
  file.insert(file.end(), e3.begin(), e3.end());
  s = detail::scan_wal(file, {});
  EXPECT_EQ(s.tail, detail::WalTail::damaged);
  EXPECT_NE(s.problem.find("sequence number 4"), std::string::npos) << s.problem;
  std::vector<std::uint8_t> zeros = detail::wal_file_header();
  zeros.resize(300, 0);
  EXPECT_EQ(detail::scan_wal(zeros, {}).tail, detail::WalTail::torn);
}

// Writes that were never synced can land out of order: a group of entries
// with a page of zeros in the middle (a block that never reached the disk)
// and later entries of the same group whole, or a header whose start
// landed and whose rest is zeros. Both are unfinished writes (torn), not
// damage, as long as no committed entry follows; a committed one makes the
// same hole damage.
TEST(GalleryLog, UnsyncedPagesLandingOutOfOrderAreATornTail) {
  const std::vector<std::uint8_t> big(3000, 0x41), small(40, 0x42);
  auto file = detail::wal_file_header();
  const std::span<const std::uint8_t> one[] = {small};
  const auto committed = detail::encode_wal_entries(detail::WalOp::insert, one, 1);
  file.insert(file.end(), committed.begin(), committed.end());
  const std::uint64_t group = file.size();
  const std::span<const std::uint8_t> three[] = {big, big, big};
  const auto g2 = detail::encode_wal_entries(detail::WalOp::insert, three, 2);
  // Only the first two entries of the group landed, with a hole in the first.
  auto holed = file;
  holed.insert(holed.end(), g2.begin(), g2.begin() + static_cast<std::ptrdiff_t>(2 * (28 + big.size())));
  std::fill(holed.begin() + static_cast<std::ptrdiff_t>(group + 1024), holed.begin() + static_cast<std::ptrdiff_t>(group + 1024 + 1024), 0);
  auto s = detail::scan_wal(holed, {});
  EXPECT_EQ(s.tail, detail::WalTail::torn) << s.problem;
  EXPECT_EQ(s.committed.size(), 1u);
  EXPECT_EQ(s.problem_offset, group);
  // The same hole with the group's commit entry whole after it: the group
  // was acknowledged, so the hole is damage.
  auto acked = file;
  acked.insert(acked.end(), g2.begin(), g2.end());
  std::fill(acked.begin() + static_cast<std::ptrdiff_t>(group + 1024), acked.begin() + static_cast<std::ptrdiff_t>(group + 2048), 0);
  EXPECT_EQ(detail::scan_wal(acked, {}).tail, detail::WalTail::damaged);
  // A header whose mark landed and whose rest is zeros, to the end.
  auto prefix = file;
  prefix.insert(prefix.end(), g2.begin(), g2.begin() + 8);
  prefix.resize(prefix.size() + 500, 0);
  s = detail::scan_wal(prefix, {});
  EXPECT_EQ(s.tail, detail::WalTail::torn) << s.problem;
  // A whole entry hidden in a cut-short payload (a free-text attribute
  // could hold one) is no evidence of later data: its checksum must be
  // good and it must lie wholly in the file, as it does not here.
  std::vector<std::uint8_t> payload(400, 0x20);
  const std::span<const std::uint8_t> fake_one[] = {small};
  const auto fake = detail::encode_wal_entries(detail::WalOp::insert, fake_one, 7);
  std::copy(fake.begin(), fake.begin() + 24, payload.begin() + 100);  // a header without its body
  const std::span<const std::uint8_t> carrier[] = {payload};
  const auto c = detail::encode_wal_entries(detail::WalOp::insert, carrier, 2);
  auto cut = file;
  cut.insert(cut.end(), c.begin(), c.begin() + 300);  // cut inside the payload, after the fake header
  EXPECT_EQ(detail::scan_wal(cut, {}).tail, detail::WalTail::torn);
}

// Opening reads only the log after a snapshot's offset: the scan of that
// tail at its true offsets gives what the scan of the whole file gives.
TEST(GalleryLog, ScanningATailFromItsOffsetEqualsScanningTheWholeFile) {
  const std::vector<std::uint8_t> a(100, 1), b(50, 2);
  auto file = detail::wal_file_header();
  for (std::uint64_t seq = 1; seq <= 5; ++seq) {
    const std::span<const std::uint8_t> one[] = {seq % 2 ? a : b};
    const auto e = detail::encode_wal_entries(detail::WalOp::insert, one, seq);
    file.insert(file.end(), e.begin(), e.end());
  }
  const auto whole = detail::scan_wal(file, {});
  ASSERT_EQ(whole.committed.size(), 5u);
  detail::WalStart from;
  from.offset = whole.group_ends[1];
  from.seq = 2;
  const auto tail = detail::scan_wal(std::span(file).subspan(static_cast<std::size_t>(from.offset)), from.offset, from);
  ASSERT_EQ(tail.committed.size(), 3u);
  EXPECT_EQ(tail.committed.front().offset, from.offset);
  EXPECT_EQ(tail.committed_end, whole.committed_end);
  EXPECT_EQ(tail.last_seq, 5u);
}

// The review's finding (2026-12-07): with one flipped byte in the log
// under an intact snapshot, `check` advised a cut that set the snapshot
// aside too, and the gallery opened with nobody. Now, for every single-byte
// flip of a small gallery's log and of its snapshot: `check`, then the
// repair it advises first, then opening. No acknowledged person that an
// intact copy held is lost: a flip in the snapshot leaves the whole log; a
// flip in the log under the snapshot leaves the snapshot; a flip in an
// entry after it loses that entry's person only (its one copy), every
// other entry being intact. Every byte that frames data is flipped (the
// files' headers, every entry's header and checksum, the snapshot's first
// block header and its trailer) and a spread of payload bytes (each case
// re-opens the gallery, so all ~100 KB would take an hour).
TEST(GalleryLog, AFlippedByteFollowedByTheAdviceLosesNoPersonAnIntactCopyHolds) {
  const auto dir = fresh_dir("log_flips");
  const auto pop = make_population(6, 0, 47, 1);
  std::vector<std::string> ids;
  for (const auto& p : pop.gallery) ids.push_back(p.id);
  {
    auto g = Gallery::open(dir);
    g->insert(std::span<const PersonRecord>(pop.gallery).first(3));  // one group of three
    g->insert(pop.gallery[3]);
    g->snapshot();
    g->insert(pop.gallery[4]);
    g->insert(pop.gallery[5]);
  }
  const auto log = slurp(dir / "gallery.wal"), snap = slurp(dir / "gallery.snap");
  const auto pristine = check_gallery_log(dir);
  ASSERT_TRUE(pristine.opens && pristine.uses_snapshot && pristine.people == 6u);
  const std::uint64_t covered = pristine.snapshot_covers;
  // Which person each log entry after the snapshot holds (one entry each).
  const auto scan = detail::scan_wal(log, {});
  ASSERT_EQ(scan.committed.size(), 6u);
  const auto entry_of = [&](std::uint64_t offset) -> std::optional<std::size_t> {
    for (std::size_t k = 0; k < scan.committed.size(); ++k) {
      const std::uint64_t begin = scan.committed[k].offset;
      const std::uint64_t end = k + 1 < scan.committed.size() ? scan.committed[k + 1].offset : log.size();
      if (offset >= begin && offset < end) return k;
    }
    return std::nullopt;
  };
#ifdef NDEBUG
  const std::size_t payload_stride = 211;
#else
  const std::size_t payload_stride = 1693;  // the sanitizers are ten times slower
#endif
  std::set<std::size_t> log_flips, snap_flips;
  for (std::size_t i = 0; i < detail::kWalHeaderSize; ++i) log_flips.insert(i);
  for (const auto& e : scan.committed) {
    const std::uint64_t end = e.offset + detail::kWalEntryOverhead + e.payload.size();
    for (std::uint64_t i = e.offset; i < e.offset + detail::kWalEntryHeader; ++i) log_flips.insert(i);
    for (std::uint64_t i = end - 4; i < end; ++i) log_flips.insert(i);
    for (std::uint64_t i = e.offset + detail::kWalEntryHeader; i + 4 < end; i += payload_stride) log_flips.insert(i);
  }
  for (std::size_t i = 0; i < std::min<std::size_t>(192, snap.size()); ++i) snap_flips.insert(i);
  for (std::size_t i = snap.size() - 16; i < snap.size(); ++i) snap_flips.insert(i);
  for (std::size_t i = 192; i < snap.size(); i += payload_stride) snap_flips.insert(i);
  std::size_t cases = 0, repaired = 0, lost_own = 0;
  for (const bool in_log : {true, false}) {
    const auto& original = in_log ? log : snap;
    for (const std::size_t i : in_log ? log_flips : snap_flips) {
      std::filesystem::remove_all(dir);
      std::filesystem::create_directories(dir);
      auto bad = original;
      bad[i] ^= 0xFF;
      spit(dir / "gallery.wal", in_log ? std::span<const std::uint8_t>(bad) : std::span<const std::uint8_t>(log));
      spit(dir / "gallery.snap", in_log ? std::span<const std::uint8_t>(snap) : std::span<const std::uint8_t>(bad));
      const auto c = check_gallery_log(dir);
      if (!c.opens) {
        ++repaired;
        ASSERT_TRUE(c.salvage_people || c.set_aside_from) << c.opening_problem;
        if (c.salvage_people) salvage_gallery_log(dir);
        else set_aside_gallery_log(dir, *c.set_aside_from);
      }
      const auto o = open_read_only(dir);
      ASSERT_FALSE(o.refused) << (in_log ? "log" : "snapshot") << " byte " << i << ": " << o.message;
      // Who may be lost: only the person of the one damaged log entry past
      // the snapshot (its one copy); in the file header, nobody.
      std::optional<std::size_t> may_lose;
      if (in_log && i >= covered) may_lose = entry_of(i);
      auto g = Gallery::open(dir, nullptr, MccParams{}, FingerIndexParams{}, GalleryAccess::read_only);
      for (std::size_t k = 0; k < ids.size(); ++k) {
        if (g->contains(ids[k])) continue;
        ASSERT_TRUE(may_lose && *may_lose == k)
            << (in_log ? "log" : "snapshot") << " byte " << i << ": " << ids[k] << " was lost\n"
            << (c.advice.empty() ? "" : c.advice.back());
        ++lost_own;
      }
      ++cases;
    }
  }
  std::cout << cases << " flips (" << log.size() << " log bytes, " << snap.size() << " snapshot bytes), " << repaired
            << " repaired as advised, " << lost_own << " lost the one person of a damaged entry\n";
  EXPECT_GT(repaired, 0u);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace tunggal
