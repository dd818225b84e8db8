#!/usr/bin/env python3
"""Convert PyTorch protein-LM checkpoints to what spindle loads: model.safetensors + config.json.

Needs torch (and numpy); spindle itself never runs this. Inputs:
  * fair-esm ESM-2 `.pt` (esm2_t*_UR50D.pt)           -> HF EsmForMaskedLM names, rotary config
  * fair-esm ESM-1b / ESM-1v `.pt` (roberta_large arch) -> HF names, absolute positions
  * fair-esm MSA Transformer `.pt` (esm_msa1*_t12_*.pt) -> the clean names of the golden README
    (fair-esm's own rule: swap "row"/"column" in the raw name, then strip up to
    "sentence_encoder." and "encoder.")
  * Hugging Face `pytorch_model.bin` (+ its config.json in the same folder) -> same names in safetensors

  convert_checkpoint.py INPUT OUT_DIR [--contact-regression FILE.pt]

Tied weights (lm_head.weight / lm_head.decoder.weight) are dropped: spindle resolves them to the
token embedding. Buffers spindle recomputes (inv_freq, position_ids) are dropped too.
"""
import argparse, json, os, re, shutil, struct, sys

import numpy as np
import torch


def write_safetensors(path, tensors):
    header, offset, blobs = {"__metadata__": {"format": "pt"}}, 0, []
    for name in sorted(tensors):
        a = np.ascontiguousarray(tensors[name].detach().float().cpu().numpy())
        header[name] = {"dtype": "F32", "shape": list(a.shape), "data_offsets": [offset, offset + a.nbytes]}
        offset += a.nbytes
        blobs.append(a.tobytes())
    text = json.dumps(header).encode()
    text += b" " * ((8 - (8 + len(text)) % 8) % 8)  # keep tensors 8-byte aligned
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for b in blobs:
            f.write(b)
    os.replace(tmp, path)


def write_config(out_dir, config):
    with open(os.path.join(out_dir, "config.json"), "w") as f:
        json.dump(config, f, indent=2)


def strip_prefixes(state):
    out = {}
    for k, v in state.items():
        k = re.sub(r"^encoder\.sentence_encoder\.", "", k)
        k = re.sub(r"^encoder\.", "", k)
        out[k] = v
    return out


def args_dict(data):
    if "cfg" in data and data["cfg"] is not None:  # ESM-2 (hydra config)
        return dict(data["cfg"]["model"])
    a = data.get("args")
    return vars(a) if a is not None and not isinstance(a, dict) else dict(a or {})


ESM_LAYER_RENAMES = [
    (r"self_attn\.q_proj\.", "attention.self.query."),
    (r"self_attn\.k_proj\.", "attention.self.key."),
    (r"self_attn\.v_proj\.", "attention.self.value."),
    (r"self_attn\.out_proj\.", "attention.output.dense."),
    (r"self_attn_layer_norm\.", "attention.LayerNorm."),
    (r"fc1\.", "intermediate.dense."),
    (r"fc2\.", "output.dense."),
    (r"final_layer_norm\.", "LayerNorm."),
]


def convert_esm(data, out_dir):
    args = args_dict(data)
    state = strip_prefixes(data["model"])
    esm2 = "encoder_layers" in args or any("rot_emb" in k for k in state)
    out = {}
    for k, v in state.items():
        if k.endswith("inv_freq") or k in ("lm_head.weight",) or k.startswith("contact_head"):
            if k.startswith("contact_head"):
                out["esm." + k] = v
            continue
        m = re.match(r"layers\.(\d+)\.(.*)", k)
        if m:
            rest = m.group(2)
            for pat, rep in ESM_LAYER_RENAMES:
                rest = re.sub("^" + pat, rep, rest)
            out[f"esm.encoder.layer.{m.group(1)}.{rest}"] = v
        elif k.startswith("embed_tokens."):
            out["esm.embeddings.word_embeddings." + k[len("embed_tokens."):]] = v
        elif k.startswith("embed_positions."):
            out["esm.embeddings.position_embeddings." + k[len("embed_positions."):]] = v
        elif k.startswith("emb_layer_norm_before."):
            out["esm.embeddings.layer_norm." + k[len("emb_layer_norm_before."):]] = v
        elif k.startswith("emb_layer_norm_after."):
            out["esm.encoder.emb_layer_norm_after." + k[len("emb_layer_norm_after."):]] = v
        elif k.startswith("lm_head."):
            out[k] = v
        else:
            print(f"convert: skipping unknown key {k}", file=sys.stderr)
    D = out["esm.embeddings.word_embeddings.weight"].shape[1]
    n_layers = 1 + max(int(re.match(r"esm\.encoder\.layer\.(\d+)", k).group(1)) for k in out if k.startswith("esm.encoder.layer."))
    ffn = out["esm.encoder.layer.0.intermediate.dense.weight"].shape[0]
    heads = args.get("encoder_attention_heads", args.get("attention_heads"))
    config = {"architectures": ["EsmForMaskedLM"], "model_type": "esm", "vocab_size": 33, "mask_token_id": 32,
              "pad_token_id": 1, "layer_norm_eps": 1e-5, "hidden_act": "gelu", "hidden_size": D,
              "num_hidden_layers": n_layers, "num_attention_heads": heads, "intermediate_size": ffn,
              "token_dropout": bool(args.get("token_dropout", True))}
    if esm2:
        config.update(position_embedding_type="rotary", max_position_embeddings=1026, emb_layer_norm_before=False)
    else:
        config.update(position_embedding_type="absolute",
                      max_position_embeddings=out["esm.embeddings.position_embeddings.weight"].shape[0],
                      emb_layer_norm_before="esm.embeddings.layer_norm.weight" in out)
    write_safetensors(os.path.join(out_dir, "model.safetensors"), out)
    write_config(out_dir, config)


