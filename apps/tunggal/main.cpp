#include <iostream>
#include <map>

#include "commands.h"
#include "tunggal/error.h"
#include "tunggal/image.h"
#include "tunggal/version.h"

int main(int argc, char** argv) {
  // Outside images are size-checked from their headers; OpenCV's own
  // decoder limit backs that up for the whole process.
  tunggal::limit_opencv_for_children();
  CLI::App app{"tunggal: biometric deduplication engine and SDK (one person, one NIK)"};
  app.set_version_flag("--version", std::string(tunggal::version()));
  app.require_subcommand(1);
  std::map<CLI::App*, tunggal::cli::Runner> runners;
  auto add = [&](tunggal::cli::Runner (*adder)(CLI::App&)) {
    auto run = adder(app);
    runners[app.get_subcommands({}).back()] = std::move(run);
  };
  add(&tunggal::cli::add_convert);
  add(&tunggal::cli::add_info);
  add(&tunggal::cli::add_gen);
  add(&tunggal::cli::add_extract);
  add(&tunggal::cli::add_eval);
  add(&tunggal::cli::add_face);
  add(&tunggal::cli::add_enroll);
  add(&tunggal::cli::add_identify);
  add(&tunggal::cli::add_dedup);
  add(&tunggal::cli::add_snapshot);
  add(&tunggal::cli::add_check);
  add(&tunggal::cli::add_repair);
  add(&tunggal::cli::add_card);
  add(&tunggal::cli::add_print);
  add(&tunggal::cli::add_capture);
  add(&tunggal::cli::add_office);
  add(&tunggal::cli::add_match);
  add(&tunggal::cli::add_calibrate);
  add(&tunggal::cli::add_bench);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  try {
    for (auto* sub : app.get_subcommands()) return runners.at(sub)();
  } catch (const tunggal::Error& e) {
    std::cerr << "tunggal: " << e.what() << '\n';
    return tunggal::cli::exit_code(e.code());
  } catch (const std::exception& e) {
    std::cerr << "tunggal: internal error: " << e.what() << '\n';
    return 3;
  }
  return 1;
}
