// What every command prints on stderr: progress lines and, at the end, minimap2-style totals
// (version, command line, real time, CPU time, peak RSS).
#pragma once

#include <chrono>
#include <string>

namespace spindle::cli {

// Peak resident set size of this process, in bytes.
size_t peak_rss_bytes();
std::string format_bytes(size_t bytes);

// Prints "[spindle] <what>" at most every `interval_s` seconds.
class Progress {
 public:
  explicit Progress(double interval_s = 3.0);
  // Returns true (and prints) when the interval has passed since the last line.
  bool update(const std::string& what);
  double elapsed_s() const;

 private:
  std::chrono::steady_clock::time_point start_, last_;
  double interval_s_;
};

// "[spindle] Version: ..; CMD: ..; Real time: .. s; CPU: .. s; Peak RSS: .."
void print_final_report();

}  // namespace spindle::cli
