// .npy arrays (embeddings, index build input): header dict, dtype, shape, data size.
#include "fuzz/fuzz_input.h"
#include "kernels/io/npy.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace spindle;
  const std::string path = fuzz::write_input("input.npy", fuzz::as_text(data, size));
  fuzz::expect_clean_errors([&] {
    Tensor t = read_npy(path);
    // Touch the whole payload so a size the header overstates shows up under ASan.
    volatile uint8_t sink = 0;
    const auto* bytes = static_cast<const uint8_t*>(t.raw());
    for (size_t i = 0; i < t.nbytes(); ++i) sink ^= bytes[i];
  });
  return 0;
}
