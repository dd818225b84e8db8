// ESM-2 and ESM-1b/ESM-1v in the Hugging Face `EsmForMaskedLM` layout (MODELS.md 5): token
// embedding with token-dropout scaling, rotary (ESM-2) or learned absolute positions (ESM-1b/1v),
// optional embedding LayerNorm, pre-norm bidirectional attention blocks with pad keys masked,
// final LayerNorm, RoBERTa LM head tied to the embedding. Also loads the bare `EsmModel` keys (no
// `esm.` prefix), which have no LM head and so give hidden states only.
#include <algorithm>
#include <cmath>
#include <vector>

#include "kernels/backend.h"
#include "kernels/ops.h"
#include "models/layers/esm_layers.h"
#include "models/registry.h"
#include "models/tokenizer.h"

namespace spindle {
namespace {

struct EsmConfig {
  int64_t d_model, n_layer, heads, head_dim, ffn, vocab, max_positions, pad_id, mask_id;
  float eps;
  bool rotary, token_dropout, emb_norm_before;
};

EsmConfig read_config(const Config& c) {
  EsmConfig e;
  e.d_model = c.get_int("hidden_size");
  e.n_layer = c.get_int("num_hidden_layers");
  e.heads = c.get_int("num_attention_heads");
  e.ffn = c.get_int("intermediate_size", 4 * e.d_model);
  e.vocab = c.get_int("vocab_size", 33);
  e.max_positions = c.get_int("max_position_embeddings", 1026);
  e.pad_id = c.get_int("pad_token_id", esm_tokens::kPad);
  e.mask_id = c.get_int("mask_token_id", esm_tokens::kMask);
  e.eps = static_cast<float>(c.get_double("layer_norm_eps", 1e-5));
  const std::string pos = c.get_string("position_embedding_type", "absolute");
  if (pos != "rotary" && pos != "absolute")
    throw Error(c.path() + ": position_embedding_type '" + pos + "' is not supported (rotary or absolute)");
  e.rotary = pos == "rotary";
  e.token_dropout = c.get_bool("token_dropout", false);
  e.emb_norm_before = c.get_bool("emb_layer_norm_before", false);
  if (e.d_model <= 0 || e.n_layer <= 0 || e.heads <= 0 || e.d_model % e.heads != 0 || e.vocab <= 0)
    throw Error(c.path() + ": invalid ESM config (hidden_size must be a positive multiple of num_attention_heads)");
  // pad_token_id indexes the embedding table and, for learned positions, the position table
  // (rows pad_id .. pad_id + L): out of range it would read outside them.
  if (e.pad_id < 0 || e.pad_id >= e.vocab)
    throw Error(c.path() + ": pad_token_id " + std::to_string(e.pad_id) + " is outside the vocabulary [0, " +
                std::to_string(e.vocab) + ")");
  if (e.mask_id < 0 || e.mask_id >= e.vocab)
    throw Error(c.path() + ": mask_token_id " + std::to_string(e.mask_id) + " is outside the vocabulary [0, " +
                std::to_string(e.vocab) + ")");
  if (e.max_positions - e.pad_id - 1 < 1)
    throw Error(c.path() + ": pad_token_id " + std::to_string(e.pad_id) + " leaves no positions in max_position_embeddings " +
                std::to_string(e.max_positions));
  e.head_dim = e.d_model / e.heads;
  if (e.rotary && e.head_dim % 2 != 0) throw Error(c.path() + ": rotary needs an even head size");
  return e;
}

struct EsmLayer {
  BlockNorm attn_norm;
  Linear q, k, v, out;
  GeluFeedForward ffn;
};

class Esm final : public Model {
 public:
  Esm(const Config& config, Checkpoint& ckpt) : cfg_(read_config(config)) {
    const int64_t D = cfg_.d_model;
    const std::string root = ckpt.has("esm.embeddings.word_embeddings.weight") ? "esm." : "";
    word_embeddings_ = ckpt.get(root + "embeddings.word_embeddings.weight", {cfg_.vocab, D});
    if (!cfg_.rotary) position_embeddings_ = ckpt.get(root + "embeddings.position_embeddings.weight", {cfg_.max_positions, D});
    if (cfg_.emb_norm_before) emb_norm_before_ = load_layer_norm(ckpt, root + "embeddings.layer_norm.", D, cfg_.eps);
    for (int64_t i = 0; i < cfg_.n_layer; ++i) {
      const std::string p = root + "encoder.layer." + std::to_string(i) + ".";
      EsmLayer l;
      l.attn_norm = load_layer_norm(ckpt, p + "attention.LayerNorm.", D, cfg_.eps);
      l.q = Linear::load(ckpt, p + "attention.self.query.", D, D);
      l.k = Linear::load(ckpt, p + "attention.self.key.", D, D);
      l.v = Linear::load(ckpt, p + "attention.self.value.", D, D);
      l.out = Linear::load(ckpt, p + "attention.output.dense.", D, D);
      l.ffn.norm = load_layer_norm(ckpt, p + "LayerNorm.", D, cfg_.eps);
      l.ffn.fc1 = Linear::load(ckpt, p + "intermediate.dense.", cfg_.ffn, D);
      l.ffn.fc2 = Linear::load(ckpt, p + "output.dense.", D, cfg_.ffn);
      layers_.push_back(std::move(l));
    }
    if (cfg_.rotary) {
      // The stored inv_freq buffer is what the reference multiplies by; use it when present.
      const std::string buf = root + "encoder.layer.0.attention.self.rotary_embeddings.inv_freq";
      std::vector<float> inv_freq;
      if (ckpt.has(buf)) {
        Tensor t = ckpt.get_host(buf, {cfg_.head_dim / 2});
        inv_freq.assign(t.data<float>(), t.data<float>() + t.numel());
      }
      rotary_ = Rotary(cfg_.head_dim, 10000.f, /*interleaved=*/false, ckpt.device(), inv_freq);
    }
    final_norm_ = load_layer_norm(ckpt, root + "encoder.emb_layer_norm_after.", D, cfg_.eps);
    has_head_ = ckpt.has("lm_head.dense.weight");
    if (has_head_) {
      ckpt.add_alias("lm_head.decoder.weight", root + "embeddings.word_embeddings.weight");
      head_.dense = Linear::load(ckpt, "lm_head.dense.", D, D);
      head_.norm = load_layer_norm(ckpt, "lm_head.layer_norm.", D, cfg_.eps);
      head_.decoder = ckpt.get("lm_head.decoder.weight", {cfg_.vocab, D});
      head_.bias = ckpt.get("lm_head.bias", {cfg_.vocab});
    }

    info_.architecture = cfg_.rotary ? "esm2" : "esm1";
    info_.d_model = D;
    info_.n_layer = cfg_.n_layer;
    info_.vocab_size = cfg_.vocab;
    info_.vocab_size_padded = cfg_.vocab;
    // Learned positions start at pad_id + 1 and end with the table; ESM-2 (rotary) has the same
    // 1024-token training length (<cls> + 1022 residues + <eos>) though rotary itself has no limit.
    info_.max_seq_len = cfg_.max_positions - cfg_.pad_id - 1;
    info_.causal = false;
    info_.is_esm = true;
    info_.hidden_size_out = D;
    params_ = word_embeddings_.numel() + (cfg_.rotary ? 0 : position_embeddings_.numel()) +
              (cfg_.emb_norm_before ? emb_norm_before_.parameter_count() : 0) + final_norm_.parameter_count() + (has_head_ ? head_.parameter_count(word_embeddings_) : 0);
    for (auto& l : layers_)
      params_ += l.attn_norm.parameter_count() + l.q.parameter_count() + l.k.parameter_count() +
                 l.v.parameter_count() + l.out.parameter_count() + l.ffn.parameter_count();
  }

