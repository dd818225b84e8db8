// One reference indexing run, as `spindle index ref` performs it: choose the window layout from the
// read length, build the encoder (the k-mer sketch, or a DNA model), and write the index directory
// of genomics/ref_index.h. `spindle align` searches the result.
#pragma once

#include <string>

#include "genomics/ref_index.h"
#include "kernels/run_context.h"

namespace spindle {

struct IndexRefRunOptions {
  std::string reference;  // FASTA, plain or gzip; "-" = stdin
  std::string output;     // index directory; only a reference index (or an empty directory) is replaced
  RunContext context;
  // Windows: 0 = from the read length (window 2x, stride window - read length), so every read lies
  // wholly inside some window, which is short enough for the read's k-mers to dominate its sketch.
  int read_length = 150;  // at least 16 (UsageError otherwise)
  int window_bp = 0, stride_bp = 0;
  int kmer = 11, dim = 256;  // k-mer sketch encoder
  MinimizerParams minimizers;
  std::string factory;    // vector index; empty: Int8Flat for the sketch, Flat for a model
  std::string model_dir;  // embed windows with this DNA model instead of the k-mer sketch
};

struct IndexRefRunStats {
  RefIndexSummary summary;
  RefIndexOptions layout;  // the window length and stride and minimizer parameters used
  std::string encoder;     // the encoder's description, as the manifest records it
};

// Builds the index; `progress` (may be null) is called with a status line now and then. Throws
// Error before any work when `output` is a directory it must not replace.
IndexRefRunStats run_index_ref(const IndexRefRunOptions& options, ProgressFn progress = nullptr);

}  // namespace spindle
