// config.json (Python's JSON dialect: NaN, Infinity) through architecture detection and the model
// loaders, next to a small valid HyenaDNA checkpoint: every size, flag and token id a loader reads
// from the config meets the fuzzer, and mismatches with the stored tensors must be clean errors.
#include <filesystem>

#include "fuzz/fuzz_input.h"
#include "models/random_checkpoint.h"
#include "models/registry.h"

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  spindle::write_random_hyenadna((spindle::fuzz::scratch_dir() / "model").string(),
                                 {.d_model = 8, .n_layer = 1, .max_seq_len = 34, .d_inner = 0, .seed = 1});
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace spindle;
  fuzz::write_input("model/config.json", fuzz::as_text(data, size));
  fuzz::expect_clean_errors([&] { load_model((fuzz::scratch_dir() / "model").string()); });
  return 0;
}
