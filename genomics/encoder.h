// Encoder: the "Embed" of Embed-Search-Align. Turns a batch of DNA sequences into unit vectors such
// that a read lands nearest (by inner product) the reference window that contains it. The index
// records description(); aligning with an encoder whose description differs is an error.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>
#include "models/registry.h"

namespace spindle {

class Encoder {
 public:
  virtual ~Encoder() = default;
  // Output vector length.
  virtual int dim() const = 0;
  // A stable, complete description of the encoder and its parameters (stored in index manifests).
  virtual std::string description() const = 0;
  // True when encode(s) == encode(reverse_complement(s)), so one strand of the reference suffices.
  virtual bool strand_invariant() const = 0;
  // Writes seqs.size() rows of dim() floats into `out` (row-major), each L2-normalised; a sequence
  // with nothing to embed (shorter than the encoder's unit, or all N) yields a zero row.
  virtual void encode(const std::vector<std::string_view>& seqs, float* out) const = 0;
};

// The default, weight-free encoder: a signed count sketch of canonical k-mers (feature hashing).
// Each canonical k-mer is hashed to one of `dim` buckets with a +-1 sign; the counts are
// normalised. Two sequences sharing a fraction f of their k-mers have expected cosine close to
// f * sqrt(n1/n2) and unrelated ones about N(0, 1/dim), so the containing window stands out
// even when 2% divergence destroys a fifth of the read's k-mers (k = 11; 4^11 is close to a
// bacterial genome size, so chance k-mer sharing stays small next to the hashing noise).
class KmerSketchEncoder : public Encoder {
 public:
  explicit KmerSketchEncoder(int k = 11, int dim = 256, uint64_t seed = 0x5eed);
  int dim() const override { return dim_; }
  std::string description() const override;
  bool strand_invariant() const override { return true; }
  void encode(const std::vector<std::string_view>& seqs, float* out) const override;
  // Encodes a single sequence into `out` (dim floats).
  void encode_one(std::string_view seq, float* out) const;

 private:
  int k_, dim_;
  uint64_t seed_;
};

// Builds an encoder from its description (as stored in an index manifest); throws Error for an
// unknown or malformed description.
// A model encoder loads its model with `model_options` (device, precision).
std::unique_ptr<Encoder> encoder_from_description(const std::string& description, const LoadOptions& model_options = {});

}  // namespace spindle
