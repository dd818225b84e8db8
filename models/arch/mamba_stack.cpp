#include "models/arch/mamba_stack.h"

#include <algorithm>
#include <cmath>
#include <variant>

#include "kernels/backend.h"
#include "kernels/ops.h"
#include "models/layers/block_norm.h"
#include "models/layers/gated_mlp.h"

namespace spindle {
namespace {

int64_t pad_to(int64_t n, int64_t multiple) { return multiple > 1 ? (n + multiple - 1) / multiple * multiple : n; }

// dt_rank / time_step_rank: an integer or "auto" (= ceil(d_model / 16)).
int64_t read_dt_rank(const Config& c, const std::string& key, int64_t d_model) {
  if (!c.has(key) || (c.json()[key].is_string() && c.json()[key].get<std::string>() == "auto"))
    return (d_model + 15) / 16;
  return c.get_int(key);
}

LayerKind parse_kind(const Config& c, const std::string& name) {
  std::string n = name;
  std::transform(n.begin(), n.end(), n.begin(), ::tolower);
  if (n == "mamba" || n == "mamba1") return LayerKind::mamba;
  if (n == "mamba2") return LayerKind::mamba2;
  if (n == "attention" || n == "attn" || n == "mha") return LayerKind::attention;
  throw Error(c.path() + ": unknown layer type '" + name + "' (expected mamba, mamba2 or attention)");
}

void validate(const Config& c, MambaStackConfig& s) {
  s.is_dna = c.get_bool("is_dna", s.vocab_size <= 16);
  if (s.d_model <= 0 || s.n_layer <= 0 || s.vocab_size <= 0)
    throw Error(c.path() + ": d_model, n_layer and vocab_size must be positive");
  if (static_cast<int64_t>(s.layers.size()) != s.n_layer)
    throw Error(c.path() + ": " + std::to_string(s.layers.size()) + " layer types for n_layer " +
                std::to_string(s.n_layer));
}

}  // namespace

MambaStackConfig read_mamba_ssm_config(const Config& c) {
  MambaStackConfig s;
  s.d_model = c.get_int("d_model");
  s.n_layer = c.get_int("n_layer");
  s.vocab_size = c.get_int("vocab_size");
  s.vocab_padded = pad_to(s.vocab_size, c.get_int("pad_vocab_size_multiple", 8));
  s.rms_norm = c.get_bool("rms_norm", true);
  s.norm_eps = static_cast<float>(c.get_double("norm_epsilon", 1e-5));
  s.tie_embeddings = c.get_bool("tie_embeddings", true);
  s.mlp = c.get_int("d_intermediate", 0) > 0;

  const Config ssm = c.sub("ssm_cfg");
  const LayerKind ssm_kind = parse_kind(c, ssm.get_string("layer", "Mamba1"));
  if (c.has("layer_types")) {
    for (auto& t : c.json()["layer_types"]) {
      if (!t.is_string()) throw Error(c.path() + ": layer_types must be a list of strings");
      s.layers.push_back(parse_kind(c, t.get<std::string>()));
    }
  } else {
    s.layers.assign(s.n_layer, ssm_kind);
    for (int64_t i : c.get_int_list("attn_layer_idx")) {
      if (i < 0 || i >= s.n_layer) throw Error(c.path() + ": attn_layer_idx " + std::to_string(i) + " out of range");
      s.layers[i] = LayerKind::attention;
    }
  }
  const int64_t expand = ssm.get_int("expand", 2);
  s.mamba.d_model = s.d_model;
  s.mamba.d_inner = expand * s.d_model;
  s.mamba.d_state = ssm.get_int("d_state", 16);
  s.mamba.d_conv = ssm.get_int("d_conv", 4);
  s.mamba.dt_rank = read_dt_rank(ssm, "dt_rank", s.d_model);
  s.mamba.bias = ssm.get_bool("bias", false);
  s.mamba.conv_bias = ssm.get_bool("conv_bias", true);

  s.mamba2.d_model = s.d_model;
  s.mamba2.d_ssm = ssm.has("d_ssm") && !ssm.json()["d_ssm"].is_null() ? ssm.get_int("d_ssm") : expand * s.d_model;
  s.mamba2.d_state = ssm.get_int("d_state", 128);
  s.mamba2.d_conv = ssm.get_int("d_conv", 4);
  s.mamba2.head_dim = ssm.get_int("headdim", 64);
  s.mamba2.n_groups = ssm.get_int("ngroups", 1);
  s.mamba2.chunk = ssm.get_int("chunk_size", 256);
  s.mamba2.rmsnorm = ssm.get_bool("rmsnorm", true);
  s.mamba2.norm_before_gate = ssm.get_bool("norm_before_gate", false);
  s.mamba2.bias = ssm.get_bool("bias", false);
  s.mamba2.conv_bias = ssm.get_bool("conv_bias", true);
  if (ssm.has("dt_limit")) {
    const auto [low, high] = ssm.get_double_pair("dt_limit");
    s.mamba2.dt_min = static_cast<float>(low);
    s.mamba2.dt_max = static_cast<float>(high);
  }

  const Config attn = c.sub("attn_cfg");
  if (std::count(s.layers.begin(), s.layers.end(), LayerKind::attention) > 0) {
    AttentionShape& a = s.attention;
    a.d_model = s.d_model;
    a.heads = attn.get_int("num_heads");
    a.kv_heads = attn.has("num_heads_kv") && !attn.json()["num_heads_kv"].is_null() ? attn.get_int("num_heads_kv") : a.heads;
    a.head_dim = attn.has("head_dim") && !attn.json()["head_dim"].is_null() ? attn.get_int("head_dim") : s.d_model / a.heads;
    a.rotary_dim = attn.get_int("rotary_emb_dim", 0);
    a.rotary_base = static_cast<float>(attn.get_double("rotary_emb_base", 10000.0));
    a.rotary_interleaved = attn.get_bool("rotary_emb_interleaved", false);
    a.causal = attn.get_bool("causal", true);
    a.d_conv = attn.get_int("d_conv", 0);
    a.qkv_bias = attn.get_bool("qkv_proj_bias", true);
    a.out_bias = attn.get_bool("out_proj_bias", true);
    if (attn.has("softmax_scale") && !attn.json()["softmax_scale"].is_null())
      a.softmax_scale = static_cast<float>(attn.get_double("softmax_scale"));
  }
  const bool has_mamba2 = std::count(s.layers.begin(), s.layers.end(), LayerKind::mamba2) > 0;
  const bool has_attention = std::count(s.layers.begin(), s.layers.end(), LayerKind::attention) > 0;
  s.architecture = has_attention ? "hybrid" : has_mamba2 ? "mamba2" : "mamba";
  validate(c, s);
  return s;
}

MambaStackConfig read_hf_mamba_config(const Config& c) {
  MambaStackConfig s;
  const bool v2 = c.get_string("model_type", "") == "mamba2";
  s.architecture = v2 ? "mamba2" : "mamba";
  s.d_model = c.get_int("hidden_size");
  s.n_layer = c.get_int("num_hidden_layers");
  s.vocab_size = c.get_int("vocab_size");
  s.vocab_padded = pad_to(s.vocab_size, c.get_int("pad_vocab_size_multiple", 1));
  s.norm_eps = static_cast<float>(c.get_double("layer_norm_epsilon", 1e-5));
  s.tie_embeddings = c.get_bool("tie_word_embeddings", !v2);
  s.layers.assign(s.n_layer, v2 ? LayerKind::mamba2 : LayerKind::mamba);
  const int64_t expand = c.get_int("expand", 2);
  if (!v2) {
    s.mamba.d_model = s.d_model;
    s.mamba.d_inner = c.get_int("intermediate_size", expand * s.d_model);
    s.mamba.d_state = c.get_int("state_size", 16);
    s.mamba.d_conv = c.get_int("conv_kernel", 4);
    s.mamba.dt_rank = read_dt_rank(c, "time_step_rank", s.d_model);
    s.mamba.bias = c.get_bool("use_bias", false);
    s.mamba.conv_bias = c.get_bool("use_conv_bias", true);
  } else {
    Mamba2MixerShape& m = s.mamba2;
    m.d_model = s.d_model;
    m.d_ssm = expand * s.d_model;
    m.d_state = c.get_int("state_size", 128);
    m.d_conv = c.get_int("conv_kernel", 4);
    m.head_dim = c.get_int("head_dim", 64);
    m.n_groups = c.get_int("n_groups", 1);
    m.chunk = c.get_int("chunk_size", 256);
    m.rmsnorm = c.get_bool("rms_norm", true);
    m.norm_eps = s.norm_eps;
    m.bias = c.get_bool("use_bias", false);
    m.conv_bias = c.get_bool("use_conv_bias", true);
    if (c.has("num_heads") && c.get_int("num_heads") * m.head_dim != m.d_ssm)
      throw Error(c.path() + ": num_heads * head_dim (" + std::to_string(c.get_int("num_heads") * m.head_dim) +
                  ") != expand * hidden_size (" + std::to_string(m.d_ssm) + ")");
    if (c.has("time_step_limit")) {
      const auto [low, high] = c.get_double_pair("time_step_limit");
      m.dt_min = static_cast<float>(low);
      m.dt_max = static_cast<float>(high);
    }
  }
  validate(c, s);
  return s;
}

namespace {

using Mixer = std::variant<MambaMixer, Mamba2Mixer, AttentionLayer>;
using LayerState = std::variant<MambaState, Mamba2State, AttentionState>;

struct Block {
  BlockNorm norm, norm2;
  std::unique_ptr<Mixer> mixer;
  std::unique_ptr<GatedMlp> mlp;
};

class MambaStack final : public Model {
 public:
  MambaStack(const MambaStackConfig& cfg, Checkpoint& ckpt, int64_t stream_chunk)
      : cfg_(cfg), stream_chunk_(stream_chunk) {
    const int64_t D = cfg.d_model;
    // mamba_ssm names the table `embedding`, transformers `embeddings`: read either.
    const std::string emb_name = ckpt.has("backbone.embeddings.weight") ? "backbone.embeddings.weight"
                                                                          : "backbone.embedding.weight";
    embedding_ = ckpt.get(emb_name, {cfg.vocab_padded, D});
    if (cfg.tie_embeddings) ckpt.add_alias("lm_head.weight", emb_name);
    lm_head_ = ckpt.get("lm_head.weight", {cfg.vocab_padded, D});
    // A tied head is one parameter even when the file stores both copies (mamba_ssm does).
    params_ = embedding_.numel() + (cfg.tie_embeddings || lm_head_.raw() == embedding_.raw() ? 0 : lm_head_.numel());
    for (int64_t i = 0; i < cfg.n_layer; ++i) {
      const std::string p = "backbone.layers." + std::to_string(i) + ".";
      Block b;
      b.norm = BlockNorm::load(ckpt, p + "norm.", D, cfg.norm_eps, cfg.rms_norm);
      switch (cfg.layers[i]) {
        case LayerKind::mamba: b.mixer = std::make_unique<Mixer>(std::in_place_type<MambaMixer>, ckpt, p + "mixer.", cfg.mamba); break;
        case LayerKind::mamba2: b.mixer = std::make_unique<Mixer>(std::in_place_type<Mamba2Mixer>, ckpt, p + "mixer.", cfg.mamba2); break;
        case LayerKind::attention:
          b.mixer = std::make_unique<Mixer>(std::in_place_type<AttentionLayer>, ckpt, p + "mixer.", cfg.attention);
          if (!cfg.attention.causal) streamable_ = false;
          break;
      }
      if (cfg.mlp) {
        b.norm2 = BlockNorm::load(ckpt, p + "norm2.", D, cfg.norm_eps, cfg.rms_norm);
        b.mlp = std::make_unique<GatedMlp>(ckpt, p + "mlp.", D);
        params_ += b.norm2.parameter_count() + b.mlp->parameter_count();
      }
      params_ += b.norm.parameter_count() + std::visit([](auto& m) { return m.parameter_count(); }, *b.mixer);
      blocks_.push_back(std::move(b));
    }
    final_norm_ = BlockNorm::load(ckpt, "backbone.norm_f.", D, cfg.norm_eps, cfg.rms_norm);
    params_ += final_norm_.parameter_count();

    info_.architecture = cfg.architecture;
    info_.d_model = D;
    info_.n_layer = cfg.n_layer;
    info_.vocab_size = cfg.vocab_size;
    info_.vocab_size_padded = cfg.vocab_padded;
    info_.max_seq_len = 0;  // recurrent (attention layers keep a growing KV cache)
    info_.causal = streamable_;
    info_.is_dna = cfg.is_dna;
    info_.hidden_size_out = D;
  }

