// The recording desk in C++: fingerprints from a reader (libfprint's
// virtual_image driver, fed with the shared FVC prints), enrolment,
// deduplication of a returning applicant, and the card of a new one.
//   recording_desk DATA_DIR OUT_DIR     (DATA_DIR: ../shared/data)
#include <iostream>

#include "tunggal/sdk.h"

using namespace tunggal;

namespace {

PersonRecord applicant(const std::string& id, const sdk::FingerSample& finger, const std::string& name,
                       const std::string& nik) {
  PersonRecord r;
  r.id = id;
  r.fingers.push_back(finger.finger);
  r.attributes = {{"province", "JAWA BARAT"}, {"regency", "KOTA BANDUNG"}, {"nik", nik}, {"name", name},
                  {"sex", "PEREMPUAN"}, {"birth_place", "BANDUNG"}, {"birth_date", "28-08-1990"},
                  {"address", "JL. MERDEKA NO. 1"}, {"rt_rw", "001/002"}, {"village", "CIHAPIT"},
                  {"district", "BANDUNG WETAN"}, {"religion", "ISLAM"}, {"marital_status", "KAWIN"},
                  {"occupation", "GURU"}};
  return r;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: recording_desk DATA_DIR OUT_DIR\n";
    return 2;
  }
  const std::filesystem::path data = argv[1], out = argv[2];
  try {
    sdk::SessionConfig config;  // an in-memory gallery; set config.gallery for a durable one
    config.face = false;
    sdk::Session session(config);
    const auto print = [&](const char* name) { return read_gray_image(data / "fvc2002" / "DB1_B" / name); };
    auto reader = sdk::FingerprintReader::open_virtual({sdk::VirtualTouch::finger(print("101_1.tif")),
                                                        sdk::VirtualTouch::finger(print("102_1.tif")),
                                                        sdk::VirtualTouch::finger(print("101_3.tif"))});
    std::vector<sdk::FingerSample> taken;
    for (int i = 0; i < 3; ++i) {
      const auto c = sdk::capture_finger(session, reader, FingerPosition::right_index, std::chrono::seconds(20));
      if (!c.accepted()) {
        std::cerr << "capture " << i + 1 << ": " << sdk::to_string(c.status) << "\n";
        return 1;
      }
      std::cout << "captured right index, quality " << c.sample->quality << "\n";
      taken.push_back(*c.sample);
    }
    // Two applicants enrol; the third is the first again, under a new name.
    for (const auto& r : {applicant("A", taken[0], "SITI RAHAYU", "3273016808900001"),
                          applicant("B", taken[1], "DEWI LESTARI", "3273015203920002")}) {
      const auto d = session.deduplicate(r);
      std::cout << r.id << ": " << to_string(d.decision) << "\n";
    }
    const auto again = session.deduplicate(applicant("C", taken[2], "SITI R.", "3273016808900003"));
    std::cout << "C: " << to_string(again.decision);
    if (!again.candidates.empty()) std::cout << " of " << again.candidates.front().ref;
    std::cout << "\n";
    if (again.decision != Decision::duplicate) return 1;
    // The card of B, found unique.
    const PersonRecord b = applicant("B", taken[1], "DEWI LESTARI", "3273015203920002");
    const auto card = sdk::render_card(sdk::card_data_from_record(b, "01-12-2026"),
                                       read_color_image(data / "att_faces" / "s2" / "1.pgm"));
    std::filesystem::create_directories(out);
    write_file_durably(out / "B.pdf", card.pdf);
    write_file_durably(out / "B.png", card.png);
    std::cout << "card of B: " << (out / "B.pdf").string() << "\n";
    return 0;
  } catch (const Error& e) {
    std::cerr << "recording_desk: " << e.what() << "\n";
    return 2;
  }
}
