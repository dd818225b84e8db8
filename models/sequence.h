// Plain DNA-sequence helpers shared by every layer that handles bases (genomics' readers, aligners
// and writers; the embedder's reverse-complement averaging). Tokenizers live in models/tokenizer.h:
// this header is for code that needs the bases, not the model vocabulary.
#pragma once

#include <string>
#include <string_view>

namespace spindle {

// Reverse complement of a DNA string (A<->T, C<->G, case kept; other characters become N).
std::string reverse_complement(std::string_view sequence);

}  // namespace spindle
