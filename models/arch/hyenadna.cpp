// HyenaDNA (MODELS.md 1): embedding, pre-norm blocks of Hyena operator + GELU-tanh MLP, final
// LayerNorm, LM head. Accepts the HF `HyenaDNAForCausalLM` keys (`hyena.backbone.`), the bare model
// (`backbone.`), and both the flat HF config and the original nested one (`layer: {...}`).
// Every step that touches [L, *] activations works on row chunks, so memory stays linear in L.
// The forward computes only through the op catalogue on the checkpoint's device: weights are
// uploaded once, activations stay there, and results come back to the host at the end.
#include <algorithm>

#include "kernels/backend.h"
#include "kernels/ops.h"
#include "models/layers/hyena_operator.h"
#include "models/registry.h"

namespace spindle {
namespace {

constexpr int64_t kRowChunk = 4096;

struct HyenaConfig {
  int64_t d_model, n_layer, d_inner, vocab_size, vocab_padded, short_filter_order;
  float eps;
  HyenaFilterShape filter;
};

HyenaConfig read_config(const Config& c) {
  // The original (non-HF) config nests the layer settings and uses other names.
  Config layer = c.sub("layer");
  auto pick_int = [&](const char* hf_key, const char* nested_key, int64_t fallback) {
    return c.has(hf_key) ? c.get_int(hf_key) : layer.get_int(nested_key, fallback);
  };
  HyenaConfig h;
  h.d_model = c.get_int("d_model");
  h.n_layer = c.get_int("n_layer");
  h.d_inner = c.get_int("d_inner", 4 * h.d_model);
  h.vocab_size = c.get_int("vocab_size");
  const int64_t multiple = c.get_int("pad_vocab_size_multiple", 1);
  h.vocab_padded = (h.vocab_size + multiple - 1) / multiple * multiple;
  h.short_filter_order = pick_int("short_filter_order", "local_order", 3);
  h.eps = static_cast<float>(c.get_double("layer_norm_epsilon", 1e-5));
  h.filter.d_model = h.d_model;
  h.filter.order = pick_int("hyena_order", "order", 2);
  h.filter.emb_dim = pick_int("emb_dim", "emb_dim", 3);
  h.filter.filter_order = pick_int("filter_order", "filter_order", 64);
  h.filter.num_inner_mlps = pick_int("num_inner_mlps", "num_inner_mlps", 2);
  h.filter.max_seq_len = pick_int("max_seq_len", "l_max", 1024);
  h.filter.modulation_shift = c.get_double("modulation_shift", 0.05);
  if (h.d_model <= 0 || h.n_layer <= 0 || h.filter.order < 2 || h.filter.max_seq_len <= 0)
    throw Error(c.path() + ": invalid HyenaDNA config (d_model, n_layer, hyena_order >= 2, max_seq_len)");
  return h;
}

struct HyenaBlock {
  LayerNormWeights norm1, norm2;
  std::unique_ptr<HyenaOperator> mixer;
  Tensor fc1_w, fc1_b, fc2_w, fc2_b;
};

LayerNormWeights load_norm(const Checkpoint& ckpt, const std::string& prefix, int64_t dim, float eps) {
  return {ckpt.get(prefix + "weight", {dim}), ckpt.get(prefix + "bias", {dim}), eps};
}

class HyenaDNA final : public Model {
 public:
  HyenaDNA(const Config& config, Checkpoint& ckpt) : cfg_(read_config(config)) {
    const std::string root = ckpt.has("hyena.backbone.embeddings.word_embeddings.weight") ? "hyena.backbone."
                                                                                           : "backbone.";
    const int64_t D = cfg_.d_model;
    embedding_ = ckpt.get(root + "embeddings.word_embeddings.weight", {cfg_.vocab_padded, D});
    for (int64_t i = 0; i < cfg_.n_layer; ++i) {
      const std::string p = root + "layers." + std::to_string(i) + ".";
      HyenaBlock b;
      b.norm1 = load_norm(ckpt, p + "norm1.", D, cfg_.eps);
      b.norm2 = load_norm(ckpt, p + "norm2.", D, cfg_.eps);
      b.mixer = std::make_unique<HyenaOperator>(ckpt, p + "mixer.", cfg_.filter, cfg_.short_filter_order);
      b.fc1_w = ckpt.get(p + "mlp.fc1.weight", {cfg_.d_inner, D});
      b.fc1_b = ckpt.get(p + "mlp.fc1.bias", {cfg_.d_inner});
      b.fc2_w = ckpt.get(p + "mlp.fc2.weight", {D, cfg_.d_inner});
      b.fc2_b = ckpt.get(p + "mlp.fc2.bias", {D});
      blocks_.push_back(std::move(b));
    }
    final_norm_ = load_norm(ckpt, root + "ln_f.", D, cfg_.eps);
    // Released checkpoints have an untied head; tied ones (and the goldens) may store only the embedding.
    // A tied head shares the uploaded embedding rather than uploading it twice.
    const bool tied_head = !ckpt.has("lm_head.weight");
    ckpt.add_alias("lm_head.weight", root + "embeddings.word_embeddings.weight");
    lm_head_ = tied_head ? embedding_ : ckpt.get("lm_head.weight", {cfg_.vocab_padded, D});

    info_.architecture = "hyenadna";
    info_.d_model = D;
    info_.n_layer = cfg_.n_layer;
    info_.vocab_size = cfg_.vocab_size;
    info_.vocab_size_padded = cfg_.vocab_padded;
    info_.max_seq_len = cfg_.filter.max_seq_len;
    info_.causal = true;
    info_.is_dna = true;
    info_.hidden_size_out = D;
    params_ = embedding_.numel() + final_norm_.weight.numel() * 2 + (tied_head ? 0 : lm_head_.numel());
    for (auto& b : blocks_)
      params_ += b.mixer->parameter_count() + 4 * D + b.fc1_w.numel() + b.fc1_b.numel() + b.fc2_w.numel() +
                 b.fc2_b.numel();
  }

