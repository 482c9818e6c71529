// The office: the twelve SOP steps (sop.h) as a durable state machine over a
// store, for the officers who run them. Every action is one transaction:
// the application's state, the step's time, the audit entry (hash-chained)
// and whatever else the step changes (schedule, stock, outbox) commit
// together or not at all, so a killed process restarts with exactly what
// it acknowledged.
//
// Who acts: an Actor, obtained by authenticating an officer (password,
// hashed with libsodium's Argon2id) or, for the applicant's own steps, from
// the online portal's login (the NIK). The role each step needs is the
// store's configuration (defaults in sop.h), checked here, on the server
// side, for every call.
//
// One holder at a time: an officer takes an application before acting on
// it; nobody else can act on it until it is released or the hold expires.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "tunggal/sdk/printing.h"
#include "tunggal/sdk/session.h"
#include "tunggal/workflow/actions.h"
#include "tunggal/workflow/sop.h"

namespace tunggal::workflow {

enum class DocumentKind { f102_form, family_card, birth_certificate, diploma, marriage_certificate };
std::string_view to_string(DocumentKind k) noexcept;
std::optional<DocumentKind> document_kind_from_string(std::string_view name) noexcept;

struct Document {
  DocumentKind kind = DocumentKind::f102_form;
  std::vector<std::uint8_t> bytes;  // PDF, JPEG or PNG, at most kMaxDocumentBytes
};
inline constexpr std::size_t kMaxDocumentBytes = 5u << 20;

// A person's demographic data: what the applicant types online (the form,
// compared with the population database and never trusted for a rule) and
// what the population database holds (a resident): the same fields.
struct Demographics {
  std::string nik, family_card, name, birth_place, birth_date;  // DD-MM-YYYY
  std::string sex;  // LAKI-LAKI / PEREMPUAN
  std::string address, rt_rw, village, district, regency, province;
  std::string religion, marital_status, occupation, blood_type;
};
using ApplicantForm = Demographics;
using Resident = Demographics;  // a row of the population database (step 3)

// The fields, written once: their names (in JSON, in the store, in a
// person record's attributes), the member, and the bytes each may take
// (checked at step 1 and at resubmission, before a document is stored; the
// NIK and the birth date have their own rules too).
struct FormField {
  std::string_view name;
  std::string Demographics::*member;
  std::size_t min_bytes, max_bytes;
  bool identity;  // compared with the population database at step 3
};
inline constexpr FormField kFormFields[] = {
    {"nik", &Demographics::nik, 16, 16, false},  // the key the row is found by
    {"family_card", &Demographics::family_card, 0, 16, true},
    {"name", &Demographics::name, 1, 100, true},
    {"birth_place", &Demographics::birth_place, 0, 100, true},
    {"birth_date", &Demographics::birth_date, 10, 10, true},
    {"sex", &Demographics::sex, 0, 20, true},
    {"address", &Demographics::address, 0, 200, false},
    {"rt_rw", &Demographics::rt_rw, 0, 16, false},
    {"village", &Demographics::village, 0, 100, false},
    {"district", &Demographics::district, 0, 100, false},
    {"regency", &Demographics::regency, 0, 100, false},
    {"province", &Demographics::province, 0, 100, false},
    {"religion", &Demographics::religion, 0, 50, false},
    {"marital_status", &Demographics::marital_status, 0, 50, false},
    {"occupation", &Demographics::occupation, 0, 100, false},
    {"blood_type", &Demographics::blood_type, 0, 3, false},
};

struct ApplyRequest {
  ApplicantForm form;
  std::vector<Document> documents;
  std::optional<std::int64_t> started_at;  // when the applicant began the form (for step 1's time)
};

// The one who acts. Made by the Office only (authenticate, applicant):
// a role cannot be claimed, it is read from the store.
class Actor {
 public:
  const std::string& id() const { return id_; }
  Role role() const { return role_; }

