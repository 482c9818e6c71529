// Helpers shared by the tests: where the team's shared data lives, and a
// deterministic template generator for round-trip tests.
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <optional>
#include <random>
#include <string_view>

#include "tunggal/finger_template.h"

namespace tunggal::test {

// ../shared/data beside the project root, or $TUNGGAL_SHARED_DATA.
inline std::optional<std::filesystem::path> shared_data_dir() {
  if (const char* env = std::getenv("TUNGGAL_SHARED_DATA")) {
    if (std::filesystem::is_directory(env)) return std::filesystem::path(env);
  }
  const std::filesystem::path p =
      std::filesystem::path(TUNGGAL_SOURCE_DIR) / ".." / "shared" / "data";
  if (std::filesystem::is_directory(p)) return std::filesystem::canonical(p);
  return std::nullopt;
}

// In CI (CI=true) a test that needs the team's data or the face models and
// does not find them fails instead of skipping: a path that moved or a model
// that did not install must not hide as a green run. On a developer's
// machine it skips with the reason. (Skips for a CPU feature the machine
// lacks stay skips everywhere.)
inline bool in_ci() {
  const char* ci = std::getenv("CI");
  return ci != nullptr && std::string_view(ci) == "true";
}

#define TUNGGAL_SKIP_OR_FAIL_IN_CI(reason)                                       \
  do {                                                                           \
    if (::tunggal::test::in_ci()) FAIL() << reason << " (CI=true: not a skip)"; \
    GTEST_SKIP() << reason;                                                      \
  } while (0)

#define TUNGGAL_REQUIRE_SHARED_DATA(var)                                                                  \
  const auto var##_opt = ::tunggal::test::shared_data_dir();                                              \
  if (!var##_opt) TUNGGAL_SKIP_OR_FAIL_IN_CI("../shared/data not found (set TUNGGAL_SHARED_DATA)");       \
  const std::filesystem::path var = *var##_opt

// The installed face models (scripts/setup), if present.
inline std::optional<std::filesystem::path> face_model_file();

#define TUNGGAL_REQUIRE_FACE_MODELS(var)                                                            \
  const auto var##_opt = ::tunggal::test::face_model_file();                                        \
  if (!var##_opt) TUNGGAL_SKIP_OR_FAIL_IN_CI("face models not installed (scripts/setup installs them)"); \
  const std::filesystem::path var = *var##_opt

// A random but valid view; angles on the ISO grid so ISO round-trips exactly.
inline FingerTemplate random_template(std::mt19937& rng, int minutiae = 40) {
  FingerTemplate t;
  t.width = static_cast<std::uint16_t>(std::uniform_int_distribution<int>(200, 800)(rng));
  t.height = static_cast<std::uint16_t>(std::uniform_int_distribution<int>(200, 800)(rng));
  t.dpi_x = t.dpi_y = 500;
  t.position = static_cast<FingerPosition>(std::uniform_int_distribution<int>(0, 10)(rng));
  t.quality = static_cast<std::uint8_t>(std::uniform_int_distribution<int>(0, 100)(rng));
  for (int i = 0; i < minutiae; ++i) {
    Minutia m;
    m.x = static_cast<std::uint16_t>(std::uniform_int_distribution<int>(0, t.width - 1)(rng));
    m.y = static_cast<std::uint16_t>(std::uniform_int_distribution<int>(0, t.height - 1)(rng));
    m.angle = static_cast<float>(std::uniform_int_distribution<int>(0, 255)(rng) *
                                 6.283185307179586 / 256.0);
    m.type = static_cast<MinutiaType>(std::uniform_int_distribution<int>(0, 2)(rng));
    m.quality = static_cast<std::uint8_t>(std::uniform_int_distribution<int>(0, 100)(rng));
    t.minutiae.push_back(m);
  }
  return t;
}

}  // namespace tunggal::test

#include "tunggal/face.h"

inline std::optional<std::filesystem::path> tunggal::test::face_model_file() {
  const auto p = ::tunggal::default_face_model_file();
  if (std::filesystem::is_regular_file(p)) return p;
  return std::nullopt;
}
