#include "core/text_split.hpp"

#include <gtest/gtest.h>

#include <string_view>
#include <vector>

namespace df {
namespace {

using views = std::vector<std::string_view>;

TEST(split_view, cuts_at_every_separator_and_keeps_empty_fields) {
  EXPECT_EQ(split_view("cn|hangzhou|rack12", '|'), (views{"cn", "hangzhou", "rack12"}));
  EXPECT_EQ(split_view("a||b|", '|'), (views{"a", "", "b", ""}));
  EXPECT_EQ(split_view("|", '|'), (views{"", ""}));
}

TEST(split_view, text_without_separator_is_one_field_even_when_empty) {
  EXPECT_EQ(split_view("*/5", ','), (views{"*/5"}));
  EXPECT_EQ(split_view("", ','), (views{""}));
}

TEST(split_view, fields_point_into_the_text) {
  const std::string_view text = "1-5,7";
  const auto parts = split_view(text, ',');
  ASSERT_EQ(parts.size(), 2u);
  EXPECT_EQ(parts[0].data(), text.data());
  EXPECT_EQ(parts[1].data(), text.data() + 4);
}

}  // namespace
}  // namespace df
