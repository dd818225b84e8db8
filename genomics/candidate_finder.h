// The sparse candidate stage of `spindle align`: the read's minimizers are looked up in the
// reference's minimizer index, the hits are grouped by diagonal (reference position minus read
// position, per strand), and each group names the window its read projection falls in. The
// windows with the most supporting minimizers go on to the vector store, which ranks them by
// embedding similarity. Cost per read depends on the read's minimizers and their occurrence
// counts (repeats above a cap are skipped), not on the reference length.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "genomics/ref_index.h"

namespace spindle {

struct CandidateOptions {
  // Minimizers occurring more often than this in the reference are repeats and are skipped: they
  // cost a look-up per occurrence and say little about where the read belongs.
  int max_occurrences = 256;
  // Occurrences looked at per read, at most: the read's minimizers are taken rarest first until
  // the next would pass this (the rarest is always taken). Bounds the cost of a read in a repeat.
  int max_hits = 2048;
  int max_windows = 24;  // windows handed on to the embedding re-rank, most votes first
  int diagonal_gap = 16;  // hits whose diagonals differ by at most this (indels) form one group
};

struct WindowCandidate {
  int64_t window = 0;  // window id (windows().window(id))
  int votes = 0;       // minimizer hits supporting it
  int strand = 0;      // 0: the read as given, 1: its reverse complement
};

// Where a group of hits on one diagonal places the read: its first base at `start` of `contig`
// (may lie a little outside the contig).
struct CandidatePlacement {
  int32_t contig = 0;
  int64_t start = 0;
  int strand = 0;
  int votes = 0;
};

struct SeedStats {
  int minimizers = 0;  // of the read
  int masked = 0;      // skipped as repeats (more than max_occurrences, or past max_hits)
  int hits = 0;        // reference occurrences looked at
};

// Candidate windows of `read`, most votes first (ties: lower window id). When `placements` is
// given, it receives the best diagonal groups (at most 8, two votes or more, most votes first):
// distinct placements of the read, such as the copies of a tandem repeat inside one window.
// Thread-safe.
SeedStats find_candidate_windows(const RefIndex& index, std::string_view read, const CandidateOptions& options,
                                 std::vector<WindowCandidate>& out,
                                 std::vector<CandidatePlacement>* placements = nullptr);

}  // namespace spindle
