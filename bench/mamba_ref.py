#!/usr/bin/env python3
"""PyTorch references of Mamba and Mamba2 for side-by-side benchmarks (benchmark tooling only).

Written from MODELS.md sections 2-3 (mamba_ssm MambaLMHeadModel layout: embedding, add -> RMSNorm
-> mixer blocks, norm_f, tied head). Two scan implementations per model:
  seq      the sequential recurrence, one torch step per token (mamba_ssm's selective_scan_ref
           idea, computed step by step so 131k tokens fit in memory)
  chunked  matmul-based chunked scans: Mamba2 = ssd_minimal_discrete's all-chunks-at-once SSD
           (segsum decay matrices and einsums, chunk 256); Mamba1 = the same idea per chunk of 64
           with a [d_inner, N, Q, Q] decay tensor, chunks processed in order carrying the state.
Needs Debian python3-torch and python3-numpy; safetensors are read/written with numpy.

  mamba_ref.py make-checkpoint DIR --kind mamba|mamba2 [--d-model 256 --n-layer 4]
  mamba_ref.py make-ids OUT.npy --length L
  mamba_ref.py forward DIR --ids IDS.npy --scan seq|chunked [--threads 2] [--hidden OUT.npy]
"""
import argparse, json, math, os, resource, time

import numpy as np
import torch
import torch.nn.functional as F

from safetensors_np import read_safetensors, write_safetensors  # bench/ is sys.path[0]


def make_checkpoint(args):
    torch.manual_seed(0)
    D, n_layer, V = args.d_model, args.n_layer, 16
    E = 2 * D
    w = {"backbone.embedding.weight": torch.randn(V, D) * 0.5, "backbone.norm_f.weight": 1 + 0.1 * torch.randn(D)}
    if args.kind == "mamba":
        N, R, K = 16, math.ceil(D / 16), 4
        ssm_cfg = {}
        for i in range(n_layer):
            p = f"backbone.layers.{i}."
            w[p + "norm.weight"] = 1 + 0.1 * torch.randn(D)
            w[p + "mixer.in_proj.weight"] = torch.randn(2 * E, D) / math.sqrt(D)
            w[p + "mixer.conv1d.weight"] = torch.randn(E, 1, K) * 0.3
            w[p + "mixer.conv1d.bias"] = torch.randn(E) * 0.1
            w[p + "mixer.x_proj.weight"] = torch.randn(R + 2 * N, E) / math.sqrt(E)
            w[p + "mixer.dt_proj.weight"] = torch.randn(E, R) / math.sqrt(R)
            w[p + "mixer.dt_proj.bias"] = torch.log(torch.expm1(torch.rand(E) * 0.099 + 0.001))
            w[p + "mixer.A_log"] = torch.log(torch.arange(1, N + 1, dtype=torch.float32)).repeat(E, 1)
            w[p + "mixer.D"] = torch.ones(E)
            w[p + "mixer.out_proj.weight"] = torch.randn(D, E) / math.sqrt(E)
    else:
        N, P, G, K, Q = 128, 64, 1, 4, 256
        H = E // P
        conv_dim = E + 2 * G * N
        ssm_cfg = {"layer": "Mamba2", "d_state": N, "headdim": P, "ngroups": G, "chunk_size": Q}
        for i in range(n_layer):
            p = f"backbone.layers.{i}."
            w[p + "norm.weight"] = 1 + 0.1 * torch.randn(D)
            w[p + "mixer.in_proj.weight"] = torch.randn(2 * E + 2 * G * N + H, D) / math.sqrt(D)
            w[p + "mixer.conv1d.weight"] = torch.randn(conv_dim, 1, K) * 0.3
            w[p + "mixer.conv1d.bias"] = torch.randn(conv_dim) * 0.1
            w[p + "mixer.dt_bias"] = torch.log(torch.expm1(torch.rand(H) * 0.099 + 0.001))
            w[p + "mixer.A_log"] = torch.log(torch.rand(H) * 15 + 1)
            w[p + "mixer.D"] = torch.ones(H)
            w[p + "mixer.norm.weight"] = 1 + 0.1 * torch.randn(E)
            w[p + "mixer.out_proj.weight"] = torch.randn(D, E) / math.sqrt(E)
    os.makedirs(args.dir, exist_ok=True)
    write_safetensors(os.path.join(args.dir, "model.safetensors"), w)
    config = {"d_model": D, "d_intermediate": 0, "n_layer": n_layer, "vocab_size": V, "ssm_cfg": ssm_cfg,
              "attn_layer_idx": [], "attn_cfg": {}, "rms_norm": True, "residual_in_fp32": True,
              "fused_add_norm": True, "pad_vocab_size_multiple": 8, "tie_embeddings": True}
    with open(os.path.join(args.dir, "config.json"), "w") as f:
        json.dump(config, f, indent=2)


