#!/usr/bin/env python3
"""Random-weight Mamba / Mamba2 checkpoints (mamba_ssm layout, the shapes bench/mamba_ref.py
make-checkpoint writes) and int64 token ids as .npy, with the Python standard library only, so CPU
benchmarks run where PyTorch and NumPy are not installed.

  make_mamba_checkpoint.py mamba|mamba2 DIR [d_model] [n_layer]
  make_mamba_checkpoint.py ids OUT.npy LENGTH
"""
import array
import json
import math
import os
import random
import struct
import sys


def write_safetensors(path, tensors):
    header, offset, blobs = {}, 0, []
    for name in sorted(tensors):
        shape, values = tensors[name]
        blob = array.array("f", values).tobytes()
        header[name] = {"dtype": "F32", "shape": shape, "data_offsets": [offset, offset + len(blob)]}
        offset += len(blob)
        blobs.append(blob)
    text = json.dumps(header).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for blob in blobs:
            f.write(blob)


def normal(n, scale, mean=0.0):
    return [mean + scale * random.gauss(0, 1) for _ in range(n)]


def inverse_softplus_dt():  # dt initialised in [0.001, 0.1] as mamba_ssm does
    return math.log(math.expm1(random.random() * 0.099 + 0.001))


def checkpoint(out_dir, kind, d_model=256, n_layer=4):
    random.seed(0)
    D, V, E = d_model, 16, 2 * d_model
    w = {"backbone.embedding.weight": ([V, D], normal(V * D, 0.5)), "backbone.norm_f.weight": ([D], normal(D, 0.1, 1))}
    for i in range(n_layer):
        p = f"backbone.layers.{i}."
        w[p + "norm.weight"] = ([D], normal(D, 0.1, 1))
        if kind == "mamba":
            N, R, K = 16, math.ceil(D / 16), 4
            w[p + "mixer.in_proj.weight"] = ([2 * E, D], normal(2 * E * D, 1 / math.sqrt(D)))
            w[p + "mixer.conv1d.weight"] = ([E, 1, K], normal(E * K, 0.3))
            w[p + "mixer.conv1d.bias"] = ([E], normal(E, 0.1))
            w[p + "mixer.x_proj.weight"] = ([R + 2 * N, E], normal((R + 2 * N) * E, 1 / math.sqrt(E)))
            w[p + "mixer.dt_proj.weight"] = ([E, R], normal(E * R, 1 / math.sqrt(R)))
            w[p + "mixer.dt_proj.bias"] = ([E], [inverse_softplus_dt() for _ in range(E)])
            w[p + "mixer.A_log"] = ([E, N], [math.log(n + 1) for _ in range(E) for n in range(N)])
            w[p + "mixer.D"] = ([E], [1.0] * E)
        else:
            N, P, G, K = 128, 64, 1, 4
            H, conv_dim = E // P, E + 2 * G * N
            rows = 2 * E + 2 * G * N + H
            w[p + "mixer.in_proj.weight"] = ([rows, D], normal(rows * D, 1 / math.sqrt(D)))
            w[p + "mixer.conv1d.weight"] = ([conv_dim, 1, K], normal(conv_dim * K, 0.3))
            w[p + "mixer.conv1d.bias"] = ([conv_dim], normal(conv_dim, 0.1))
            w[p + "mixer.dt_bias"] = ([H], [inverse_softplus_dt() for _ in range(H)])
            w[p + "mixer.A_log"] = ([H], [math.log(random.random() * 15 + 1) for _ in range(H)])
            w[p + "mixer.D"] = ([H], [1.0] * H)
            w[p + "mixer.norm.weight"] = ([E], normal(E, 0.1, 1))
        w[p + "mixer.out_proj.weight"] = ([D, E], normal(D * E, 1 / math.sqrt(E)))
    ssm = {} if kind == "mamba" else {"layer": "Mamba2", "d_state": 128, "headdim": 64, "ngroups": 1, "chunk_size": 256}
    os.makedirs(out_dir, exist_ok=True)
    write_safetensors(os.path.join(out_dir, "model.safetensors"), w)
    config = {"d_model": D, "d_intermediate": 0, "n_layer": n_layer, "vocab_size": V, "ssm_cfg": ssm,
              "attn_layer_idx": [], "attn_cfg": {}, "rms_norm": True, "residual_in_fp32": True,
              "fused_add_norm": True, "pad_vocab_size_multiple": 8, "tie_embeddings": True}
    with open(os.path.join(out_dir, "config.json"), "w") as f:
        json.dump(config, f, indent=2)


def ids(path, length):
    random.seed(1)
    header = "{'descr': '<i8', 'fortran_order': False, 'shape': (1, %d), }" % length
    header += " " * ((64 - (10 + len(header) + 1) % 64) % 64) + "\n"
    with open(path, "wb") as f:
        f.write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode())
        f.write(array.array("q", [random.randint(7, 10) for _ in range(length)]).tobytes())


if __name__ == "__main__":
    if len(sys.argv) >= 4 and sys.argv[1] == "ids":
        ids(sys.argv[2], int(sys.argv[3]))
    elif len(sys.argv) >= 3 and sys.argv[1] in ("mamba", "mamba2"):
        checkpoint(sys.argv[2], sys.argv[1], *[int(a) for a in sys.argv[3:5]])
    else:
        sys.exit(__doc__)
