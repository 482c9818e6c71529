// One request type per action: read from JSON at the edge (every field
// checked, named when wrong, before anything is fetched or changed), then
// run by Office::execute with the version the caller saw.
#include "tunggal/workflow/commands.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <set>

#include "request_scope.h"
#include "tunggal/error.h"
#include "tunggal/image.h"
#include "tunggal/person_record.h"
#include "tunggal/text.h"

namespace tunggal::workflow {
namespace {

using Json = nlohmann::json;

[[noreturn]] void bad(const std::string& what) { throw Error(ErrorCode::invalid_argument, "request: " + what); }

// Bounds on what a request may carry, before any decoding.
constexpr std::size_t kMaxRequestBytes = 24u << 20;  // documents are base64 (5 MB each, 4/3 larger)
constexpr std::size_t kMaxDocuments = 8;
constexpr std::size_t kMaxCaptureBytes = 4u << 20;

// The fields an action may carry besides "action" (others are refused).
std::set<std::string> fields_of(std::string_view action) {
  const std::set<std::string> target = {"application", "expected_version"};
  auto with = [&](std::initializer_list<const char*> more) {
    auto s = target;
    for (const char* m : more) s.insert(m);
    return s;
  };
  if (action == "apply") return {"form", "documents", "started_at"};
  if (action == "resubmit") return with({"form", "documents", "started_at"});
  if (action == "add_note") return with({"text"});
  if (action == "send_schedule") return with({"day"});
  if (action == "record_biometrics") return with({"station", "capture", "photo"});
  if (action == "adjudicate") return with({"duplicate_of", "not_duplicate"});
  if (action == "print_card") return with({"printer"});
  if (action == "report_spoiled") return with({"reason"});
  if (action == "hand_over") return with({"finger"});
  return target;
}

const Json& field(const Json& j, const char* name) {
  const auto it = j.find(name);
  if (it == j.end()) bad(std::string(name) + " is missing");
  return *it;
}

std::string text_field(const Json& j, const char* name, std::size_t min, std::size_t max) {
  const Json& v = field(j, name);
  if (!v.is_string()) bad(std::string(name) + " is not a string");
  const auto& s = v.get_ref<const std::string&>();
  if (const auto p = text_problem(s, min, max); !p.empty()) bad(std::string(name) + " " + p);
  return s;
}

std::vector<std::uint8_t> base64_field(const Json& j, const char* name, std::size_t max_bytes) {
  const Json& v = field(j, name);
  if (!v.is_string()) bad(std::string(name) + " is not a base64 string");
  const auto& s = v.get_ref<const std::string&>();
  if (s.size() > max_bytes / 3 * 4 + 4) bad(std::string(name) + " is over " + std::to_string(max_bytes) + " bytes");
  try {
    return decode_base64(s);
  } catch (const Error& e) {
    bad(std::string(name) + ": " + e.what());
  }
}

Target target_of(const Json& j) {
  Target t;
  t.application = text_field(j, "application", 7, 7);
  if (t.application[0] != 'A' || !std::all_of(t.application.begin() + 1, t.application.end(),
                                              [](char c) { return c >= '0' && c <= '9'; }))
    bad("application '" + t.application + "' is not an application number (A and six digits)");
  const Json& v = field(j, "expected_version");
  if (!v.is_number_integer() || v.get<std::int64_t>() < 0)
    bad("expected_version is not a whole number of 0 or more (the version the form showed)");
  t.expected_version = v.get<std::int64_t>();
  return t;
}

ApplyRequest apply_request_of(const Json& j) {
  ApplyRequest q;
  const Json& form = field(j, "form");
  if (!form.is_object()) bad("form is not an object");
  for (const auto& item : form.items()) {
    const std::string key = item.key();
    const bool known = std::any_of(std::begin(kFormFields), std::end(kFormFields),
                                   [&](const FormField& f) { return f.name == key; });
    if (!known) bad("form." + key + " is not a field of the form");
  }
  for (const auto& f : kFormFields) {
    const auto it = form.find(std::string(f.name));
    if (it == form.end()) {
      if (f.min_bytes > 0) bad("form." + std::string(f.name) + " is missing");
      continue;
    }
    if (!it->is_string()) bad("form." + std::string(f.name) + " is not a string");
    q.form.*f.member = it->get<std::string>();
    if (const auto p = text_problem(q.form.*f.member, f.min_bytes, f.max_bytes); !p.empty())
      bad("form." + std::string(f.name) + " " + p);
  }
  const Json& docs = field(j, "documents");
  if (!docs.is_array()) bad("documents is not an array");
  if (docs.size() > kMaxDocuments) bad("documents: at most " + std::to_string(kMaxDocuments));
  for (std::size_t i = 0; i < docs.size(); ++i) {
    const Json& d = docs[i];
    const std::string where = "documents[" + std::to_string(i) + "]";
    if (!d.is_object()) bad(where + " is not an object");
    for (const auto& item : d.items())
      if (item.key() != "kind" && item.key() != "content") bad(where + "." + item.key() + " is not a field of a document");
    const std::string kind = text_field(d, "kind", 1, 40);
    const auto k = document_kind_from_string(kind);
    if (!k) bad(where + ".kind '" + kind + "' is not f102_form, family_card, birth_certificate, diploma or marriage_certificate");
    Document doc;
    doc.kind = *k;
    doc.bytes = base64_field(d, "content", kMaxDocumentBytes);
    if (doc.bytes.size() > kMaxDocumentBytes) bad(where + ".content is over " + std::to_string(kMaxDocumentBytes) + " bytes");
    q.documents.push_back(std::move(doc));
  }
  if (const auto it = j.find("started_at"); it != j.end()) {
    if (!it->is_number_integer() || it->get<std::int64_t>() < 0) bad("started_at is not a time (seconds since 1970)");
    q.started_at = it->get<std::int64_t>();
  }
  return q;
}

PersonRecord record_field(const Json& j, const char* name) {
  const auto bytes = base64_field(j, name, kMaxCaptureBytes);
  try {
    return decode_person_record(bytes);
  } catch (const Error& e) {
    bad(std::string(name) + " is not a person record: " + e.what());
  }
}

}  // namespace

Command parse_command(std::string_view text) {
  if (text.size() > kMaxRequestBytes) bad("over " + std::to_string(kMaxRequestBytes) + " bytes");
  Json j;
  try {
    j = Json::parse(text.begin(), text.end(), nullptr, true, false);
  } catch (const Json::exception& e) {
    bad(std::string("not JSON (") + e.what() + ")");
  }
  if (!j.is_object()) bad("not a JSON object");
  const std::string action = text_field(j, "action", 1, 40);
  const auto allowed = fields_of(action);
  for (const auto& item : j.items())
    if (item.key() != "action" && !allowed.count(item.key())) bad(item.key() + " is not a field of " + action);
  if (action == "apply") return {command::Apply{apply_request_of(j)}};
  if (action == "resubmit") return {command::Resubmit{target_of(j), apply_request_of(j)}};
  if (action == "take") return {command::Take{target_of(j)}};
  if (action == "release") return {command::Release{target_of(j)}};
  if (action == "add_note") return {command::AddNote{target_of(j), text_field(j, "text", 1, 2000)}};
  if (action == "send_schedule") {
    command::SendSchedule c{target_of(j), ""};
    if (j.contains("day")) {
      c.day = text_field(j, "day", 0, 10);
      if (!c.day.empty())
        if (const auto p = iso_day_problem(c.day); !p.empty()) bad("day " + p);
    }
    return {c};
  }
  if (action == "record_biometrics") {
    command::RecordBiometrics c;
    c.target = target_of(j);
    c.station = text_field(j, "station", 1, 64);
    c.capture = record_field(j, "capture");
    const auto photo = base64_field(j, "photo", 8u << 20);
    try {
      c.photo = decode_color_image(photo);
    } catch (const Error& e) {
      bad(std::string("photo is not an image: ") + e.what());
    }
    return {std::move(c)};
  }
  if (action == "adjudicate") {
    const bool dup = j.contains("duplicate_of"), clear = j.contains("not_duplicate");
    if (dup == clear) bad("adjudicate needs one of duplicate_of (the existing NIK) or not_duplicate (the reason)");
    command::Adjudicate c{target_of(j), NotDuplicate{}};
    if (dup) {
      const std::string nik = text_field(j, "duplicate_of", 16, 16);
      if (const auto p = nik_problem(nik); !p.empty()) bad("duplicate_of " + p);
      c.decision = DuplicateOf{nik};
    } else {
      c.decision = NotDuplicate{text_field(j, "not_duplicate", 1, 500)};
    }
    return {c};
  }
  if (action == "print_card") return {command::PrintCard{target_of(j), text_field(j, "printer", 1, 64)}};
  if (action == "report_spoiled") return {command::ReportSpoiled{target_of(j), text_field(j, "reason", 1, 500)}};
  if (action == "hand_over") return {command::HandOver{target_of(j), record_field(j, "finger")}};
  const auto a = action_from_string(action);
  if (a && (*a == Action::check_documents || *a == Action::check_population || *a == Action::validate_data ||
            *a == Action::confirm_schedule || *a == Action::mark_no_show || *a == Action::check_deduplication ||
            *a == Action::verify_print_request || *a == Action::close))
    return {command::Step{*a, target_of(j)}};
  bad("action '" + action.substr(0, 40) + "' is not one the office takes");
}

std::string_view action_name(const Command& c) {
  return std::visit(
      [](const auto& x) -> std::string_view {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, command::Apply>) return "apply";
        else if constexpr (std::is_same_v<T, command::Resubmit>) return "resubmit";
        else if constexpr (std::is_same_v<T, command::Take>) return "take";
        else if constexpr (std::is_same_v<T, command::Release>) return "release";
        else if constexpr (std::is_same_v<T, command::AddNote>) return "add_note";
        else if constexpr (std::is_same_v<T, command::Step>) return to_string(x.action);
        else if constexpr (std::is_same_v<T, command::SendSchedule>) return "send_schedule";
        else if constexpr (std::is_same_v<T, command::RecordBiometrics>) return "record_biometrics";
        else if constexpr (std::is_same_v<T, command::Adjudicate>) return "adjudicate";
        else if constexpr (std::is_same_v<T, command::PrintCard>) return "print_card";
        else if constexpr (std::is_same_v<T, command::ReportSpoiled>) return "report_spoiled";
        else return "hand_over";
      },
      c.body);
}

