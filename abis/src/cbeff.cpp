#include "tunggal/abis/cbeff.h"

#include <libxml/parser.h>
#include <libxml/tree.h>

#include <algorithm>
#include <cctype>
#include <memory>

#include "tunggal/error.h"

namespace tunggal::abis {
namespace {

[[noreturn]] void bad(const std::string& what) { throw Error(ErrorCode::malformed_data, "CBEFF: " + what); }

std::string_view local_name(const xmlNode* n) { return reinterpret_cast<const char*>(n->name); }

std::vector<const xmlNode*> children(const xmlNode* n, std::string_view name) {
  std::vector<const xmlNode*> out;
  for (const xmlNode* c = n->children; c; c = c->next)
    if (c->type == XML_ELEMENT_NODE && local_name(c) == name) out.push_back(c);
  return out;
}
const xmlNode* child(const xmlNode* n, std::string_view name) {
  for (const xmlNode* c = n->children; c; c = c->next)
    if (c->type == XML_ELEMENT_NODE && local_name(c) == name) return c;
  return nullptr;
}

// The element's own text (its text and CDATA children), trimmed.
std::string text_of(const xmlNode* n) {
  std::string s;
  if (!n) return s;
  for (const xmlNode* c = n->children; c; c = c->next)
    if (c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE)
      if (c->content) s += reinterpret_cast<const char*>(c->content);
  const auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(" \t\r\n") - b + 1);
}

int small_int(const std::string& s, const std::string& what) {
  if (s.empty() || s.size() > 9 || !std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; }))
    bad(what + " '" + s.substr(0, 40) + "' is not a number");
  return std::stoi(s);
}

std::string lower_no_space(std::string_view s) {
  std::string out;
  for (const char c : s)
    if (!std::isspace(static_cast<unsigned char>(c)) && c != '_' && c != '-')
      out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

CbeffSample sample_of(const xmlNode* bir, std::size_t index) {
  const std::string where = "sample " + std::to_string(index + 1);
  CbeffSample s;
  const xmlNode* info = child(bir, "BDBInfo");
  if (!info) bad(where + " has no BDBInfo");
  if (const xmlNode* f = child(info, "Format")) {
    s.format_organization = text_of(child(f, "Organization"));
    const std::string t = text_of(child(f, "Type"));
    if (!t.empty()) s.format_type = small_int(t, where + " Format/Type");
  }
  // Older documents split the subtype into several elements ("Left", "IndexFinger").
  const auto joined = [](const std::vector<const xmlNode*>& nodes) {
    std::string out;
    for (const xmlNode* n : nodes) {
      if (!out.empty()) out.push_back(' ');
      out.append(text_of(n));
    }
    return out;
  };
  s.type = joined(children(info, "Type"));
  s.subtype = joined(children(info, "Subtype"));
  const std::string type = lower_no_space(s.type);
  s.modality = type == "finger" ? Modality::finger : type == "face" ? Modality::face : type == "iris" ? Modality::iris : Modality::other;
  if (s.modality == Modality::finger) s.position = finger_position_of(s.subtype);
  if (const xmlNode* q = child(info, "Quality")) {
    const std::string score = text_of(child(q, "Score"));
    if (!score.empty()) s.quality = small_int(score, where + " Quality/Score");
  }
  if (const xmlNode* others = child(bir, "others")) {
    for (const xmlNode* e : children(others, "entry")) {
      xmlChar* key = xmlGetProp(e, reinterpret_cast<const xmlChar*>("key"));
      const std::string k = key ? reinterpret_cast<const char*>(key) : "";
      xmlFree(key);
      if (k == "EXCEPTION" && lower_no_space(text_of(e)) == "true") s.exception = true;
    }
  }
  const xmlNode* bdb = child(bir, "BDB");
  const std::string data = text_of(bdb);
  if (data.empty()) {
    s.exception = true;  // no data: a finger that could not be taken
  } else {
    try {
      s.bdb = decode_base64(data);
    } catch (const Error& e) {
      bad(where + " BDB: " + e.what());
    }
  }
  return s;
}

struct DocFree {
  void operator()(xmlDoc* d) const { xmlFreeDoc(d); }
};
struct CtxtFree {
  void operator()(xmlParserCtxt* c) const { xmlFreeParserCtxt(c); }
};

}  // namespace

FingerPosition finger_position_of(std::string_view subtype) noexcept {
  const std::string s = lower_no_space(subtype);
  const bool right = s.find("right") != std::string::npos, left = s.find("left") != std::string::npos;
  if (right == left) return FingerPosition::unknown;
  int finger = 0;
  if (s.find("thumb") != std::string::npos) finger = 1;
  else if (s.find("index") != std::string::npos) finger = 2;
  else if (s.find("middle") != std::string::npos) finger = 3;
  else if (s.find("ring") != std::string::npos) finger = 4;
  else if (s.find("little") != std::string::npos) finger = 5;
  if (finger == 0) return FingerPosition::unknown;
  return static_cast<FingerPosition>(finger + (left ? 5 : 0));
}


