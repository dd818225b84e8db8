// MSA Transformer (fair-esm `MSATransformer`, MODELS.md 6). Input ids [B, R, C]: R aligned rows
// (row 0 the query), each <cls> + residues. Embedding = tokens + learned positions (restarting in
// every row) + an MSA-row embedding, LayerNorm, pads zeroed; then axial layers of tied row
// attention, column attention and a GELU feed-forward, each pre-norm residual; final LayerNorm;
// RoBERTa head tied to the token embedding.
//
// Memory: like the reference's `max_tokens_per_msa`, row attention runs over chunks of rows (their
// logits add into one [H, C, C] map before the softmax, so the result does not depend on the chunk
// size) and column attention over chunks of columns (columns are independent). Chunking starts
// when R * C exceeds max_tokens_per_msa.
//
// Checkpoint names: the clean names of ../shared/golden/README.md. Raw fair-esm names are mapped
// by fair-esm's own rule: swap "row" and "column" in the raw name, then drop everything up to
// "sentence_encoder." and then up to "encoder.".
#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "kernels/backend.h"
#include "kernels/ops.h"
#include "models/layers/esm_layers.h"
#include "models/registry.h"
#include "models/tokenizer.h"

namespace spindle {
namespace {

struct MsaConfig {
  int64_t d_model, n_layer, heads, head_dim, ffn, vocab, max_positions, max_rows, max_tokens, pad_id;
  float eps;
  bool row_embedding;
};

MsaConfig read_config(const Config& c) {
  MsaConfig m;
  m.d_model = c.get_int("hidden_size");
  m.n_layer = c.get_int("num_hidden_layers");
  m.heads = c.get_int("num_attention_heads");
  m.ffn = c.get_int("intermediate_size", 4 * m.d_model);
  m.vocab = c.get_int("vocab_size", 33);
  m.max_positions = c.get_int("max_position_embeddings", 1024);
  m.max_rows = c.get_int("max_msa_rows", 1024);
  m.max_tokens = c.get_int("max_tokens_per_msa", 1 << 14);
  m.pad_id = c.get_int("pad_token_id", esm_tokens::kPad);
  m.eps = static_cast<float>(c.get_double("layer_norm_eps", 1e-5));
  m.row_embedding = c.get_bool("embed_positions_msa", true);
  if (m.d_model <= 0 || m.n_layer <= 0 || m.heads <= 0 || m.d_model % m.heads != 0 || m.max_tokens <= 0)
    throw Error(c.path() + ": invalid MSA Transformer config (hidden_size a multiple of num_attention_heads, "
                           "max_tokens_per_msa > 0)");
  // pad_token_id indexes the embedding table and the position table (rows pad_id .. pad_id + C).
  if (m.pad_id < 0 || m.pad_id >= m.vocab)
    throw Error(c.path() + ": pad_token_id " + std::to_string(m.pad_id) + " is outside the vocabulary [0, " +
                std::to_string(m.vocab) + ")");
  if (m.max_positions < 1 || m.vocab <= 0)
    throw Error(c.path() + ": invalid MSA Transformer config (max_position_embeddings and vocab_size must be positive)");
  m.head_dim = m.d_model / m.heads;
  return m;
}

// fair-esm's raw -> clean rename (`_load_model_and_alphabet_core_v1`).
std::string clean_name(std::string name) {
  auto replace_first = [](std::string& s, const std::string& from, const std::string& to) {
    const size_t at = s.find(from);
    if (at != std::string::npos) s.replace(at, from.size(), to);
  };
  if (name.find("row") != std::string::npos)
    replace_first(name, "row", "column");
  else
    replace_first(name, "column", "row");
  for (const char* cut : {"sentence_encoder.", "encoder."}) {
    const size_t at = name.find(cut);
    if (at != std::string::npos) name = name.substr(at + std::strlen(cut));
  }
  return name;
}

struct AttentionWeights {
  BlockNorm norm;
  Linear q, k, v, out;
  int64_t parameter_count() const {
    return norm.parameter_count() + q.parameter_count() + k.parameter_count() + v.parameter_count() +
           out.parameter_count();
  }
};

struct AxialLayer {
  AttentionWeights row, column;
  GeluFeedForward ffn;
};

class MsaTransformer final : public Model {
 public:
  MsaTransformer(const Config& config, Checkpoint& ckpt) : cfg_(read_config(config)) {
    const bool raw = ckpt.has("encoder.sentence_encoder.embed_tokens.weight");
    if (raw)
      for (const auto& name : ckpt.names()) ckpt.add_alias(clean_name(name), name);
    const int64_t D = cfg_.d_model;
    embed_tokens_ = ckpt.get("embed_tokens.weight", {cfg_.vocab, D});
    embed_positions_ = ckpt.get("embed_positions.weight", {cfg_.max_positions + cfg_.pad_id + 1, D});
    if (cfg_.row_embedding) {
      const TensorEntry& e = ckpt.entry("msa_position_embedding");
      const int64_t width = e.shape.size() == 4 ? e.shape[3] : 0;
      if (width != D && width != 1)
        throw Error(ckpt.path() + ": tensor 'msa_position_embedding' has shape " + shape_str(e.shape) +
                    ", expected [1, " + std::to_string(cfg_.max_rows) + ", 1, " + std::to_string(D) + "] (or width 1)");
      // A width-1 table adds one scalar per row to every feature: spread it to [max_rows, D] once,
      // so the forward adds rows of one table whichever width the checkpoint stores.
      Tensor table = ckpt.get_host("msa_position_embedding", {1, cfg_.max_rows, 1, width}).reshape({cfg_.max_rows, width});
      row_embedding_params_ = table.numel();
      if (width == 1) {
        Tensor spread = Tensor::empty({cfg_.max_rows, D});
        for (int64_t r = 0; r < cfg_.max_rows; ++r)
          std::fill_n(spread.data<float>() + r * D, D, table.data<float>()[r]);
        table = spread;
      }
      row_embedding_ = table.to(ckpt.device());
    }
    emb_norm_before_ = load_layer_norm(ckpt, "emb_layer_norm_before.", D, cfg_.eps);
    emb_norm_after_ = load_layer_norm(ckpt, "emb_layer_norm_after.", D, cfg_.eps);
    for (int64_t i = 0; i < cfg_.n_layer; ++i) {
      const std::string p = "layers." + std::to_string(i) + ".";
      AxialLayer l;
      l.row = load_attention(ckpt, p + "row_self_attention.");
      l.column = load_attention(ckpt, p + "column_self_attention.");
      l.ffn.norm = load_layer_norm(ckpt, p + "feed_forward_layer.layer_norm.", D, cfg_.eps);
      l.ffn.fc1 = Linear::load(ckpt, p + "feed_forward_layer.layer.fc1.", cfg_.ffn, D);
      l.ffn.fc2 = Linear::load(ckpt, p + "feed_forward_layer.layer.fc2.", D, cfg_.ffn);
      layers_.push_back(std::move(l));
    }
    if (!ckpt.has("lm_head.weight"))  // tied to the token embedding, and often not stored
      ckpt.add_alias("lm_head.weight", raw ? "encoder.sentence_encoder.embed_tokens.weight" : "embed_tokens.weight");
    head_.dense = Linear::load(ckpt, "lm_head.dense.", D, D);
    head_.norm = load_layer_norm(ckpt, "lm_head.layer_norm.", D, cfg_.eps);
    head_.decoder = ckpt.get("lm_head.weight", {cfg_.vocab, D});
    head_.bias = ckpt.get("lm_head.bias", {cfg_.vocab});

    info_.architecture = "msa_transformer";
    info_.d_model = D;
    info_.n_layer = cfg_.n_layer;
    info_.vocab_size = cfg_.vocab;
    info_.vocab_size_padded = cfg_.vocab;
    info_.max_seq_len = cfg_.max_positions;  // columns per row, <cls> included
    info_.causal = false;
    info_.is_msa = true;
    info_.hidden_size_out = D;
    params_ = embed_tokens_.numel() + embed_positions_.numel() + row_embedding_params_ +
              emb_norm_before_.parameter_count() + emb_norm_after_.parameter_count() +
              head_.parameter_count(embed_tokens_);
    for (auto& l : layers_) params_ += l.row.parameter_count() + l.column.parameter_count() + l.ffn.parameter_count();
  }

