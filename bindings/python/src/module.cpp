// `import tunggal`: the SDK for Python through pybind11. Images are numpy
// arrays (uint8, H x W grey or H x W x 3 RGB); templates and records are
// objects with to_bytes/from_bytes; errors are tunggal.Error with a `code`
// (a tunggal.ErrorCode). Every long call releases the GIL, so several
// Python threads can extract, search and capture at once.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>
#include <pybind11/stl/filesystem.h>

#include "tunggal/calibration.h"
#include "tunggal/comparison.h"
#include "tunggal/sdk.h"
#include "tunggal/text.h"
#include "tunggal/version.h"

namespace py = pybind11;
using namespace tunggal;

namespace {

using Gray = py::array_t<std::uint8_t, py::array::c_style>;

// An image argument: uint8 only (a float array with NaNs, or int16 values
// past 255, is refused rather than cast), made contiguous.
Gray pixels_of(const py::array& a) {
  if (!a.dtype().is(py::dtype::of<std::uint8_t>()))
    throw Error(ErrorCode::invalid_argument,
                "image: expected a uint8 array, got dtype " + std::string(py::str(a.dtype())) + " (convert it first)");
  return Gray::ensure(a);
}

GrayImage to_gray(const py::array& any, int dpi) {
  const Gray a = pixels_of(any);
  if (a.ndim() != 2) throw Error(ErrorCode::invalid_argument, "image: expected a 2-D uint8 array (H, W)");
  GrayImage img;
  img.height = static_cast<int>(a.shape(0));
  img.width = static_cast<int>(a.shape(1));
  img.dpi = dpi;
  img.pixels.assign(a.data(), a.data() + a.size());
  return img;
}

ColorImage to_color(const py::array& any) {
  const Gray a = pixels_of(any);
  ColorImage img;
  if (a.ndim() == 2) {
    img.height = static_cast<int>(a.shape(0));
    img.width = static_cast<int>(a.shape(1));
    img.rgb.resize(static_cast<std::size_t>(a.size()) * 3);
    for (py::ssize_t i = 0; i < a.size(); ++i)
      img.rgb[static_cast<std::size_t>(i) * 3] = img.rgb[static_cast<std::size_t>(i) * 3 + 1] =
          img.rgb[static_cast<std::size_t>(i) * 3 + 2] = a.data()[i];
    return img;
  }
  if (a.ndim() != 3 || a.shape(2) != 3)
    throw Error(ErrorCode::invalid_argument, "image: expected a uint8 array (H, W) or (H, W, 3) RGB");
  img.height = static_cast<int>(a.shape(0));
  img.width = static_cast<int>(a.shape(1));
  img.rgb.assign(a.data(), a.data() + a.size());
  return img;
}

Gray from_gray(const GrayImage& img) {
  Gray out({img.height, img.width});
  std::copy(img.pixels.begin(), img.pixels.end(), out.mutable_data());
  return out;
}

py::bytes to_py(const std::vector<std::uint8_t>& v) {
  return py::bytes(reinterpret_cast<const char*>(v.data()), v.size());
}

std::vector<std::uint8_t> from_py(const py::bytes& b) {
  const std::string s = b;
  return {s.begin(), s.end()};
}

TemplateFormat format_named(const std::string& name) {
  if (name == "iso") return TemplateFormat::iso19794_2_2005;
  if (name == "ansi") return TemplateFormat::ansi378_2004;
  if (name == "native") return TemplateFormat::native;
  if (name == "xyt") return TemplateFormat::nist_xyt;
  throw Error(ErrorCode::invalid_argument, "format '" + name + "': expected iso, ansi, native or xyt");
}

std::string status_name(sdk::CaptureStatus s) { return std::string(to_string(s)); }

}  // namespace

