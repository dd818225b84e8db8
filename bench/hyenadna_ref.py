#!/usr/bin/env python3
"""PyTorch reference of HyenaDNA for side-by-side benchmarks (benchmark tooling only).

Written from MODELS.md section 1 the way the HF `modeling_hyena.py` computes it: FFT convolution
with n = 2L, implicit filter MLP with sine activations, exponential modulation, pre-norm blocks.
Needs Debian python3-torch and python3-numpy. Reads/writes safetensors with numpy (no extra package).

  hyenadna_ref.py make-checkpoint DIR --d-model 128 --n-layer 2 --max-seq-len 1000002
  hyenadna_ref.py forward DIR --length L [--threads 2] [--ids IDS.npy --logits OUT.npy]
"""
import argparse, json, math, os, resource, time

import numpy as np
import torch

from safetensors_np import read_safetensors, write_safetensors  # bench/ is sys.path[0]


def make_checkpoint(args):
    torch.manual_seed(0)
    D, n_layer, Lmax, E, F = args.d_model, args.n_layer, args.max_seq_len, 5, 64
    d_inner = 4 * D
    cfg = {"architectures": ["HyenaDNAForCausalLM"], "model_type": "hyenadna", "vocab_size": 12, "d_model": D,
           "d_inner": d_inner, "n_layer": n_layer, "max_seq_len": Lmax, "emb_dim": E, "filter_order": F,
           "num_inner_mlps": 2, "hyena_order": 2, "short_filter_order": 3, "activation_freq": 10,
           "layer_norm_epsilon": 1e-5, "pad_vocab_size_multiple": 8, "tie_word_embeddings": False}
    os.makedirs(args.dir, exist_ok=True)
    json.dump(cfg, open(os.path.join(args.dir, "config.json"), "w"), indent=1)
    r = lambda *s, scale=0.02: torch.randn(*s) * scale
    t = torch.linspace(0, 1, Lmax)[None, :, None]
    bands = (E - 1) // 2
    t_rescaled = torch.linspace(0, Lmax - 1, Lmax)[None, :, None]
    w = 2 * math.pi * t_rescaled / Lmax
    f = torch.linspace(1e-4, bands - 1, bands)[None, None]
    z = torch.exp(-1j * f * w)
    z = torch.cat([t, z.real, z.imag], dim=-1)
    p = "hyena.backbone."
    W = {p + "embeddings.word_embeddings.weight": r(16, D, scale=1.0)}
    for i in range(n_layer):
        q = p + f"layers.{i}."
        m = q + "mixer."
        W.update({
            m + "in_proj.weight": r(3 * D, D, scale=D ** -0.5), m + "in_proj.bias": r(3 * D),
            m + "short_filter.weight": r(3 * D, 1, 3, scale=0.5), m + "short_filter.bias": r(3 * D),
            m + "out_proj.weight": r(D, D, scale=D ** -0.5), m + "out_proj.bias": r(D),
            m + "filter_fn.bias": r(D, scale=1.0),
            m + "filter_fn.pos_emb.z": z.float(), m + "filter_fn.pos_emb.t": t.float(),
            m + "filter_fn.implicit_filter.0.weight": r(F, E, scale=0.5), m + "filter_fn.implicit_filter.0.bias": r(F),
            m + "filter_fn.implicit_filter.1.freq": torch.full((1, F), 10.0),
            m + "filter_fn.implicit_filter.2.weight": r(F, F, scale=F ** -0.5), m + "filter_fn.implicit_filter.2.bias": r(F),
            m + "filter_fn.implicit_filter.4.weight": r(F, F, scale=F ** -0.5), m + "filter_fn.implicit_filter.4.bias": r(F),
            m + "filter_fn.implicit_filter.6.weight": r(D, F, scale=F ** -0.5),
            m + "filter_fn.modulation.deltas": torch.linspace(math.log(0.01) / 1.5, math.log(0.01) / 0.3, D)[None, None],
            q + "norm1.weight": 1 + r(D), q + "norm1.bias": r(D), q + "norm2.weight": 1 + r(D), q + "norm2.bias": r(D),
            q + "mlp.fc1.weight": r(d_inner, D, scale=D ** -0.5), q + "mlp.fc1.bias": r(d_inner),
            q + "mlp.fc2.weight": r(D, d_inner, scale=d_inner ** -0.5), q + "mlp.fc2.bias": r(D),
        })
    W[p + "ln_f.weight"] = 1 + r(D)
    W[p + "ln_f.bias"] = r(D)
    W["lm_head.weight"] = r(16, D, scale=D ** -0.5)
    write_safetensors(os.path.join(args.dir, "model.safetensors"), W)


