"""float32 safetensors read/write with numpy only, shared by the PyTorch reference scripts in bench/.

Benchmark tooling: Debian has no python3-safetensors, and the references only ever handle the F32
checkpoints that spindle and these scripts write.
"""
import json, struct

import numpy as np
import torch


def read_safetensors(path):
    """Returns {name: float32 torch tensor}; any other dtype is an error."""
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    out = {}
    for name, e in header.items():
        if name == "__metadata__":
            continue
        assert e["dtype"] == "F32", f"{path}: {name} is {e['dtype']}, only F32 is supported"
        b, end = e["data_offsets"]
        out[name] = torch.from_numpy(np.frombuffer(data[b:end], dtype=np.float32).reshape(e["shape"]).copy())
    return out


def write_safetensors(path, tensors):
    """Writes {name: tensor} as F32, names sorted, header padded to 8 bytes like the reference library."""
    header, offset, blobs = {}, 0, []
    for name, t in sorted(tensors.items()):
        a = np.ascontiguousarray(t.detach().numpy().astype(np.float32))
        header[name] = {"dtype": "F32", "shape": list(a.shape), "data_offsets": [offset, offset + a.nbytes]}
        offset += a.nbytes
        blobs.append(a.tobytes())
    text = json.dumps(header).encode()
    text += b" " * ((8 - (8 + len(text)) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for b in blobs:
            f.write(b)
