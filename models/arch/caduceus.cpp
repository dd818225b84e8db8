// Caduceus (MODELS.md 4, ../shared/golden/README.md "Caduceus semantics"): a bidirectional Mamba
// (v1) stack for DNA. Each block is mamba_ssm's add -> RMSNorm -> mixer with the mixer replaced by
// BiMamba: out = M_fwd(u) + flip_L(M_rev(flip_L(u))) (or the product, bidirectional_strategy
// "ew_multiply"); with bidirectional_weight_tie, M_rev shares in_proj/out_proj with M_fwd and the
// file may omit them.
//
// Caduceus-PS (rcps: true) is reverse-complement equivariant: the stream has width 2d, the
// embedding is [E(x) | flip_{L,C} E(rc(x))], each half goes through the same weights (the second
// one flipped in L and C), and the LM head is W h[:d] + W[comp] flip_C(h[d:]). With
// fused_add_norm (the released configs) upstream's fused block treats the SECOND half as the
// forward one, so the halves of the stream swap at every block; the final norm does not swap. In
// stream terms that is: swap halves, then the unfused block.
#include <algorithm>
#include <cstring>

#include "base/json_number.h"
#include "base/mapped_file.h"
#include "kernels/backend.h"
#include "kernels/ops.h"
#include "models/layers/block_norm.h"
#include "models/layers/mamba_mixer.h"
#include "models/registry.h"