def clean_msa_name(name):
    name = name.replace("row", "column", 1) if "row" in name else name.replace("column", "row", 1)
    for cut in ("sentence_encoder.", "encoder."):
        at = name.find(cut)
        if at >= 0:
            name = name[at + len(cut):]
    return name


def convert_msa(data, out_dir, contact):
    args = args_dict(data)
    state = dict(data["model"])
    if contact is not None:  # merged before the rename, as fair-esm does
        state.update(contact["model"])
    out = {}
    for k, v in state.items():
        c = clean_msa_name(k)
        if c == "lm_head.weight":
            continue
        out[c] = v
    D = out["embed_tokens.weight"].shape[1]
    config = {"architectures": ["MSATransformer"], "model_type": "msa_transformer", "vocab_size": 33,
              "embed_positions_msa": "msa_position_embedding" in out, "max_msa_rows": 1024,
              "layer_norm_eps": 1e-5, "pad_token_id": 1, "mask_token_id": 32, "cls_token_id": 0,
              "eos_token_id": 2, "prepend_bos": True, "append_eos": False,
              "max_tokens_per_msa": int(args.get("max_tokens_per_msa", 2 ** 14)), "tie_word_embeddings": True,
              "hidden_act": "gelu", "hidden_size": D, "num_hidden_layers": int(args["layers"]),
              "num_attention_heads": int(args["attention_heads"]), "intermediate_size": int(args["ffn_embed_dim"]),
              "max_position_embeddings": int(args["max_positions"])}
    if "msa_position_embedding" in out:
        config["embed_positions_msa_dim"] = int(out["msa_position_embedding"].shape[-1])
    write_safetensors(os.path.join(out_dir, "model.safetensors"), out)
    write_config(out_dir, config)


def convert_hf_bin(path, out_dir):
    state = torch.load(path, map_location="cpu")
    out = {k: v for k, v in state.items() if not k.endswith(("position_ids", "inv_freq"))}
    out.pop("lm_head.decoder.weight", None)
    write_safetensors(os.path.join(out_dir, "model.safetensors"), out)
    config = os.path.join(os.path.dirname(os.path.abspath(path)), "config.json")
    if os.path.exists(config):
        shutil.copy(config, os.path.join(out_dir, "config.json"))
    else:
        print("convert: no config.json beside the .bin; copy the model's config.json into OUT_DIR", file=sys.stderr)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("input")
    ap.add_argument("out_dir")
    ap.add_argument("--contact-regression", help="fair-esm *-contact-regression.pt to merge (optional)")
    a = ap.parse_args()
    os.makedirs(a.out_dir, exist_ok=True)
    if a.input.endswith(".bin"):
        convert_hf_bin(a.input, a.out_dir)
        return
    data = torch.load(a.input, map_location="cpu")
    contact = torch.load(a.contact_regression, map_location="cpu") if a.contact_regression else None
    args = args_dict(data)
    if any("column_self_attention" in k for k in data["model"]) or "msa" in str(args.get("arch", "")):
        convert_msa(data, a.out_dir, contact)
    else:
        if contact is not None:
            data["model"].update({"encoder." + k if not k.startswith("encoder.") else k: v
                                  for k, v in contact["model"].items()})
        convert_esm(data, a.out_dir)
    print(f"convert: wrote {a.out_dir}/model.safetensors and config.json", file=sys.stderr)


if __name__ == "__main__":
    main()
