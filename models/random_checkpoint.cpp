#include "models/random_checkpoint.h"

#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>

#include "base/output_file.h"
#include "models/safetensors_writer.h"

namespace spindle {

void write_random_hyenadna(const std::string& dir, const RandomHyenaSpec& spec) {
  const int64_t D = spec.d_model, Lmax = spec.max_seq_len, E = 5, F = 64, V = 16;
  const int64_t d_inner = spec.d_inner > 0 ? spec.d_inner : 4 * D;
  std::mt19937_64 rng(spec.seed);
  auto random = [&](Shape shape, double scale, double offset = 0.0) {
    std::normal_distribution<float> dist(0.f, static_cast<float>(scale));
    Tensor t = Tensor::empty(shape);
    for (int64_t i = 0; i < t.numel(); ++i) t.data<float>()[i] = static_cast<float>(offset) + dist(rng);
    return t;
  };
  // Positional features of HyenaDNA's PositionalEmbedding: t, then cos and -sin of 2 bands.
  Tensor z = Tensor::empty({1, Lmax, E}), t = Tensor::empty({1, Lmax, 1});
  const int bands = (E - 1) / 2;
  for (int64_t n = 0; n < Lmax; ++n) {
    const double tn = Lmax > 1 ? static_cast<double>(n) / (Lmax - 1) : 0.0;
    t.data<float>()[n] = static_cast<float>(tn);
    float* row = z.data<float>() + n * E;
    row[0] = static_cast<float>(tn);
    for (int b = 0; b < bands; ++b) {
      const double f = bands == 1 ? 1e-4 : 1e-4 + b * ((bands - 1) - 1e-4) / (bands - 1);
      const double w = 2 * M_PI * n / Lmax;
      row[1 + b] = static_cast<float>(std::cos(f * w));
      row[1 + bands + b] = static_cast<float>(-std::sin(f * w));
    }
  }
  Tensor deltas = Tensor::empty({1, 1, D});
  const double lo = std::log(0.01) / 1.5, hi = std::log(0.01) / 0.3;
  for (int64_t c = 0; c < D; ++c) deltas.data<float>()[c] = static_cast<float>(D > 1 ? lo + (hi - lo) * c / (D - 1) : lo);
  Tensor freq = Tensor::empty({1, F});
  for (int64_t i = 0; i < F; ++i) freq.data<float>()[i] = 10.f;

  std::vector<std::pair<std::string, Tensor>> w;
  const std::string p = "hyena.backbone.";
  w.emplace_back(p + "embeddings.word_embeddings.weight", random({V, D}, 1.0));
  const double sd = 1.0 / std::sqrt(static_cast<double>(D)), sf = 1.0 / std::sqrt(static_cast<double>(F));
  for (int64_t i = 0; i < spec.n_layer; ++i) {
    const std::string q = p + "layers." + std::to_string(i) + ".", m = q + "mixer.";
    w.emplace_back(m + "in_proj.weight", random({3 * D, D}, sd));
    w.emplace_back(m + "in_proj.bias", random({3 * D}, 0.02));
    w.emplace_back(m + "short_filter.weight", random({3 * D, 1, 3}, 0.5));
    w.emplace_back(m + "short_filter.bias", random({3 * D}, 0.02));
    w.emplace_back(m + "out_proj.weight", random({D, D}, sd));
    w.emplace_back(m + "out_proj.bias", random({D}, 0.02));
    w.emplace_back(m + "filter_fn.bias", random({D}, 1.0));
    w.emplace_back(m + "filter_fn.pos_emb.z", z);
    w.emplace_back(m + "filter_fn.pos_emb.t", t);
    w.emplace_back(m + "filter_fn.implicit_filter.0.weight", random({F, E}, 0.5));
    w.emplace_back(m + "filter_fn.implicit_filter.0.bias", random({F}, 0.02));
    w.emplace_back(m + "filter_fn.implicit_filter.1.freq", freq);
    w.emplace_back(m + "filter_fn.implicit_filter.2.weight", random({F, F}, sf));
    w.emplace_back(m + "filter_fn.implicit_filter.2.bias", random({F}, 0.02));
    w.emplace_back(m + "filter_fn.implicit_filter.4.weight", random({F, F}, sf));
    w.emplace_back(m + "filter_fn.implicit_filter.4.bias", random({F}, 0.02));
    w.emplace_back(m + "filter_fn.implicit_filter.6.weight", random({D, F}, sf));
    w.emplace_back(m + "filter_fn.modulation.deltas", deltas);
    w.emplace_back(q + "norm1.weight", random({D}, 0.02, 1.0));
    w.emplace_back(q + "norm1.bias", random({D}, 0.02));
    w.emplace_back(q + "norm2.weight", random({D}, 0.02, 1.0));
    w.emplace_back(q + "norm2.bias", random({D}, 0.02));
    w.emplace_back(q + "mlp.fc1.weight", random({d_inner, D}, sd));
    w.emplace_back(q + "mlp.fc1.bias", random({d_inner}, 0.02));
    w.emplace_back(q + "mlp.fc2.weight", random({D, d_inner}, 1.0 / std::sqrt(static_cast<double>(d_inner))));
    w.emplace_back(q + "mlp.fc2.bias", random({D}, 0.02));
  }
  w.emplace_back(p + "ln_f.weight", random({D}, 0.02, 1.0));
  w.emplace_back(p + "ln_f.bias", random({D}, 0.02));
  w.emplace_back("lm_head.weight", random({V, D}, sd));

  std::filesystem::create_directories(dir);
  nlohmann::ordered_json config = {
      {"architectures", {"HyenaDNAForCausalLM"}}, {"model_type", "hyenadna"}, {"vocab_size", 12},
      {"d_model", D}, {"d_inner", d_inner}, {"n_layer", spec.n_layer}, {"max_seq_len", Lmax},
      {"emb_dim", E}, {"filter_order", F}, {"num_inner_mlps", 2}, {"hyena_order", 2},
      {"short_filter_order", 3}, {"activation_freq", 10}, {"layer_norm_epsilon", 1e-5},
      {"pad_vocab_size_multiple", 8}, {"tie_word_embeddings", false},
      {"spindle_note", "random weights from spindle model init-random (seed " + std::to_string(spec.seed) + ")"}};
  OutputFile config_file(dir + "/config.json");
  config_file.write(config.dump(1) + "\n");
  write_safetensors(dir + "/model.safetensors", w);
  config_file.commit();
}

}  // namespace spindle
