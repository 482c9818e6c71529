// The SLA report as a chart people can look at: per step, the median and
// the 95th percentile of its time against its limit.
#pragma once

#include <filesystem>
#include <ostream>

#include "tunggal/workflow/office.h"

namespace tunggal::workflow {

// A PNG: one pair of bars (p50, p95) per step 1-11 and the whole day,
// scaled to each step's limit (the limit is the line at 100%).
void write_sla_chart(const SlaReport& report, const std::filesystem::path& png);

// The same as a Markdown table (step, count, p50, p95, limit, over the
// limit), then the open applications overdue.
void write_sla_table(const SlaReport& report, std::ostream& out);

}  // namespace tunggal::workflow