  const ModelInfo& info() const override { return info_; }
  int64_t parameter_count() const override { return params_; }

  ForwardResult forward(const Tensor& ids, const ForwardRequest& request) const override {
    // Host ids: masks, positions and column gathers are worked out from them before the upload.
    if (ids.ndim() != 3 || ids.dtype() != DType::i64 || ids.device() != Device::cpu)
      throw Error("MSA Transformer expects int64 host token ids of shape [B, R, C], got " + ids.describe());
    const int64_t B = ids.dim(0), R = ids.dim(1), C = ids.dim(2), D = cfg_.d_model, V = cfg_.vocab;
    if (R == 0 || C == 0) throw Error("MSA Transformer: empty MSA (R or C = 0)");
    if (cfg_.row_embedding && R > cfg_.max_rows)
      throw Error("MSA Transformer: " + std::to_string(R) + " rows exceed the row-embedding table (" +
                  std::to_string(cfg_.max_rows) + ")");
    if (C > cfg_.max_positions)
      throw Error("MSA Transformer: " + std::to_string(C) + " columns exceed the position table (" +
                  std::to_string(cfg_.max_positions) + ", <cls> included)");
    if (request.hidden_layer > cfg_.n_layer)
      throw Error("MSA Transformer: --layer " + std::to_string(request.hidden_layer) + " but the model has " +
                  std::to_string(cfg_.n_layer) + " layers");

    ForwardResult result;
    if (request.want_logits) result.logits = Tensor::empty({B, R, C, V});
    if (request.want_hidden) result.hidden = Tensor::empty({B, R, C, D});
    if (request.want_layer_outputs) result.layer_outputs = Tensor::empty({cfg_.n_layer + 1, B, R, C, D});
    const Device dev = embed_tokens_.device();
    for (int64_t b = 0; b < B; ++b) {
      // Masks and positions are bookkeeping on the host ids; the rest is ops on the model's device.
      const Tensor tokens = ids.select(b);
      std::vector<uint8_t> keep(R * C);
      for (int64_t i = 0; i < R * C; ++i) keep[i] = tokens.data<int64_t>()[i] != cfg_.pad_id;
      const Masks masks = upload_masks(keep, C);
      Tensor x = embed(tokens, keep, masks);  // [R * C, D]
      auto copy_out = [&](Tensor& host, const Tensor& from) { copy_bytes(host.raw(), Device::cpu, from.raw(), dev, from.nbytes()); };
      auto snapshot = [&](int64_t layer) {
        if (request.want_layer_outputs) {
          Tensor slot = result.layer_outputs.select(layer).select(b);
          copy_out(slot, x);
        }
        if (request.want_hidden && request.hidden_layer == layer) {
          Tensor slot = result.hidden.select(b);
          copy_out(slot, x);
        }
      };
      snapshot(0);
      for (int64_t i = 0; i < cfg_.n_layer; ++i) {
        row_attention(layers_[i].row, x, R, C, masks);
        column_attention(layers_[i].column, x, R, C, keep);
        layers_[i].ffn.forward_add(x);
        snapshot(i + 1);
      }
      if (request.hidden_layer < 0 && (request.want_hidden || request.want_logits)) {
        Tensor normed = emb_norm_after_.apply(x);
        if (request.want_hidden) {
          Tensor slot = result.hidden.select(b);
          copy_out(slot, normed);
        }
        if (request.want_logits) {
          Tensor logits = Tensor::empty({R * C, V}, DType::f32, dev);
          head_.apply_into(normed, logits);
          Tensor slot = result.logits.select(b);
          copy_out(slot, logits);
        }
      }
    }
    return result;
  }

