// What one Office::execute asks of the office's checks on this thread
// (request_scope.h).
#include "request_scope.h"

namespace tunggal::workflow::detail {
namespace {
thread_local std::optional<std::int64_t> t_expected_version;
thread_local bool t_hold_on_act = false;
}  // namespace
ExpectedVersion::ExpectedVersion(std::optional<std::int64_t> version) : before_(t_expected_version) {
  t_expected_version = version;
}
ExpectedVersion::~ExpectedVersion() { t_expected_version = before_; }
std::optional<std::int64_t> ExpectedVersion::current() noexcept { return t_expected_version; }
void ExpectedVersion::advance() noexcept {
  if (t_expected_version) ++*t_expected_version;
}
HoldOnAct::HoldOnAct() : before_(t_hold_on_act) { t_hold_on_act = true; }
HoldOnAct::~HoldOnAct() { t_hold_on_act = before_; }
bool HoldOnAct::active() noexcept { return t_hold_on_act; }
}  // namespace tunggal::workflow::detail
