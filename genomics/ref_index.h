// The reference index of Embed-Search-Align: a directory holding
//   manifest.json    format version, encoder description, window length/stride, minimizer k and
//                    w, contigs (name, length, CRC32), file checksums, written_by
//   reference.2bit   the reference, 2 bits per base plus N runs (genomics/packed_reference.h)
//   minimizers.bin   every (w, k)-minimizer of the reference with its positions: the sparse
//                    candidate stage (genomics/minimizer_index.h)
//   vectors/         a VectorStore (index/vector_store.h) with one unit vector per window: the
//                    stage that ranks candidates
// Windows are laid out by genomics/window_layout.h; when the encoder is not strand-invariant the
// reverse strand of window w is stored with id w + n_windows.
//
// Memory: building streams the FASTA and holds at most the packed reference plus either the
// window vectors (1.8 bytes per base) or the minimizer index (~1.4), never both; aligning holds
// all three (~3.5 bytes per base).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "genomics/encoder.h"
#include "genomics/minimizer_index.h"
#include "genomics/packed_reference.h"
#include "genomics/reference.h"
#include "genomics/window_layout.h"
#include "index/vector_store.h"

namespace spindle {

struct RefIndexOptions {
  int window_bp = 300;
  int stride_bp = 150;
  MinimizerParams minimizers;
  // Vector index for the window vectors (index/vector_store.h); empty = the encoder's default:
  // Int8Flat for the k-mer sketch (exact for integer sketches, and able to score chosen windows),
  // Flat for model embeddings (real-valued: int8 would round).
  std::string factory;
};

// The windows of `ref`, in id order (tests and tools; the index itself computes them).
std::vector<Window> make_windows(const Reference& ref, int window_bp, int stride_bp);

struct RefIndexManifest {
  // Version 2: packed reference and minimizer index (version 1 held reference.fa and no minimizers).
  static constexpr int kFormatVersion = 2;
  static constexpr const char* kKind = "spindle-reference-index";
  int format_version = kFormatVersion;
  std::string encoder;
  int window_bp = 0, stride_bp = 0;
  bool both_strands = false;
  std::string written_by;
};

// `requested`, or when empty the vector index for `encoder` described at RefIndexOptions::factory.
std::string default_factory(const Encoder& encoder, const std::string& requested);

using ProgressFn = void (*)(const std::string&);

// What a build indexed, for the CLI's report.
struct RefIndexSummary {
  size_t contigs = 0;
  int64_t bases = 0;
  int64_t windows = 0;
  uint64_t minimizer_occurrences = 0;
  std::string factory;
};

class RefIndex {
 public:
  // Streams the FASTA at `fasta` (plain/gz, "-" = stdin), embeds every window with `encoder`,
  // indexes the minimizers, and writes the index directory `dir` atomically. `progress` (may be
  // null) is called with a status line now and then.
  static RefIndexSummary build(const std::string& fasta, const Encoder& encoder, const RefIndexOptions& options,
                    const std::string& dir, ProgressFn progress = nullptr);
  // The same from a reference already in memory (tests, tools).
  static RefIndexSummary build(const Reference& ref, const Encoder& encoder, const RefIndexOptions& options,
                    const std::string& dir, ProgressFn progress = nullptr);
  static RefIndexSummary build(const PackedReference& ref, const Encoder& encoder, const RefIndexOptions& options,
                    const std::string& dir, ProgressFn progress = nullptr);
  // Throws Error now if build() would refuse `dir`: only a reference index directory (or an empty
  // one) is replaced, never any other directory.
  static void check_output(const std::string& dir);
  // Opens an index directory; checks the kind, format version, file checksums and the vector
  // store. Throws Error("<dir>: ...") on any mismatch.
  // A model encoder loads with `model_options` (device, precision).
  static RefIndex open(const std::string& dir, const LoadOptions& model_options = {});

  const PackedReference& reference() const { return ref_; }
  const WindowLayout& windows() const { return windows_; }
  const MinimizerIndex& minimizers() const { return minimizers_; }
  const VectorStore& store() const { return *store_; }
  const RefIndexManifest& manifest() const { return manifest_; }
  const Encoder& encoder() const { return *encoder_; }
  const std::string& dir() const { return dir_; }
  // Throws Error when the FASTA at `path` (e.g. one the user passed) differs from the indexed
  // reference in names, lengths or content; streams it, one record at a time.
  void check_same_reference(const std::string& path) const;

 private:
  std::string dir_;
  RefIndexManifest manifest_;
  PackedReference ref_;
  WindowLayout windows_;
  MinimizerIndex minimizers_;
  std::unique_ptr<VectorStore> store_;
  std::unique_ptr<Encoder> encoder_;
};

}  // namespace spindle
