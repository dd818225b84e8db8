// FASTA/FASTQ records through htslib (plain, gzip, BGZF), under each base policy. The first byte
// picks the policy, the rest is the file.
#include "fuzz/fuzz_input.h"
#include "genomics/fastx_reader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace spindle;
  if (size == 0) return 0;
  const BasePolicy policies[] = {BasePolicy::strict_acgtn, BasePolicy::iupac_to_n, BasePolicy::as_is};
  const BasePolicy policy = policies[data[0] % 3];
  const std::string path = fuzz::write_input("reads.fq", fuzz::as_text(data + 1, size - 1));
  fuzz::expect_clean_errors([&] {
    FastxReader reader(path, policy);
    SeqRecord rec;
    while (reader.next(rec)) {
    }
  });
  return 0;
}
