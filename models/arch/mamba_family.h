// Which loader reads a Mamba-family config.json: transformers (`model_type` mamba / mamba2) or a
// mamba_ssm MambaConfig (no model_type; d_model, n_layer, ssm_cfg). Shared by the mamba, mamba2
// and hybrid architecture entries, which differ only in the layer kinds they accept.
#pragma once

#include "models/arch/mamba_stack.h"
#include "models/registry.h"

namespace spindle {

// The stack config, or nullopt-like empty architecture ("") when `c` is not a Mamba-family config.
inline MambaStackConfig detect_mamba_family(const Config& c) {
  const std::string type = c.get_string("model_type", "");
  try {
    if (type == "mamba" || type == "mamba2") return read_hf_mamba_config(c);
    const bool native = (type.empty() || type == "mamba_ssm") && c.has("d_model") && c.has("n_layer") &&
                        (c.has("ssm_cfg") || c.has("layer_types")) && !c.has("layer");
    if (native) return read_mamba_ssm_config(c);
  } catch (const Error&) {
    // A malformed config of this family: claim it so load() reports the problem.
    MambaStackConfig bad;
    bad.architecture = type == "mamba2" ? "mamba2" : "mamba";
    return bad;
  }
  return {};
}

inline std::unique_ptr<Model> load_mamba_family(const Config& c, Checkpoint& ckpt) {
  const std::string type = c.get_string("model_type", "");
  MambaStackConfig s = (type == "mamba" || type == "mamba2") ? read_hf_mamba_config(c) : read_mamba_ssm_config(c);
  return make_mamba_stack(s, ckpt);
}

// The registry entry of one member (`name`: "mamba", "mamba2" or "hybrid"). Every step of the
// stack's forward is an op of the catalogue, so it runs on CUDA too.
inline Architecture mamba_family_architecture(const std::string& name) {
  Architecture a{name, [name](const Config& c) { return detect_mamba_family(c).architecture == name; },
                 load_mamba_family};
  a.computes_on_cuda = true;
  return a;
}

}  // namespace spindle
