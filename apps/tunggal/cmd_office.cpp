// `tunggal office ...`: the issuance procedure for officers and for the
// simulation, over an office store (tunggal/workflow/office.h). An officer
// acts as `--as ID`, with the password in $TUNGGAL_PASSWORD or the first
// line of --password-file; the role each step needs is checked by the
// office, on its side.
#include <cstdlib>
#include <fstream>
#include <iomanip>
#include <iostream>

#include "commands.h"
#include "json_out.h"
#include "office_sim.h"
#include "tunggal/sdk.h"
#include "tunggal/workflow/office.h"
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

void print_view(const ApplicationView& v) {
  std::cout << v.id << ": " << to_string(v.state);
  if (v.next) std::cout << " (next: step " << static_cast<int>(*v.next) << ", " << to_string(*v.next) << ")";
  if (!v.appointment_day.empty()) std::cout << "; appointment " << v.appointment_day << " at " << v.station;
  if (!v.card_serial.empty()) std::cout << "; card " << v.card_serial;
  if (!v.dedup.empty()) std::cout << "; consolidation: " << v.dedup << " (" << v.candidates.size() << " candidates)";
  std::cout << "\n";
  for (const auto& r : v.reasons) std::cout << "  " << r << "\n";
}

ApplyRequest request_from(const std::string& record_path, const std::vector<std::string>& documents) {
  const PersonRecord r = decode_person_record(read_file(record_path, kMaxTemplateBytes));
  const auto get = [&](const char* k) {
    const std::string* v = r.attribute(k);
    return v ? *v : std::string();
  };
  ApplyRequest q;
  q.form = {get("nik"),     get("family_card"), get("name"),     get("birth_place"), get("birth_date"), get("sex"),
            get("address"), get("rt_rw"),       get("village"),  get("district"),    get("regency"),    get("province"),
            get("religion"), get("marital_status"), get("occupation"), get("blood_type")};
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

// The state machine as Graphviz: states, and the actions between them.
std::string diagram() {
  const char* edges[][3] = {
      {"start", "submitted", "1 apply (applicant)"},
      {"submitted", "documents_checked", "2 check_documents"},
      {"submitted", "documents_rejected", "2 files incomplete / under 17"},
      {"documents_rejected", "submitted", "1 resubmit"},
      {"documents_checked", "population_checked", "3 check_population"},
      {"documents_checked", "biodata_mismatch", "3 mismatch"},
      {"biodata_mismatch", "submitted", "1 resubmit"},
      {"population_checked", "ready_to_record", "4 validate_data"},
      {"ready_to_record", "scheduled", "5 send_schedule"},
      {"scheduled", "confirmed", "6 confirm (applicant)"},
      {"scheduled", "no_show", "no-show"},
      {"confirmed", "no_show", "no-show"},
      {"no_show", "scheduled", "5 reschedule"},
      {"confirmed", "awaiting_consolidation", "7 record_biometrics"},
      {"confirmed", "recapture_needed", "7 quality gate / officer's finger"},
      {"recapture_needed", "awaiting_consolidation", "7 record again"},
      {"awaiting_consolidation", "deduplication_answered", "outbox -> consolidation"},
      {"deduplication_answered", "cleared", "8 unique"},
      {"deduplication_answered", "possible_duplicate", "8 candidates"},
      {"possible_duplicate", "duplicate", "8 adjudicate: duplicate"},
      {"possible_duplicate", "cleared", "8 adjudicate: not a duplicate"},
      {"cleared", "print_ready", "9 verify_print_request (PRR)"},
      {"print_ready", "printed", "10 print_card"},
      {"print_ready", "print_ready", "10 print failed / no blanks"},
      {"printed", "print_ready", "card spoiled: reprint"},
      {"printed", "issued", "11 hand_over (finger verified)"},
      {"issued", "done", "12 close"},
  };
  std::string out = "digraph sop {\n  rankdir=TB; node [shape=box, style=rounded, fontname=\"Liberation Sans\"];\n"
                    "  edge [fontname=\"Liberation Sans\", fontsize=9];\n  start [shape=point];\n"
                    "  duplicate [style=\"rounded,filled\", fillcolor=\"#f4cccc\"]; done [style=\"rounded,filled\", fillcolor=\"#d9ead3\"];\n";
  for (const auto& e : edges) out += std::string("  ") + e[0] + " -> " + e[1] + " [label=\"" + e[2] + "\"];\n";
  return out + "}\n";
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
    c->add_flag("--quiet", p->quiet, "No per-applicant messages");
    verbs.emplace_back(c, [p] {
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
    verbs.emplace_back(c, [store] {
      OfficeArgs a;
      a.store = *store;
      const auto check = open_store(a)->verify_audit();
      if (check.intact) {
        std::cout << "audit intact: " << check.entries << " entries\n";
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
      std::cout << diagram();
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
  // show and list
  {
    auto a = std::make_shared<OfficeArgs>();
    auto* c = office->add_subcommand("show", "An application: its state and its whole history (where the file is)");
    add_auth(c, *a, true);
    verbs.emplace_back(c, [a] {
      auto off = open_store(*a);
      const Actor who = off->authenticate(a->as, password_of(*a));
      if (who.role() == Role::applicant) throw Error(ErrorCode::invalid_argument, "show: for officers");
      const auto v = off->application(a->application);
      print_view(v);
      // What the identity section head sees: each candidate's scores.
      for (const auto& k : v.candidates) {
        std::cout << "  candidate " << k.ref << ": fused " << k.score;
        if (k.fingers) std::cout << ", fingers " << *k.fingers << " over " << k.fingers_compared;
        if (k.face) std::cout << ", face " << *k.face;
        std::cout << "\n";
      }
      for (const auto& e : off->history(a->application))
        std::cout << "  #" << e.seq << " " << e.at << " " << e.actor << " (" << e.role << ") " << e.action << ": "
                  << e.before << " -> " << e.after << "\n";
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
      off->authenticate(a->as, password_of(*a));
      std::optional<AppState> s;
      if (!state->empty()) {
        s = state_from_string(*state);
        if (!s) throw Error(ErrorCode::invalid_argument, "unknown state " + *state);
      }
      for (const auto& v : off->applications(s)) print_view(v);
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
      const std::string id = off->apply(off->applicant(q.form.nik), q);
      print_view(off->application(id));
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
  // The step verbs: take the application, act, print its new state.
  struct StepArgs {
    OfficeArgs o;
    std::string record, photo, station, day, printer, reason, linked, finger, text;
    std::vector<std::string> documents;
    bool duplicate = false;
  };
  const auto step = [&](const char* name, const char* help,
                        std::function<ApplicationView(Office&, const Actor&, StepArgs&)> body,
                        std::function<void(CLI::App*, StepArgs&)> extra = {}) {
    auto a = std::make_shared<StepArgs>();
    auto* c = office->add_subcommand(name, help);
    add_auth(c, a->o, true);
    if (extra) extra(c, *a);
    verbs.emplace_back(c, [a, body] {
      auto off = open_store(a->o);
      const Actor who = off->authenticate(a->o.as, password_of(a->o));
      off->take(who, a->o.application);
      print_view(body(*off, who, *a));
      return 0;
    });
  };
  step("check-documents", "Step 2: the files (service officer)",
       [](Office& o, const Actor& w, StepArgs& a) { return o.check_documents(w, a.o.application); });
  step("check-population", "Step 3: the population database (service officer)",
       [](Office& o, const Actor& w, StepArgs& a) { return o.check_population(w, a.o.application); });
  step("validate", "Step 4: NIK ready to record (section head, population data)",
       [](Office& o, const Actor& w, StepArgs& a) { return o.validate_data(w, a.o.application); });
  step("schedule", "Step 5: the recording appointment (service officer)",
       [](Office& o, const Actor& w, StepArgs& a) { return o.send_schedule(w, a.o.application, a.day); },
       [](CLI::App* c, StepArgs& a) { c->add_option("--day", a.day, "From this day (YYYY-MM-DD)"); });
  step("no-show", "The applicant did not come (service officer)",
       [](Office& o, const Actor& w, StepArgs& a) { return o.mark_no_show(w, a.o.application); });
  step("record", "Step 7: the capture and photo (recording officer)",
       [](Office& o, const Actor& w, StepArgs& a) {
         const PersonRecord capture = decode_person_record(read_file(a.record, kMaxTemplateBytes));
         return o.record_biometrics(w, a.o.application, a.station, capture, read_color_image(a.photo));
       },
       [](CLI::App* c, StepArgs& a) {
         c->add_option("--station", a.station, "Recording station")->required();
         c->add_option("--capture", a.record, "The capture as a person record (.tgr)")->required();
         c->add_option("--photo", a.photo, "The photo for the card")->required();
       });
  step("check-dedup", "Step 8: the consolidation answer (section head, identity)",
       [](Office& o, const Actor& w, StepArgs& a) { return o.check_deduplication(w, a.o.application); });
  step("adjudicate", "Step 8: a possible duplicate decided (section head, identity)",
       [](Office& o, const Actor& w, StepArgs& a) {
         return o.adjudicate(w, a.o.application, !a.linked.empty(), a.linked.empty() ? a.reason : a.linked);
       },
       [](CLI::App* c, StepArgs& a) {
         c->add_option("--duplicate-of", a.linked, "A duplicate: the existing NIK");
         c->add_option("--not-duplicate", a.reason, "Not a duplicate: the reason");
       });
  step("verify-print", "Step 9: the print-ready record (section head, identity)",
       [](Office& o, const Actor& w, StepArgs& a) { return o.verify_print_request(w, a.o.application); });
  step("print", "Step 10: print the card (card printing officer)",
       [](Office& o, const Actor& w, StepArgs& a) {
         const auto r = o.print_card(w, a.o.application, a.printer);
         std::cout << "print: " << sdk::to_string(r.outcome) << (r.serial.empty() ? "" : ", blank " + r.serial)
                   << (r.message.empty() ? "" : "; " + r.message) << "\n";
         return o.application(a.o.application);
       },
       [](CLI::App* c, StepArgs& a) { c->add_option("--printer", a.printer, "Printing station")->required(); });
  step("spoiled", "A printed card is spoiled: back for a reprint (card printing officer)",
       [](Office& o, const Actor& w, StepArgs& a) { return o.report_spoiled(w, a.o.application, a.reason); },
       [](CLI::App* c, StepArgs& a) { c->add_option("--reason", a.reason, "What is wrong with it")->required(); });
  step("hand-over", "Step 11: the card to the applicant, their finger verified (card printing officer)",
       [](Office& o, const Actor& w, StepArgs& a) {
         PersonRecord finger;
         finger.id = "pickup";
         finger.fingers = sdk::load_template_file(a.finger).views;
         return o.hand_over(w, a.o.application, finger);
       },
       [](CLI::App* c, StepArgs& a) { c->add_option("--finger", a.finger, "The applicant's finger (a template)")->required(); });
  step("close", "Step 12: done (card printing officer)",
       [](Office& o, const Actor& w, StepArgs& a) { return o.close(w, a.o.application); });

  return [verbs] {
    for (const auto& [cmd, run] : verbs)
      if (cmd->parsed()) return run();
    return 1;
  };
}

}  // namespace tunggal::cli
