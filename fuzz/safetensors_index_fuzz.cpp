// A sharded checkpoint's model.safetensors.index.json (weight_map: tensor name -> shard file),
// next to one valid shard, as Hugging Face writes large models.
#include <filesystem>

#include "fuzz/fuzz_input.h"
#include "models/checkpoint.h"
#include "models/safetensors_writer.h"

namespace {

// The shard the fuzzed index may point at: two small f32 tensors.
void write_valid_shard() {
  using namespace spindle;
  std::filesystem::create_directories(fuzz::scratch_dir() / "sharded");
  write_safetensors((fuzz::scratch_dir() / "sharded" / "model-00001-of-00001.safetensors").string(),
                    {{"a.weight", Tensor::from_vector({1, 2, 3, 4, 5, 6}, {2, 3})},
                     {"b.bias", Tensor::from_vector({7, 8}, {2})}});
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  write_valid_shard();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace spindle;
  fuzz::write_input("sharded/model.safetensors.index.json", fuzz::as_text(data, size));
  fuzz::expect_clean_errors([&] {
    Checkpoint ckpt = Checkpoint::open((fuzz::scratch_dir() / "sharded").string());
    for (const std::string& name : ckpt.names()) ckpt.get(name);
  });
  return 0;
}