namespace spindle {
namespace {

struct CaduceusConfig {
  int64_t d_model = 0, n_layer = 0, vocab_size = 0, vocab_padded = 0;
  MambaMixerShape mixer;
  float eps = 1e-5f;
  bool bidirectional = true, multiply = false, weight_tie = true, rcps = false, fused_add_norm = true;
  std::vector<int64_t> complement;  // [vocab_padded]
};

CaduceusConfig read_config(const Config& c) {
  CaduceusConfig s;
  s.d_model = c.get_int("d_model");
  s.n_layer = c.get_int("n_layer");
  s.vocab_size = c.get_int("vocab_size");
  const int64_t multiple = c.get_int("pad_vocab_size_multiple", 8);
  s.vocab_padded = multiple > 1 ? (s.vocab_size + multiple - 1) / multiple * multiple : s.vocab_size;
  if (s.d_model <= 0 || s.n_layer <= 0 || s.vocab_size <= 0)
    throw Error(c.path() + ": d_model, n_layer and vocab_size must be positive");
  if (!c.get_bool("rms_norm", true)) throw Error(c.path() + ": Caduceus with rms_norm false is not supported");
  s.eps = static_cast<float>(c.get_double("norm_epsilon", 1e-5));
  s.bidirectional = c.get_bool("bidirectional", true);
  const std::string strategy = c.get_string("bidirectional_strategy", "add");
  if (strategy != "add" && strategy != "ew_multiply")
    throw Error(c.path() + ": unknown bidirectional_strategy '" + strategy + "' (add or ew_multiply)");
  s.multiply = strategy == "ew_multiply";
  s.weight_tie = c.get_bool("bidirectional_weight_tie", true);
  s.rcps = c.get_bool("rcps", false);
  s.fused_add_norm = c.get_bool("fused_add_norm", true);
  const Config ssm = c.sub("ssm_cfg");
  s.mixer.d_model = s.d_model;
  s.mixer.d_inner = ssm.get_int("expand", 2) * s.d_model;
  s.mixer.d_state = ssm.get_int("d_state", 16);
  s.mixer.d_conv = ssm.get_int("d_conv", 4);
  s.mixer.dt_rank = !ssm.has("dt_rank") || ssm.json()["dt_rank"].is_string() ? (s.d_model + 15) / 16
                                                                            : ssm.get_int("dt_rank");
  s.mixer.bias = ssm.get_bool("bias", false);
  s.mixer.conv_bias = ssm.get_bool("conv_bias", true);
  // complement_map: a JSON object with string keys, applied by numeric key (so key order does
  // not matter) and extended with the identity up to the padded vocabulary.
  s.complement.resize(s.vocab_padded);
  for (int64_t i = 0; i < s.vocab_padded; ++i) s.complement[i] = i;
  if (c.has("complement_map") && c.json()["complement_map"].is_object()) {
    for (auto& [key, value] : c.json()["complement_map"].items()) {
      int64_t from = -1, to = -1;
      try {
        size_t used = 0;
        from = std::stoll(key, &used);
        if (used != key.size()) from = -1;
        to = json_integer<int64_t>(value);
      } catch (const std::exception&) {  // not a number, or out of range: refused below
      }
      if (from < 0 || from >= s.vocab_padded || to < 0 || to >= s.vocab_padded)
        throw Error(c.path() + ": complement_map entry " + key + " -> " + std::to_string(to) + " outside the vocabulary");
      s.complement[from] = to;
    }
  } else if (s.rcps) {
    // Caduceus' DNA ids: A7 C8 G9 T10 complement each other, everything else maps to itself.
    const int64_t pairs[][2] = {{7, 10}, {8, 9}, {9, 8}, {10, 7}};
    for (auto& p : pairs)
      if (p[0] < s.vocab_padded && p[1] < s.vocab_padded) s.complement[p[0]] = p[1];
  }
  return s;
}

struct BiMamba {
  std::unique_ptr<MambaMixer> fwd, rev;
};

class Caduceus final : public Model {
 public:
  Caduceus(const Config& config, Checkpoint& ckpt) : cfg_(read_config(config)) {
    const int64_t d = cfg_.d_model;
    root_ = ckpt.has("backbone.norm_f.weight") || ckpt.has("backbone.norm_f.submodule.weight") ? "backbone."
                                                                                                : "caduceus.backbone.";
    const std::string emb = root_ + "embeddings.word_embeddings." + (cfg_.rcps ? "embedding." : "") + "weight";
    embedding_ = ckpt.get(emb, {cfg_.vocab_padded, d});
    const std::string head = cfg_.rcps ? "lm_head.lm_head.weight" : "lm_head.weight";
    ckpt.add_alias(head, emb);
    lm_head_ = ckpt.get(head, {cfg_.vocab_padded, d});
    params_ = embedding_.numel();  // the LM head is always tied to the embedding
    if (cfg_.rcps) {
      check_complement_buffer(ckpt, root_ + "embeddings.word_embeddings.complement_map");
      check_complement_buffer(ckpt, "lm_head.complement_map");
      // Row v of the complemented head is row comp(v) of the head: a lookup on the device.
      lm_head_comp_ = ops::embedding(Tensor::from_values(cfg_.complement, ckpt.device()), lm_head_);
    }
    // The unfused RCPS path wraps the norms in a `submodule`.
    const std::string norm_sub = cfg_.rcps && !cfg_.fused_add_norm ? "submodule." : "";
    for (int64_t i = 0; i < cfg_.n_layer; ++i) {
      const std::string p = root_ + "layers." + std::to_string(i) + ".";
      const std::string mp = p + "mixer." + (cfg_.rcps ? "submodule." : "");
      norms_.push_back(BlockNorm::load(ckpt, p + "norm." + norm_sub, d, cfg_.eps, true));
      BiMamba m;
      m.fwd = std::make_unique<MambaMixer>(ckpt, mp + "mamba_fwd.", cfg_.mixer);
      params_ += norms_.back().parameter_count() + m.fwd->parameter_count();
      if (cfg_.bidirectional) {
        if (cfg_.weight_tie)
          for (const char* name : {"in_proj.weight", "in_proj.bias", "out_proj.weight", "out_proj.bias"})
            if (ckpt.has(mp + "mamba_fwd." + name)) ckpt.add_alias(mp + "mamba_rev." + name, mp + "mamba_fwd." + name);
        m.rev = std::make_unique<MambaMixer>(ckpt, mp + "mamba_rev.", cfg_.mixer);
        // Tied projections count once.
        params_ += m.rev->parameter_count() -
                   (cfg_.weight_tie ? 2 * cfg_.mixer.d_inner * d + cfg_.mixer.d_inner * d : 0);
      }
      mixers_.push_back(std::move(m));
    }
    final_norm_ = BlockNorm::load(ckpt, root_ + "norm_f." + norm_sub, d, cfg_.eps, true);
    params_ += final_norm_.parameter_count();

    info_.architecture = "caduceus";
    info_.d_model = d;
    info_.n_layer = cfg_.n_layer;
    info_.vocab_size = cfg_.vocab_size;
    info_.vocab_size_padded = cfg_.vocab_padded;
    info_.max_seq_len = 0;
    info_.causal = !cfg_.bidirectional;
    info_.is_dna = true;
    info_.hidden_size_out = cfg_.rcps ? 2 * d : d;
    // The residual stream width (what layer outputs and --layer embeddings have): 2d for RCPS.
    info_.d_model = cfg_.rcps ? 2 * d : d;
  }