PYBIND11_MODULE(_tunggal, m) {
  m.doc() = "tunggal: biometric deduplication engine and SDK (one person, one NIK)";
  m.attr("__version__") = std::string(version());

  py::enum_<ErrorCode>(m, "ErrorCode")
      .value("invalid_argument", ErrorCode::invalid_argument)
      .value("malformed_data", ErrorCode::malformed_data)
      .value("unsupported", ErrorCode::unsupported)
      .value("checksum_mismatch", ErrorCode::checksum_mismatch)
      .value("io", ErrorCode::io)
      .value("not_found", ErrorCode::not_found)
      .value("limit_exceeded", ErrorCode::limit_exceeded)
      .value("busy", ErrorCode::busy)
      .value("denied", ErrorCode::denied)
      .value("conflict", ErrorCode::conflict)
      .value("internal", ErrorCode::internal);
  // Every call that releases the GIL works on C++ copies of its arguments
  // (arguments by value, or converted before the release).
  // tunggal.Error: the one error type, with .code; raised for every
  // tunggal::Error that reaches Python.
  static py::exception<Error> error(m, "Error");
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const Error& e) {
      // A message may quote bytes from outside (a file's record id): never
      // a UnicodeDecodeError instead of the error itself.
      const std::string what = e.what();
      py::object text = py::reinterpret_steal<py::object>(
          PyUnicode_DecodeUTF8(what.data(), static_cast<Py_ssize_t>(what.size()), "replace"));
      py::object inst = py::reinterpret_borrow<py::object>(error.ptr())(text);
      inst.attr("code") = py::cast(e.code());
      PyErr_SetObject(error.ptr(), inst.ptr());
    }
  });

  py::enum_<FingerPosition>(m, "FingerPosition")
      .value("unknown", FingerPosition::unknown)
      .value("right_thumb", FingerPosition::right_thumb)
      .value("right_index", FingerPosition::right_index)
      .value("right_middle", FingerPosition::right_middle)
      .value("right_ring", FingerPosition::right_ring)
      .value("right_little", FingerPosition::right_little)
      .value("left_thumb", FingerPosition::left_thumb)
      .value("left_index", FingerPosition::left_index)
      .value("left_middle", FingerPosition::left_middle)
      .value("left_ring", FingerPosition::left_ring)
      .value("left_little", FingerPosition::left_little);

  py::class_<Minutia>(m, "Minutia")
      .def_readonly("x", &Minutia::x)
      .def_readonly("y", &Minutia::y)
      .def_readonly("angle", &Minutia::angle)
      .def_property_readonly("type", [](const Minutia& mi) { return std::string(to_string(mi.type)); })
      .def_readonly("quality", &Minutia::quality)
      .def("__repr__", [](const Minutia& mi) {
        return "Minutia(x=" + std::to_string(mi.x) + ", y=" + std::to_string(mi.y) + ", " + std::string(to_string(mi.type)) + ")";
      });

  py::class_<FingerTemplate>(m, "FingerTemplate")
      .def_static(
          "from_bytes",
          [](const py::bytes& data) {
            const auto bytes = from_py(data);
            DecodeOptions o;
            o.xyt_convention = XytConvention::m1;
            const auto views = decode(bytes, detect_format(bytes), o);
            if (views.size() != 1)
              throw Error(ErrorCode::unsupported, "FingerTemplate.from_bytes: the record holds " +
                                                      std::to_string(views.size()) + " views; expected one");
            return views.front();
          },
          py::arg("data"), "Decodes ISO 19794-2, ANSI 378, .xyt or native (detected from the content).")
      .def(
          "to_bytes",
          [](const FingerTemplate& t, const std::string& fmt) {
            EncodeOptions o;
            o.xyt_convention = XytConvention::m1;
            return to_py(encode({&t, 1}, format_named(fmt), o));
          },
          py::arg("format") = "iso")
      .def_readonly("minutiae", &FingerTemplate::minutiae)
      .def_readonly("width", &FingerTemplate::width)
      .def_readonly("height", &FingerTemplate::height)
      .def_readonly("dpi", &FingerTemplate::dpi_x)
      .def_readonly("quality", &FingerTemplate::quality)
      .def_readwrite("position", &FingerTemplate::position)
      .def("__repr__", [](const FingerTemplate& t) {
        return "FingerTemplate(" + std::string(to_string(t.position)) + ", " + std::to_string(t.minutiae.size()) +
               " minutiae, quality " + std::to_string(t.quality) + ")";
      });

  m.def(
      "load_image",
      [](const std::filesystem::path& path) {
        GrayImage img;
        {
          py::gil_scoped_release unlocked;
          img = read_gray_image(path, 500, kImageLimits);
        }
        return from_gray(img);
      },
      py::arg("path"), "Decodes an image file to a uint8 array (H, W), grey.");
  m.def(
      "load_color_image",
      [](const std::filesystem::path& path) {
        ColorImage img;
        {
          py::gil_scoped_release unlocked;
          img = read_color_image(path);
        }
        py::array_t<std::uint8_t> out({img.height, img.width, 3});
        std::copy(img.rgb.begin(), img.rgb.end(), out.mutable_data());
        return out;
      },
      py::arg("path"), "Decodes an image file to a uint8 array (H, W, 3), RGB.");
  m.def(
      "extract",
      [](const py::array& image, int dpi, FingerPosition position) {
        GrayImage img = to_gray(image, dpi);
        ExtractionResult r;
        {
          py::gil_scoped_release unlocked;
          r = extract_finger(img);
        }
        // Nothing extracted (an image refused by its size, a blank one, no
        // finger): an error with the reason, as Session.extract reports it.
        if (r.finger.minutiae.empty() && !r.reasons.empty()) {
          std::string why;
          for (const auto& reason : r.reasons) why += (why.empty() ? "" : "; ") + reason;
          throw Error(ErrorCode::invalid_argument, "extract: nothing extracted: " + why);
        }
        r.finger.position = position;
        return r.finger;
      },
      py::arg("image"), py::arg("dpi") = 500, py::arg("position") = FingerPosition::unknown,
      "Minutiae of a fingerprint image (uint8 array H x W); tunggal.Error naming the reason when none can be "
      "extracted (Session.extract returns the reasons with the sample instead).");
  m.def(
      "compare",
      [](FingerTemplate a, FingerTemplate b) {
        py::gil_scoped_release unlocked;
        return default_finger_calibration().calibrate(compare_fingers(enroll_finger(a), enroll_finger(b)));
      },
      py::arg("a"), py::arg("b"), "The calibrated score, -10 log10 FMR (symmetric).");

  py::class_<FaceTemplate>(m, "FaceTemplate")
      .def_readonly("model", &FaceTemplate::model)
      .def_readonly("quality", &FaceTemplate::quality)
      .def_property_readonly("embedding", [](const FaceTemplate& f) { return f.embedding; })
      .def_static("from_bytes", [](const py::bytes& b) { return decode_face_template(from_py(b)); })
      .def("to_bytes", [](const FaceTemplate& f) { return to_py(encode_face_template(f)); });

  py::class_<PersonRecord>(m, "PersonRecord")
      .def(py::init([](const std::string& id) {
             if (!is_valid_utf8(id)) throw Error(ErrorCode::invalid_argument, "id: not valid UTF-8 text");
             PersonRecord r;
             r.id = id;
             return r;
           }),
           py::arg("id"))
      .def_property(
          "id", [](const PersonRecord& r) { return r.id; },
          [](PersonRecord& r, const std::string& id) {
            if (!is_valid_utf8(id)) throw Error(ErrorCode::invalid_argument, "id: not valid UTF-8 text");
            r.id = id;
          })
      .def_readwrite("fingers", &PersonRecord::fingers)
      .def_readwrite("face", &PersonRecord::face)
      .def_property(
          "attributes",
          [](const PersonRecord& r) {
            py::dict d;
            for (const auto& [k, v] : r.attributes) {
              if (!is_valid_utf8(k) || !is_valid_utf8(v))
                throw Error(ErrorCode::malformed_data, "record " + r.id + ": an attribute is not valid UTF-8");
              d[py::str(k)] = py::str(v);
            }
            return d;
          },
          // bytes are accepted by the conversion too: checked here, so that
          // no reader later meets text it cannot decode.
          [](PersonRecord& r, const std::map<std::string, std::string>& attrs) {
            for (const auto& [k, v] : attrs)
              if (!is_valid_utf8(k) || !is_valid_utf8(v))
                throw Error(ErrorCode::invalid_argument, "attributes: keys and values must be valid UTF-8 text");
            r.attributes.assign(attrs.begin(), attrs.end());
          })
      .def_static("from_bytes", [](const py::bytes& b) { return decode_person_record(from_py(b)); })
      .def("to_bytes", [](const PersonRecord& r) { return to_py(encode_person_record(r)); })
      .def("__repr__", [](const PersonRecord& r) {
        return "PersonRecord(" + r.id + ", " + std::to_string(r.fingers.size()) + " fingers" +
               (r.face ? ", face" : "") + ")";
      });

  py::class_<Candidate>(m, "Candidate")
      .def_readonly("ref", &Candidate::ref)
      .def_readonly("score", &Candidate::score)
      .def_readonly("fingers", &Candidate::fingers)
      .def_readonly("face", &Candidate::face);
  py::class_<DedupDecision>(m, "Decision")
      .def_property_readonly("decision", [](const DedupDecision& d) { return std::string(to_string(d.decision)); })
      .def_property_readonly("duplicate", [](const DedupDecision& d) { return d.decision == Decision::duplicate; })
      .def_readonly("candidates", &DedupDecision::candidates)
      .def_readonly("threshold", &DedupDecision::threshold)
      .def_readonly("searched", &DedupDecision::searched)
      .def_readonly("matched", &DedupDecision::matched);

  py::class_<sdk::FingerSample>(m, "FingerSample")
      .def_readonly("template", &sdk::FingerSample::finger)
      .def_readonly("quality", &sdk::FingerSample::quality)
      .def_readonly("acceptable", &sdk::FingerSample::acceptable)
      .def_readonly("reasons", &sdk::FingerSample::reasons);
  py::class_<sdk::FaceSample>(m, "FaceSample")
      .def_readonly("face", &sdk::FaceSample::face)
      .def_readonly("acceptable", &sdk::FaceSample::acceptable)
      .def_readonly("reasons", &sdk::FaceSample::reasons);
  py::class_<sdk::Verification>(m, "Verification")
      .def_readonly("score", &sdk::Verification::score)
      .def_readonly("threshold", &sdk::Verification::threshold)
      .def_readonly("fmr", &sdk::Verification::fmr)
      .def_readonly("match", &sdk::Verification::match);

  py::class_<sdk::Session>(m, "Session")
      .def(py::init([](std::optional<std::filesystem::path> gallery, bool read_only,
                       std::optional<std::filesystem::path> face_models, bool face, double verify_fmr,
                       double target_fpir, std::size_t max_results, int min_finger_quality,
                       std::optional<std::string> daemon, std::optional<std::filesystem::path> daemon_token_file,
                       std::optional<std::filesystem::path> daemon_ca_file) {
             sdk::SessionConfig c;
             if (gallery) c.gallery = *gallery;
             if (daemon) c.daemon = *daemon;
             if (daemon_token_file) c.daemon_token_file = *daemon_token_file;
             if (daemon_ca_file) c.daemon_ca_file = *daemon_ca_file;
             c.access = read_only ? GalleryAccess::read_only : GalleryAccess::read_write;
             if (face_models) c.face_models = *face_models;
             c.face = face;
             c.verify_fmr = verify_fmr;
             c.target_fpir = target_fpir;
             c.max_results = max_results;
             c.min_finger_quality = min_finger_quality;
             py::gil_scoped_release unlocked;
             return std::make_unique<sdk::Session>(c);
           }),
           py::arg("gallery") = py::none(), py::arg("read_only") = false, py::arg("face_models") = py::none(),
           py::arg("face") = true, py::arg("verify_fmr") = 1e-4, py::arg("target_fpir") = 1e-3,
           py::arg("max_results") = 10, py::arg("min_finger_quality") = 40, py::arg("daemon") = py::none(),
           py::arg("daemon_token_file") = py::none(), py::arg("daemon_ca_file") = py::none())
      .def(
          "extract",
          [](const sdk::Session& s, const py::array& image, int dpi, FingerPosition position) {
            GrayImage img = to_gray(image, dpi);
            py::gil_scoped_release unlocked;
            return s.extract_finger(img, position);
          },
          py::arg("image"), py::arg("dpi") = 500, py::arg("position") = FingerPosition::unknown)
      .def(
          "extract_face",
          [](const sdk::Session& s, const py::array& image) {
            ColorImage img = to_color(image);
            py::gil_scoped_release unlocked;
            return s.extract_face(img);
          },
          py::arg("image"))
      .def(
          "verify",
          // By value: the copies are ours while the GIL is released (another
          // thread may change the Python objects meanwhile).
          [](const sdk::Session& s, FingerTemplate a, FingerTemplate b, std::optional<double> fmr) {
            py::gil_scoped_release unlocked;
            return s.verify(a, b, fmr);
          },
          py::arg("a"), py::arg("b"), py::arg("fmr") = py::none())
      .def(
          "verify_records",
          [](const sdk::Session& s, PersonRecord a, PersonRecord b, std::optional<double> fmr) {
            py::gil_scoped_release unlocked;
            return s.verify(a, b, fmr);
          },
          py::arg("a"), py::arg("b"), py::arg("fmr") = py::none())
      .def(
          "enrol",
          [](sdk::Session& s, PersonRecord r) {
            py::gil_scoped_release unlocked;
            s.enrol(r);
          },
          py::arg("record"))
      .def(
          "enrol_all",
          [](sdk::Session& s, const std::vector<PersonRecord>& rs) {
            py::gil_scoped_release unlocked;
            s.enrol(rs);
          },
          py::arg("records"))
      .def(
          "identify",
          [](const sdk::Session& s, const std::vector<PersonRecord>& probes) {
            py::gil_scoped_release unlocked;
            return s.identify(probes);
          },
          py::arg("probes"))
      .def(
          "deduplicate",
          [](sdk::Session& s, PersonRecord r) {
            py::gil_scoped_release unlocked;
            return s.deduplicate(r);
          },
          py::arg("record"))
      .def("remove", &sdk::Session::remove, py::arg("id"))
      .def("count", &sdk::Session::count)
      .def("contains", &sdk::Session::contains, py::arg("id"))
      .def("snapshot", [](sdk::Session& s) {
        py::gil_scoped_release unlocked;
        return s.snapshot().records;
      });

  // Capture.
  py::class_<sdk::FingerCapture>(m, "FingerCapture")
      .def_property_readonly("status", [](const sdk::FingerCapture& c) { return status_name(c.status); })
      .def_property_readonly("accepted", &sdk::FingerCapture::accepted)
      .def_readonly("sample", &sdk::FingerCapture::sample)
      .def_readonly("reasons", &sdk::FingerCapture::reasons)
      .def_readonly("resolution_assumed", &sdk::FingerCapture::resolution_assumed);
  py::class_<sdk::FingerprintReader>(m, "FingerprintReader")
      .def_static("list",
                  [] {
                    std::vector<std::string> ids;
                    py::gil_scoped_release unlocked;
                    for (const auto& r : sdk::FingerprintReader::list()) ids.push_back(r.id);
                    return ids;
                  })
      .def_static(
          "open",
          [](const std::string& id) {
            py::gil_scoped_release unlocked;
            return sdk::FingerprintReader::open(id);
          },
          py::arg("id") = "")
      .def_static(
          "open_virtual",
          [](const std::vector<py::array>& images) {
            std::vector<sdk::VirtualTouch> script;
            for (const auto& a : images) script.push_back(sdk::VirtualTouch::finger(to_gray(a, 500)));
            py::gil_scoped_release unlocked;
            return sdk::FingerprintReader::open_virtual(std::move(script));
          },
          py::arg("images"), "A libfprint virtual_image reader fed with these images, one per touch.")
      .def_property_readonly("id", [](const sdk::FingerprintReader& r) { return r.info().id; })
      .def_property_readonly("driver", [](const sdk::FingerprintReader& r) { return r.info().driver; });
  m.def(
      "capture_finger",
      [](const sdk::Session& s, sdk::FingerprintReader& r, FingerPosition position, int timeout_ms) {
        py::gil_scoped_release unlocked;
        return sdk::capture_finger(s, r, position, std::chrono::milliseconds(timeout_ms));
      },
      py::arg("session"), py::arg("reader"), py::arg("position") = FingerPosition::unknown,
      py::arg("timeout_ms") = 30000);

  // The recording desk's sequence: each finger in turn, the wrong finger
  // (one already taken) refused, absent fingers marked.
  py::class_<sdk::TenPrintStep>(m, "TenPrintStep")
      .def_readonly("capture", &sdk::TenPrintStep::capture)
      .def_readonly("asked", &sdk::TenPrintStep::asked)
      .def_readonly("same_as", &sdk::TenPrintStep::same_as)
      .def_readonly("same_score", &sdk::TenPrintStep::same_score);
  py::class_<sdk::TenPrintSession>(m, "TenPrintSession")
      .def(py::init([](const sdk::Session& s, sdk::FingerprintReader& r, std::optional<std::vector<FingerPosition>> order,
                       int timeout_ms) {
             if (timeout_ms <= 0) throw Error(ErrorCode::invalid_argument, "timeout_ms must be positive");
             sdk::TenPrintOptions o;
             if (order) {
               if (order->empty()) throw Error(ErrorCode::invalid_argument, "order: at least one finger position");
               o.order = *order;
             }
             o.timeout = std::chrono::milliseconds(timeout_ms);
             return std::make_unique<sdk::TenPrintSession>(s, r, o);
           }),
           py::arg("session"), py::arg("reader"), py::arg("order") = py::none(), py::arg("timeout_ms") = 30000,
           py::keep_alive<1, 2>(), py::keep_alive<1, 3>())
      .def("next", &sdk::TenPrintSession::next, "The position to present now (None when complete).")
      .def("capture",
           [](sdk::TenPrintSession& t) {
             py::gil_scoped_release unlocked;
             return t.capture();
           })
      .def(
          "mark_absent",
          [](sdk::TenPrintSession& t, FingerPosition p, const std::string& why) {
            static const std::pair<const char*, sdk::FingerAbsence> kWhy[] = {
                {"missing", sdk::FingerAbsence::missing},
                {"injured", sdk::FingerAbsence::injured},
                {"bandaged", sdk::FingerAbsence::bandaged},
                {"unable", sdk::FingerAbsence::unable}};
            for (const auto& [name, value] : kWhy)
              if (why == name) return t.mark_absent(p, value);
            throw Error(ErrorCode::invalid_argument, "mark_absent: why is one of missing, injured, bandaged, unable");
          },
          py::arg("position"), py::arg("why"))
      .def_property_readonly("complete", &sdk::TenPrintSession::complete)
      .def("record", &sdk::TenPrintSession::record, py::arg("id"),
           "The fingers taken as a person record (absent ones as attributes).");

  // Cards and printing.
  py::class_<sdk::RenderedCard>(m, "Card")
      .def_property_readonly("pdf", [](const sdk::RenderedCard& c) { return to_py(c.pdf); })
      .def_property_readonly("png", [](const sdk::RenderedCard& c) { return to_py(c.png); })
      .def_readonly("adjusted", &sdk::RenderedCard::adjusted);
  m.def(
      "render_card",
      [](PersonRecord r, const py::array& photo, std::optional<py::array> signature, const std::string& issue_date) {
        const ColorImage p = to_color(photo);
        std::optional<ColorImage> sig;
        if (signature) sig = to_color(*signature);
        py::gil_scoped_release unlocked;
        return sdk::render_card(sdk::card_data_from_record(r, issue_date), p, sig ? &*sig : nullptr);
      },
      py::arg("record"), py::arg("photo"), py::arg("signature") = py::none(), py::arg("issue_date") = "");
  py::class_<sdk::PrintResult>(m, "PrintResult")
      .def_property_readonly("outcome", [](const sdk::PrintResult& r) { return std::string(to_string(r.outcome)); })
      .def_property_readonly("ok", &sdk::PrintResult::ok)
      .def_readonly("job_id", &sdk::PrintResult::job_id)
      .def_readonly("message", &sdk::PrintResult::message);
  m.def(
      "print_pdf",
      [](const std::string& printer, const py::bytes& pdf, double timeout) {
        const auto bytes = from_py(pdf);
        sdk::PrintOptions o;
        o.timeout_seconds = timeout;
        py::gil_scoped_release unlocked;
        return sdk::print_pdf(printer, bytes, o);
      },
      py::arg("printer"), py::arg("pdf"), py::arg("timeout") = 120.0);
}
