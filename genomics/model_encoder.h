// ModelEncoder: the DNA-ESA encoder. Embeds reads and reference windows with any DNA model spindle
// loads (HyenaDNA, Mamba, Caduceus, ...): mean-pooled final hidden states, averaged over both
// strands so one strand of the reference suffices, L2-normalised.
//
// Its description names the model directory and a CRC-32 fingerprint of config.json and every
// safetensors file, so an index built with one checkpoint refuses to align with another (or with
// the same directory after its weights changed).
#pragma once

#include <memory>
#include <string>

#include "genomics/encoder.h"
#include "models/embedder.h"
#include "models/model.h"

namespace spindle {

class ModelEncoder : public Encoder {
 public:
  // Loads the model in `dir`; throws Error when it does not load or is not a DNA model.
  explicit ModelEncoder(const std::string& dir, const LoadOptions& options = {});
  int dim() const override;
  std::string description() const override { return description_; }
  bool strand_invariant() const override { return true; }
  void encode(const std::vector<std::string_view>& seqs, float* out) const override;

  // The description prefix; encoder_from_description() hands descriptions that start with it here.
  static constexpr const char* kPrefix = "model-v1 ";
  // Rebuilds the encoder an index recorded; throws Error when the description is malformed, the
  // model directory is gone, or its files no longer match the recorded fingerprint.
  static std::unique_ptr<Encoder> from_description(const std::string& description, const LoadOptions& options = {});
  // The description an encoder of the model in `dir` has, from its files alone (no load): what
  // `align --model DIR` compares with the index's, the index having loaded the model already.
  static std::string description_of(const std::string& dir);

 private:
  std::unique_ptr<Model> model_;
  std::unique_ptr<Embedder> embedder_;
  std::string description_;
};

}  // namespace spindle