 private:
  friend class Office;
  Actor(std::string id, Role role) : id_(std::move(id)), role_(role) {}
  std::string id_;
  Role role_;
};

struct Officer {
  std::string id, name;
  Role role = Role::service_officer;
  bool active = true;
};

struct Station {
  enum class Kind { recording, printing };
  std::string id;
  Kind kind = Kind::recording;
  int daily_capacity = 40;          // recordings per day (recording stations)
  bool in_service = true;
  std::string out_of_service_reason;
  std::string printer_queue;        // printing stations: a CUPS queue; "" writes PDFs only
  std::int64_t last_sync = 0;       // recording: last synchronisation with consolidation
  std::int64_t free_disk_mb = 0;
};

// A gallery entry consolidation found close to the capture: what the
// identity section head weighs when adjudicating.
struct Candidate {
  std::string ref;
  double score = 0;                // fused
  std::optional<double> fingers;   // fused over the fingers compared
  std::optional<double> face;
  int fingers_compared = 0;
};

// Fingerprint images by position: what an adjudicator looks at beside the scores.
using FingerImages = std::map<FingerPosition, GrayImage>;

// What `adjudication_sheet` drew.
struct AdjudicationSheet {
  std::filesystem::path png;
  std::size_t candidates = 0;              // shown (the best five at most)
  std::size_t candidates_with_images = 0;  // whose images this office holds
};

// Step 8's decision on a possible duplicate.
struct DuplicateOf {
  std::string nik;  // the existing NIK the applicant already holds
};
struct NotDuplicate {
  std::string reason;  // what the adjudicator saw
};
using AdjudicationDecision = std::variant<DuplicateOf, NotDuplicate>;

struct ApplicationView {
  std::string id, nik, name;
  AppState state = AppState::submitted;
  std::optional<SopStep> next;  // the step to do next (none when final)
  std::string holder;
  std::int64_t hold_until = 0;
  std::string station;           // the recording station of the appointment
  std::string appointment_day;   // YYYY-MM-DD
  std::string printer, card_serial, prr;
  std::string dedup;             // "", "unique" or "duplicate" (consolidation's answer)
  std::vector<Candidate> candidates;
  std::string linked_nik;        // a decided duplicate: the existing NIK
  std::vector<std::string> reasons;  // why the last step went the way it did
  std::int64_t created_at = 0, updated_at = 0;
  int escalated = 0;             // times flagged overdue
  std::int64_t version = 0;
};

struct AuditEntry {
  std::int64_t seq = 0, at = 0;
  std::string actor, role, application, action, before, after, details;
  std::string hash;  // hex SHA-256 of the previous hash and this entry's fields
};

struct AccessEntry {
  std::int64_t at = 0;
  std::string actor, role, application, what;
};

struct AuditCheck {
  bool intact = true;
  std::int64_t entries = 0;
  std::int64_t first_broken = 0;  // seq of the first entry that does not verify (0: none)
  std::string problem;
  std::string head;  // the last entry's hash: with `entries`, the anchor to publish
};

// What was published about the chain at some time (a day's report, a
// message to consolidation): a chain that verifies on its own but is
// shorter, or whose entry `entries` has another hash, lost its tail.
struct AuditAnchor {
  std::int64_t entries = 0;
  std::string head;
};

struct StepStats {
  SopStep step = SopStep::apply_online;
  std::size_t count = 0;
  double p50_minutes = 0, p95_minutes = 0, max_minutes = 0;
  int limit_minutes = 0;
  std::size_t over_limit = 0;
};
struct SlaReport {
  std::vector<StepStats> steps;  // 1..11, then 12 = the whole procedure (submission to hand-over)
  std::vector<std::string> overdue;  // open applications past a limit now
};

struct PrintAttempt {
  sdk::PrintOutcome outcome = sdk::PrintOutcome::job_failed;
  std::string serial;  // the blank used ("" when none was)
  std::filesystem::path pdf;
  std::string message;
  bool held = false;   // no blanks (or no printer in service): the card waits
};

struct OfficeConfig {
  std::filesystem::path dir;  // the store: office.db, documents/, captures/, gallery/, cards/, secret.key
  // Seconds since the epoch (UTC); the simulation passes its own clock.
  std::function<std::int64_t()> clock;
  double target_fpir = 1e-3;
  int hold_minutes = 30;
  int min_finger_quality = 40;   // step 7's quality gate, per finger
  int min_fingers = 4;           // fingers that must pass it (others may be marked absent)
  int max_unsynced_hours = 24;   // a recording station silent longer stops recording
  int min_free_disk_mb = 500;
  double officer_finger_fmr = 1e-4;  // a capture matching the officer's own finger is refused
  double pickup_fmr = 1e-3;          // the applicant's finger at hand-over
  std::string issuing_office = "";   // printed as the place of issue ("": the applicant's regency)
  sdk::SessionConfig session;        // the SDK session; gallery defaults to dir/gallery
};

struct Command;  // commands.h
struct Outcome;

class Office {
 public:
  // Opens the store in config.dir, creating it (schema, default roles, the
  // first administrator) when `admin_password` is given and it is absent.
  static std::unique_ptr<Office> open(OfficeConfig config, const std::string& admin_id = "",
                                      const std::string& admin_password = "");
  ~Office();
  Office(const Office&) = delete;
  Office& operator=(const Office&) = delete;

