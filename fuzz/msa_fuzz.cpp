// Family alignments: a2m, a3m, aligned FASTA and Stockholm (told apart by content), turned into the
// focus alignment every MSA model fits on.
#include "fuzz/fuzz_input.h"
#include "proteins/msa.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace spindle;
  const std::string path = fuzz::write_input("family.a2m", fuzz::as_text(data, size));
  fuzz::expect_clean_errors([&] { read_focus_alignment(path); });
  return 0;
}
