#pragma once

#include <string_view>

namespace tunggal {

// Library version, "major.minor.patch".
std::string_view version() noexcept;

}  // namespace tunggal
