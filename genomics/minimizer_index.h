// The sparse candidate stage's lookup table: every (w, k)-minimizer of the reference with its
// positions, so a read finds the places it may come from by a few dozen exact look-ups whose cost
// depends on the read's minimizers, not on the reference length.
//
// Layout (8 bytes per occurrence, ~1.4 bytes per reference base at k 21, w 11): occurrences are
// grouped into 2^B buckets by the top B bits of the minimizer hash (about 4 occurrences per
// bucket), and within a bucket sorted by the next 31 hash bits (the "check") and position. A
// look-up reads one directory slot and one short run of one bucket. Positions are global
// coordinates of the packed reference (uint32: references up to 4 Gbp).
//
// File (little-endian): magic "SPNDLMZI", u32 version 1, u32 k, u32 w, u32 bucket_bits,
// u64 occurrences, (2^B + 1) u32 bucket starts, then the occurrences (u32 pos, u32 check << 1 |
// reverse).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "genomics/packed_reference.h"

namespace spindle {

struct MinimizerParams {
  int k = 21;  // long enough that chance matches in a 3 Gb genome are rare (4^21 = 4.4e12)
  int w = 11;  // one minimizer per ~6 bases: ~22 per 150 bp read
};

struct MinimizerOccurrence {
  uint32_t pos;  // global position of the k-mer's first base
  uint32_t tag;  // check << 1 | reverse (the canonical k-mer is the reference's reverse strand)
  bool reverse() const { return tag & 1; }
};

class MinimizerIndex {
 public:
  // Indexes every minimizer of `ref` on all OpenMP threads. Throws Error when the reference is
  // 4 Gbp or longer. `progress` may be null.
  static MinimizerIndex build(const PackedReference& ref, MinimizerParams params,
                              void (*progress)(const std::string&) = nullptr);
  // Returns the file's checksum (as file_checksum computes it), taken from the bytes as written.
  std::string save(const std::string& path) const;
  // Throws Error naming `path` when the file is missing, truncated or inconsistent, or (when
  // `expected_checksum` is given, as file_checksum writes it) when its checksum differs: computed
  // while reading, so the file is read once.
  static MinimizerIndex load(const std::string& path, const std::string& expected_checksum = "");

  // Occurrences of the minimizer with hash `hash` (from for_each_minimizer), in position order.
  std::span<const MinimizerOccurrence> lookup(uint64_t hash) const;
  // Look-ups at genome scale are two cache misses each (directory slot, then bucket). Callers
  // with many hashes issue prefetch_directory for all, then prefetch_bucket for all (it reads the
  // now cached slot), then lookup: the misses overlap instead of queueing one by one.
  void prefetch_directory(uint64_t hash) const { __builtin_prefetch(&bucket_start_[bucket_of(hash)]); }
  void prefetch_bucket(uint64_t hash) const {
    __builtin_prefetch(occurrences_.data() + bucket_start_[bucket_of(hash)]);
  }

  const MinimizerParams& params() const { return params_; }
  uint64_t occurrences() const { return occurrences_.size(); }
  size_t memory_bytes() const;

 private:
  uint64_t bucket_of(uint64_t hash) const { return hash >> (64 - bucket_bits_); }
  uint32_t check_of(uint64_t hash) const { return static_cast<uint32_t>(hash >> (33 - bucket_bits_)) & 0x7fffffffu; }
  MinimizerParams params_;
  int bucket_bits_ = 0;
  std::vector<uint32_t> bucket_start_;  // 2^B + 1
  std::vector<MinimizerOccurrence> occurrences_;
};

}  // namespace spindle