class HyenaDNA(torch.nn.Module):
    def __init__(self, cfg, W):
        super().__init__()
        self.cfg, self.W = cfg, W
        self.p = "hyena.backbone." if "hyena.backbone.ln_f.weight" in W else "backbone."

    def implicit_filter(self, m, L):
        W = self.W
        z = W[m + "filter_fn.pos_emb.z"][:, :L]
        t = W[m + "filter_fn.pos_emb.t"][:, :L]
        freq = next(W[m + f"filter_fn.implicit_filter.{i}.freq"] for i in (1, 3, 5)
                    if m + f"filter_fn.implicit_filter.{i}.freq" in W)
        h = z
        for i in (0, 2, 4):
            h = torch.sin(freq * torch.nn.functional.linear(h, W[m + f"filter_fn.implicit_filter.{i}.weight"],
                                                            W[m + f"filter_fn.implicit_filter.{i}.bias"]))
        k = torch.nn.functional.linear(h, W[m + "filter_fn.implicit_filter.6.weight"])
        decay = torch.exp(-t * W[m + "filter_fn.modulation.deltas"].abs())
        return (k * (decay + 0.05))[0].transpose(0, 1)  # [D, L]

    def hyena(self, m, u):
        W, L, D = self.W, u.shape[1], self.cfg["d_model"]
        x = torch.nn.functional.linear(u, W[m + "in_proj.weight"], W[m + "in_proj.bias"]).transpose(1, 2)
        x = torch.nn.functional.conv1d(x, W[m + "short_filter.weight"], W[m + "short_filter.bias"], padding=2,
                                       groups=3 * D)[..., :L]
        x0, x1, v = x.split(D, dim=1)
        k = self.implicit_filter(m, L)
        v = v * x1
        n = 2 * L
        k_f = torch.fft.rfft(k, n=n) / n
        u_f = torch.fft.rfft(v, n=n)
        y = torch.fft.irfft(u_f * k_f, n=n, norm="forward")[..., :L]
        v = y + v * W[m + "filter_fn.bias"][None, :, None]
        y = (v * x0).transpose(1, 2)
        return torch.nn.functional.linear(y, W[m + "out_proj.weight"], W[m + "out_proj.bias"])

    @torch.no_grad()
    def forward(self, ids):
        W, p, D, eps = self.W, self.p, self.cfg["d_model"], self.cfg.get("layer_norm_epsilon", 1e-5)
        h = W[p + "embeddings.word_embeddings.weight"][ids]
        ln = torch.nn.functional.layer_norm
        for i in range(self.cfg["n_layer"]):
            q = p + f"layers.{i}."
            h = h + self.hyena(q + "mixer.", ln(h, (D,), W[q + "norm1.weight"], W[q + "norm1.bias"], eps))
            z = torch.nn.functional.linear(ln(h, (D,), W[q + "norm2.weight"], W[q + "norm2.bias"], eps),
                                           W[q + "mlp.fc1.weight"], W[q + "mlp.fc1.bias"])
            h = h + torch.nn.functional.linear(torch.nn.functional.gelu(z, approximate="tanh"),
                                               W[q + "mlp.fc2.weight"], W[q + "mlp.fc2.bias"])
        h = ln(h, (D,), W[p + "ln_f.weight"], W[p + "ln_f.bias"], eps)
        head = W.get("lm_head.weight", W[p + "embeddings.word_embeddings.weight"])
        return torch.nn.functional.linear(h, head), h


def forward(args):
    torch.set_num_threads(args.threads)
    cfg = json.load(open(os.path.join(args.dir, "config.json")))
    W = read_safetensors(os.path.join(args.dir, "model.safetensors"))
    if args.float64:  # accuracy reference: the goldens are float64 computations
        W = {k: v.double() for k, v in W.items()}
    model = HyenaDNA(cfg, W)
    if args.ids:
        ids = torch.from_numpy(np.load(args.ids))
    else:
        ids = torch.from_numpy(np.random.default_rng(0).integers(7, 11, size=(1, args.length)))
    start = time.perf_counter()
    logits, hidden = model(ids)
    seconds = time.perf_counter() - start
    if args.logits:
        np.save(args.logits, logits.float().numpy())
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2 ** 20
    print(f"pytorch hyenadna L={ids.shape[1]} forward {seconds:.3f} s peak_rss {peak:.2f} GiB threads {args.threads}")


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    mk = sub.add_parser("make-checkpoint")
    mk.add_argument("dir")
    mk.add_argument("--d-model", type=int, default=128)
    mk.add_argument("--n-layer", type=int, default=2)
    mk.add_argument("--max-seq-len", type=int, default=1000002)
    fw = sub.add_parser("forward")
    fw.add_argument("dir")
    fw.add_argument("--length", type=int, default=16384)
    fw.add_argument("--threads", type=int, default=2)
    fw.add_argument("--ids")
    fw.add_argument("--logits")
    fw.add_argument("--float64", action="store_true", help="compute in float64 (accuracy reference)")
    args = ap.parse_args()
    make_checkpoint(args) if args.cmd == "make-checkpoint" else forward(args)


if __name__ == "__main__":
    main()
