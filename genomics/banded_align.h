// Banded affine-gap alignment with traceback for long reads: global (both sequences end to end,
// the gap between two chained anchors) and extension (from a fixed start, ending wherever the
// score is best: a read end reaching out from its first or last anchor, the rest soft-clipped).
// Scores are 32-bit, memory is one byte per cell inside the band, so a 100 kb read is aligned
// piece by piece without overflow or quadratic memory.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "genomics/dp_align.h"

namespace spindle {

struct BandedResult {
  int score = 0;
  int read_used = 0;    // bases of `read` aligned (all of it for global)
  int target_used = 0;  // bases of `target` aligned
  std::vector<uint32_t> cigar;  // BAM-encoded M/I/D, from the start
};

// Global alignment of all of `read` to all of `target`, cells within `band` of the straight line
// from corner to corner (widened to reach both corners).
BandedResult banded_global(std::string_view read, std::string_view target, const DpScoring& scoring, int band);

// Alignment from the start of both sequences to the best-scoring cell (free end on both).
BandedResult banded_extend(std::string_view read, std::string_view target, const DpScoring& scoring, int band);

}  // namespace spindle
