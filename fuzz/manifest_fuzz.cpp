// A vector-store manifest (index kind, dimension, metric, file list and checksums).
#include "fuzz/fuzz_input.h"
#include "index/manifest.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace spindle;
  const std::string path = fuzz::write_input("manifest.json", fuzz::as_text(data, size));
  fuzz::expect_clean_errors([&] { detail::read_manifest(path); });
  return 0;
}
