// Verbs of the `tunggal` command-line tool; each registers itself on the
// CLI11 app and returns the process exit code through `run`.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>

#include "tunggal/error.h"

namespace tunggal {
class FaceExtractor;
}

namespace tunggal::cli {

using Runner = std::function<int()>;

// The exit code of a command stopped by an Error (README, "Exit codes"):
// 2 bad input (named), 4 refused (not this caller, not in this state),
// 5 busy (held or locked: try again), 6 I/O. 1 is a command's own "no"
// (a check that found damage, a finger that did not match), 3 a bug.
constexpr int exit_code(ErrorCode code) noexcept {
  switch (code) {
    case ErrorCode::denied:
    case ErrorCode::conflict: return 4;
    case ErrorCode::busy: return 5;
    case ErrorCode::io: return 6;
    case ErrorCode::internal: return 3;
    default: return 2;
  }
}

Runner add_convert(CLI::App& app);
Runner add_info(CLI::App& app);
Runner add_gen(CLI::App& app);
Runner add_extract(CLI::App& app);
Runner add_eval(CLI::App& app);
Runner add_bench(CLI::App& app);
Runner add_bench_dedup(CLI::App& bench);  // `bench dedup`, registered by add_bench
Runner add_match(CLI::App& app);
Runner add_calibrate(CLI::App& app);
Runner add_face(CLI::App& app);
Runner add_enroll(CLI::App& app);
Runner add_identify(CLI::App& app);
Runner add_dedup(CLI::App& app);
Runner add_snapshot(CLI::App& app);
Runner add_check(CLI::App& app);
Runner add_repair(CLI::App& app);
Runner add_card(CLI::App& app);
Runner add_print(CLI::App& app);
Runner add_capture(CLI::App& app);
Runner add_office(CLI::App& app);

// The face pipeline from a model description file ("" = the installed default).
FaceExtractor make_face_extractor(const std::string& models);

}  // namespace tunggal::cli
