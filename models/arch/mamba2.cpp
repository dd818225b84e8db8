// Mamba2 (SSD) language models: transformers Mamba2ForCausalLM and mamba_ssm with ssm_cfg.layer = Mamba2, MODELS.md 3.
// The runner is models/arch/mamba_stack.cpp; this file only claims the configs.
#include "models/arch/mamba_family.h"
#include "models/registry.h"

namespace spindle {

Architecture mamba2_architecture() { return mamba_family_architecture("mamba2"); }

}  // namespace spindle