  const ModelInfo& info() const override { return info_; }
  int64_t parameter_count() const override { return params_; }

  ForwardResult forward(const Tensor& ids, const ForwardRequest& request) const override {
    if (ids.ndim() != 2) throw Error("HyenaDNA expects token ids of shape [B, L], got " + shape_str(ids.shape()));
    const int64_t B = ids.dim(0), L = ids.dim(1), D = cfg_.d_model;
    if (L == 0) throw Error("HyenaDNA: empty input (L = 0)");
    if (L > cfg_.filter.max_seq_len)
      throw Error("HyenaDNA: input length " + std::to_string(L) + " exceeds the model's max_seq_len " +
                  std::to_string(cfg_.filter.max_seq_len));
    if (request.hidden_layer > cfg_.n_layer)
      throw Error("HyenaDNA: --layer " + std::to_string(request.hidden_layer) + " but the model has " +
                  std::to_string(cfg_.n_layer) + " blocks");

    ForwardResult result;
    if (request.want_logits) result.logits = Tensor::empty({B, L, cfg_.vocab_padded});
    if (request.want_hidden) result.hidden = Tensor::empty({B, L, D});
    if (request.want_layer_outputs) result.layer_outputs = Tensor::empty({cfg_.n_layer + 1, B, L, D});

    const Device dev = embedding_.device();
    for (int64_t b = 0; b < B; ++b) {
      Tensor h = ops::embedding(ids.select(b).to(dev), embedding_);  // [L, D], the residual stream
      // Copies into the host results (h goes on changing in place).
      auto snapshot = [&](int64_t layer) {
        if (request.want_layer_outputs)
          copy_bytes(result.layer_outputs.select(layer).select(b).raw(), Device::cpu, h.raw(), dev, h.nbytes());
        if (request.want_hidden && request.hidden_layer == layer)
          copy_bytes(result.hidden.select(b).raw(), Device::cpu, h.raw(), dev, h.nbytes());
      };
      snapshot(0);
      for (int64_t i = 0; i < cfg_.n_layer; ++i) {
        run_block(blocks_[i], h);
        snapshot(i + 1);
      }
      if (request.hidden_layer < 0 && (request.want_hidden || request.want_logits)) final_outputs(h, b, request, result);
    }
    return result;
  }

 private:
  void run_block(const HyenaBlock& block, Tensor& h) const {
    block.mixer->forward_add(h, block.norm1);
    const int64_t L = h.dim(0);
    for (int64_t begin = 0; begin < L; begin += kRowChunk) {
      const int64_t end = std::min(L, begin + kRowChunk);
      Tensor rows = h.slice(begin, end);
      Tensor inner = ops::linear(ops::layer_norm(rows, block.norm2.weight, &block.norm2.bias, block.norm2.eps),
                                 block.fc1_w, &block.fc1_b);
      ops::gelu_tanh_(inner);
      ops::linear_into(inner, block.fc2_w, &block.fc2_b, rows, 1.f);
    }
  }

  void final_outputs(const Tensor& h, int64_t b, const ForwardRequest& request, ForwardResult& result) const {
    const int64_t L = h.dim(0);
    const Device dev = h.device();
    for (int64_t begin = 0; begin < L; begin += kRowChunk) {
      const int64_t end = std::min(L, begin + kRowChunk);
      Tensor normed = ops::layer_norm(h.slice(begin, end), final_norm_.weight, &final_norm_.bias, final_norm_.eps);
      if (request.want_hidden)
        copy_bytes(result.hidden.select(b).slice(begin, end).raw(), Device::cpu, normed.raw(), dev, normed.nbytes());
      if (request.want_logits) {
        // On the CPU the head writes straight into the result; elsewhere through a device buffer.
        Tensor host = result.logits.select(b).slice(begin, end);
        Tensor out = dev == Device::cpu ? host : Tensor::empty(host.shape(), DType::f32, dev);
        ops::linear_into(normed, lm_head_, nullptr, out);
        if (dev != Device::cpu) copy_bytes(host.raw(), Device::cpu, out.raw(), dev, out.nbytes());
      }
    }
  }

  HyenaConfig cfg_;
  ModelInfo info_;
  int64_t params_ = 0;
  Tensor embedding_, lm_head_;
  std::vector<HyenaBlock> blocks_;
  LayerNormWeights final_norm_;
};

bool is_hyenadna(const Config& c) {
  const std::string type = c.get_string("model_type", "");
  if (type == "hyenadna" || type == "hyena") return true;
  for (const auto& a : c.architectures())
    if (a.rfind("HyenaDNA", 0) == 0) return true;
  // The original nested config has no model_type; its `layer` block names the Hyena settings.
  return c.has("layer") && c.sub("layer").has("l_max") && c.sub("layer").has("filter_order");
}

}  // namespace

Architecture hyenadna_architecture() {
  Architecture a{"hyenadna", is_hyenadna, [](const Config& config, Checkpoint& ckpt) -> std::unique_ptr<Model> {
                   return std::make_unique<HyenaDNA>(config, ckpt);
                 }};
  a.computes_on_cuda = true;
  return a;
}

}  // namespace spindle
