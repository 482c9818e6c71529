// `tunggal office ...`: the issuance procedure for officers and for the
// simulation, over an office store (tunggal/workflow/office.h). An officer
// acts as `--as ID`, with the password in $TUNGGAL_PASSWORD or the first
// line of --password-file; the role each step needs is checked by the
// office, on its side.
#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <ctime>
#include <iomanip>
#include <map>
#include <iostream>
#include <tuple>

#include "commands.h"
#include "tunggal/workflow/commands.h"
#include "json_out.h"
#include "tunggal/sdk.h"
#include "tunggal/text.h"
#include "tunggal/workflow/office.h"
#include "tunggal/workflow/simulation.h"
#include "tunggal/workflow/sla.h"

namespace tunggal::cli {
namespace {

using namespace workflow;

struct OfficeArgs {
  std::string store, as, password_file, application;
};

std::string password_of(const OfficeArgs& a) {
  if (!a.password_file.empty()) {
    std::ifstream in(a.password_file);
    std::string line;
    if (!in || !std::getline(in, line)) throw Error(ErrorCode::not_found, a.password_file + ": no password in it");
    return line;
  }
  if (const char* p = std::getenv("TUNGGAL_PASSWORD")) return p;
  throw Error(ErrorCode::invalid_argument, "office: give the password in $TUNGGAL_PASSWORD or --password-file");
}

std::unique_ptr<Office> open_store(const OfficeArgs& a) {
  OfficeConfig c;
  c.dir = a.store;
  c.session.face = false;
  return Office::open(c);
}

void add_auth(CLI::App* cmd, OfficeArgs& a, bool application) {
  cmd->add_option("--store", a.store, "The office store (a folder)")->required();
  cmd->add_option("--as", a.as, "The acting officer's id")->required();
  cmd->add_option("--password-file", a.password_file, "A file whose first line is the password (else $TUNGGAL_PASSWORD)");
  if (application) cmd->add_option("--application", a.application, "The application's id")->required();
}

// A time as the office reads it: its local time zone (TZ), to the minute.
std::string local_time(std::int64_t t) {
  const std::time_t tt = static_cast<std::time_t>(t);
  std::tm tm{};
  localtime_r(&tt, &tm);
  char buf[40];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M %Z", &tm);
  return buf;
}

void print_view(const ApplicationView& v) {
  std::cout << v.id << ": " << to_string(v.state);
  if (v.next) std::cout << " (next: step " << static_cast<int>(*v.next) << ", " << to_string(*v.next) << ")";
  if (!v.appointment_day.empty()) std::cout << "; appointment " << v.appointment_day << " at " << v.station;
  if (!v.holder.empty()) std::cout << "; held by " << v.holder;
  if (!v.card_serial.empty()) std::cout << "; card " << v.card_serial;
  if (!v.dedup.empty()) std::cout << "; consolidation: " << v.dedup << " (" << v.candidates.size() << " candidates)";
  std::cout << "\n";
  for (const auto& r : v.reasons) std::cout << "  " << r << "\n";
}

ApplyRequest request_from(const std::string& record_path, const std::vector<std::string>& documents) {
  ApplyRequest q;
  q.form = resident_from_record(decode_person_record(read_file(record_path, kMaxTemplateBytes)));
  for (const auto& d : documents) {
    const auto eq = d.find('=');
    const auto kind = eq == std::string::npos ? std::nullopt : document_kind_from_string(d.substr(0, eq));
    if (!kind)
      throw Error(ErrorCode::invalid_argument, "--document wants KIND=FILE (f102_form, family_card, birth_certificate, "
                                               "diploma, marriage_certificate), got '" + d + "'");
    q.documents.push_back({*kind, read_file(d.substr(eq + 1), kMaxDocumentBytes)});
  }
  return q;
}

}  // namespace

Runner add_office(CLI::App& app) {
  auto* office = app.add_subcommand("office", "The issuance procedure (the twelve SOP steps) over an office store");
  office->require_subcommand(1);
  std::vector<std::pair<CLI::App*, std::function<int()>>> verbs;

  // simulate (the interface others rely on)
  {
    auto p = std::make_shared<SimulationParams>();
    auto* c = office->add_subcommand("simulate", "A simulated office day into --out (the store and all the day made)");
    c->add_option("--applicants", p->applicants, "Applicants")->capture_default_str();
    c->add_option("--duplicates", p->duplicates, "Share already enrolled under another NIK")->capture_default_str();
    c->add_option("--seed", p->seed, "Seed")->capture_default_str();
    c->add_option("--out", p->out, "Folder for the day")->required();
    c->add_option("--enrolled", p->enrolled, "People enrolled before the day (default: 2 x applicants)");
    c->add_option("--fingers", p->fingers, "Fingers captured per applicant")->capture_default_str();
    c->add_option("--printer", p->printer_queue, "A CUPS queue to print the cards on");
    c->add_option("--photos", p->photos, "A folder of face photos for the cards (e.g. ../shared/data/att_faces)");
    c->add_option("--max-actions", p->max_actions, "Stop after this many actions (a later run carries on)");
    auto quiet = std::make_shared<bool>(false);
    c->add_flag("--quiet", *quiet, "No per-applicant messages");
    verbs.emplace_back(c, [p, quiet] {
      if (!*quiet) p->account = &std::cout;
      // With TUNGGAL_SIM_TRACE set, each action the office acknowledged is
      // printed as it returns ("ack APPLICATION STATE"): the crash test
      // checks that every one it saw survives a kill.
      if (std::getenv("TUNGGAL_SIM_TRACE") != nullptr)
        p->acknowledged = [](const std::string& application, AppState state) {
          std::cout << "ack " << application << " " << to_string(state) << std::endl;
        };
      const std::string summary = simulate_office_day(*p);
      std::cout << summary << "\n";
      return 0;
    });
  }
  // audit verify (the interface others rely on)
  {
    auto store = std::make_shared<std::string>();
    auto* audit = office->add_subcommand("audit", "The audit log (the register book)");
    audit->require_subcommand(1);
    auto* c = audit->add_subcommand("verify", "Check the hash chain; exit 0 when intact, 1 naming the first broken entry");
    c->add_option("--store", *store, "The office store")->required();
    auto head = std::make_shared<std::string>();
    auto entries = std::make_shared<std::int64_t>(0);
    auto* h = c->add_option("--expect-head", *head, "The head hash published earlier (a day's report: audit.head)");
    auto* n = c->add_option("--expect-entries", *entries, "The entry count published with it (audit.entries)")
                  ->check(CLI::PositiveNumber);
    h->needs(n);
    n->needs(h);
    verbs.emplace_back(c, [store, head, entries] {
      OfficeArgs a;
      a.store = *store;
      std::optional<AuditAnchor> anchor;
      if (!head->empty()) anchor = AuditAnchor{*entries, *head};
      const auto check = open_store(a)->verify_audit(anchor);
      if (check.intact) {
        std::cout << "audit intact: " << check.entries << " entries, head " << check.head << "\n";
        return 0;
      }
      std::cout << "audit BROKEN: " << check.problem << "\n";
      return 1;
    });
  }
  // report
  {
    auto store = std::make_shared<std::string>();
    auto png = std::make_shared<std::string>();
    auto* c = office->add_subcommand("report", "SLA: each step's time against its limit; overdue applications");
    c->add_option("--store", *store, "The office store")->required();
    c->add_option("--png", *png, "Also a chart (PNG)");
    verbs.emplace_back(c, [store, png] {
      OfficeArgs a;
      a.store = *store;
      const auto r = open_store(a)->sla_report();
      write_sla_table(r, std::cout);
      if (!png->empty()) write_sla_chart(r, *png);
      return 0;
    });
  }
  // diagram
  {
    auto* c = office->add_subcommand("diagram", "The state machine as Graphviz (dot)");
    verbs.emplace_back(c, [] {
      std::cout << state_diagram();
      return 0;
    });
  }
  // init
  {
    auto a = std::make_shared<OfficeArgs>();
    auto* c = office->add_subcommand("init", "Create an office store with its first administrator");
    c->add_option("--store", a->store, "The office store (a folder)")->required();
    c->add_option("--as", a->as, "The administrator's id")->required();
    c->add_option("--password-file", a->password_file, "The administrator's password (else $TUNGGAL_PASSWORD)");
    verbs.emplace_back(c, [a] {
      OfficeConfig cfg;
      cfg.dir = a->store;
      cfg.session.face = false;
      if (std::filesystem::exists(std::filesystem::path(a->store) / "office.db"))
        throw Error(ErrorCode::invalid_argument, a->store + ": an office store exists here");
      Office::open(cfg, a->as, password_of(*a));
      std::cout << "office store " << a->store << " created; administrator " << a->as << "\n";
      return 0;
    });
  }
  // officer add
  {
    auto a = std::make_shared<OfficeArgs>();
    auto o = std::make_shared<std::array<std::string, 4>>();  // id, name, role, new password file
    auto* officer = office->add_subcommand("officer", "Officers");
    officer->require_subcommand(1);
    auto* c = officer->add_subcommand("add", "Add an officer (administrator)");
    add_auth(c, *a, false);
    c->add_option("--id", (*o)[0], "The officer's id")->required();
    c->add_option("--name", (*o)[1], "Name")->required();
    c->add_option("--role", (*o)[2], "service_officer, head_population, recording_officer, head_identity, printing_officer")
        ->required();
    c->add_option("--new-password-file", (*o)[3], "The new officer's password")->required();
    verbs.emplace_back(c, [a, o] {
      auto off = open_store(*a);
      const auto role = role_from_string((*o)[2]);
      if (!role) throw Error(ErrorCode::invalid_argument, "unknown role " + (*o)[2]);
      OfficeArgs pw;
      pw.password_file = (*o)[3];
      off->add_officer(off->authenticate(a->as, password_of(*a)), {(*o)[0], (*o)[1], *role, true}, password_of(pw));
      std::cout << "officer " << (*o)[0] << " (" << (*o)[2] << ") added\n";
      return 0;
    });
  }
  // Configuration: who does which step, stations, blanks, holidays (the
  // office checks the administrator's role on its side).
  const auto config = [&](CLI::App* parent, const char* name, const char* help,
                          std::function<void(CLI::App*)> options, std::function<void(Office&, const Actor&)> body) {
    auto a = std::make_shared<OfficeArgs>();
    auto* c = parent->add_subcommand(name, help);
    add_auth(c, *a, false);
    options(c);
    verbs.emplace_back(c, [a, body] {
      auto off = open_store(*a);
      body(*off, off->authenticate(a->as, password_of(*a)));
      return 0;
    });
  };
  {
    auto o = std::make_shared<std::pair<int, std::string>>(0, "");
    config(office, "role", "Set the role that does a step (administrator; defaults in the README)",
           [o](CLI::App* c) {
             c->add_option("--step", o->first, "Step 1-11")->required()->check(CLI::Range(1, 11));
             c->add_option("--role", o->second, "The role")->required();
           },
           [o](Office& off, const Actor& w) {
             const auto role = role_from_string(o->second);
             if (!role) throw Error(ErrorCode::invalid_argument, "unknown role " + o->second);
             off.set_step_role(w, static_cast<SopStep>(o->first), *role);
             std::cout << "step " << o->first << " is done by " << o->second << "\n";
           });
  }
  {
    auto* station = office->add_subcommand("station", "Recording and printing stations");
    station->require_subcommand(1);
    auto st = std::make_shared<Station>();
    auto kind = std::make_shared<std::string>("recording");
    config(station, "add", "Add a station (administrator)",
           [st, kind](CLI::App* c) {
             c->add_option("--id", st->id, "The station's id")->required();
             c->add_option("--kind", *kind, "recording or printing")->capture_default_str();
             c->add_option("--capacity", st->daily_capacity, "Recordings per day")->capture_default_str();
             c->add_option("--queue", st->printer_queue, "Printing: the CUPS queue (none: PDFs only)");
           },
           [st, kind](Office& off, const Actor& w) {
             if (*kind != "recording" && *kind != "printing")
               throw Error(ErrorCode::invalid_argument, "--kind is recording or printing, not " + *kind);
             st->kind = *kind == "printing" ? Station::Kind::printing : Station::Kind::recording;
             off.add_station(w, *st);
             std::cout << *kind << " station " << st->id << " added\n";
           });
    auto sv = std::make_shared<std::array<std::string, 2>>();  // id, reason
    auto back = std::make_shared<bool>(false);
    config(station, "service", "Take a station out of service (--out REASON) or back (--in)",
           [sv, back](CLI::App* c) {
             c->add_option("--id", (*sv)[0], "The station")->required();
             auto* out = c->add_option("--out", (*sv)[1], "Out of service, and why");
             auto* in = c->add_flag("--in", *back, "Back in service");
             out->excludes(in);
           },
           [sv, back](Office& off, const Actor& w) {
             if (!*back && (*sv)[1].empty()) throw Error(ErrorCode::invalid_argument, "station service: --out REASON or --in");
             off.set_station_in_service(w, (*sv)[0], *back, (*sv)[1]);
             std::cout << "station " << (*sv)[0] << (*back ? " in service\n" : " out of service: " + (*sv)[1] + "\n");
           });
    auto sync = std::make_shared<std::pair<std::string, std::int64_t>>("", 0);
    config(station, "sync", "A recording station reports it synchronised with consolidation, and its free disk",
           [sync](CLI::App* c) {
             c->add_option("--id", sync->first, "The station")->required();
             c->add_option("--free-disk-mb", sync->second, "Free disk (MB)")->required();
           },
           [sync](Office& off, const Actor& w) {
             off.station_sync(w, sync->first, sync->second);
             std::cout << "station " << sync->first << " synchronised, " << sync->second << " MB free\n";
           });
    auto list_args = std::make_shared<OfficeArgs>();
    auto* ls = station->add_subcommand("list", "Stations: service, capacity, blanks, last synchronisation");
    add_auth(ls, *list_args, false);
    verbs.emplace_back(ls, [list_args] {
      auto off = open_store(*list_args);
      off->authenticate(list_args->as, password_of(*list_args));
      const auto blanks = off->blanks_left();
      for (const auto& x : off->stations()) {
        std::cout << x.id << " " << (x.kind == Station::Kind::printing ? "printing" : "recording") << " "
                  << (x.in_service ? "in service" : "OUT OF SERVICE (" + x.out_of_service_reason + ")");
        if (x.kind == Station::Kind::recording) std::cout << ", " << x.daily_capacity << " a day";
        const auto b = blanks.find(x.id);
        if (x.kind == Station::Kind::printing) std::cout << ", " << (b == blanks.end() ? 0 : b->second) << " blanks";
        std::cout << "\n";
      }
      return 0;
    });
  }
  {
    auto* stock = office->add_subcommand("stock", "Blank cards");
    stock->require_subcommand(1);
    auto sk = std::make_shared<std::tuple<std::string, std::string, int, int>>("", "", 1, 0);
    config(stock, "add", "Blanks for a printer, serials PREFIX + number (administrator)",
           [sk](CLI::App* c) {
             c->add_option("--printer", std::get<0>(*sk), "The printing station")->required();
             c->add_option("--prefix", std::get<1>(*sk), "Serial prefix, e.g. KTP26")->required();
             c->add_option("--first", std::get<2>(*sk), "First serial number")->capture_default_str();
             c->add_option("--count", std::get<3>(*sk), "How many")->required()->check(CLI::Range(1, 1000000));
           },
           [sk](Office& off, const Actor& w) {
             const auto& [printer, prefix, first, count] = *sk;
             off.add_stock(w, printer, prefix, first, count);
             std::cout << count << " blanks added to " << printer << "; " << off.blanks_left()[printer] << " left\n";
           });
  }
  {
    auto* holiday = office->add_subcommand("holiday", "Days the office is closed");
    holiday->require_subcommand(1);
    auto day = std::make_shared<std::string>();
    config(holiday, "add", "A holiday (administrator): no appointments that day",
           [day](CLI::App* c) { c->add_option("--day", *day, "YYYY-MM-DD")->required(); },
           [day](Office& off, const Actor& w) {
             off.add_holiday(w, *day);
             std::cout << "holiday " << *day << " added\n";
           });
  }
  {
    auto printer = std::make_shared<std::string>();
    config(office, "bulk-print", "Step 10 for every print-ready record (card printing officer)",
           [printer](CLI::App* c) { c->add_option("--printer", *printer, "Printing station")->required(); },
           [printer](Office& off, const Actor& w) {
             for (const auto& [id, r] : off.bulk_print(w, *printer))
               std::cout << id << ": " << (r.held ? "held (" + r.message + ")" : std::string(sdk::to_string(r.outcome)))
                         << (r.serial.empty() ? "" : ", blank " + r.serial) << "\n";
           });
  }
  {
    auto population = std::make_shared<std::string>();
    config(office, "import-residents", "The population database from generated people (administrator; tunggal gen)",
           [population](CLI::App* c) { c->add_option("--population", *population, "A population folder (its records/)")->required(); },
           [population](Office& off, const Actor& w) {
             std::vector<Resident> residents;
             std::vector<std::filesystem::path> files;
             for (const auto& e : std::filesystem::directory_iterator(std::filesystem::path(*population) / "records"))
               if (e.path().extension() == ".tgr") files.push_back(e.path());
             std::sort(files.begin(), files.end());
             for (const auto& f : files) residents.push_back(resident_from_record(decode_person_record(read_file(f, kMaxTemplateBytes))));
             off.import_residents(w, residents);
             std::cout << residents.size() << " residents imported\n";
           });
  }
  config(office, "jobs", "The office's jobs (any officer): waiting captures to consolidation, overdue flagged",
         [](CLI::App*) {},
         [](Office& off, const Actor&) {
           const std::size_t sent = off.process_outbox();
           const auto overdue = off.escalate_overdue();
           std::cout << sent << " captures answered by consolidation, " << off.outbox_pending() << " waiting; "
                     << overdue.size() << " applications overdue (escalated)\n";
         });
  // show and list
  {
    auto a = std::make_shared<OfficeArgs>();
    auto* c = office->add_subcommand("show", "An application: its state and its whole history (where the file is)");
    add_auth(c, *a, true);
    verbs.emplace_back(c, [a] {
      auto off = open_store(*a);
      const Actor who = off->authenticate(a->as, password_of(*a));
      if (who.role() == Role::applicant) throw Error(ErrorCode::invalid_argument, "show: for officers");
      const auto v = off->application(who, a->application);
      print_view(v);
      // What the identity section head sees: each candidate's scores.
      for (const auto& k : v.candidates) {
        std::cout << "  candidate " << k.ref << ": fused " << k.score;
        if (k.fingers) std::cout << ", fingers " << *k.fingers << " over " << k.fingers_compared;
        if (k.face) std::cout << ", face " << *k.face;
        std::cout << "\n";
      }
      for (const auto& e : off->history(who, a->application))
        std::cout << "  #" << e.seq << " " << local_time(e.at) << " " << e.actor << " (" << e.role << ") " << e.action << ": "
                  << e.before << " -> " << e.after << "\n";
      return 0;
    });
  }
  {
    auto a = std::make_shared<OfficeArgs>();
    auto out = std::make_shared<std::string>();
    auto* c = office->add_subcommand("adjudication-sheet",
                                     "Step 8: the capture beside each candidate, face and finger images with the scores, "
                                     "as a PNG (section head, identity)");
    add_auth(c, *a, true);
    c->add_option("--out", *out, "The PNG to write")->required();
    verbs.emplace_back(c, [a, out] {
      auto off = open_store(*a);
      const Actor who = off->authenticate(a->as, password_of(*a));
      const auto s = off->adjudication_sheet(who, a->application, *out);
      std::cout << "adjudication sheet: " << s.candidates << " candidates (" << s.candidates_with_images
                << " with images held here) -> " << s.png.string() << "\n";
      return 0;
    });
  }
  {
    auto a = std::make_shared<OfficeArgs>();
    auto state = std::make_shared<std::string>();
    auto* c = office->add_subcommand("list", "Applications, optionally in one state");
    add_auth(c, *a, false);
    c->add_option("--state", *state, "Only this state");
    verbs.emplace_back(c, [a, state] {
      auto off = open_store(*a);
      const Actor who = off->authenticate(a->as, password_of(*a));
      std::optional<AppState> s;
      if (!state->empty()) {
        s = state_from_string(*state);
        if (!s) throw Error(ErrorCode::invalid_argument, "unknown state " + *state);
      }
      for (const auto& v : off->applications(who, s)) print_view(v);
      return 0;
    });
  }
  // The applicant's steps (the online portal authenticated them: the NIK).
  {
    auto a = std::make_shared<OfficeArgs>();
    auto rec = std::make_shared<std::string>();
    auto docs = std::make_shared<std::vector<std::string>>();
    auto* c = office->add_subcommand("apply", "Step 1: the applicant's form and documents (from a generated record)");
    c->add_option("--store", a->store, "The office store")->required();
    c->add_option("--record", *rec, "A person record with the demographic attributes (tunggal gen)")->required();
    c->add_option("--document", *docs, "KIND=FILE, e.g. family_card=kk.pdf (PDF, JPEG or PNG)");
    verbs.emplace_back(c, [a, rec, docs] {
      auto off = open_store(*a);
      const auto q = request_from(*rec, *docs);
      const Actor applicant = off->applicant(q.form.nik);
      const std::string id = off->apply(applicant, q);
      print_view(off->application(applicant, id));
      return 0;
    });
  }
  {
    auto a = std::make_shared<OfficeArgs>();
    auto nik = std::make_shared<std::string>();
    auto* c = office->add_subcommand("confirm", "Step 6: the applicant confirms the appointment");
    c->add_option("--store", a->store, "The office store")->required();
    c->add_option("--nik", *nik, "The applicant's NIK")->required();
    c->add_option("--application", a->application, "The application's id")->required();
    verbs.emplace_back(c, [a, nik] {
      auto off = open_store(*a);
      print_view(off->confirm_schedule(off->applicant(*nik), a->application));
      return 0;
    });
  }
  // Holds by hand: an officer takes a file to work on it, and gives it back.
  for (const bool taking : {true, false}) {
    auto a = std::make_shared<OfficeArgs>();
    auto* c = office->add_subcommand(taking ? "take" : "release",
                                     taking ? "Hold an application for a step you may do on it now (others wait)"
                                            : "Give back an application you hold");
    add_auth(c, *a, true);
    verbs.emplace_back(c, [a, taking] {
      auto off = open_store(*a);
      const Actor who = off->authenticate(a->as, password_of(*a));
      if (taking)
        off->take(who, a->application);
      else
        off->release(who, a->application);
      print_view(off->application(who, a->application));
      return 0;
    });
  }
  // The step verbs: each builds the action's request (commands.h) and the
  // office executes it at the version it has now: the step takes the hold
  // itself, so a refused step leaves no hold and no audit entry.
  struct StepArgs {
    OfficeArgs o;
    std::string record, photo, station, day, printer, reason, linked, finger, text, reader;
    std::vector<std::string> finger_images;  // POS=IMAGE
    double timeout = 30;
  };
  using Body = std::function<command::Body(Office&, const Actor&, StepArgs&, const Target&)>;
  const auto step = [&](const char* name, const char* help, Body body, std::function<void(CLI::App*, StepArgs&)> extra = {}) {
    auto a = std::make_shared<StepArgs>();
    auto* c = office->add_subcommand(name, help);
    add_auth(c, a->o, true);
    if (extra) extra(c, *a);
    verbs.emplace_back(c, [a, body] {
      auto off = open_store(a->o);
      const Actor who = off->authenticate(a->o.as, password_of(a->o));
      const Target target{a->o.application, off->application(who, a->o.application).version};
      const Command request{body(*off, who, *a, target)};
      const Outcome out = off->execute(who, request);
      if (out.print)
        std::cout << "print: " << sdk::to_string(out.print->outcome)
                  << (out.print->serial.empty() ? "" : ", blank " + out.print->serial)
                  << (out.print->message.empty() ? "" : "; " + out.print->message) << "\n";
      print_view(out.view);
      // The office's own "no" on the merits: a recapture, a finger that did not match at pickup.
      const std::string_view done = action_name(request);
      if (done == "record_biometrics" && out.view.state == AppState::recapture_needed) return 1;
      if (done == "hand_over" && out.view.state != AppState::issued) return 1;
      return 0;
    });
  };
  const auto plain = [](Action x) {
    return Body([x](Office&, const Actor&, StepArgs&, const Target& t) { return command::Step{x, t}; });
  };
  step("check-documents", "Step 2: the files (service officer)", plain(Action::check_documents));
  step("check-population", "Step 3: the population database (service officer)", plain(Action::check_population));
  step("validate", "Step 4: NIK ready to record (section head, population data)", plain(Action::validate_data));
  step("schedule", "Step 5: the recording appointment (service officer)",
       [](Office&, const Actor&, StepArgs& a, const Target& t) { return command::SendSchedule{t, a.day}; },
       [](CLI::App* c, StepArgs& a) { c->add_option("--day", a.day, "From this day (YYYY-MM-DD)"); });
  step("no-show", "The applicant did not come (service officer)", plain(Action::mark_no_show));
  step("record", "Step 7: the capture and photo (recording officer)",
       [](Office& o, const Actor& w, StepArgs& a, const Target& t) {
         command::RecordBiometrics r{t, a.station, {}, read_color_image(a.photo), {}};
         const int given = !a.record.empty() + !a.finger_images.empty() + !a.reader.empty();
         if (given != 1)
           throw Error(ErrorCode::invalid_argument,
                       "record: give one of --capture (a person record), --finger POS=IMAGE (repeated) or --reader ID");
         if (!a.record.empty()) {
           r.capture = decode_person_record(read_file(a.record, kMaxTemplateBytes));
           return command::Body{std::move(r)};
         }
         // The desk's ten-print sequence through the SDK: the reader (or
         // the images, through libfprint's virtual reader, one touch each).
         sdk::TenPrintOptions tp_options;
         tp_options.timeout = std::chrono::milliseconds(static_cast<long long>(a.timeout * 1000));
         std::vector<sdk::VirtualTouch> script;
         if (!a.finger_images.empty()) {
           tp_options.order.clear();
           for (const auto& f : a.finger_images) {
             const auto eq = f.find('=');
             if (eq == std::string::npos)
               throw Error(ErrorCode::invalid_argument, "--finger wants POS=IMAGE with POS 1-10 (ISO), got '" + f + "'");
             const auto pos = parse_integer(f.substr(0, eq), "--finger POS (ISO position)", 1, 10);
             tp_options.order.push_back(static_cast<FingerPosition>(pos));
             script.push_back(sdk::VirtualTouch::finger(read_gray_image(f.substr(eq + 1))));
           }
         }
         auto reader = script.empty() ? sdk::FingerprintReader::open(a.reader)
                                      : sdk::FingerprintReader::open_virtual(std::move(script));
         sdk::TenPrintSession tp(o.desk_session(w), reader, tp_options);
         std::map<FingerPosition, int> tries;
         const int max_tries = script.empty() ? 3 : 1;  // one image per finger
         while (const auto pos = tp.next()) {
           const auto s = tp.capture();
           std::cerr << to_string(*pos) << ": " << sdk::to_string(s.capture.status);
           if (s.capture.sample) std::cerr << ", quality " << s.capture.sample->quality;
           if (s.same_as) std::cerr << ", the same finger as " << to_string(*s.same_as);
           for (const auto& why : s.capture.reasons) std::cerr << "; " << why;
           std::cerr << "\n";
           if (s.capture.status == sdk::CaptureStatus::unplugged || s.capture.status == sdk::CaptureStatus::no_reader)
             throw Error(ErrorCode::io, "record: the reader is gone (" + std::string(sdk::to_string(s.capture.status)) + ")");
           if (tp.next() == pos && ++tries[*pos] >= max_tries) tp.mark_absent(*pos, sdk::FingerAbsence::unable);
         }
         r.capture = tp.record(t.application);
         r.images = tp.images();
         return command::Body{std::move(r)};
       },
       [](CLI::App* c, StepArgs& a) {
         c->add_option("--station", a.station, "Recording station")->required();
         c->add_option("--capture", a.record, "The capture as a person record (.tgr)");
         c->add_option("--finger", a.finger_images,
                       "POS=IMAGE: a finger's image (ISO position 1-10), repeated; taken through the ten-print "
                       "sequence as the reader's would be");
         c->add_option("--reader", a.reader, "A fingerprint reader (tunggal capture finger --list): the ten-print sequence");
         c->add_option("--timeout", a.timeout, "Seconds to wait for each touch on the reader")->capture_default_str();
         c->add_option("--photo", a.photo, "The photo for the card")->required();
       });
  step("check-dedup", "Step 8: the consolidation answer (section head, identity)", plain(Action::check_deduplication));
  step("adjudicate", "Step 8: a possible duplicate decided (section head, identity)",
       [](Office&, const Actor&, StepArgs& a, const Target& t) {
         if (a.linked.empty() == a.reason.empty())
           throw Error(ErrorCode::invalid_argument,
                       "adjudicate: give --duplicate-of NIK (the existing NIK) or --not-duplicate REASON, one of them");
         return command::Adjudicate{t, a.linked.empty() ? AdjudicationDecision{NotDuplicate{a.reason}}
                                                        : AdjudicationDecision{DuplicateOf{a.linked}}};
       },
       [](CLI::App* c, StepArgs& a) {
         c->add_option("--duplicate-of", a.linked, "A duplicate: the existing NIK");
         c->add_option("--not-duplicate", a.reason, "Not a duplicate: the reason");
       });
  step("verify-print", "Step 9: the print-ready record (section head, identity)", plain(Action::verify_print_request));
  step("print", "Step 10: print the card (card printing officer)",
       [](Office&, const Actor&, StepArgs& a, const Target& t) { return command::PrintCard{t, a.printer}; },
       [](CLI::App* c, StepArgs& a) { c->add_option("--printer", a.printer, "Printing station")->required(); });
  step("spoiled", "A printed card is spoiled: back for a reprint (card printing officer)",
       [](Office&, const Actor&, StepArgs& a, const Target& t) { return command::ReportSpoiled{t, a.reason}; },
       [](CLI::App* c, StepArgs& a) { c->add_option("--reason", a.reason, "What is wrong with it")->required(); });
  step("hand-over", "Step 11: the card to the applicant, their finger verified (card printing officer)",
       [](Office&, const Actor&, StepArgs& a, const Target& t) {
         PersonRecord finger;
         const auto bytes = read_file(a.finger, kMaxTemplateBytes);
         if (bytes.size() >= 4 && std::equal(bytes.begin(), bytes.begin() + 4, "TGPR")) {
           finger = decode_person_record(bytes);  // a person record: its fingers
           finger.face.reset();
           finger.attributes.clear();
         } else {
           finger.fingers = sdk::load_template_file(a.finger).views;
         }
         finger.id = "pickup";
         return command::HandOver{t, finger};
       },
       [](CLI::App* c, StepArgs& a) {
         c->add_option("--finger", a.finger, "The applicant's finger: a template, or a person record (.tgr)")->required();
       });
  step("close", "Step 12: done (card printing officer)", plain(Action::close));

  return [verbs] {
    for (const auto& [cmd, run] : verbs)
      if (cmd->parsed()) return run();
    return 1;
  };
}

}  // namespace tunggal::cli
