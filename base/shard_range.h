// Which items a shard (`--shard I/N`) takes when a command splits its input into contiguous blocks:
// concatenated in shard order, the shards' outputs are the one-process output. embed splits
// records this way, score splits variants.
#pragma once

#include <cstdint>

namespace spindle {

struct ShardRange {
  int64_t first = 0, last = 0;  // items [first, last)
};

// The index-th (0-based) of `count` balanced blocks of n items: sizes differ by at most one.
inline ShardRange shard_range(int64_t n, int64_t index, int64_t count) {
  return {n * index / count, n * (index + 1) / count};
}

}  // namespace spindle
