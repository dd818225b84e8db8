// One alignment run, as `spindle align` performs it: open the index, stream reads (single-end,
// two mate files, or interleaved pairs) in batches through the Aligner, write SAM/BAM/CRAM.
// Errors in any input throw spindle::Error before the output is renamed into place.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "genomics/aligner.h"
#include "kernels/run_context.h"

namespace spindle {

// The longest read the short-read path takes (`-x sr`): its DP scores are 16-bit and its regions
// span the read plus two flanks of a read length (a 20 kb read already costs ~1e9 DP cells).
constexpr size_t kMaxShortReadLength = 20000;
// The longest read at all: long reads are aligned piecewise (genomics/long_read_aligner.h).
constexpr size_t kMaxReadLength = 1000000;
// Without a preset, reads longer than this take the long-read path.
constexpr size_t kAutoLongReadLength = 1000;

struct AlignRunOptions {
  std::string index_dir;
  std::string reads1;            // "-" = stdin
  std::string reads2;            // mates, "" for single-end
  bool interleaved = false;      // reads1 holds pairs as consecutive records
  std::string output = "-";
  std::string read_group;        // -R text ("@RG\tID:x...", literal \t accepted)
  std::string reference_check;   // optional FASTA that must match the index
  std::string model_check;       // optional model directory that must be the index's encoder
  // -x: "sr" (short reads), "map-ont", "map-pb", "map-hifi" (long reads), or "" (by read length).
  std::string preset;
  RunContext context;            // threads for the whole run (also htslib's compression threads)
  // Reads (or pairs) per batch. 10000 keeps the batch's query vectors (10 MB) below glibc's mmap
  // threshold, so they are reused instead of page-faulted in again every batch: E. coli, 100k reads,
  // 2 threads: sys time 0.6 -> 0.3 s, peak RSS 188 -> 80 MB, search speed unchanged.
  size_t batch_reads = 10000;
  AlignerOptions aligner;
  std::string command_line;
  // --shard: write only the reads (pairs) r with r mod shard_count == shard_index (r 0-based in input
  // order), so the shards' outputs together hold exactly the records of one unsharded run. Paired
  // reads without -I: every shard reads and aligns the whole first batch (the reads an unsharded run
  // estimates the insert model from) and writes only its own, so all shards use the same model.
  int64_t shard_index = 0, shard_count = 1;
};

struct AlignRunStats {
  uint64_t reads = 0;      // records written
  uint64_t mapped = 0;
  uint64_t pairs = 0;
  uint64_t proper = 0;     // records with flag 0x2
  InsertModel insert;
  Aligner::Stats aligner;  // stage times and how reads were found
};

// Runs the alignment; `progress` (may be empty) is called after every batch.
AlignRunStats run_alignment(const AlignRunOptions& options,
                            const std::function<void(const AlignRunStats&)>& progress = {});

}  // namespace spindle
