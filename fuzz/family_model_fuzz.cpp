// A saved MSA family model (`spindle score --save-model` output: magic, version, JSON header, arrays
// including the Potts fields and couplings).
#include "fuzz/fuzz_input.h"
#include "proteins/family_model.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace spindle;
  const std::string path = fuzz::write_input("family.model", fuzz::as_text(data, size));
  fuzz::expect_clean_errors([&] { load_family_model(path); });
  return 0;
}
