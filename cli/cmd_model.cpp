// spindle model info | forward | init-random: inspect a checkpoint, run a forward pass on token ids
// (.npy; the run is models/forward_run.h), write a random-weight checkpoint.
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "base/error.h"
#include "cli/command.h"
#include "cli/device_options.h"
#include "cli/report.h"
#include "models/forward_run.h"
#include "models/random_checkpoint.h"
#include "models/random_esm.h"
#include "models/registry.h"

namespace spindle::cli {
namespace {

struct ModelOptions {
  std::string path;
  std::string arch = "hyenadna";
  RandomHyenaSpec random;
  int64_t heads = 0;  // esm2: 0 = d_model / 16 (head size 16, as esm2_t6_8M)
};

void run_info(const ModelOptions& o) {
  LoadReport report = load_model_with_report(o.path);
  const ModelInfo& info = report.model->info();
  std::printf("path\t%s\n", o.path.c_str());
  std::printf("architecture\t%s\n", info.architecture.c_str());
  std::printf("parameters\t%lld\n", static_cast<long long>(report.model->parameter_count()));
  std::string dtypes;
  for (auto& [dtype, count] : report.dtype_counts) dtypes += (dtypes.empty() ? "" : ", ") + dtype + " x" + std::to_string(count);
  std::printf("dtypes\t%s\n", dtypes.c_str());
  std::printf("d_model\t%lld\n", static_cast<long long>(info.d_model));
  std::printf("layers\t%lld\n", static_cast<long long>(info.n_layer));
  std::printf("vocab\t%lld (padded %lld)\n", static_cast<long long>(info.vocab_size),
              static_cast<long long>(info.vocab_size_padded));
  if (info.max_seq_len > 0) std::printf("context\t%lld\n", static_cast<long long>(info.max_seq_len));
  else std::printf("context\tunbounded (recurrent)\n");
  std::printf("causal\t%s\n", info.causal ? "yes" : "no (bidirectional)");
  std::printf("missing_tensors\tnone\n");  // a missing tensor fails the load with its name
  std::printf("ignored_tensors\t%zu\n", report.ignored_tensors.size());
  for (auto& name : report.ignored_tensors) std::printf("ignored\t%s\n", name.c_str());
  std::printf("unexpected_tensors\t%zu\n", report.unused_tensors.size());
  for (auto& name : report.unused_tensors) std::printf("unexpected\t%s\n", name.c_str());
}

// The outputs must be wanted and distinct before the model is loaded.
void check_forward_outputs(const ForwardRunOptions& o) {
  if (o.logits_path.empty() && o.hidden_path.empty() && o.layers_path.empty())
    throw UsageError("model forward: give at least one of --logits, --hidden, --layers");
  std::vector<std::string> paths;
  for (const std::string* p : {&o.logits_path, &o.hidden_path, &o.layers_path})
    if (!p->empty()) paths.push_back(*p);
  for (size_t i = 0; i < paths.size(); ++i)
    for (size_t j = i + 1; j < paths.size(); ++j)
      if (paths[i] == paths[j] && paths[i] != "-")
        throw UsageError("model forward: --logits, --hidden and --layers must be different files");
}

void setup(CLI::App& app) {
  auto* model = app.add_subcommand("model", "Inspect checkpoints and run forward passes");
  model->require_subcommand(1);
  auto opts = std::make_shared<ModelOptions>();

  auto* info = model->add_subcommand("info", "Architecture, parameters, dtypes, context, vocabulary, tensor check");
  info->add_option("path", opts->path, "Model directory (config.json + safetensors)")->required();
  info->callback([opts] { run_info(*opts); });

  auto fwd = std::make_shared<ForwardRunOptions>();
  auto* forward = model->add_subcommand("forward", "Run a model on int64 token ids and write .npy outputs");
  forward->add_option("path", fwd->model_dir, "Model directory")->required();
  forward->add_option("--ids", fwd->ids_path, "int64 .npy of shape [B, L] ([B, R, C] for MSA models)")->required();
  forward->add_option("--logits", fwd->logits_path, "Write float32 logits [B, L, V_padded]");
  forward->add_option("--hidden", fwd->hidden_path, "Write float32 hidden states after the final norm [B, L, D]");
  forward->add_option("--layers", fwd->layers_path, "Write the residual stream after every block [n+1, B, L, D]");
  forward->add_option("--layer", fwd->layer, "Hidden states after block K instead of the final norm (0 = embeddings)");
  forward->add_option("-t,--threads", fwd->context.threads, "Threads (default: all cores)");
  auto device = std::make_shared<DeviceArgs>();
  add_device_options(forward, device);
  forward->callback([fwd, device] {
    apply_device_options(*device, fwd->context);
    check_forward_outputs(*fwd);
    run_model_forward(*fwd);
    print_final_report();
  });

  auto* init = model->add_subcommand("init-random",
                                     "Write a random-weight checkpoint in the Hugging Face layout (tests, demos, benchmarks)");
  init->add_option("--arch", opts->arch, "Architecture: hyenadna | esm2 (FFN 4 x d-model; --max-seq-len is "
                                          "max_position_embeddings)")
      ->capture_default_str();
  init->add_option("--d-model", opts->random.d_model)->capture_default_str();
  init->add_option("--n-layer", opts->random.n_layer)->capture_default_str();
  init->add_option("--max-seq-len", opts->random.max_seq_len)->capture_default_str();
  init->add_option("--heads", opts->heads, "esm2: attention heads (default d-model / 16)");
  init->add_option("--seed", opts->random.seed)->capture_default_str();
  init->add_option("-o,--output", opts->path, "Output directory")->required();
  init->callback([opts] {
    const RandomHyenaSpec& r = opts->random;
    if (opts->arch == "esm2") {
      if (opts->heads == 0 && r.d_model % 16 != 0)
        throw UsageError("init-random: --arch esm2 needs --d-model a multiple of 16 (head size 16) or --heads");
      const int64_t heads = opts->heads > 0 ? opts->heads : r.d_model / 16;
      if (heads <= 0 || r.d_model % heads != 0 || (r.d_model / heads) % 2 != 0)
        throw UsageError("init-random: --arch esm2 needs --d-model a multiple of --heads with an even head size");
      write_random_esm2(opts->path, {.hidden = r.d_model, .layers = r.n_layer, .heads = heads, .ffn = 4 * r.d_model,
                                     .max_positions = r.max_seq_len, .seed = r.seed});
      return;
    }
    if (opts->arch != "hyenadna") throw UsageError("init-random: --arch must be hyenadna or esm2");
    if (opts->heads != 0) throw UsageError("init-random: --heads is for --arch esm2");
    write_random_hyenadna(opts->path, r);
  });
}

SPINDLE_COMMAND(50, setup);

}  // namespace
}  // namespace spindle::cli