  const ModelInfo& info() const override { return info_; }
  int64_t parameter_count() const override { return params_; }

  ForwardResult forward(const Tensor& ids, const ForwardRequest& request) const override {
    if (ids.ndim() != 2 || ids.dtype() != DType::i64 || ids.device() != Device::cpu)
      throw Error("caduceus: expects int64 host token ids of shape [B, L], got " + ids.describe());
    const int64_t B = ids.dim(0), L = ids.dim(1), W = info_.hidden_size_out;
    if (L == 0) throw Error("caduceus: empty input (L = 0)");
    if (request.hidden_layer > cfg_.n_layer)
      throw Error("caduceus: layer " + std::to_string(request.hidden_layer) + " requested but the model has " +
                  std::to_string(cfg_.n_layer) + " blocks");
    ForwardResult result;
    if (request.want_logits) result.logits = Tensor::empty({B, L, cfg_.vocab_padded});
    if (request.want_hidden) result.hidden = Tensor::empty({B, L, W});
    if (request.want_layer_outputs) result.layer_outputs = Tensor::empty({cfg_.n_layer + 1, B, L, W});
    // Activations live on the model's device; each sequence's outputs are copied to the host result.
    const Device dev = embedding_.device();
    auto to_host = [&](const Tensor& dst, const Tensor& src) {
      copy_bytes(dst.raw(), Device::cpu, src.raw(), dev, src.nbytes());
    };
    for (int64_t b = 0; b < B; ++b) {
      Tensor s = embed(ids.select(b));  // the residual stream [L, W]
      auto snapshot = [&](int64_t layer) {
        if (request.want_layer_outputs) to_host(result.layer_outputs.select(layer).select(b), s);
        if (request.want_hidden && request.hidden_layer == layer) to_host(result.hidden.select(b), s);
      };
      snapshot(0);
      for (int64_t i = 0; i < cfg_.n_layer; ++i) {
        run_block(i, s);
        snapshot(i + 1);
      }
      if (request.hidden_layer < 0 && (request.want_hidden || request.want_logits)) {
        Tensor h = norm(final_norm_, s);
        if (request.want_hidden) to_host(result.hidden.select(b), h);
        if (request.want_logits) to_host(result.logits.select(b), logits(h));
      }
    }
    return result;
  }

 private:
  void check_complement_buffer(const Checkpoint& ckpt, const std::string& name) const {
    if (!ckpt.has(name)) return;
    const TensorEntry& e = ckpt.entry(name);
    if (e.dtype != "I64" || e.shape.size() != 1 || e.shape[0] != cfg_.vocab_padded) return;
    std::vector<int64_t> stored(cfg_.vocab_padded);
    std::memcpy(stored.data(), e.file->data() + e.data_start + e.begin, stored.size() * sizeof(int64_t));
    if (stored != cfg_.complement)
      throw Error(ckpt.path() + ": tensor '" + name + "' disagrees with the config's complement_map");
  }

