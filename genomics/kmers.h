// 2-bit base codes and rolling k-mers over DNA text, shared by the sketch encoder and the DP seeding.
#pragma once

#include <cstdint>
#include <string_view>

namespace spindle {

// A=0, C=1, G=2, T=3 (upper case, as FastxReader delivers); anything else (N) is -1.
inline int base_code(char c) {
  switch (c) {
    case 'A': return 0;
    case 'C': return 1;
    case 'G': return 2;
    case 'T': return 3;
    default: return -1;
  }
}

// Calls f(end, kmer) for every k-mer (k <= 16, 2 bits per base, first base in the high bits) of
// `seq`, where `end` is the position of its last base; a non-ACGT character restarts the k-mer.
template <typename F>
void for_each_kmer(std::string_view seq, int k, F&& f) {
  const uint32_t mask = k >= 16 ? ~0u : (1u << (2 * k)) - 1;
  uint32_t kmer = 0;
  int valid = 0;
  for (int i = 0; i < static_cast<int>(seq.size()); ++i) {
    const int b = base_code(seq[i]);
    if (b < 0) {
      valid = 0;
      continue;
    }
    kmer = ((kmer << 2) | static_cast<uint32_t>(b)) & mask;
    if (++valid >= k) f(i, kmer);
  }
}

}  // namespace spindle
