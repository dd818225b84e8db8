// (w, k)-minimizers of DNA text: in every window of w consecutive k-mers, the canonical k-mer with
// the smallest hash. Two sequences sharing w + k - 1 bases share a minimizer there, so a read and
// its place in the reference meet on common minimizers while only ~2/(w+1) of the positions are
// stored. Shared by the reference's minimizer index and the reads' look-ups, so both sides pick
// the same k-mers.
#pragma once

#include <cstdint>
#include <string_view>

#include "genomics/kmers.h"

namespace spindle {

// The order that picks minimizers: a hash, so that frequent low-complexity k-mers (poly-A) are
// not favoured as plain 2-bit order would.
inline uint64_t minimizer_hash(uint64_t kmer) { return mix64(kmer); }

// Calls emit(pos, hash, reverse) for each minimizer of `seq` in increasing position order, once
// per position: `pos` is the k-mer's first base, `reverse` is true when the canonical k-mer is the
// reverse complement of the text. k in 1..32 (64-bit k-mers), w in 1..32. Windows never span a
// non-ACGT character; k-mers equal to their reverse complement (no strand) are skipped.
template <typename F>
void for_each_minimizer(std::string_view seq, int k, int w, F&& emit) {
  struct Candidate {
    uint64_t hash;
    int64_t pos;
    bool reverse;
  };
  // Candidates of the current window in increasing position and non-decreasing hash order (a
  // monotone queue), so the front is the window's minimizer; at most w + 1 live at once.
  Candidate queue[64];
  int64_t head = 0, tail = 0, run = 0, last_emitted = -1;  // run: k-mers since the last N
  for_each_kmer_both_strands(
      seq, k,
      [&](int64_t end, uint64_t fwd, uint64_t rev) {
        const int64_t start = end - k + 1;
        ++run;
        if (fwd != rev) {
          const bool reverse = rev < fwd;
          const uint64_t h = minimizer_hash(reverse ? rev : fwd);
          while (tail > head && queue[(tail - 1) & 63].hash > h) --tail;
          queue[tail++ & 63] = {h, start, reverse};
        }
        while (tail > head && queue[head & 63].pos <= start - w) ++head;
        if (run >= w && tail > head) {
          const Candidate& m = queue[head & 63];
          if (m.pos > last_emitted) {
            emit(m.pos, m.hash, m.reverse);
            last_emitted = m.pos;
          }
        }
      },
      [&] { head = tail = run = 0; });
}

}  // namespace spindle
