// spindle model info | forward: inspect a checkpoint, run a forward pass on token ids (.npy).
#include <cstdio>
#include <memory>
#include <vector>

#include "cli/command.h"
#include "cli/report.h"
#include "kernels/backend.h"
#include "kernels/io/npy.h"
#include "models/random_checkpoint.h"
#include "models/random_esm.h"
#include "models/registry.h"

namespace spindle::cli {
namespace {

struct ModelOptions {
  std::string path;
  std::string ids_path, logits_path, hidden_path, layers_path;
  int threads = 0;
  int64_t layer = -1;
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

void run_forward(const ModelOptions& o) {
  if (o.logits_path.empty() && o.hidden_path.empty() && o.layers_path.empty())
    throw UsageError("model forward: give at least one of --logits, --hidden, --layers");
  {
    std::vector<std::string> paths;
    for (const std::string* p : {&o.logits_path, &o.hidden_path, &o.layers_path})
      if (!p->empty()) paths.push_back(*p);
    for (size_t i = 0; i < paths.size(); ++i)
      for (size_t j = i + 1; j < paths.size(); ++j)
        if (paths[i] == paths[j] && paths[i] != "-")
          throw UsageError("model forward: --logits, --hidden and --layers must be different files");
  }
  set_num_threads(o.threads);
  auto model = load_model(o.path);
  Tensor ids = read_npy(o.ids_path);
  if (ids.dtype() == DType::i32) ids = ids.to(DType::i64);
  if (ids.dtype() != DType::i64) throw Error(o.ids_path + ": token ids must be int64");
  ForwardRequest request;
  request.want_logits = !o.logits_path.empty();
  request.want_hidden = !o.hidden_path.empty();
  request.want_layer_outputs = !o.layers_path.empty();
  request.hidden_layer = o.layer;
  ForwardResult result = model->forward(ids, request);
  // All-or-nothing: write every requested array to its temporary, then rename them all.
  std::vector<std::unique_ptr<OutputFile>> files;
  auto write = [&](const std::string& path, const Tensor& t) {
    if (path.empty()) return;
    files.push_back(std::make_unique<OutputFile>(path));
    write_npy(*files.back(), t);
  };
  write(o.logits_path, result.logits);
  write(o.hidden_path, result.hidden);
  write(o.layers_path, result.layer_outputs);
  std::vector<OutputFile*> all;
  for (auto& f : files) all.push_back(f.get());
  commit_all(all);
  print_final_report();
}

void setup(CLI::App& app) {
  auto* model = app.add_subcommand("model", "Inspect checkpoints and run forward passes");
  model->require_subcommand(1);
  auto opts = std::make_shared<ModelOptions>();

  auto* info = model->add_subcommand("info", "Architecture, parameters, dtypes, context, vocabulary, tensor check");
  info->add_option("path", opts->path, "Model directory (config.json + safetensors)")->required();
  info->callback([opts] { run_info(*opts); });

  auto* forward = model->add_subcommand("forward", "Run a model on int64 token ids and write .npy outputs");
  forward->add_option("path", opts->path, "Model directory")->required();
  forward->add_option("--ids", opts->ids_path, "int64 .npy of shape [B, L] ([B, R, C] for MSA models)")->required();
  forward->add_option("--logits", opts->logits_path, "Write float32 logits [B, L, V_padded]");
  forward->add_option("--hidden", opts->hidden_path, "Write float32 hidden states after the final norm [B, L, D]");
  forward->add_option("--layers", opts->layers_path, "Write the residual stream after every block [n+1, B, L, D]");
  forward->add_option("--layer", opts->layer, "Hidden states after block K instead of the final norm (0 = embeddings)");
  forward->add_option("-t,--threads", opts->threads, "Threads (default: all cores)");
  forward->callback([opts] { run_forward(*opts); });

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
