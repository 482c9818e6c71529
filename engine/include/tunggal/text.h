// Text read from files and written to them: numbers parsed with checks that
// name the file and line, and CSV fields quoted where they need it (RFC
// 4180), so that one parser serves every text format the tool reads.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace tunggal {

// The whole of `field` as a finite number (surrounding spaces allowed);
// otherwise throws Error(malformed_data) "<where>: '<field>' is not a number".
// `where` names the file and line, e.g. "scores.csv, line 12, column score".
double parse_number(std::string_view field, std::string_view where);
// A whole number in [lo, hi], the same way.
long long parse_integer(std::string_view field, std::string_view where, long long lo, long long hi);

// `s` as one CSV field: unchanged, or in double quotes (quotes doubled)
// when it holds a comma, a quote or a line break.
std::string csv_field(std::string_view s);
// One CSV line split into its fields (quoted fields unquoted); a quote that
// does not close throws Error(malformed_data) naming `where`.
std::vector<std::string> split_csv_line(std::string_view line, std::string_view where);

// Whether `s` is well-formed UTF-8 (RFC 3629: no overlong forms, no
// surrogates, nothing past U+10FFFF).
bool is_valid_utf8(std::string_view s) noexcept;

// RFC 4648 base64, standard or URL-safe alphabet, padding optional,
// whitespace skipped; anything else throws Error(malformed_data) naming it.
std::vector<std::uint8_t> decode_base64(std::string_view text);
// Standard alphabet, padded.
std::string encode_base64(std::span<const std::uint8_t> bytes);

}  // namespace tunggal
