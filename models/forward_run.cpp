#include "models/forward_run.h"

#include <memory>
#include <vector>

#include "base/error.h"
#include "base/output_file.h"
#include "kernels/io/npy.h"
#include "models/registry.h"

namespace spindle {

void run_model_forward(const ForwardRunOptions& o) {
  ThreadScope threads(o.context);
  auto model = load_model(o.model_dir, load_options_for(o.context));
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
}

}  // namespace spindle
