// The reference index of Embed-Search-Align: a directory holding
//   manifest.json  format version, encoder description, window length/stride, contigs (name,
//                  length, CRC32), written_by
//   reference.fa   the reference sequence (upper-case ACGTN) the windows were cut from, + .fai
//   vectors/       a VectorStore (index/vector_store.h) with one unit vector per window
// Windows of window_bp at stride_bp cover every contig (the last one is aligned to the contig
// end). Window ids are dense: contig by contig, start by start; when the encoder is not
// strand-invariant the reverse strand of window w is stored with id w + n_windows.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "genomics/encoder.h"
#include "genomics/reference.h"
#include "index/vector_store.h"

namespace spindle {

struct RefIndexOptions {
  int window_bp = 300;
  int stride_bp = 150;
  // Vector index for the window vectors (index/vector_store.h); empty = the encoder's default:
  // Int8Flat for the k-mer sketch (it scores every window like Flat, 4x faster, and exactly,
  // since sketches are integer counts), Flat for model embeddings (real-valued: int8 would round).
  std::string factory;
  int threads = 0;               // 0 = all cores
};

struct Window {
  int32_t contig = 0;
  int64_t start = 0;  // 0-based
  int64_t end = 0;    // one past
};

// The windows of `ref`, in id order.
std::vector<Window> make_windows(const Reference& ref, int window_bp, int stride_bp);

struct RefIndexManifest {
  static constexpr int kFormatVersion = 1;
  static constexpr const char* kKind = "spindle-reference-index";
  int format_version = kFormatVersion;
  std::string encoder;
  int window_bp = 0, stride_bp = 0;
  bool both_strands = false;
  std::string written_by;
};

// `requested`, or when empty the vector index for `encoder` described at RefIndexOptions::factory.
std::string default_factory(const Encoder& encoder, const std::string& requested);

class RefIndex {
 public:
  // Embeds every window of `ref` with `encoder` and writes the index directory `dir` atomically.
  // `progress` (may be null) is called with a status line now and then.
  static void build(const Reference& ref, const Encoder& encoder, const RefIndexOptions& options,
                    const std::string& dir, void (*progress)(const std::string&) = nullptr);
  // Opens an index directory; checks the kind, format version, reference checksums and the
  // vector store. Throws Error("<dir>: ...") on any mismatch.
  static RefIndex open(const std::string& dir);

  const Reference& reference() const { return ref_; }
  const std::vector<Window>& windows() const { return windows_; }
  const VectorStore& store() const { return *store_; }
  const RefIndexManifest& manifest() const { return manifest_; }
  const Encoder& encoder() const { return *encoder_; }
  const std::string& dir() const { return dir_; }
  std::string reference_fasta() const { return dir_ + "/reference.fa"; }
  // Throws Error when `other` (e.g. the FASTA the user passed) differs from the indexed reference.
  void check_same_reference(const Reference& other, const std::string& other_path) const;

 private:
  std::string dir_;
  RefIndexManifest manifest_;
  Reference ref_;
  std::vector<Window> windows_;
  std::unique_ptr<VectorStore> store_;
  std::unique_ptr<Encoder> encoder_;
};

}  // namespace spindle
