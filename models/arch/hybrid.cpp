// Hybrid stacks (MODELS.md 4): mamba_ssm configs with attn_layer_idx, or an explicit per-layer `layer_types` list (mamba | mamba2 | attention), e.g. a HybriDNA-style Mamba2 + GQA stack.
// The runner is models/arch/mamba_stack.cpp; this file only claims the configs.
#include "models/arch/mamba_family.h"
#include "models/registry.h"

namespace spindle {

Architecture hybrid_architecture() { return mamba_family_architecture("hybrid"); }

}  // namespace spindle
