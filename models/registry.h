// config.json -> architecture. Each architecture registers a detector and a loader.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>

#include "kernels/run_context.h"
#include "models/model.h"

namespace spindle {

struct Architecture {
  std::string name;
  // True when this config describes this architecture.
  std::function<bool(const Config&)> matches;
  // Builds the model from a config and an opened checkpoint (throws Error on missing/mis-shaped tensors).
  std::function<std::unique_ptr<Model>(const Config&, Checkpoint&)> load;
  // True when every step of its forward goes through the op catalogue, so it runs on CUDA.
  bool computes_on_cuda = false;
  // True when its GEMM weights may be stored in bf16 (LoadOptions::matrix_dtype).
  bool takes_bf16_weights = false;
};

// Every built-in architecture, in detection order. Each arch's .cpp defines a
// `Architecture <name>_architecture()` function listed in registry.cpp (explicit, so a static
// library cannot drop an architecture whose object file nothing else references).
const std::vector<Architecture>& architectures();

// Where a model computes and how its weights are stored.
struct LoadOptions {
  Device device = Device::cpu;      // weights are uploaded once; activations stay there
  DType matrix_dtype = DType::f32;  // bf16: GEMM weights in bf16, products accumulated in f32
  // Ignore `device`: CUDA when the architecture runs there and a GPU is visible, else the CPU.
  bool device_auto = false;
};
// The load options a run asks for (RunContext: --device, --precision).
LoadOptions load_options_for(const RunContext& context);
// The device a model of architecture `a` in `dir` will compute on under `options`, checked before
// any weight is read: Error naming the directory and the architecture when it cannot run there
// (CUDA asked for and not every step on the op catalogue) or cannot take the weight dtype.
Device placement_for(const std::string& dir, const Architecture& a, const LoadOptions& options);

// Loads config.json + weights from `dir`. Throws Error naming the directory when no architecture
// matches, or when the architecture cannot honour the options (e.g. it does not run on CUDA yet).
std::unique_ptr<Model> load_model(const std::string& dir, const LoadOptions& options = {});
// As load_model, and lists the stored tensors the architecture never read (for `model info`).
struct LoadReport {
  std::unique_ptr<Model> model;
  std::string architecture;
  Device device = Device::cpu;  // where it computes (the CPU when --device auto fell back)
  std::vector<std::string> unused_tensors;   // stored, never read, not a known buffer: unexpected
  std::vector<std::string> ignored_tensors;  // known buffers the runtime recomputes or the LM never uses
  std::map<std::string, int64_t> dtype_counts;  // stored dtype -> tensor count
};
LoadReport load_model_with_report(const std::string& dir, const LoadOptions& options = {});

// Which architecture name a config would load as ("" when none).
std::string detect_architecture(const Config& config);

}  // namespace spindle