  // ---- who acts ---------------------------------------------------------
  Actor authenticate(const std::string& officer_id, const std::string& password) const;
  // The online portal authenticated the applicant; the NIK names them.
  Actor applicant(const std::string& nik) const;


  // ---- configuration (administrator) -------------------------------------
  void add_officer(const Actor& admin, const Officer& officer, const std::string& password,
                   const std::vector<FingerTemplate>& own_fingers = {});
  void set_step_role(const Actor& admin, SopStep step, Role role);
  Role step_role(SopStep step) const;
  void add_station(const Actor& admin, const Station& station);
  void set_station_in_service(const Actor& actor, const std::string& station, bool in_service,
                              const std::string& reason = "");
  void station_sync(const Actor& actor, const std::string& station, std::int64_t free_disk_mb);
  void add_holiday(const Actor& admin, const std::string& day);  // YYYY-MM-DD
  // Blank cards for a printer: serials prefix + number, `count` of them.
  void add_stock(const Actor& admin, const std::string& printer, const std::string& prefix, int first, int count);
  void import_residents(const Actor& admin, std::span<const Resident> residents);
  // The images of a person enrolled elsewhere (in a deployment the
  // consolidation center's repository serves them), kept sealed so that an
  // adjudication here can show them; `label` (NIK, name) is shown with them.
  void keep_reference_images(const Actor& admin, const std::string& ref, const std::string& label,
                             const ColorImage& photo, const FingerImages& fingers);
  // The consolidation center's reachability (the network incident).
  void set_consolidation_online(bool online);

  // ---- one request per action (commands.h) ---------------------------------
  // Runs a parsed command as `who`: for a step on an application, the
  // version the caller saw is checked and the hold taken in one
  // transaction (Error(conflict) for a stale version), then the step, and
  // the hold given back when the step is refused. Nothing changes for a
  // refused command.
  Outcome execute(const Actor& who, const Command& command);

  // ---- the steps ----------------------------------------------------------
  std::string apply(const Actor& applicant, const ApplyRequest& request);                   // 1
  void resubmit(const Actor& applicant, const std::string& app, const ApplyRequest& request);
  // Takes the hold, for an action this officer's role may do on the
  // application now (Error(denied) for another desk's, Error(conflict) when
  // no officer acts on it now, Error(busy) while another holds it); true
  // when the hold was not already this officer's (renewed otherwise).
  bool take(const Actor& officer, const std::string& app);
  void release(const Actor& officer, const std::string& app);
  ApplicationView check_documents(const Actor& officer, const std::string& app);           // 2
  ApplicationView check_population(const Actor& officer, const std::string& app);          // 3
  ApplicationView validate_data(const Actor& head, const std::string& app);                // 4
  ApplicationView send_schedule(const Actor& officer, const std::string& app,              // 5
                                const std::string& day = "");
  ApplicationView confirm_schedule(const Actor& applicant, const std::string& app);        // 6
  ApplicationView mark_no_show(const Actor& officer, const std::string& app);
  // 7: the capture (ten prints and face, as the SDK's capture made it),
  // the photo for the card and the finger images the capture came from
  // (kept, sealed, for adjudication; positions the capture holds).
  ApplicationView record_biometrics(const Actor& officer, const std::string& app, const std::string& station,
                                    const PersonRecord& capture, const ColorImage& photo,
                                    const FingerImages& finger_images = {});
  // Sends waiting captures to consolidation (the SDK's deduplication),
  // each exactly once; returns how many were answered (0 while offline).
  std::size_t process_outbox();
  ApplicationView check_deduplication(const Actor& head, const std::string& app);          // 8
  // Step 8's side-by-side view for the identity section head (the role of
  // step 8): the capture and the best candidates, face and fingerprint
  // images by position with the scores, as one PNG. Candidates recorded at
  // this office, or kept as references, show their images; others say that
  // the images are not held here. Who looked is audited.
  AdjudicationSheet adjudication_sheet(const Actor& head, const std::string& app, const std::filesystem::path& png);
  // The decision, typed: a duplicate names the existing NIK; "not a
  // duplicate" gives the reason (1-500 characters). The role, state and
  // hold are checked before the gallery is touched; "not a duplicate"
  // enrols the capture, once.
  ApplicationView adjudicate(const Actor& head, const std::string& app, const AdjudicationDecision& decision);
  ApplicationView verify_print_request(const Actor& head, const std::string& app);         // 9
  PrintAttempt print_card(const Actor& officer, const std::string& app, const std::string& printer);  // 10
  std::vector<std::pair<std::string, PrintAttempt>> bulk_print(const Actor& officer, const std::string& printer);
  ApplicationView report_spoiled(const Actor& officer, const std::string& app, const std::string& reason);
  ApplicationView hand_over(const Actor& officer, const std::string& app, const PersonRecord& fingerprint);  // 11
  ApplicationView close(const Actor& officer, const std::string& app);                      // 12
  void add_note(const Actor& officer, const std::string& app, const std::string& text);

