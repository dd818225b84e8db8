#include "models/random_esm.h"

#include <cmath>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <random>

#include "base/output_file.h"
#include "models/safetensors_writer.h"

namespace spindle {
namespace {

class Weights {
 public:
  explicit Weights(uint64_t seed) : rng_(seed) {}
  void normal(const std::string& name, Shape shape, double scale, double offset = 0.0) {
    std::normal_distribution<float> dist(0.f, static_cast<float>(scale));
    Tensor t = Tensor::empty(shape);
    for (int64_t i = 0; i < t.numel(); ++i) t.data<float>()[i] = static_cast<float>(offset) + dist(rng_);
    list_.emplace_back(name, t);
  }
  void linear(const std::string& prefix, int64_t out, int64_t in) {
    normal(prefix + "weight", {out, in}, 1.0 / std::sqrt(static_cast<double>(in)));
    normal(prefix + "bias", {out}, 0.02);
  }
  void norm(const std::string& prefix, int64_t dim) {
    normal(prefix + "weight", {dim}, 0.05, 1.0);
    normal(prefix + "bias", {dim}, 0.02);
  }
  const std::vector<std::pair<std::string, Tensor>>& list() const { return list_; }

 private:
  std::mt19937_64 rng_;
  std::vector<std::pair<std::string, Tensor>> list_;
};

void write_dir(const std::string& dir, const nlohmann::json& config, const Weights& w) {
  std::filesystem::create_directories(dir);
  OutputFile out(dir + "/config.json");
  out.write(config.dump(2) + "\n");
  out.commit();
  write_safetensors(dir + "/model.safetensors", w.list());
}

}  // namespace

void write_random_esm2(const std::string& dir, const RandomEsmSpec& s) {
  const int64_t D = s.hidden, V = 33;
  Weights w(s.seed);
  w.normal("esm.embeddings.word_embeddings.weight", {V, D}, 1.0);
  for (int64_t i = 0; i < s.layers; ++i) {
    const std::string p = "esm.encoder.layer." + std::to_string(i) + ".";
    w.linear(p + "attention.self.query.", D, D);
    w.linear(p + "attention.self.key.", D, D);
    w.linear(p + "attention.self.value.", D, D);
    w.linear(p + "attention.output.dense.", D, D);
    w.norm(p + "attention.LayerNorm.", D);
    w.linear(p + "intermediate.dense.", s.ffn, D);
    w.linear(p + "output.dense.", D, s.ffn);
    w.norm(p + "LayerNorm.", D);
  }
  w.norm("esm.encoder.emb_layer_norm_after.", D);
  w.linear("lm_head.dense.", D, D);
  w.norm("lm_head.layer_norm.", D);
  w.normal("lm_head.bias", {V}, 0.1);
  nlohmann::json c = {{"architectures", {"EsmForMaskedLM"}}, {"model_type", "esm"}, {"vocab_size", V},
                      {"mask_token_id", 32}, {"pad_token_id", 1}, {"position_embedding_type", "rotary"},
                      {"max_position_embeddings", s.max_positions}, {"token_dropout", true},
                      {"emb_layer_norm_before", false}, {"layer_norm_eps", 1e-5}, {"hidden_act", "gelu"},
                      {"hidden_size", D}, {"num_hidden_layers", s.layers}, {"num_attention_heads", s.heads},
                      {"intermediate_size", s.ffn}};
  write_dir(dir, c, w);
}

void write_random_msa_transformer(const std::string& dir, const RandomEsmSpec& s) {
  const int64_t D = s.hidden, V = 33;
  Weights w(s.seed);
  w.normal("embed_tokens.weight", {V, D}, 1.0);
  w.normal("embed_positions.weight", {s.max_positions + 2, D}, 0.5);
  w.normal("msa_position_embedding", {1, 1024, 1, D}, 0.5);
  w.norm("emb_layer_norm_before.", D);
  w.norm("emb_layer_norm_after.", D);
  for (int64_t i = 0; i < s.layers; ++i) {
    const std::string p = "layers." + std::to_string(i) + ".";
    for (const char* attn : {"row_self_attention.", "column_self_attention."}) {
      for (const char* proj : {"q_proj.", "k_proj.", "v_proj.", "out_proj."}) w.linear(p + attn + "layer." + proj, D, D);
      w.norm(p + attn + "layer_norm.", D);
    }
    w.linear(p + "feed_forward_layer.layer.fc1.", s.ffn, D);
    w.linear(p + "feed_forward_layer.layer.fc2.", D, s.ffn);
    w.norm(p + "feed_forward_layer.layer_norm.", D);
  }
  w.linear("lm_head.dense.", D, D);
  w.norm("lm_head.layer_norm.", D);
  w.normal("lm_head.bias", {V}, 0.1);
  nlohmann::json c = {{"architectures", {"MSATransformer"}}, {"model_type", "msa_transformer"}, {"vocab_size", V},
                      {"embed_positions_msa", true}, {"max_msa_rows", 1024}, {"layer_norm_eps", 1e-5},
                      {"pad_token_id", 1}, {"mask_token_id", 32}, {"cls_token_id", 0}, {"prepend_bos", true},
                      {"append_eos", false}, {"max_tokens_per_msa", 1 << 14}, {"hidden_size", D},
                      {"num_hidden_layers", s.layers}, {"num_attention_heads", s.heads},
                      {"intermediate_size", s.ffn}, {"max_position_embeddings", s.max_positions}};
  write_dir(dir, c, w);
}

}  // namespace spindle