  const ModelInfo& info() const override { return info_; }
  int64_t parameter_count() const override { return params_; }

  ForwardResult forward(const Tensor& ids, const ForwardRequest& request) const override {
    // Host ids: masks and positions are worked out from them before the upload.
    if (ids.ndim() != 2 || ids.dtype() != DType::i64 || ids.device() != Device::cpu)
      throw Error("ESM expects int64 host token ids of shape [B, L], got " + ids.describe());
    const int64_t B = ids.dim(0), L = ids.dim(1), D = cfg_.d_model;
    if (L == 0) throw Error("ESM: empty input (L = 0)");
    if (!cfg_.rotary && L > info_.max_seq_len)
      throw Error("ESM: input length " + std::to_string(L) + " exceeds the learned position table (" +
                  std::to_string(info_.max_seq_len) + " tokens)");
    if (request.hidden_layer > cfg_.n_layer)
      throw Error("ESM: --layer " + std::to_string(request.hidden_layer) + " but the model has " +
                  std::to_string(cfg_.n_layer) + " layers");
    if (request.want_logits && !has_head_) throw Error("ESM: this checkpoint has no LM head (lm_head.*), so no logits");

    // Everything derived from the token ids (masks, token-dropout scales, learned positions) is
    // bookkeeping on the host ids; from here on the forward is ops on the model's device.
    const Device dev = word_embeddings_.device();
    const std::vector<uint8_t> keep = real_tokens(ids);
    const Tensor key_mask = Tensor::from_values(keep, dev).reshape({B, L});

    ForwardResult result;
    if (request.want_layer_outputs) result.layer_outputs = Tensor::empty({cfg_.n_layer + 1, B, L, D});
    Tensor x = embed(ids, keep);  // [B * L, D], the residual stream
    auto snapshot = [&](int64_t layer) {
      if (request.want_layer_outputs)
        copy_bytes(result.layer_outputs.select(layer).raw(), Device::cpu, x.raw(), dev, x.nbytes());
      // A copy: x goes on changing in place (Tensor::to is a no-op on the CPU).
      if (request.want_hidden && request.hidden_layer == layer)
        result.hidden = (dev == Device::cpu ? x.clone() : x.to(Device::cpu)).reshape({B, L, D});
    };
    snapshot(0);
    for (int64_t i = 0; i < cfg_.n_layer; ++i) {
      run_layer(layers_[i], x, B, L, key_mask);
      snapshot(i + 1);
    }
    if (request.hidden_layer < 0 && (request.want_hidden || request.want_logits)) {
      Tensor normed = final_norm_.apply(x);
      if (request.want_logits) {
        Tensor logits = Tensor::empty({B * L, cfg_.vocab}, DType::f32, dev);
        head_.apply_into(normed, logits);
        result.logits = logits.to(Device::cpu).reshape({B, L, cfg_.vocab});
      }
      if (request.want_hidden) result.hidden = normed.to(Device::cpu).reshape({B, L, D});
    }
    return result;
  }

