// The manifest.json of a reference index (`spindle index ref` output), beside the valid data files
// (2-bit reference, minimizer index, vectors) of a small index built once at start-up: formats,
// window layout, contigs, checksums and minimizer parameters all come from the fuzzed manifest.
// SPINDLE_FUZZ_WRITE_SEED=FILE copies the valid manifest to FILE (fuzz/make_seeds.sh uses it).
#include <cstdlib>
#include <filesystem>

#include "fuzz/fuzz_input.h"
#include "genomics/encoder.h"
#include "genomics/reference.h"
#include "genomics/ref_index.h"

namespace {

// 6 kb of deterministic pseudo-random DNA in two contigs (a linear congruential generator, so
// every build of the target indexes the same bytes and the seed's checksums stay valid).
std::string reference_fasta() {
  std::string fasta;
  uint64_t state = 12345;
  for (int contig = 0; contig < 2; ++contig) {
    fasta += ">contig" + std::to_string(contig + 1) + "\n";
    for (int i = 0; i < 3000; ++i) {
      state = state * 6364136223846793005ull + 1442695040888963407ull;
      fasta += "ACGT"[(state >> 33) & 3];
      if (i % 60 == 59) fasta += '\n';
    }
    fasta += '\n';
  }
  return fasta;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  using namespace spindle;
  const std::string fasta = fuzz::write_input("ref.fa", reference_fasta());
  const std::string dir = (fuzz::scratch_dir() / "ref.idx").string();
  RefIndex::build(fasta, KmerSketchEncoder(), RefIndexOptions{}, dir);
  if (const char* seed = std::getenv("SPINDLE_FUZZ_WRITE_SEED"))
    std::filesystem::copy_file(dir + "/manifest.json", seed, std::filesystem::copy_options::overwrite_existing);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace spindle;
  fuzz::write_input("ref.idx/manifest.json", fuzz::as_text(data, size));
  fuzz::expect_clean_errors([&] { RefIndex::open((fuzz::scratch_dir() / "ref.idx").string()); });
  return 0;
}