 private:
  // The padding masks of one MSA on the model's device: keep [R * C] as 0/1 floats (row scales),
  // and row 0's u8 key mask [C] (key columns follow the query row's padding).
  struct Masks {
    Tensor keep_rows, key_columns;
  };

  Masks upload_masks(const std::vector<uint8_t>& keep, int64_t C) const {
    const Device dev = embed_tokens_.device();
    return {Tensor::from_values(std::vector<float>(keep.begin(), keep.end()), dev),
            Tensor::from_values(std::vector<uint8_t>(keep.begin(), keep.begin() + C), dev)};
  }

  AttentionWeights load_attention(const Checkpoint& ckpt, const std::string& p) const {
    const int64_t D = cfg_.d_model;
    return {load_layer_norm(ckpt, p + "layer_norm.", D, cfg_.eps), Linear::load(ckpt, p + "layer.q_proj.", D, D),
            Linear::load(ckpt, p + "layer.k_proj.", D, D), Linear::load(ckpt, p + "layer.v_proj.", D, D),
            Linear::load(ckpt, p + "layer.out_proj.", D, D)};
  }

  Tensor embed(const Tensor& tokens, const std::vector<uint8_t>& keep, const Masks& masks) const {
    const int64_t R = tokens.dim(0), C = tokens.dim(1), D = cfg_.d_model;
    const Device dev = embed_tokens_.device();
    Tensor x = ops::embedding(tokens.to(dev), embed_tokens_).reshape({R * C, D});
    // Positions restart in every row: pad_id + 1 + index among its non-pad tokens; pads read pad_id.
    std::vector<int64_t> positions(R * C), rows(R * C);
    for (int64_t r = 0; r < R; ++r) {
      int64_t seen = 0;
      for (int64_t c = 0; c < C; ++c) {
        positions[r * C + c] = keep[r * C + c] ? cfg_.pad_id + 1 + seen++ : cfg_.pad_id;
        rows[r * C + c] = r;
      }
    }
    ops::add_(x, ops::embedding(Tensor::from_values(positions, dev), embed_positions_));
    if (cfg_.row_embedding) ops::add_(x, ops::embedding(Tensor::from_values(rows, dev), row_embedding_));
    x = emb_norm_before_.apply(x);
    ops::scale_rows_(x, masks.keep_rows);  // pads are zero, once, after the LayerNorm
    return x;
  }

