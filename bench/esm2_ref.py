#!/usr/bin/env python3
"""PyTorch reference of ESM-2 (HF EsmForMaskedLM semantics) for side-by-side benchmarks.

Written from MODELS.md section 5 the way HF `modeling_esm.py` computes it: token dropout scaling,
rotary (q scaled then rotated), pre-LN blocks, pad keys masked, emb_layer_norm_after, RoBERTa head
tied to the embedding. Needs Debian python3-torch and python3-numpy; reads safetensors with numpy.

  esm2_ref.py make-checkpoint DIR [--seed 0]            random esm2_t6_8M-shaped weights
  esm2_ref.py forward DIR --batch B --length L [--threads 2] [--reps 3]
  esm2_ref.py check-golden GOLDEN_DIR                   max rel error vs the goldens (non-pad)
"""
import argparse, json, math, os, resource, time

import numpy as np
import torch
import torch.nn.functional as F

from safetensors_np import read_safetensors, write_safetensors  # bench/ is sys.path[0]


def make_checkpoint(out_dir, seed, D=320, layers=6, heads=20, ffn=1280):
    g = torch.Generator().manual_seed(seed)
    w = {}

    def normal(name, shape, scale, offset=0.0):
        w[name] = torch.randn(*shape, generator=g) * scale + offset

    def linear(p, o, i):
        normal(p + "weight", (o, i), 1 / math.sqrt(i))
        normal(p + "bias", (o,), 0.02)

    def norm(p, d):
        normal(p + "weight", (d,), 0.05, 1.0)
        normal(p + "bias", (d,), 0.02)

    normal("esm.embeddings.word_embeddings.weight", (33, D), 1.0)
    for i in range(layers):
        p = f"esm.encoder.layer.{i}."
        for n in ("attention.self.query.", "attention.self.key.", "attention.self.value.", "attention.output.dense."):
            linear(p + n, D, D)
        norm(p + "attention.LayerNorm.", D)
        linear(p + "intermediate.dense.", ffn, D)
        linear(p + "output.dense.", D, ffn)
        norm(p + "LayerNorm.", D)
    norm("esm.encoder.emb_layer_norm_after.", D)
    linear("lm_head.dense.", D, D)
    norm("lm_head.layer_norm.", D)
    normal("lm_head.bias", (33,), 0.1)
    os.makedirs(out_dir, exist_ok=True)
    write_safetensors(os.path.join(out_dir, "model.safetensors"), w)
    config = {"architectures": ["EsmForMaskedLM"], "model_type": "esm", "vocab_size": 33, "mask_token_id": 32,
              "pad_token_id": 1, "position_embedding_type": "rotary", "max_position_embeddings": 1026,
              "token_dropout": True, "emb_layer_norm_before": False, "layer_norm_eps": 1e-5, "hidden_act": "gelu",
              "hidden_size": D, "num_hidden_layers": layers, "num_attention_heads": heads, "intermediate_size": ffn}
    with open(os.path.join(out_dir, "config.json"), "w") as f:
        json.dump(config, f, indent=2)


class Esm2:
    def __init__(self, model_dir):
        self.c = json.load(open(os.path.join(model_dir, "config.json")))
        self.w = read_safetensors(os.path.join(model_dir, "model.safetensors"))
        self.H = self.c["num_attention_heads"]
        self.eps = self.c.get("layer_norm_eps", 1e-5)

    def ln(self, x, p):
        return F.layer_norm(x, x.shape[-1:], self.w[p + "weight"], self.w[p + "bias"], self.eps)

    def lin(self, x, p):
        return F.linear(x, self.w[p + "weight"], self.w[p + "bias"])

    @torch.no_grad()
    def forward(self, ids):
        w, B, T = self.w, ids.shape[0], ids.shape[1]
        D = w["esm.embeddings.word_embeddings.weight"].shape[1]
        d = D // self.H
        keep = ids != self.c["pad_token_id"]
        x = w["esm.embeddings.word_embeddings.weight"][ids]
        is_mask = ids == self.c["mask_token_id"]
        x = x.masked_fill(is_mask[..., None], 0.0)
        ratio = is_mask.sum(-1).float() / keep.sum(-1)
        x = x * (1 - 0.15 * 0.8) / (1 - ratio)[:, None, None]
        x = x * keep[..., None]
        inv_freq = 1.0 / (10000 ** (torch.arange(0, d, 2).float() / d))
        freqs = torch.outer(torch.arange(T).float(), inv_freq)
        emb = torch.cat((freqs, freqs), -1)
        cos, sin = emb.cos()[None, None], emb.sin()[None, None]

        def rot(u):
            u1, u2 = u.chunk(2, dim=-1)
            return torch.cat((-u2, u1), -1)

        bias = torch.zeros(B, 1, 1, T).masked_fill(~keep[:, None, None, :], float("-inf"))
        i = 0
        while f"esm.encoder.layer.{i}.attention.self.query.weight" in w:
            p = f"esm.encoder.layer.{i}."
            a = self.ln(x, p + "attention.LayerNorm.")
            q, k, v = (self.lin(a, p + "attention.self." + n).view(B, T, self.H, d).transpose(1, 2)
                       for n in ("query.", "key.", "value."))
            q = q * d ** -0.5
            q, k = q * cos + rot(q) * sin, k * cos + rot(k) * sin
            probs = torch.softmax(q @ k.transpose(-1, -2) + bias, dim=-1)
            ctx = (probs @ v).transpose(1, 2).reshape(B, T, D)
            x = x + self.lin(ctx, p + "attention.output.dense.")
            h = F.gelu(self.lin(self.ln(x, p + "LayerNorm."), p + "intermediate.dense."))
            x = x + self.lin(h, p + "output.dense.")
            i += 1
        hidden = self.ln(x, "esm.encoder.emb_layer_norm_after.")
        h = self.ln(F.gelu(self.lin(hidden, "lm_head.dense.")), "lm_head.layer_norm.")
        logits = F.linear(h, w["esm.embeddings.word_embeddings.weight"]) + w["lm_head.bias"]
        return logits, hidden


def peak_rss_mib():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("cmd", choices=["make-checkpoint", "forward", "check-golden"])
    ap.add_argument("dir")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--batch", type=int, default=1)
    ap.add_argument("--length", type=int, default=256)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--reps", type=int, default=3)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    if a.cmd == "make-checkpoint":
        make_checkpoint(a.dir, a.seed)
        return
    model = Esm2(a.dir)
    if a.cmd == "check-golden":
        for case in ("short", "long"):
            ids = torch.from_numpy(np.load(os.path.join(a.dir, case + ".input_ids.npy")))
            logits, _ = model.forward(ids)
            ref = torch.from_numpy(np.load(os.path.join(a.dir, case + ".logits.npy")))
            keep = (ids != 1)[..., None].expand_as(ref)
            err = ((logits - ref).abs()[keep].max() / ref.abs()[keep].max()).item()
            print(f"{case}: logits max rel err {err:.2e}")
        return
    g = torch.Generator().manual_seed(1)
    ids = torch.randint(4, 24, (a.batch, a.length), generator=g)
    ids[:, 0], ids[:, -1] = 0, 2
    model.forward(ids)  # warm-up
    times = []
    for _ in range(a.reps):
        t0 = time.perf_counter()
        model.forward(ids)
        times.append(time.perf_counter() - t0)
    print(json.dumps({"impl": "torch", "batch": a.batch, "length": a.length, "threads": a.threads,
                      "median_s": sorted(times)[len(times) // 2], "peak_rss_mib": round(peak_rss_mib(), 1)}))


if __name__ == "__main__":
    main()
