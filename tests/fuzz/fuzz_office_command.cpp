// libFuzzer target for the office's request parser (what the pages and
// scripts send): any bytes give a command or Error(invalid_argument)
// naming what is wrong; nothing else escapes, nothing crashes.
#include <cstdlib>
#include <string_view>

#include "tunggal/error.h"
#include "tunggal/workflow/commands.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    const auto c = tunggal::workflow::parse_command({reinterpret_cast<const char*>(data), size});
    if (tunggal::workflow::action_name(c).empty()) std::abort();
  } catch (const tunggal::Error& e) {
    if (e.code() != tunggal::ErrorCode::invalid_argument) std::abort();
  }
  return 0;
}
