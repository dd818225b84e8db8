// 2-bit base codes, rolling k-mers and a k-mer hash over DNA text, shared by the sketch encoder,
// the minimizers and the DP seeding.
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

// SplitMix64's finaliser: a bijection on 64 bits (distinct k-mers never share a hash) whose bits
// are well mixed (its top bits can address buckets directly).
inline uint64_t mix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
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

// Calls on_kmer(end, forward, reverse) for every k-mer (k <= 32, 64-bit) of `seq` and its reverse
// complement, both packed with the first base in the high bits; `end` is the position of the
// k-mer's last base. A non-ACGT character restarts the k-mer and calls on_break().
template <typename OnKmer, typename OnBreak>
void for_each_kmer_both_strands(std::string_view seq, int k, OnKmer&& on_kmer, OnBreak&& on_break) {
  const uint64_t mask = k >= 32 ? ~0ull : (1ull << (2 * k)) - 1;
  const int shift = 2 * (k - 1);
  uint64_t fwd = 0, rev = 0;
  int valid = 0;
  for (int64_t i = 0; i < static_cast<int64_t>(seq.size()); ++i) {
    const int b = base_code(seq[i]);
    if (b < 0) {
      valid = 0;
      on_break();
      continue;
    }
    fwd = ((fwd << 2) | static_cast<uint64_t>(b)) & mask;
    rev = (rev >> 2) | (static_cast<uint64_t>(3 - b) << shift);
    if (++valid >= k) on_kmer(i, fwd, rev);
  }
}

}  // namespace spindle
