#include "models/registry.h"

#include <filesystem>

#include "base/error.h"
#include "kernels/backend.h"

namespace spindle {

// One line per architecture (defined in models/arch/<name>.cpp).
Architecture hyenadna_architecture();
Architecture mamba_architecture();
Architecture mamba2_architecture();
Architecture hybrid_architecture();
Architecture caduceus_architecture();
Architecture esm2_architecture();
Architecture msa_transformer_architecture();

const std::vector<Architecture>& architectures() {
  static const std::vector<Architecture> archs = {
      hyenadna_architecture(),
      mamba_architecture(),
      mamba2_architecture(),
      hybrid_architecture(),
      caduceus_architecture(),
      esm2_architecture(),
      msa_transformer_architecture(),
  };
  return archs;
}

static const std::vector<Architecture>& registry() { return architectures(); }

std::string detect_architecture(const Config& config) {
  for (const auto& a : registry())
    if (a.matches(config)) return a.name;
  return "";
}

std::unique_ptr<Model> load_model(const std::string& dir, const LoadOptions& options) {
  return load_model_with_report(dir, options).model;
}

LoadOptions load_options_for(const RunContext& context) {
  LoadOptions options;
  options.device = context.device;
  options.matrix_dtype = context.precision;
  options.device_auto = context.device_auto;
  return options;
}

Device placement_for(const std::string& dir, const Architecture& a, const LoadOptions& options) {
  Device device = options.device;
  if (options.device_auto) device = a.computes_on_cuda && cuda_available() ? Device::cuda : Device::cpu;
  if (device == Device::cuda && !a.computes_on_cuda) {
    throw Error(dir + ": the " + a.name + " architecture does not run on cuda yet (parts of its forward compute " +
                "outside the op catalogue); use --device cpu");
  }
  if (options.matrix_dtype != DType::f32 && !a.takes_bf16_weights)
    throw Error(dir + ": the " + a.name + " architecture takes f32 weights only, not " +
                dtype_name(options.matrix_dtype));
  return device;
}

LoadReport load_model_with_report(const std::string& dir, const LoadOptions& options) {
  if (!std::filesystem::exists(dir)) throw Error(dir + ": model directory not found");
  Config config = Config::load(dir);
  for (const auto& a : registry()) {
    if (!a.matches(config)) continue;
    const Device device = placement_for(dir, a, options);
    Checkpoint ckpt = Checkpoint::open(dir);
    ckpt.set_placement(device, options.matrix_dtype);
    LoadReport report;
    report.architecture = a.name;
    report.device = device;
    report.model = a.load(config, ckpt);
    for (const auto& [name, entry] : ckpt.entries()) {
      report.dtype_counts[entry.dtype]++;
      if (ckpt.used().count(name)) continue;
      // Buffers upstream code stores but recomputes (rotary inv_freq, position ids) and heads the
      // language model does not use (ESM contact regression) are expected to be left unread.
      const bool known = name.find("inv_freq") != std::string::npos || name.find("position_ids") != std::string::npos ||
                         name.find("contact_head") != std::string::npos;
      (known ? report.ignored_tensors : report.unused_tensors).push_back(name);
    }
    return report;
  }
  std::string known;
  for (const auto& a : registry()) known += (known.empty() ? "" : ", ") + a.name;
  throw Error(config.path() + ": unknown architecture (model_type '" + config.get_string("model_type", "?") +
              "'); spindle knows: " + known);
}

}  // namespace spindle