Outcome Office::execute(const Actor& who, const Command& c) {
  Outcome out;
  // The applicant's own steps (apply, resubmit, confirm) take no hold.
  if (const auto* x = std::get_if<command::Apply>(&c.body)) {
    out.application = apply(who, x->request);
    out.view = application(who, out.application);
    return out;
  }
  const Target& t = std::visit(
      [](const auto& x) -> const Target& {
        if constexpr (std::is_same_v<std::decay_t<decltype(x)>, command::Apply>) {
          throw Error(ErrorCode::internal, "apply has no target");
        } else {
          return x.target;
        }
      },
      c.body);
  out.application = t.application;
  detail::ExpectedVersion expect(t.expected_version);
  const auto id = t.application;
  const auto* plain = std::get_if<command::Step>(&c.body);
  if (const auto* re = std::get_if<command::Resubmit>(&c.body)) {
    resubmit(who, id, re->request);
  } else if (std::holds_alternative<command::Take>(c.body)) {
    take(who, id);
  } else if (std::holds_alternative<command::Release>(c.body)) {
    release(who, id);
  } else if (plain && plain->action == Action::confirm_schedule) {
    confirm_schedule(who, id);
  } else if (const auto* note = std::get_if<command::AddNote>(&c.body)) {
    add_note(who, id, note->text);  // a note needs no hold: any officer may write one
  } else {
    // An officer's step: it takes the hold itself, in its own transaction,
    // at the version the caller saw; a refused step leaves nothing.
    const detail::HoldOnAct hold;
    std::visit(
        [&](const auto& x) {
          using T = std::decay_t<decltype(x)>;
          if constexpr (std::is_same_v<T, command::SendSchedule>) send_schedule(who, id, x.day);
          else if constexpr (std::is_same_v<T, command::RecordBiometrics>)
            record_biometrics(who, id, x.station, x.capture, x.photo, x.images);
          else if constexpr (std::is_same_v<T, command::Adjudicate>) adjudicate(who, id, x.decision);
          else if constexpr (std::is_same_v<T, command::PrintCard>) out.print = print_card(who, id, x.printer);
          else if constexpr (std::is_same_v<T, command::ReportSpoiled>) report_spoiled(who, id, x.reason);
          else if constexpr (std::is_same_v<T, command::HandOver>) hand_over(who, id, x.finger);
          else if constexpr (std::is_same_v<T, command::Step>) {
            switch (x.action) {
              case Action::check_documents: check_documents(who, id); break;
              case Action::check_population: check_population(who, id); break;
              case Action::validate_data: validate_data(who, id); break;
              case Action::mark_no_show: mark_no_show(who, id); break;
              case Action::check_deduplication: check_deduplication(who, id); break;
              case Action::verify_print_request: verify_print_request(who, id); break;
              case Action::close: close(who, id); break;
              default: throw Error(ErrorCode::internal, "execute: no step " + std::string(to_string(x.action)));
            }
          }
        },
        c.body);
  }
  out.view = application(who, id);
  return out;
}

}  // namespace tunggal::workflow
