// Long reads (ONT, PacBio): the read's minimizers anchor it to the reference, anchors are chained
// (genomics/chain.h), the best chain becomes the primary alignment and chains covering other
// parts of the read become supplementary alignments (flag 0x800, SA tags), as minimap2 and bwa
// report chimeric reads and structural variants. Each chain is aligned piecewise: banded global
// DP between consecutive anchors and banded extension past the first and last (the rest soft-
// clipped), so a 100 kb read costs memory for one gap at a time. Spliced (RNA) alignment is out
// of scope.
#pragma once

#include <string>
#include <vector>

#include "genomics/chain.h"
#include "genomics/dp_align.h"
#include "genomics/fastx_reader.h"
#include "genomics/ref_index.h"
#include "genomics/sam_writer.h"

namespace spindle {

struct LongReadOptions {
  // Minimizers occurring more often are skipped (repeats); long reads have plenty of others.
  int max_occurrences = 200;
  ChainOptions chain;
  // minimap2's map-pb/map-ont scores (-A2 -B4 -O4 -E2): noisy reads align through their errors.
  DpScoring scoring{2, 4, 4, 2, 1, 0};
  int extension_max = 2000;  // read bases past an end anchor that DP may still align
  int extension_band = 48;
  int gap_band = 16;         // band around the diagonal between two anchors (widened by their shift)
  // A chain overlapping the primary on the read by more than this fraction of the shorter one
  // competes with it (lowers MAPQ); less, and it is a supplementary part.
  double max_overlap = 0.5;
  // A supplementary part needs a tenth of the primary's chain score, a chain score of 100 and 300
  // read bases: shorter chance chains of a noisy read (140-190 bp, 2-8 Mb away on simulated CLR
  // reads) are not split alignments.
  double min_supplementary_fraction = 0.1;
  int min_supplementary_score = 100;
  int min_supplementary_bp = 300;
  int max_supplementary = 8;
};

// The options of a minimap2-style preset name: "map-pb", "map-ont", "map-hifi". Throws
// UsageError for any other name.
LongReadOptions long_read_preset(const std::string& name);

class LongReadAligner {
 public:
  LongReadAligner(const RefIndex& index, LongReadOptions options);
  // Appends the records of one read: a primary (or one unmapped record), then its supplementary
  // records. Thread-safe.
  void align(const SeqRecord& read, std::vector<SamRecord>& out) const;

 private:
  const RefIndex& index_;
  LongReadOptions options_;
};

}  // namespace spindle
