// Where tests find the project, the built CLI and the optional ../shared data.
#pragma once

#include <string>

namespace spindle::test {

std::string source_dir();  // the project root
std::string spindle_binary();  // build/spindle ("" in a core-only build)
// ../shared next to the project, or $SPINDLE_SHARED; "" when absent (tests then GTEST_SKIP).
std::string shared_dir();
// A fresh empty directory under the system temp dir, removed at exit.
std::string temp_dir();

struct CommandResult {
  int exit_code;
  std::string out;  // stdout
  std::string err;  // stderr
};
// Runs a shell command line and captures both streams.
CommandResult run_command(const std::string& command_line);

}  // namespace spindle::test

// Skips the current test with a message when ../shared is absent.
#define SPINDLE_REQUIRE_SHARED()                                                        \
  do {                                                                                  \
    if (::spindle::test::shared_dir().empty())                                          \
      GTEST_SKIP() << "../shared not found (set SPINDLE_SHARED): golden data unavailable"; \
  } while (0)
