#include "models/sequence.h"

namespace spindle {

std::string reverse_complement(std::string_view sequence) {
  std::string out(sequence.size(), 'N');
  for (size_t i = 0; i < sequence.size(); ++i) {
    char c = sequence[sequence.size() - 1 - i];
    char r;
    switch (c) {
      case 'A': r = 'T'; break;
      case 'C': r = 'G'; break;
      case 'G': r = 'C'; break;
      case 'T': r = 'A'; break;
      case 'a': r = 't'; break;
      case 'c': r = 'g'; break;
      case 'g': r = 'c'; break;
      case 't': r = 'a'; break;
      case 'n': r = 'n'; break;
      default: r = 'N';
    }
    out[i] = r;
  }
  return out;
}

}  // namespace spindle
