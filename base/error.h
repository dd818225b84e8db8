// Errors, the two kinds STYLE.md asks for:
//  - spindle::Error: a problem with the user's input (file, record, reason). The CLI prints
//    "spindle: error: <what>" and exits 1.
//  - SPINDLE_ASSERT: a broken internal invariant; aborts with file and line.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <string>

namespace spindle {

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& what) : std::runtime_error(what) {}
};

// A command-line usage problem (exit code 2 in the CLI).
class UsageError : public Error {
 public:
  explicit UsageError(const std::string& what) : Error(what) {}
};

[[noreturn]] inline void assert_fail(const char* expr, const char* file, int line) {
  std::fprintf(stderr, "spindle: internal error: %s failed at %s:%d\n", expr, file, line);
  std::abort();
}

}  // namespace spindle

#define SPINDLE_ASSERT(cond) \
  ((cond) ? (void)0 : ::spindle::assert_fail(#cond, __FILE__, __LINE__))

// Throws spindle::Error when a user-input condition does not hold.
#define SPINDLE_CHECK(cond, msg)                      \
  do {                                                \
    if (!(cond)) throw ::spindle::Error(msg);         \
  } while (0)
