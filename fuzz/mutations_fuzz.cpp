// Mutations against a wild type: the first byte picks an inline list ("A23V,G45L:K50R") or a
// mutations table (CSV/TSV with a `mutant` column, ProteinGym style); the rest is the text.
// Parsed, then checked against the wild type (position range, wild-type residue).
#include "fuzz/fuzz_input.h"
#include "proteins/variant_set.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace spindle;
  if (size == 0) return 0;
  // Numbered from 20 so positions before the first residue are reachable.
  static const WildType wild_type{.name = "wt", .sequence = "MKVLAAGIVGLLLAQSPAWAHPETLVKVKDAEDQLG", .first_position = 20};
  const bool as_table = data[0] & 1;
  const std::string_view text = fuzz::as_text(data + 1, size - 1);
  fuzz::expect_clean_errors([&] {
    if (as_table) {
      load_variants(fuzz::write_input("mutations.csv", text), "mutant", wild_type);
    } else {
      // An inline list is taken as such only when no file of that name exists.
      const std::string list(text);
      if (list.empty() || list.find('\0') != std::string::npos || list.find('/') != std::string::npos) return;
      load_variants(list, "mutant", wild_type);
    }
  });
  return 0;
}
