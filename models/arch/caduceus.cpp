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

#include "kernels/io/json_number.h"
#include "kernels/io/mapped_file.h"
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

// Reverses the rows of x [T, C] (flip over L).
Tensor flip_rows(const Tensor& x) {
  const int64_t T = x.dim(0), C = x.dim(1);
  Tensor y = Tensor::empty({T, C});
  for (int64_t t = 0; t < T; ++t)
    std::memcpy(y.data<float>() + t * C, x.data<float>() + (T - 1 - t) * C, C * sizeof(float));
  return y;
}

// Flip over L and C of a contiguous [T, C] array: the flat buffer reversed.
Tensor flip_rows_cols(const Tensor& x) {
  Tensor y = Tensor::empty(x.shape());
  std::reverse_copy(x.data<float>(), x.data<float>() + x.numel(), y.data<float>());
  return y;
}

// Columns [c0, c0 + w) of x [T, C] as a contiguous [T, w] tensor, and the way back (accumulating).
Tensor columns(const Tensor& x, int64_t c0, int64_t w) {
  const int64_t T = x.dim(0), C = x.dim(1);
  Tensor y = Tensor::empty({T, w});
  for (int64_t t = 0; t < T; ++t) std::memcpy(y.data<float>() + t * w, x.data<float>() + t * C + c0, w * sizeof(float));
  return y;
}
void add_columns(Tensor& x, int64_t c0, const Tensor& y) {
  const int64_t T = x.dim(0), C = x.dim(1), w = y.dim(1);
  for (int64_t t = 0; t < T; ++t)
    for (int64_t c = 0; c < w; ++c) x.data<float>()[t * C + c0 + c] += y.data<float>()[t * w + c];
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
      lm_head_comp_ = Tensor::empty({cfg_.vocab_padded, d});
      for (int64_t v = 0; v < cfg_.vocab_padded; ++v)
        std::memcpy(lm_head_comp_.data<float>() + v * d, lm_head_.data<float>() + cfg_.complement[v] * d,
                    d * sizeof(float));
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
    if (ids.ndim() != 2) throw Error("caduceus: expects token ids of shape [B, L], got " + shape_str(ids.shape()));
    const int64_t B = ids.dim(0), L = ids.dim(1), W = info_.hidden_size_out;
    if (L == 0) throw Error("caduceus: empty input (L = 0)");
    if (request.hidden_layer > cfg_.n_layer)
      throw Error("caduceus: layer " + std::to_string(request.hidden_layer) + " requested but the model has " +
                  std::to_string(cfg_.n_layer) + " blocks");
    ForwardResult result;
    if (request.want_logits) result.logits = Tensor::empty({B, L, cfg_.vocab_padded});
    if (request.want_hidden) result.hidden = Tensor::empty({B, L, W});
    if (request.want_layer_outputs) result.layer_outputs = Tensor::empty({cfg_.n_layer + 1, B, L, W});
    for (int64_t b = 0; b < B; ++b) {
      Tensor s = embed(ids.select(b));  // the residual stream [L, W]
      auto snapshot = [&](int64_t layer) {
        if (request.want_layer_outputs) std::memcpy(result.layer_outputs.select(layer).select(b).raw(), s.raw(), s.nbytes());
        if (request.want_hidden && request.hidden_layer == layer) std::memcpy(result.hidden.select(b).raw(), s.raw(), s.nbytes());
      };
      snapshot(0);
      for (int64_t i = 0; i < cfg_.n_layer; ++i) {
        run_block(i, s);
        snapshot(i + 1);
      }
      if (request.hidden_layer < 0 && (request.want_hidden || request.want_logits)) {
        Tensor h = norm(final_norm_, s);
        if (request.want_hidden) std::memcpy(result.hidden.select(b).raw(), h.raw(), h.nbytes());
        if (request.want_logits) {
          Tensor out = result.logits.select(b);
          if (!cfg_.rcps) {
            ops::linear_into(h, lm_head_, nullptr, out);
          } else {
            const int64_t d = cfg_.d_model;
            ops::linear_into(columns(h, 0, d), lm_head_, nullptr, out);
            // flip_C of the second half: each row reversed.
            Tensor rc = columns(h, d, d);
            for (int64_t t = 0; t < L; ++t) std::reverse(rc.data<float>() + t * d, rc.data<float>() + (t + 1) * d);
            ops::linear_into(rc, lm_head_comp_, nullptr, out, 1.f);
          }
        }
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

  Tensor embed(const Tensor& ids) const {
    Tensor e = ops::embedding(ids, embedding_);
    if (!cfg_.rcps) return e;
    // [E(x) | flip_{L,C} E(rc(x))]; position t of the second half is E(comp(x_t)) reversed in C.
    const int64_t L = ids.dim(0), d = cfg_.d_model;
    Tensor s = Tensor::empty({L, 2 * d});
    for (int64_t t = 0; t < L; ++t) {
      float* row = s.data<float>() + t * 2 * d;
      std::memcpy(row, e.data<float>() + t * d, d * sizeof(float));
      const float* comp = embedding_.data<float>() + cfg_.complement[ids.data<int64_t>()[t]] * d;
      std::reverse_copy(comp, comp + d, row + d);
    }
    return s;
  }

  Tensor bimamba(const BiMamba& m, const Tensor& u) const {
    Tensor y = m.fwd->forward(u, nullptr);
    if (!m.rev) return y;
    Tensor r = flip_rows(m.rev->forward(flip_rows(u), nullptr));
    float* yd = y.data<float>();
    const float* rd = r.data<float>();
    for (int64_t i = 0; i < y.numel(); ++i) yd[i] = cfg_.multiply ? yd[i] * rd[i] : yd[i] + rd[i];
    return y;
  }

  // RMSNorm of the stream; for RCPS the second half is flip(norm(flip(.))), i.e. the weight reversed.
  Tensor norm(const BlockNorm& n, const Tensor& s) const {
    if (!cfg_.rcps) return n.apply(s);
    const int64_t d = cfg_.d_model, L = s.dim(0);
    Tensor out = Tensor::zeros({L, 2 * d});
    add_columns(out, 0, n.apply(columns(s, 0, d)));
    add_columns(out, d, flip_rows_cols(n.apply(flip_rows_cols(columns(s, d, d)))));
    return out;
  }

  void run_block(int64_t i, Tensor& s) const {
    if (!cfg_.rcps) {
      Tensor h = bimamba(mixers_[i], norms_[i].apply(s));
      ops::add_(s, h);
      return;
    }
    const int64_t d = cfg_.d_model, L = s.dim(0);
    if (cfg_.fused_add_norm) {  // upstream's fused block: the halves swap
      for (int64_t t = 0; t < L; ++t) {
        float* row = s.data<float>() + t * 2 * d;
        std::swap_ranges(row, row + d, row + d);
      }
    }
    Tensor h = norm(norms_[i], s);
    add_columns(s, 0, bimamba(mixers_[i], columns(h, 0, d)));
    add_columns(s, d, flip_rows_cols(bimamba(mixers_[i], flip_rows_cols(columns(h, d, d)))));
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
  return {"caduceus", is_caduceus, [](const Config& config, Checkpoint& ckpt) -> std::unique_ptr<Model> {
            return std::make_unique<Caduceus>(config, ckpt);
          }};
}

}  // namespace spindle