namespace {
const char* type_name(const CbeffSample& s) {
  switch (s.modality) {
    case Modality::finger: return "Finger";
    case Modality::face: return "Face";
    case Modality::iris: return "Iris";
    case Modality::other: break;
  }
  return "Other";
}
// What may stand in element text: the five XML escapes.
std::string escaped(std::string_view t) {
  std::string out;
  for (const char c : t) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      default: out += c;
    }
  }
  return out;
}
}  // namespace

std::string encode_cbeff(const CbeffDocument& doc) {
  std::string x = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
                  "<BIR xmlns=\"http://standards.iso.org/iso-iec/19785/-3/ed-2/\">\n"
                  "  <BIRInfo><Integrity>false</Integrity></BIRInfo>\n";
  for (const auto& s : doc.samples) {
    x += "  <BIR>\n    <Version><Major>1</Major><Minor>1</Minor></Version>\n"
         "    <CBEFFVersion><Major>1</Major><Minor>1</Minor></CBEFFVersion>\n"
         "    <BIRInfo><Integrity>false</Integrity></BIRInfo>\n    <BDBInfo>\n";
    x += "      <Format><Organization>" + escaped(s.format_organization.empty() ? "Mosip" : s.format_organization) +
         "</Organization><Type>" + std::to_string(s.format_type) + "</Type></Format>\n";
    x += "      <CreationDate>2026-12-01T00:00:00.000Z</CreationDate>\n";
    x += std::string("      <Type>") + type_name(s) + "</Type>\n";
    if (!s.subtype.empty()) x += "      <Subtype>" + escaped(s.subtype) + "</Subtype>\n";
    x += "      <Level>Raw</Level>\n      <Purpose>Enroll</Purpose>\n";
    if (s.quality)
      x += "      <Quality><Algorithm><Organization>HMAC</Organization><Type>SHA-256</Type></Algorithm><Score>" +
           std::to_string(*s.quality) + "</Score></Quality>\n";
    x += "    </BDBInfo>\n";
    if (s.exception) {
      x += "    <others><entry key=\"EXCEPTION\">true</entry></others>\n";
    } else {
      x += "    <BDB>" + encode_base64(s.bdb) + "</BDB>\n";
    }
    x += "  </BIR>\n";
  }
  x += "</BIR>\n";
  return x;
}

CbeffDocument parse_cbeff(std::span<const std::uint8_t> xml) {
  if (xml.empty()) bad("the document is empty");
  if (xml.size() > kMaxCbeffBytes) throw Error(ErrorCode::limit_exceeded, "CBEFF: the document is larger than 64 MiB");
  const std::string_view view(reinterpret_cast<const char*>(xml.data()), xml.size());
  if (view.find("<!DOCTYPE") != std::string_view::npos || view.find("<!ENTITY") != std::string_view::npos)
    bad("the document declares a DOCTYPE or entities");
  std::unique_ptr<xmlParserCtxt, CtxtFree> ctxt(xmlNewParserCtxt());
  if (!ctxt) throw Error(ErrorCode::io, "CBEFF: no memory for the XML parser");
  std::unique_ptr<xmlDoc, DocFree> doc(xmlCtxtReadMemory(ctxt.get(), view.data(), static_cast<int>(view.size()), "cbeff.xml",
                                                         nullptr, XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING));
  if (!doc) {
    std::string why = ctxt->lastError.message ? ctxt->lastError.message : "not well-formed";
    while (!why.empty() && (why.back() == '\n' || why.back() == ' ')) why.pop_back();
    bad("not XML (line " + std::to_string(ctxt->lastError.line) + ": " + why + ")");
  }
  const xmlNode* root = xmlDocGetRootElement(doc.get());
  if (!root || local_name(root) != "BIR") bad("the root element is not a BIR");
  const auto birs = children(root, "BIR");
  if (birs.size() > kMaxCbeffSamples)
    throw Error(ErrorCode::limit_exceeded, "CBEFF: more than " + std::to_string(kMaxCbeffSamples) + " samples");
  CbeffDocument out;
  if (birs.empty() && child(root, "BDB")) {
    out.samples.push_back(sample_of(root, 0));  // a single-sample document
  } else {
    for (std::size_t i = 0; i < birs.size(); ++i) out.samples.push_back(sample_of(birs[i], i));
  }
  return out;
}

}  // namespace tunggal::abis