  const ModelInfo& info() const override { return info_; }
  int64_t parameter_count() const override { return params_; }

  ForwardResult forward(const Tensor& ids, const ForwardRequest& request) const override {
    const std::string name = cfg_.architecture;
    if (ids.ndim() != 2 || ids.dtype() != DType::i64 || ids.device() != Device::cpu)
      throw Error(name + ": expects int64 host token ids of shape [B, L], got " + ids.describe());
    const int64_t B = ids.dim(0), L = ids.dim(1), D = cfg_.d_model;
    if (L == 0) throw Error(name + ": empty input (L = 0)");
    if (request.hidden_layer > cfg_.n_layer)
      throw Error(name + ": layer " + std::to_string(request.hidden_layer) + " requested but the model has " +
                  std::to_string(cfg_.n_layer) + " blocks");
    ForwardResult result;
    if (request.want_logits) result.logits = Tensor::empty({B, L, cfg_.vocab_padded});
    if (request.want_hidden) result.hidden = Tensor::empty({B, L, D});
    if (request.want_layer_outputs) result.layer_outputs = Tensor::empty({cfg_.n_layer + 1, B, L, D});
    const int64_t chunk = streamable_ && stream_chunk_ > 0 ? stream_chunk_ : L;
    // The ids stay on the host (each chunk's slice is uploaded); activations and states live on
    // the model's device, and each chunk's outputs are copied into the host result as it ends.
    const Device dev = embedding_.device();
    auto to_host = [&](const Tensor& dst, const Tensor& src) {
      copy_bytes(dst.raw(), Device::cpu, src.raw(), dev, src.nbytes());
    };

    for (int64_t b = 0; b < B; ++b) {
      std::vector<LayerState> states;
      for (const Block& blk : blocks_)
        states.push_back(std::visit([](auto& m) -> LayerState { return m.initial_state(); }, *blk.mixer));
      for (int64_t t0 = 0; t0 < L; t0 += chunk) {
        const int64_t t1 = std::min(L, t0 + chunk);
        // With a single chunk the mixers see the whole sequence and need no state.
        const bool whole = t0 == 0 && t1 == L;
        Tensor s = ops::embedding(ids.select(b).slice(t0, t1).to(dev), embedding_);  // the residual stream [T, D]
        auto snapshot = [&](int64_t layer) {
          if (request.want_layer_outputs) to_host(result.layer_outputs.select(layer).select(b).slice(t0, t1), s);
          if (request.want_hidden && request.hidden_layer == layer) to_host(result.hidden.select(b).slice(t0, t1), s);
        };
        snapshot(0);
        for (int64_t i = 0; i < cfg_.n_layer; ++i) {
          run_block(blocks_[i], s, whole ? nullptr : &states[i]);
          snapshot(i + 1);
        }
        if (request.hidden_layer < 0 && (request.want_hidden || request.want_logits)) {
          Tensor normed = final_norm_.apply(s);
          if (request.want_hidden) to_host(result.hidden.select(b).slice(t0, t1), normed);
          if (request.want_logits) {
            Tensor out = result.logits.select(b).slice(t0, t1);
            if (dev == Device::cpu) {
              ops::linear_into(normed, lm_head_, nullptr, out);  // straight into the result
            } else {
              to_host(out, ops::linear(normed, lm_head_));
            }
          }
        }
      }
    }
    return result;
  }

