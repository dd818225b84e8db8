// Chaining of minimizer anchors for long reads: co-linear anchors on one strand and contig, along
// a diagonal band, scored like minimap2 (bases matched minus a gap cost that grows with the
// diagonal shift), so a 5 kb read with 12% errors, whose anchors are 1 k-mer in 15, still forms
// one chain, and a chimeric read forms two.
#pragma once

#include <cstdint>
#include <vector>

namespace spindle {

struct Anchor {
  int64_t ref = 0;    // global reference position of the k-mer's first base
  int32_t query = 0;  // its first base in the read as aligned (reverse-complemented for strand 1)
  int32_t strand = 0;
  int32_t contig = 0;
};

struct ChainOptions {
  int k = 21;             // anchor length (the minimizer k)
  int max_gap = 5000;     // largest reference or read distance between chained anchors
  int bandwidth = 500;    // largest diagonal shift between chained anchors (an indel)
  int lookback = 50;      // predecessors tried per anchor
  // Chains scoring less, or with fewer anchors, are dropped. Two anchors suffice: a 345 bp ONT-like
  // read at 11% error has about two intact 21-mers (minimap2 -x map-ont, with k 15, has more), and
  // two co-linear chance 21-mer matches are rare even in a human genome. MAPQ scales with the
  // anchor count (two anchors: at most about 30).
  int min_score = 30;
  int min_anchors = 2;
  int max_chains = 32;
};

struct Chain {
  std::vector<Anchor> anchors;  // in read (and reference) order
  int score = 0;
  int strand = 0;
  int32_t contig = 0;
  int32_t query_begin = 0, query_end = 0;  // read interval covered, strand coordinates
  int64_t ref_begin = 0, ref_end = 0;      // global reference interval covered
};

// Chains of `anchors` (reordered in place), best first.
std::vector<Chain> chain_anchors(std::vector<Anchor>& anchors, const ChainOptions& options);

}  // namespace spindle
