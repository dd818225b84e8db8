#include "genomics/index_ref_run.h"

#include <memory>

#include "base/error.h"
#include "genomics/model_encoder.h"

namespace spindle {

IndexRefRunStats run_index_ref(const IndexRefRunOptions& o, ProgressFn progress) {
  ThreadScope threads(o.context);
  if (o.read_length < 16) throw UsageError("--read-length must be at least 16");
  RefIndex::check_output(o.output);  // refuse a user's directory before any work
  IndexRefRunStats stats;
  RefIndexOptions& options = stats.layout;
  options.window_bp = o.window_bp > 0 ? o.window_bp : 2 * o.read_length;
  options.stride_bp = o.stride_bp > 0 ? o.stride_bp : options.window_bp - o.read_length;
  options.factory = o.factory;
  options.minimizers = o.minimizers;
  std::unique_ptr<Encoder> encoder;
  if (o.model_dir.empty())
    encoder = std::make_unique<KmerSketchEncoder>(o.kmer, o.dim);
  else
    encoder = std::make_unique<ModelEncoder>(o.model_dir, load_options_for(o.context));
  stats.summary = RefIndex::build(o.reference, *encoder, options, o.output, progress);
  stats.encoder = encoder->description();
  return stats;
}

}  // namespace spindle
