// --device and --precision, shared by every command that runs a model (embed, model forward,
// score with a language model, align/index ref with a model encoder).
#pragma once

#include <CLI/CLI.hpp>

#include <memory>
#include <string>

#include "base/error.h"
#include "kernels/backend.h"
#include "kernels/run_context.h"

namespace spindle::cli {

struct DeviceArgs {
  std::string device = "auto", precision = "f32";
};

inline void add_device_options(CLI::App* cmd, const std::shared_ptr<DeviceArgs>& args) {
  cmd->add_option("--device", args->device,
                  "auto | cpu | cuda: where the model computes (auto: cuda when a GPU is visible and the "
                  "architecture runs there, else cpu)")
      ->capture_default_str();
  cmd->add_option("--precision", args->precision,
                  "f32 | bf16: dtype of the model's matrix weights (bf16: activations rounded, f32 "
                  "accumulation; ESM-2/ESM-1 and the MSA Transformer)")
      ->capture_default_str();
}

// Fills the device half of a RunContext. --device cuda without a usable GPU is an Error (exit 1);
// a misspelt value is a UsageError (exit 2). auto is left to each model's load (RunContext).
inline void apply_device_options(const DeviceArgs& args, RunContext& context) {
  context.device_auto = args.device == "auto";
  context.device = context.device_auto ? Device::cpu : resolve_device(args.device);
  if (args.precision == "f32") context.precision = DType::f32;
  else if (args.precision == "bf16") context.precision = DType::bf16;
  else throw UsageError("--precision must be f32 or bf16, not '" + args.precision + "'");
}

}  // namespace spindle::cli
