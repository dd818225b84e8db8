#include "genomics/model_encoder.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <vector>

#include "base/error.h"
#include "base/file_checksum.h"
#include "kernels/parallel_for.h"
#include "models/registry.h"

namespace spindle {
namespace {

namespace fs = std::filesystem;

// "config.json:crc32:<hex>,model.safetensors:crc32:<hex>" over config.json and every *.safetensors file in
// name order: what decides the vectors this model produces.
std::string model_fingerprint(const fs::path& dir) {
  std::vector<fs::path> files{dir / "config.json"};
  std::vector<fs::path> weights;
  for (const auto& entry : fs::directory_iterator(dir))
    if (entry.path().extension() == ".safetensors") weights.push_back(entry.path());
  std::sort(weights.begin(), weights.end());
  files.insert(files.end(), weights.begin(), weights.end());
  std::string out;
  for (const auto& file : files) {
    if (!out.empty()) out += ',';
    out += file.filename().string();
    out += ':';
    out += file_checksum(file.string());
  }
  return out;
}

}  // namespace

namespace {

fs::path model_directory(const std::string& dir) {
  std::error_code ec;
  const fs::path absolute = fs::canonical(dir, ec);
  if (ec) throw Error(dir + ": model directory not found");
  return absolute;
}

}  // namespace

std::string ModelEncoder::description_of(const std::string& dir) {
  const fs::path absolute = model_directory(dir);
  return std::string(kPrefix) + "pool=mean rc_average=1 fingerprint=" + model_fingerprint(absolute) +
         " dir=" + absolute.string();
}

ModelEncoder::ModelEncoder(const std::string& dir, const LoadOptions& load_options) {
  const fs::path absolute = model_directory(dir);
  model_ = load_model(absolute.string(), load_options);
  // Checked here, not left to the Embedder: a protein model would refuse rc_average as a usage error.
  if (!model_->info().is_dna)
    throw Error(dir + ": model '" + model_->info().architecture + "' is not a DNA model (the DNA encoder needs one)");
  EmbedOptions options;
  options.pooling = Pooling::mean;
  options.rc_average = true;
  embedder_ = std::make_unique<Embedder>(*model_, options);
  description_ = description_of(absolute.string());
}

int ModelEncoder::dim() const { return static_cast<int>(embedder_->dimension()); }

// One sequence per thread: reads and windows are a few hundred tokens, too little work to split
// one forward pass across threads (dozens of parallel regions with microseconds of work each).
// Nested OpenMP is off, so each forward runs single-threaded; the model's caches are locked.
void ModelEncoder::encode(const std::vector<std::string_view>& seqs, float* out) const {
  const int D = dim();
  parallel_for_each(seqs.size(), [&](size_t i) {
    float* row = out + i * D;
    std::fill(row, row + D, 0.0f);
    if (seqs[i].empty()) return;
    Embedding e = embedder_->embed(seqs[i]);
    const float* v = e.vectors.data<float>();
    double norm2 = 0;
    for (int d = 0; d < D; ++d) norm2 += double(v[d]) * v[d];
    if (norm2 <= 0) return;
    const float inv = static_cast<float>(1.0 / std::sqrt(norm2));
    for (int d = 0; d < D; ++d) row[d] = v[d] * inv;
  });
}

std::unique_ptr<Encoder> ModelEncoder::from_description(const std::string& description, const LoadOptions& options) {
  // The directory comes last so that paths with spaces survive.
  const size_t at = description.find(" dir=");
  if (description.rfind(kPrefix, 0) != 0 || at == std::string::npos)
    throw Error("malformed model encoder description '" + description + "'");
  const std::string dir = description.substr(at + 5);
  auto encoder = std::make_unique<ModelEncoder>(dir, options);
  if (encoder->description() != description)
    throw Error(dir + ": the model's files changed since the index was built (fingerprint " +
                encoder->description().substr(0, encoder->description().find(" dir=")) + " vs recorded " +
                description.substr(0, at) + ")");
  return encoder;
}

}  // namespace spindle
