// `--shard I/N` for align, embed and score: run only part of the input so N processes (a
// Snakemake/SLURM scatter) together produce exactly what one process produces (docs/scale-out.md).
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "cli/command.h"

namespace spindle::cli {

// Shard `index` (0-based) of `count`; count 1 = the whole input. The pipelines choose their part:
// embed and score take balanced contiguous blocks (genomics/embed_run.h, proteins/score_run.h),
// align the reads r with r mod count = index (genomics/align_run.h).
struct Shard {
  int64_t index = 0, count = 1;
  bool given = false;  // --shard was on the command line (1/1 included)
  bool active() const { return count > 1; }
};

// Parses "I/N" (1-based I, 1 <= I <= N); returns "" and fills `shard`, or the reason it is bad.
inline std::string parse_shard(const std::string& text, Shard& shard) {
  const std::string bad = "--shard wants I/N with 1 <= I <= N (e.g. 2/4), got '" + text + "'";
  size_t slash = text.find('/');
  if (slash == std::string::npos || slash == 0 || slash + 1 == text.size()) return bad;
  auto number = [](const std::string& s, int64_t& v) {
    if (s.empty() || s.size() > 9) return false;
    for (char c : s)
      if (c < '0' || c > '9') return false;
    v = std::stoll(s);
    return true;
  };
  int64_t i = 0, n = 0;
  if (!number(text.substr(0, slash), i) || !number(text.substr(slash + 1), n) || n < 1 || i < 1 || i > n) return bad;
  shard.index = i - 1;
  shard.count = n;
  return "";
}

// Adds `--shard I/N` to `cmd`, storing into `shard`; a bad value is a usage error (exit 2).
inline CLI::Option* add_shard_option(CLI::App* cmd, std::shared_ptr<Shard> shard, const std::string& what) {
  return cmd
      ->add_option_function<std::string>(
          "--shard",
          [shard](const std::string& v) {
            std::string why = parse_shard(v, *shard);
            if (!why.empty()) throw CLI::ValidationError("--shard", why);
            shard->given = true;
          },
          "Process only shard I of N (1-based, e.g. 2/4): " + what)
      ->check([](const std::string& v) {
        Shard s;
        return parse_shard(v, s);
      })
      ->type_name("I/N");
}

}  // namespace spindle::cli