  // ---- looking -------------------------------------------------------------
  // What `actor` may do on `app` now (the console's buttons, the portal's
  // next step), in the transition table's order; holds aside.
  std::vector<Action> allowed(const Actor& actor, const std::string& app) const;
  // Reads are checked (an applicant sees only their own applications;
  // officers and the administrator what the office holds) and logged in the
  // access log (who read which file when; not what they saw).
  ApplicationView application(const Actor& who, const std::string& app) const;
  std::vector<ApplicationView> applications(const Actor& who, std::optional<AppState> state = {}) const;
  std::vector<AuditEntry> history(const Actor& who, const std::string& app) const;  // the register book
  std::vector<AccessEntry> access_log(const Actor& admin, const std::string& app) const;
  // The chain entry by entry; then, against `anchor`, that no tail was cut;
  // then that every application's state is the one its last audited
  // transition left (a state changed in the database by hand is found).
  AuditCheck verify_audit(const std::optional<AuditAnchor>& anchor = {}) const;
  SlaReport sla_report() const;
  // Flags open applications past a step's limit (audit entry, escalated
  // counter); returns their ids.
  std::vector<std::string> escalate_overdue();
  std::map<std::string, int> blanks_left() const;  // per printer
  std::vector<Station> stations() const;
  std::size_t outbox_pending() const;
  // The people consolidation already holds, enrolled into the office's
  // gallery (administrator; audited with the count).
  void enrol_existing(const Actor& admin, std::span<const PersonRecord> people);
  // Whether the office's gallery holds `ref` (administrator, identity section).
  bool in_gallery(const Actor& who, const std::string& ref) const;
  // An SDK session for a desk's devices (capture, extraction, quality),
  // with a gallery of its own in memory: nothing enrolled through it
  // reaches the office's gallery.
  sdk::Session& desk_session(const Actor& officer);

  struct Impl;

 private:
  explicit Office(std::unique_ptr<Impl> impl);
  Actor system() const;  // the office's own jobs (outbox, escalation): never handed out
  std::unique_ptr<Impl> impl_;
};

// A resident from a person record's demographic attributes (as `tunggal
// gen` writes them: nik, name, birth_place, ...). A record without a
// family-card number gets one derived from the NIK (the region, the
// serial), the same every time.
Resident resident_from_record(const PersonRecord& record);


// Checks a NIK against its rules: 16 digits, a province code that exists,
// regency and district codes not 00, a birth date that exists (40 added to
// the day for women), serial 0001-9999. Returns the problem ("" when fine).
std::string nik_problem(std::string_view nik);
// "" for a date that exists, written DD-MM-YYYY (years 1900-2199); else
// what is wrong.
std::string date_problem(std::string_view ddmmyyyy);
// The same for a calendar day written YYYY-MM-DD (appointments, holidays).
std::string iso_day_problem(std::string_view yyyy_mm_dd);
// "" for text a person typed that the office may store and print: valid
// UTF-8, no control characters, between min and max bytes; else what is
// wrong ("is empty", "is 60000 bytes, over 200", ...).
std::string text_problem(std::string_view text, std::size_t min_bytes, std::size_t max_bytes);
// Age in whole years on `on` (both DD-MM-YYYY); -1 for a date that does not parse.
int age_on(const std::string& birth_date, const std::string& on);

}  // namespace tunggal::workflow