  // ids [L] on the host -> the residual stream [L, W] on the device.
  Tensor embed(const Tensor& ids) const {
    Tensor e = ops::embedding(ids.to(embedding_.device()), embedding_);
    if (!cfg_.rcps) return e;
    const int64_t L = ids.dim(0);
    const int64_t* tok = ids.data<int64_t>();
    // [E(x) | flip_{L,C} E(rc(x))]; position t of the second half is E(comp(x_t)) reversed in C.
    // The complement is bookkeeping on the host ids; the ids are range-checked by the lookup.
    std::vector<int64_t> comp(L);
    for (int64_t t = 0; t < L; ++t)
      comp[t] = tok[t] >= 0 && tok[t] < cfg_.vocab_padded ? cfg_.complement[tok[t]] : tok[t];
    Tensor rc = ops::flip(ops::embedding(Tensor::from_values(comp, embedding_.device()), embedding_), /*flip_rows=*/false, /*flip_cols=*/true);
    return ops::concat_columns(e, rc);
  }

  // The LM head over the final hidden states h [L, W] -> logits [L, V] on the device. RCPS:
  // W h[:d] + W[comp] flip_C(h[d:]).
  Tensor logits(const Tensor& h) const {
    if (!cfg_.rcps) return ops::linear(h, lm_head_);
    const int64_t d = cfg_.d_model;
    Tensor out = ops::linear(ops::columns(h, 0, d), lm_head_);
    ops::linear_into(ops::flip(ops::columns(h, d, d), false, true), lm_head_comp_, nullptr, out, 1.f);
    return out;
  }

  // flip_L M_rev flip_L.
  Tensor bimamba(const BiMamba& m, const Tensor& u) const {
    Tensor y = m.fwd->forward(u, nullptr);
    if (!m.rev) return y;
    Tensor r = ops::flip(m.rev->forward(ops::flip(u, true, false), nullptr), true, false);
    if (cfg_.multiply)
      ops::mul_(y, r);
    else
      ops::add_(y, r);
    return y;
  }

  // RMSNorm of the stream; for RCPS the second half is flip(norm(flip(.))), i.e. the weight reversed.
  Tensor norm(const BlockNorm& n, const Tensor& s) const {
    if (!cfg_.rcps) return n.apply(s);
    const int64_t d = cfg_.d_model;
    Tensor out = Tensor::empty(s.shape(), DType::f32, s.device());
    ops::copy_columns_(n.apply(ops::columns(s, 0, d)), 0, d, out, 0);
    ops::copy_columns_(ops::flip(n.apply(ops::flip(ops::columns(s, d, d), true, true)), true, true), 0, d, out, d);
    return out;
  }

  void run_block(int64_t i, Tensor& s) const {
    if (!cfg_.rcps) {
      Tensor h = bimamba(mixers_[i], norms_[i].apply(s));
      ops::add_(s, h);
      return;
    }
    const int64_t d = cfg_.d_model;
    if (cfg_.fused_add_norm) {  // upstream's fused block: the halves swap
      Tensor swapped = Tensor::empty(s.shape(), DType::f32, s.device());
      ops::copy_columns_(s, d, d, swapped, 0);
      ops::copy_columns_(s, 0, d, swapped, d);
      s = swapped;
    }
    Tensor h = norm(norms_[i], s);
    ops::copy_columns_(bimamba(mixers_[i], ops::columns(h, 0, d)), 0, d, s, 0, /*accumulate=*/true);
    Tensor rc = ops::flip(bimamba(mixers_[i], ops::flip(ops::columns(h, d, d), true, true)), true, true);
    ops::copy_columns_(rc, 0, d, s, d, /*accumulate=*/true);
  }

  CaduceusConfig cfg_;
  std::string root_;
  ModelInfo info_;
  int64_t params_ = 0;
  Tensor embedding_, lm_head_, lm_head_comp_;
  std::vector<BlockNorm> norms_;
  std::vector<BiMamba> mixers_;
  BlockNorm final_norm_;
};

bool is_caduceus(const Config& c) {
  if (c.get_string("model_type", "") == "caduceus") return true;
  for (const auto& a : c.architectures())
    if (a.rfind("Caduceus", 0) == 0) return true;
  return false;
}

}  // namespace

Architecture caduceus_architecture() {
  Architecture a{"caduceus", is_caduceus, [](const Config& config, Checkpoint& ckpt) -> std::unique_ptr<Model> {
                   return std::make_unique<Caduceus>(config, ckpt);
                 }};
  a.computes_on_cuda = true;
  return a;
}

}  // namespace spindle
