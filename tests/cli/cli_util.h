// Helpers for end-to-end tests of the real `spindle` binary.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "tests/test_paths.h"

namespace spindle::test {

// Runs `spindle <args>` through the shell.
inline CommandResult run_spindle(const std::string& args) { return run_command(spindle_binary() + " " + args); }

inline void write_text(const std::string& path, const std::string& text) { std::ofstream(path, std::ios::binary) << text; }

inline std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// An error run: exit code, a single "spindle: error: ..." line mentioning `needle`.
inline void expect_one_line_error(const CommandResult& r, const std::string& needle, int code = 1) {
  EXPECT_EQ(r.exit_code, code) << r.err;
  EXPECT_NE(r.err.find("spindle: "), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(needle), std::string::npos) << r.err;
  int lines = 0;
  for (char c : r.err) lines += c == '\n';
  EXPECT_EQ(lines, 1) << r.err;
}

// As expect_one_line_error, for commands that also print progress: every stderr line is either
// "[spindle] ..." progress or the one "spindle: ..." error line, which mentions `needle`.
inline void expect_error_line(const CommandResult& r, const std::string& needle, int code = 1) {
  EXPECT_EQ(r.exit_code, code) << r.err;
  std::istringstream lines(r.err);
  std::string line;
  int errors = 0;
  while (std::getline(lines, line)) {
    if (line.rfind("spindle: ", 0) == 0) {
      ++errors;
      EXPECT_NE(line.find(needle), std::string::npos) << line;
    } else {
      EXPECT_EQ(line.rfind("[spindle]", 0), 0u) << "unexpected stderr line: " << line;
    }
  }
  EXPECT_EQ(errors, 1) << r.err;
}

// A random-weight checkpoint written by `spindle model init-random <init_args>` into TEMP/<name>.
inline std::string init_random_model(const std::string& name, const std::string& init_args) {
  std::string dir = temp_dir() + "/" + name;
  auto r = run_spindle("model init-random " + init_args + " -o " + dir);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return dir;
}

// A random-weight HyenaDNA (d_model 32, 2 layers, context 2050) made by the CLI itself once per
// test binary and shared by the tests that embed.
inline const std::string& tiny_model_dir() {
  static std::string dir = init_random_model("model", "--d-model 32 --n-layer 2 --max-seq-len 2050 --seed 3");
  return dir;
}

// No file in `dir` other than those listed.
inline void expect_only_files(const std::string& dir, std::vector<std::string> allowed) {
  for (auto& e : std::filesystem::directory_iterator(dir)) {
    std::string name = e.path().filename().string();
    EXPECT_NE(std::find(allowed.begin(), allowed.end(), name), allowed.end()) << "unexpected output left: " << name;
  }
}

}  // namespace spindle::test