  // Rows (or columns) per chunk: everything when R * C fits max_tokens_per_msa.
  int64_t chunk(int64_t R, int64_t C, int64_t other) const {
    return R * C > cfg_.max_tokens ? std::max<int64_t>(1, cfg_.max_tokens / other) : (other == C ? R : C);
  }

  void row_attention(const AttentionWeights& w, Tensor& x, int64_t R, int64_t C, const Masks& masks) const {
    const int64_t H = cfg_.heads, d = cfg_.head_dim, rows = chunk(R, C, C);
    // One map for all rows, so the logits are a sum over R terms: scaled by d^-1/2 / sqrt(R), with R
    // counting padded rows as the reference does.
    const float scale = 1.f / std::sqrt(static_cast<float>(d)) / std::sqrt(static_cast<float>(R));
    Tensor logits = Tensor::zeros({H, C, C}).to(x.device());
    for (int64_t r0 = 0; r0 < R; r0 += rows) {
      const int64_t r1 = std::min(R, r0 + rows);
      Tensor a = w.norm.apply(x.slice(r0 * C, r1 * C));
      Tensor q = w.q.apply(a), k = w.k.apply(a);
      // Padded cells must not add to the sum over rows: their queries are zeroed.
      ops::scale_rows_(q, masks.keep_rows.slice(r0 * C, r1 * C));
      ops::axial_row_logits(q.reshape({r1 - r0, C, H, d}), k.reshape({r1 - r0, C, H, d}), scale, logits, true);
    }
    ops::axial_row_softmax_(logits, &masks.key_columns, -10000.f);
    for (int64_t r0 = 0; r0 < R; r0 += rows) {
      const int64_t r1 = std::min(R, r0 + rows);
      Tensor xs = x.slice(r0 * C, r1 * C);
      Tensor v = w.v.apply(w.norm.apply(xs));
      Tensor ctx = ops::axial_row_apply(logits, v.reshape({r1 - r0, C, H, d}));
      w.out.apply_into(ctx.reshape({(r1 - r0) * C, H * d}), xs, 1.f);
    }
  }

