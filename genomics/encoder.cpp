#include "genomics/encoder.h"

#include <cmath>
#include <cstdio>
#include <cstring>

#include "base/error.h"
#include "genomics/kmers.h"
#include "genomics/model_encoder.h"
#include "kernels/parallel_for.h"

namespace spindle {
KmerSketchEncoder::KmerSketchEncoder(int k, int dim, uint64_t seed) : k_(k), dim_(dim), seed_(seed) {
  if (k < 4 || k > 31) throw Error("kmer sketch: k must be in 4..31, got " + std::to_string(k));
  if (dim < 8) throw Error("kmer sketch: dim must be at least 8, got " + std::to_string(dim));
}

std::string KmerSketchEncoder::description() const {
  return "kmer-sketch-v1 k=" + std::to_string(k_) + " dim=" + std::to_string(dim_) + " seed=" + std::to_string(seed_);
}

void KmerSketchEncoder::encode_one(std::string_view seq, float* out) const {
  std::memset(out, 0, sizeof(float) * dim_);
  for_each_kmer_both_strands(
      seq, k_,
      [&](int64_t, uint64_t fwd, uint64_t rev) {
        // Canonical k-mer: the smaller of the two strands, so the sketch is strand-invariant.
        uint64_t h = mix64((fwd < rev ? fwd : rev) ^ seed_);
        out[h % static_cast<uint64_t>(dim_)] += (h >> 63) ? 1.0f : -1.0f;
      },
      [] {});
  double norm2 = 0;
  for (int i = 0; i < dim_; ++i) norm2 += double(out[i]) * out[i];
  if (norm2 <= 0) return;
  float inv = static_cast<float>(1.0 / std::sqrt(norm2));
  for (int i = 0; i < dim_; ++i) out[i] *= inv;
}

void KmerSketchEncoder::encode(const std::vector<std::string_view>& seqs, float* out) const {
  ParallelErrors errors;  // an exception may not leave an OpenMP region
#pragma omp parallel for schedule(static) if (seqs.size() > 64)
  for (size_t i = 0; i < seqs.size(); ++i) errors.guard([&] { encode_one(seqs[i], out + i * dim_); });
  errors.rethrow();
}

std::unique_ptr<Encoder> encoder_from_description(const std::string& description, const LoadOptions& model_options) {
  if (description.rfind(ModelEncoder::kPrefix, 0) == 0) return ModelEncoder::from_description(description, model_options);
  int k = 0, dim = 0;
  unsigned long long seed = 0;
  if (std::sscanf(description.c_str(), "kmer-sketch-v1 k=%d dim=%d seed=%llu", &k, &dim, &seed) == 3) {
    auto enc = std::make_unique<KmerSketchEncoder>(k, dim, seed);
    if (enc->description() == description) return enc;
  }
  throw Error("unknown encoder '" + description + "' (this build knows kmer-sketch-v1 and model-v1)");
}

}  // namespace spindle
