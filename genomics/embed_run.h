// One embedding run, as `spindle embed` performs it: FASTA/FASTQ records (DNA, or proteins for
// ESM-1/ESM-2 models) in, one vector per record out (.npy [N, D] + OUT.ids.txt), or per-token
// arrays keyed by record name (safetensors) with Pooling::none. It lives in genomics/ because it
// reads its input through genomics/fastx_reader; the model side is models/embedder.
// All outputs are written to temporaries and renamed into place together at the end, so an error
// (spindle::Error for bad input, UsageError for options the model cannot take) leaves none.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "kernels/run_context.h"
#include "models/embedder.h"

namespace spindle {

struct EmbedRunOptions {
  std::string model_dir;
  // The caller checks that `output` is a file and that a sharded run does not read stdin (the
  // output names its siblings; a shard reads its input twice), before the model is loaded.
  std::string input;    // FASTA/FASTQ, plain or gzip; "-" = stdin (not with shards)
  std::string output;   // OUT.npy (+ OUT.ids.txt), or OUT.safetensors with Pooling::none; not "-"
  EmbedOptions embed;   // pooling, layer, reverse-complement averaging, windows
  // Threads, device and precision of the model (load_options_for); the run reports through `log`
  // where the model computes.
  RunContext context;
  // Sharding: only the records of the shard_index-th (0-based) of shard_count contiguous blocks, so
  // the shards' outputs concatenated in shard order are the unsharded output. The block bounds need
  // the record count, so a sharded run reads its input twice (it must be a file).
  int64_t shard_index = 0, shard_count = 1;
  // Also write OUT.rows.txt: each output row's 0-based record number in the whole input (ids for
  // `spindle index build --ids`). `spindle embed` sets it whenever --shard is given, 1/1 included.
  bool write_rows = false;
};

struct EmbedRunStats {
  int64_t records = 0;  // rows written so far
  int64_t tokens = 0;   // characters embedded (proteins: residues)
  bool protein = false; // the model embeds proteins, so `tokens` counts residues
  // Wall time of the embedding itself, from the first record read to the outputs renamed into
  // place (model loading and a shard's counting pass excluded): the time throughput is quoted over.
  double seconds = 0;
};

// Runs the embedding. `progress` (may be empty) is called after every batch of short records and
// after every long record; `log` (may be empty) receives the run's notes (device, shard bounds,
// characters mapped to [UNK]) as one line each, without a prefix.
EmbedRunStats run_embedding(const EmbedRunOptions& options,
                            const std::function<void(const EmbedRunStats&)>& progress = {},
                            const std::function<void(const std::string&)>& log = {});

}  // namespace spindle