def rms_norm(x, w, eps=1e-5):
    return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps) * w


def causal_conv(x, w, b):  # x [L, C], w [C, 1, K]
    K = w.shape[-1]
    y = F.conv1d(x.t().unsqueeze(0), w, b, padding=K - 1, groups=x.shape[1])[..., : x.shape[0]]
    return y[0].t()


# ---- Mamba (v1) -------------------------------------------------------------------------------
def scan1_seq(x, delta, A, B, C, D):  # x, delta [L, E]; A [E, N]; B, C [L, N]
    L, E = x.shape
    h = torch.zeros(E, A.shape[1])
    y = torch.empty(L, E)
    for t in range(L):
        h = torch.exp(delta[t, :, None] * A) * h + (delta[t] * x[t])[:, None] * B[t][None, :]
        y[t] = h @ C[t]
    return y + x * D


def scan1_chunked(x, delta, A, B, C, D, Q=64):
    L, E = x.shape
    h = torch.zeros(E, A.shape[1])
    ys = []
    for t0 in range(0, L, Q):
        xs, ds, Bs, Cs = x[t0:t0 + Q], delta[t0:t0 + Q], B[t0:t0 + Q], C[t0:t0 + Q]
        T = xs.shape[0]
        S = torch.cumsum(ds.t()[:, None, :] * A[:, :, None], dim=-1)  # [E, N, T] inclusive log-decay
        mask = torch.tril(torch.ones(T, T, dtype=torch.bool))
        # W[e, n, t, s] = exp(S_t - S_s) C_t[n] B_s[n] for s <= t; summed over n -> [E, T, T].
        decay = torch.exp((S[..., :, None] - S[..., None, :]).masked_fill(~mask, -torch.inf))
        W = (decay * (Cs.t()[:, :, None] * Bs.t()[:, None, :])[None]).sum(1)
        u = (ds * xs).t()  # [E, T]
        y_diag = torch.bmm(W, u[:, :, None])[..., 0]  # [E, T]
        y_off = (h[:, :, None] * torch.exp(S) * Cs.t()[None]).sum(1)  # [E, T]
        h = torch.exp(S[..., -1]) * h + (torch.exp(S[..., -1:] - S) * u[:, None, :] * Bs.t()[None]).sum(-1)
        ys.append((y_diag + y_off).t())
    return torch.cat(ys) + x * D


def mamba1_mixer(w, p, u, scan):
    E = w[p + "in_proj.weight"].shape[0] // 2
    N = w[p + "A_log"].shape[1]
    R = w[p + "dt_proj.weight"].shape[1]
    xz = u @ w[p + "in_proj.weight"].t()
    x, z = xz[:, :E], xz[:, E:]
    x = F.silu(causal_conv(x, w[p + "conv1d.weight"], w[p + "conv1d.bias"]))
    dbc = x @ w[p + "x_proj.weight"].t()
    delta = F.softplus(dbc[:, :R] @ w[p + "dt_proj.weight"].t() + w[p + "dt_proj.bias"])
    A = -torch.exp(w[p + "A_log"])
    y = scan(x, delta, A, dbc[:, R:R + N], dbc[:, R + N:], w[p + "D"])
    return (y * F.silu(z)) @ w[p + "out_proj.weight"].t()


# ---- Mamba2 ------------------------------------------------------------------------------------
def scan2_seq(x, dt, A, B, C, D):  # x [L, H, P]; dt [L, H]; A [H]; B, C [L, N] (1 group)
    L, H, P = x.shape
    S = torch.zeros(H, P, B.shape[1])
    y = torch.empty(L, H, P)
    for t in range(L):
        S = torch.exp(dt[t] * A)[:, None, None] * S + (dt[t][:, None] * x[t])[:, :, None] * B[t][None, None, :]
        y[t] = S @ C[t]
    return y + x * D[:, None]


def segsum(x):  # x [..., T] -> [..., T, T] with exp giving the causal decay matrix
    T = x.size(-1)
    x = x[..., None].repeat(*([1] * x.dim()), T)
    mask = torch.tril(torch.ones(T, T, dtype=torch.bool), diagonal=-1)
    x = x.masked_fill(~mask, 0)
    s = torch.cumsum(x, dim=-2)
    mask = torch.tril(torch.ones(T, T, dtype=torch.bool), diagonal=0)
    return s.masked_fill(~mask, -torch.inf)


