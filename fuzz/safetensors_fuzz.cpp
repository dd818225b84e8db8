// One safetensors file: 8-byte header length, JSON header (dtypes, shapes, offsets), payload.
// Every tensor the header lists is read as f32, as the model loaders do.
#include "fuzz/fuzz_input.h"
#include "models/checkpoint.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace spindle;
  const std::string path = fuzz::write_input("model.safetensors", fuzz::as_text(data, size));
  fuzz::expect_clean_errors([&] {
    Checkpoint ckpt = Checkpoint::open(path);
    for (const std::string& name : ckpt.names()) {
      try {
        Tensor t = ckpt.get(name);
        volatile float sink = 0;
        for (int64_t i = 0; i < t.numel(); ++i) sink = sink + t.data<float>()[i];
      } catch (const Error&) {  // a non-float dtype is refused per tensor; keep reading the others
      }
    }
  });
  return 0;
}
