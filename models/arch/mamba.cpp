// Mamba (v1) language models: transformers MambaForCausalLM (`backbone.embeddings.`) and mamba_ssm MambaLMHeadModel (`backbone.embedding.`), MODELS.md 2.
// The runner is models/arch/mamba_stack.cpp; this file only claims the configs.
#include "models/arch/mamba_family.h"
#include "models/registry.h"

namespace spindle {

Architecture mamba_architecture() { return mamba_family_architecture("mamba"); }

}  // namespace spindle
