#include "cli/report.h"

#include <sys/resource.h>

#include <cstdio>

#include "cli/command.h"

namespace spindle::cli {

size_t peak_rss_bytes() {
  struct rusage usage {};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<size_t>(usage.ru_maxrss) * 1024;  // Linux reports KiB
}

std::string format_bytes(size_t bytes) {
  char buf[64];
  if (bytes >= (1ull << 30)) std::snprintf(buf, sizeof buf, "%.2f GiB", bytes / double(1ull << 30));
  else std::snprintf(buf, sizeof buf, "%.1f MiB", bytes / double(1ull << 20));
  return buf;
}

Progress::Progress(double interval_s)
    : start_(std::chrono::steady_clock::now()), last_(start_), interval_s_(interval_s) {}

bool Progress::update(const std::string& what) {
  auto now = std::chrono::steady_clock::now();
  if (std::chrono::duration<double>(now - last_).count() < interval_s_) return false;
  last_ = now;
  std::fprintf(stderr, "[spindle] %.1f s: %s\n", elapsed_s(), what.c_str());
  return true;
}

double Progress::elapsed_s() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
}

static const auto g_start = std::chrono::steady_clock::now();

void print_final_report() {
  struct rusage usage {};
  getrusage(RUSAGE_SELF, &usage);
  double cpu = usage.ru_utime.tv_sec + usage.ru_stime.tv_sec +
               (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) * 1e-6;
  double real = std::chrono::duration<double>(std::chrono::steady_clock::now() - g_start).count();
  std::fprintf(stderr, "[spindle] Version: %s\n[spindle] CMD: %s\n", SPINDLE_VERSION, command_line().c_str());
  std::fprintf(stderr, "[spindle] Real time: %.3f sec; CPU: %.3f sec; Peak RSS: %s\n", real, cpu,
               format_bytes(peak_rss_bytes()).c_str());
}

}  // namespace spindle::cli