 private:
  // 1 for every token that is not padding, per (batch row, position).
  std::vector<uint8_t> real_tokens(const Tensor& ids) const {
    std::vector<uint8_t> keep(ids.numel());
    for (int64_t i = 0; i < ids.numel(); ++i) keep[i] = ids.data<int64_t>()[i] != cfg_.pad_id;
    return keep;
  }

  Tensor embed(const Tensor& ids, const std::vector<uint8_t>& keep) const {
    const int64_t B = ids.dim(0), L = ids.dim(1), D = cfg_.d_model;
    const int64_t* tok = ids.data<int64_t>();
    Tensor x = ops::embedding(ids.to(word_embeddings_.device()), word_embeddings_).reshape({B * L, D});
    if (cfg_.token_dropout) {
      // Zero <mask> rows and rescale by 0.88 / (1 - masked fraction of the non-pad tokens): the
      // training-time mask rate, applied at inference too.
      std::vector<float> row_scale(B * L);
      for (int64_t b = 0; b < B; ++b) {
        int64_t masked = 0, real = 0;
        for (int64_t t = 0; t < L; ++t) {
          masked += tok[b * L + t] == cfg_.mask_id;
          real += keep[b * L + t];
        }
        const float observed = real > 0 ? static_cast<float>(masked) / static_cast<float>(real) : 0.f;
        for (int64_t t = 0; t < L; ++t) row_scale[b * L + t] = tok[b * L + t] == cfg_.mask_id ? 0.f : 0.88f / (1.f - observed);
      }
      ops::scale_rows_(x, Tensor::from_values(row_scale, x.device()));
    }
    if (!cfg_.rotary) {
      // Learned positions: pad_id + 1 + index among the non-pad tokens; pads read row pad_id.
      std::vector<int64_t> positions(B * L);
      for (int64_t b = 0; b < B; ++b) {
        int64_t seen = 0;
        for (int64_t t = 0; t < L; ++t) positions[b * L + t] = keep[b * L + t] ? cfg_.pad_id + 1 + seen++ : cfg_.pad_id;
      }
      ops::add_(x, ops::embedding(Tensor::from_values(positions, x.device()), position_embeddings_));
    }
    if (cfg_.emb_norm_before) x = emb_norm_before_.apply(x);
    ops::scale_rows_(x, Tensor::from_values(std::vector<float>(keep.begin(), keep.end()), x.device()));  // pad rows are zero
    return x;
  }

