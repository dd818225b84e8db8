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

// SplitMix64's finaliser: a bijection on 64 bits, so distinct k-mers never share a hash, and its
// bits are well mixed, so its top bits can address buckets directly.
inline uint64_t minimizer_hash(uint64_t kmer) {
  kmer += 0x9e3779b97f4a7c15ull;
  kmer = (kmer ^ (kmer >> 30)) * 0xbf58476d1ce4e5b9ull;
  kmer = (kmer ^ (kmer >> 27)) * 0x94d049bb133111ebull;
  return kmer ^ (kmer >> 31);
}

// Calls emit(pos, hash, reverse) for each minimizer of `seq` in increasing position order, once
// per position: `pos` is the k-mer's first base, `reverse` is true when the canonical k-mer is the
// reverse complement of the text. k in 1..32 (64-bit k-mers), w in 1..32. Windows never span a
// non-ACGT character; k-mers equal to their reverse complement (no strand) are skipped.
template <typename F>
void for_each_minimizer(std::string_view seq, int k, int w, F&& emit) {
  const uint64_t mask = k >= 32 ? ~0ull : (1ull << (2 * k)) - 1;
  const int shift = 2 * (k - 1);
  struct Candidate {
    uint64_t hash;
    int64_t pos;
    bool reverse;
  };
  // Candidates of the current window in increasing position and non-decreasing hash order (a
  // monotone queue), so the front is the window's minimizer; at most w + 1 live at once.
  Candidate queue[64];
  int64_t head = 0, tail = 0, valid = 0, last_emitted = -1;
  uint64_t fwd = 0, rev = 0;
  const int64_t n = static_cast<int64_t>(seq.size());
  for (int64_t i = 0; i < n; ++i) {
    const int b = base_code(seq[i]);
    if (b < 0) {
      valid = 0;
      head = tail = 0;
      continue;
    }
    fwd = ((fwd << 2) | static_cast<uint64_t>(b)) & mask;
    rev = (rev >> 2) | (static_cast<uint64_t>(3 - b) << shift);
    if (++valid < k) continue;
    const int64_t start = i - k + 1;
    if (fwd != rev) {
      const bool reverse = rev < fwd;
      const uint64_t h = minimizer_hash(reverse ? rev : fwd);
      while (tail > head && queue[(tail - 1) & 63].hash > h) --tail;
      queue[tail++ & 63] = {h, start, reverse};
    }
    while (tail > head && queue[head & 63].pos <= start - w) ++head;
    if (valid - k + 1 >= w && tail > head) {
      const Candidate& m = queue[head & 63];
      if (m.pos > last_emitted) {
        emit(m.pos, m.hash, m.reverse);
        last_emitted = m.pos;
      }
    }
  }
}

}  // namespace spindle
