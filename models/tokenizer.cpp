#include "models/tokenizer.h"

#include <array>
#include <cctype>

namespace spindle {

DnaTokens tokenize_dna(std::string_view sequence, bool append_sep) {
  static const std::array<int8_t, 256> table = [] {
    std::array<int8_t, 256> t{};
    t.fill(static_cast<int8_t>(dna_tokens::kUnk));
    const char* bases = "ACGTN";
    for (int i = 0; i < 5; ++i) {
      t[static_cast<unsigned char>(bases[i])] = static_cast<int8_t>(dna_tokens::kA + i);
      t[static_cast<unsigned char>(std::tolower(bases[i]))] = static_cast<int8_t>(dna_tokens::kA + i);
    }
    return t;
  }();
  DnaTokens out;
  out.ids.reserve(sequence.size() + (append_sep ? 1 : 0));
  for (char c : sequence) {
    int64_t id = table[static_cast<unsigned char>(c)];
    out.unknown_count += id == dna_tokens::kUnk;
    out.ids.push_back(id);
  }
  if (append_sep) out.ids.push_back(dna_tokens::kSep);
  return out;
}

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

int64_t esm_token(char residue) {
  static const std::string residues = "LAGVSERTIDPKQNFYMHWCXBUZO.-";
  size_t pos = residues.find(static_cast<char>(std::toupper(static_cast<unsigned char>(residue))));
  return pos == std::string::npos ? esm_tokens::kUnk : static_cast<int64_t>(4 + pos);
}

std::vector<int64_t> tokenize_esm(std::string_view protein) {
  std::vector<int64_t> ids;
  ids.reserve(protein.size() + 2);
  ids.push_back(esm_tokens::kCls);
  for (char c : protein) ids.push_back(esm_token(c));
  ids.push_back(esm_tokens::kEos);
  return ids;
}

int64_t tranception_token(char residue) {
  static const std::string amino_acids = "ACDEFGHIKLMNPQRSTVWY";
  size_t pos = amino_acids.find(static_cast<char>(std::toupper(static_cast<unsigned char>(residue))));
  return pos == std::string::npos ? 0 : static_cast<int64_t>(5 + pos);
}

}  // namespace spindle