  void run_layer(const EsmLayer& l, Tensor& x, int64_t B, int64_t L, const Tensor& key_mask) const {
    const int64_t H = cfg_.heads, d = cfg_.head_dim;
    Tensor a = l.attn_norm.apply(x);
    Tensor q = l.q.apply(a), k = l.k.apply(a), v = l.v.apply(a);
    // HF scales q by d^-1/2 before the rotation; the kernel's scale is then 1.
    ops::scale_(q, 1.f / std::sqrt(static_cast<float>(d)));
    if (cfg_.rotary) {
      Tensor qr = q.reshape({B * L, H, d}), kr = k.reshape({B * L, H, d});
      rotary_.apply(qr, /*pos0=*/0, /*period=*/L);
      rotary_.apply(kr, /*pos0=*/0, /*period=*/L);
    }
    // bf16 weights ask for the mixed-precision path; its attention exists on the GPU (tensor cores),
    // so on the CPU attention stays f32 while the GEMMs take bf16.
    const bool bf16 = l.q.weight.dtype() == DType::bf16 && ops::supports_bf16_attention(x.device(), d);
    Tensor ctx = (bf16 ? ops::attention_bf16 : ops::attention)(q.reshape({B, L, H, d}), k.reshape({B, L, H, d}),
                                                                v.reshape({B, L, H, d}), 1.f, /*causal=*/false,
                                                                &key_mask);
    l.out.apply_into(ctx.reshape({B * L, H * d}), x, 1.f);
    l.ffn.forward_add(x);
  }

  EsmConfig cfg_;
  ModelInfo info_;
  int64_t params_ = 0;
  Tensor word_embeddings_, position_embeddings_;
  BlockNorm emb_norm_before_, final_norm_;
  std::vector<EsmLayer> layers_;
  Rotary rotary_;
  bool has_head_ = false;
  RobertaLmHead head_;
};

bool is_esm(const Config& c) {
  if (c.get_string("model_type", "") == "esm") return true;
  for (const auto& a : c.architectures())
    if (a == "EsmForMaskedLM" || a == "EsmModel") return true;
  return false;
}

}  // namespace

Architecture esm2_architecture() {
  Architecture a{"esm2", is_esm, [](const Config& config, Checkpoint& ckpt) -> std::unique_ptr<Model> {
                  return std::make_unique<Esm>(config, ckpt);
                }};
  a.computes_on_cuda = true;
  a.takes_bf16_weights = true;
  return a;
}

}  // namespace spindle