def scan2_chunked(x, dt, A, B, C, D, Q=256):  # ssd_minimal_discrete, batch 1, one group
    L, H, P = x.shape
    pad = (-L) % Q
    X = F.pad(x * dt[..., None], (0, 0, 0, 0, 0, pad)).reshape(-1, Q, H, P)
    Ad = F.pad(dt * A, (0, 0, 0, pad)).reshape(-1, Q, H).permute(2, 0, 1)  # [H, c, Q]
    Bc = F.pad(B, (0, 0, 0, pad)).reshape(-1, Q, B.shape[1])
    Cc = F.pad(C, (0, 0, 0, pad)).reshape(-1, Q, C.shape[1])
    A_cumsum = torch.cumsum(Ad, dim=-1)
    Lmat = torch.exp(segsum(Ad))  # [H, c, Q, Q]
    Y_diag = torch.einsum("cln,csn,hcls,cshp->clhp", Cc, Bc, Lmat, X)
    decay_states = torch.exp(A_cumsum[..., -1:] - A_cumsum)
    states = torch.einsum("cln,hcl,clhp->chpn", Bc, decay_states, X)
    states = torch.cat([torch.zeros_like(states[:1]), states], dim=0)
    decay_chunk = torch.exp(segsum(F.pad(A_cumsum[..., -1], (1, 0))))  # [H, c+1, c+1]
    new_states = torch.einsum("hzc,chpn->zhpn", decay_chunk, states)
    states = new_states[:-1]
    Y_off = torch.einsum("cln,chpn,hcl->clhp", Cc, states, torch.exp(A_cumsum))
    y = (Y_diag + Y_off).reshape(-1, H, P)[:L]
    return y + x * D[:, None]


def mamba2_mixer(w, p, u, scan, cfg):
    N, P, G = cfg["d_state"], cfg["headdim"], cfg.get("ngroups", 1)
    E = w[p + "norm.weight"].shape[0]
    H = E // P
    zxbcdt = u @ w[p + "in_proj.weight"].t()
    z, xBC, dt = zxbcdt[:, :E], zxbcdt[:, E:2 * E + 2 * G * N], zxbcdt[:, 2 * E + 2 * G * N:]
    xBC = F.silu(causal_conv(xBC, w[p + "conv1d.weight"], w[p + "conv1d.bias"]))
    x, B, C = xBC[:, :E], xBC[:, E:E + N], xBC[:, E + N:]
    dt = F.softplus(dt + w[p + "dt_bias"])
    A = -torch.exp(w[p + "A_log"])
    y = scan(x.reshape(-1, H, P), dt, A, B, C, w[p + "D"]).reshape(-1, E)
    y = rms_norm(y * F.silu(z), w[p + "norm.weight"])
    return y @ w[p + "out_proj.weight"].t()


def forward(args):
    torch.set_num_threads(args.threads)
    cfg = json.load(open(os.path.join(args.dir, "config.json")))
    w = read_safetensors(os.path.join(args.dir, "model.safetensors"))
    ids = torch.from_numpy(np.load(args.ids)).long()[0]
    v2 = cfg["ssm_cfg"].get("layer") == "Mamba2"
    scan = {(False, "seq"): scan1_seq, (False, "chunked"): scan1_chunked,
            (True, "seq"): scan2_seq, (True, "chunked"): scan2_chunked}[(v2, args.scan)]
    t0 = time.time()
    with torch.no_grad():
        s = w["backbone.embedding.weight"][ids]
        for i in range(cfg["n_layer"]):
            p = f"backbone.layers.{i}."
            u = rms_norm(s, w[p + "norm.weight"])
            s = s + (mamba2_mixer(w, p + "mixer.", u, scan, cfg["ssm_cfg"]) if v2
                     else mamba1_mixer(w, p + "mixer.", u, scan))
        hidden = rms_norm(s, w["backbone.norm_f.weight"])
        logits = hidden @ w["backbone.embedding.weight"].t()
    seconds = time.time() - t0
    if args.hidden:
        np.save(args.hidden, hidden[None].numpy())
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"kind": "mamba2" if v2 else "mamba", "scan": args.scan, "length": len(ids),
                      "seconds": round(seconds, 3), "peak_rss_mb": round(rss_mb, 1),
                      "logits_absmax": float(logits.abs().max())}))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    m = sub.add_parser("make-checkpoint")
    m.add_argument("dir")
    m.add_argument("--kind", choices=["mamba", "mamba2"], required=True)
    m.add_argument("--d-model", type=int, default=256)
    m.add_argument("--n-layer", type=int, default=4)
    i = sub.add_parser("make-ids")
    i.add_argument("out")
    i.add_argument("--length", type=int, required=True)
    f = sub.add_parser("forward")
    f.add_argument("dir")
    f.add_argument("--ids", required=True)
    f.add_argument("--scan", choices=["seq", "chunked"], required=True)
    f.add_argument("--threads", type=int, default=2)
    f.add_argument("--hidden")
    args = ap.parse_args()
    if args.cmd == "make-checkpoint":
        make_checkpoint(args)
    elif args.cmd == "make-ids":
        rng = np.random.default_rng(args.length)
        np.save(args.out, rng.integers(7, 11, size=(1, args.length)).astype(np.int64))
    else:
        forward(args)


if __name__ == "__main__":
    main()
