#include <gtest/gtest.h>

#include "policy/code_signals.hpp"

namespace turnpike::policy {
namespace {

TEST(PolicyCodeSignals, ProseScoresLow) {
  EXPECT_EQ(countCodeSignals(""), 0u);
  EXPECT_EQ(countCodeSignals("Hello! Could you tell me a joke about cats?\nThanks."), 0u);
  EXPECT_EQ(countCodeSignals("Return the book by Friday, please."), 0u);  // keywords are case-sensitive
}

TEST(PolicyCodeSignals, FencesAndCodeLinesCount) {
  EXPECT_EQ(countCodeSignals("Fix this:\n```python\ndef f(x):\n    return x\n```"), 4u);  // 2 fences + def + return
  EXPECT_EQ(countCodeSignals("int main() {\n  puts(\"hi\");\n}\n"), 3u);
  EXPECT_EQ(countCodeSignals("#include <stdio.h>\nimport os\nSELECT * FROM t"), 3u);
  EXPECT_EQ(countCodeSignals("inline ```a``` and ```b```"), 4u);
  EXPECT_EQ(countCodeSignals("const x = 1\r\nlet y = 2\r\n"), 2u);
}

TEST(PolicyCodeSignals, StopsAtTheCap) {
  std::string many;
  for (int i = 0; i < 100; ++i) many += "x = 1;\n";
  EXPECT_EQ(countCodeSignals(many, 10), 10u);
  EXPECT_EQ(countCodeSignals(many), 100u);
}

}  // namespace
}  // namespace turnpike::policy
