// Checked numbers and CSV fields (tunggal/text.h): what every text file the
// tool reads goes through.
#include <gtest/gtest.h>

#include "tunggal/error.h"
#include "tunggal/text.h"

namespace tunggal {
namespace {

std::string message_of(double (*f)(std::string_view, std::string_view), std::string_view v) {
  try {
    f(v, "f.csv, line 7, score");
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::malformed_data);
    return e.what();
  }
  return "";
}

TEST(Text, NumbersAreCheckedWholeAndNameWhereTheyCameFrom) {
  EXPECT_DOUBLE_EQ(parse_number("12.5", "x"), 12.5);
  EXPECT_DOUBLE_EQ(parse_number(" -3e2\r", "x"), -300);
  EXPECT_EQ(message_of(parse_number, "abc"), "f.csv, line 7, score: 'abc' is not a number");
  for (const char* bad : {"", "1.5x", "nan", "inf", "1,5", "--1", "0x10"})
    EXPECT_NE(message_of(parse_number, bad), "") << bad;
  // Control characters in outside text are not echoed raw.
  EXPECT_EQ(message_of(parse_number, std::string_view("\x1b[31m", 5)), "f.csv, line 7, score: '?[31m' is not a number");
  EXPECT_EQ(parse_integer("42", "x", 0, 100), 42);
  EXPECT_THROW(parse_integer("101", "x", 0, 100), Error);
  EXPECT_THROW(parse_integer("4.2", "x", 0, 100), Error);
  EXPECT_THROW(parse_integer("99999999999999999999", "x", 0, 100), Error);
}

TEST(Text, CsvFieldsRoundTripThroughQuoting) {
  EXPECT_EQ(csv_field("plain"), "plain");
  EXPECT_EQ(csv_field("a,b"), "\"a,b\"");
  EXPECT_EQ(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
  const std::vector<std::string> fields = {"a,b", "", "say \"hi\"", "x", "line\rbreak"};
  std::string line;
  for (std::size_t i = 0; i < fields.size(); ++i) {
    if (i) line += ',';
    line += csv_field(fields[i]);
  }
  EXPECT_EQ(split_csv_line(line, "t"), fields);
  EXPECT_EQ(split_csv_line("a,b,,c\r", "t"), (std::vector<std::string>{"a", "b", "", "c"}));
  EXPECT_THROW(split_csv_line("\"open,b", "t"), Error);
  EXPECT_THROW(split_csv_line("\"a\"b,c", "t"), Error);
}

TEST(Text, Utf8IsCheckedByRfc3629) {
  EXPECT_TRUE(is_valid_utf8(""));
  EXPECT_TRUE(is_valid_utf8("plain ASCII"));
  EXPECT_TRUE(is_valid_utf8("\xc3\xa9"));              // é
  EXPECT_TRUE(is_valid_utf8("\xe2\x82\xac"));          // €
  EXPECT_TRUE(is_valid_utf8("\xf0\x9f\x98\x80"));      // U+1F600
  EXPECT_TRUE(is_valid_utf8("\xf4\x8f\xbf\xbf"));      // U+10FFFF
  EXPECT_FALSE(is_valid_utf8("\x80"));                  // a continuation alone
  EXPECT_FALSE(is_valid_utf8("\xc0\xaf"));              // overlong '/'
  EXPECT_FALSE(is_valid_utf8("\xe0\x80\xaf"));          // overlong
  EXPECT_FALSE(is_valid_utf8("\xed\xa0\x80"));          // a surrogate
  EXPECT_FALSE(is_valid_utf8("\xf4\x90\x80\x80"));      // past U+10FFFF
  EXPECT_FALSE(is_valid_utf8("\xf5\x80\x80\x80"));
  EXPECT_FALSE(is_valid_utf8("\xe2\x82"));              // cut short
  EXPECT_FALSE(is_valid_utf8("\xc3("));                 // not a continuation
  EXPECT_FALSE(is_valid_utf8("\xff"));
}

}  // namespace
}  // namespace tunggal
