// Shared by every fuzz target: spindle's parsers read files (htslib, mmap), so each input is
// written to a per-process scratch file first. A target may throw spindle::Error (the clean
// one-line error every bad input must get); any other exception, a crash or a sanitizer report
// is a finding.
#pragma once

#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

#include "base/error.h"

namespace spindle::fuzz {

// A scratch directory for this process, removed at exit.
inline const std::filesystem::path& scratch_dir() {
  static const std::filesystem::path dir = [] {
    const char* base = std::getenv("TMPDIR");
    std::string templ = std::string(base && *base ? base : "/tmp") + "/spindle-fuzz-XXXXXX";
    if (!mkdtemp(templ.data())) std::abort();
    std::atexit([] { std::error_code ec; std::filesystem::remove_all(scratch_dir(), ec); });
    return std::filesystem::path(templ);
  }();
  return dir;
}

// Writes `bytes` to scratch_dir()/name and returns the path.
inline std::string write_input(const std::string& name, std::string_view bytes) {
  std::filesystem::path path = scratch_dir() / name;
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!out) std::abort();
  return path.string();
}

// Runs `parse`; spindle::Error is the expected outcome for bad input. Any other exception escapes
// as a finding: the CLI would print it without naming the file.
template <typename Parse>
void expect_clean_errors(Parse&& parse) {
  try {
    parse();
  } catch (const Error&) {
  }
}

inline std::string_view as_text(const uint8_t* data, size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

}  // namespace spindle::fuzz