 private:
  // s += mixer(norm(s)); with an MLP, s += mlp(norm2(s)). (mamba_ssm's add-then-norm Block with
  // hidden + residual kept as one stream.)
  void run_block(const Block& blk, Tensor& s, LayerState* state) const {
    Tensor u = blk.norm.apply(s);
    Tensor h = std::visit(
        [&](auto& mixer) -> Tensor {
          using S = std::decay_t<decltype(mixer.initial_state())>;
          return mixer.forward(u, state ? &std::get<S>(*state) : nullptr);
        },
        *blk.mixer);
    ops::add_(s, h);
    if (blk.mlp) {
      Tensor m = blk.mlp->forward(blk.norm2.apply(s));
      ops::add_(s, m);
    }
  }

  MambaStackConfig cfg_;
  int64_t stream_chunk_;
  bool streamable_ = true;
  ModelInfo info_;
  int64_t params_ = 0;
  Tensor embedding_, lm_head_;
  std::vector<Block> blocks_;
  BlockNorm final_norm_;
};

}  // namespace

std::unique_ptr<Model> make_mamba_stack(const MambaStackConfig& config, Checkpoint& ckpt, int64_t stream_chunk) {
  return std::make_unique<MambaStack>(config, ckpt, stream_chunk);
}

std::unique_ptr<Model> load_mamba_stack(const std::string& dir, int64_t stream_chunk) {
  Config config = Config::load(dir);
  Checkpoint ckpt = Checkpoint::open(dir);
  const bool hf = config.has("model_type") && config.get_string("model_type", "") != "mamba_ssm";
  return make_mamba_stack(hf ? read_hf_mamba_config(config) : read_mamba_ssm_config(config), ckpt, stream_chunk);
}

}  // namespace spindle