  void column_attention(const AttentionWeights& w, Tensor& x, int64_t R, int64_t C, const std::vector<uint8_t>& keep) const {
    const int64_t H = cfg_.heads, d = cfg_.head_dim, D = cfg_.d_model;
    if (R == 1) {  // a single row attends only to itself: out_proj(v_proj(x))
      Tensor v = w.v.apply(w.norm.apply(x));
      w.out.apply_into(v, x, 1.f);
      return;
    }
    const int64_t cols = chunk(R, C, R);
    for (int64_t c0 = 0; c0 < C; c0 += cols) {
      const int64_t nc = std::min(C, c0 + cols) - c0;
      // The column block as [nc, R, D] (each column one attention batch over rows): a gather of
      // the cells r * C + c, and a scatter-add of the result back to the same cells.
      std::vector<int64_t> cells(nc * R);
      Tensor mask = Tensor::empty({nc, R}, DType::u8);
      for (int64_t c = 0; c < nc; ++c)
        for (int64_t r = 0; r < R; ++r) {
          cells[c * R + r] = r * C + c0 + c;
          mask.data<uint8_t>()[c * R + r] = keep[r * C + c0 + c];
        }
      const Tensor index = Tensor::from_values(cells, x.device());
      mask = mask.to(x.device());
      Tensor a = w.norm.apply(ops::embedding(index, x));
      Tensor q = w.q.apply(a), k = w.k.apply(a), v = w.v.apply(a);
      // The kernel masks with -inf where the reference fills -10000: the same for every cell that
      // is not a pad (its own row is always a visible key).
      // bf16 weights: the GPU's tensor-core attention too (the CPU keeps f32 attention).
      const bool bf16 = w.q.weight.dtype() == DType::bf16 && ops::supports_bf16_attention(x.device(), d);
      Tensor ctx = (bf16 ? ops::attention_bf16 : ops::attention)(q.reshape({nc, R, H, d}), k.reshape({nc, R, H, d}),
                                                                  v.reshape({nc, R, H, d}),
                                                                  1.f / std::sqrt(static_cast<float>(d)),
                                                                  /*causal=*/false, &mask);
      ops::index_add_rows_(x, index, w.out.apply(ctx.reshape({nc * R, D})));
    }
  }

  MsaConfig cfg_;
  ModelInfo info_;
  int64_t params_ = 0;
  Tensor embed_tokens_, embed_positions_, row_embedding_;  // row_embedding_ [max_rows, D]
  int64_t row_embedding_params_ = 0;
  BlockNorm emb_norm_before_, emb_norm_after_;
  std::vector<AxialLayer> layers_;
  RobertaLmHead head_;
};

bool is_msa_transformer(const Config& c) {
  const std::string type = c.get_string("model_type", "");
  if (type == "msa_transformer") return true;
  for (const auto& a : c.architectures())
    if (a == "MSATransformer") return true;
  return false;
}

}  // namespace

Architecture msa_transformer_architecture() {
  Architecture a{"msa_transformer", is_msa_transformer,
                 [](const Config& config, Checkpoint& ckpt) -> std::unique_ptr<Model> {
                   return std::make_unique<MsaTransformer>(config, ckpt);
                 }};
  a.computes_on_cuda = true;
  a.takes_bf16_weights = true;  // its projections and feed-forward are Linear (Checkpoint::get_matrix)
  return a;
}

}  // namespace spindle
