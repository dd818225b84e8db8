#include "models/tokenizer.h"

#include <array>
#include <cctype>
#include <cstdio>

#include "base/error.h"

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

namespace {
// ESM ids 4..30: the 25 residue letters, then the gap characters '.' and '-'.
constexpr std::string_view kEsmSymbols = "LAGVSERTIDPKQNFYMHWCXBUZO.-";
constexpr size_t kEsmResidueLetters = 25;
}  // namespace

int64_t esm_token(char residue) {
  size_t pos = kEsmSymbols.find(static_cast<char>(std::toupper(static_cast<unsigned char>(residue))));
  return pos == std::string_view::npos ? esm_tokens::kUnk : static_cast<int64_t>(4 + pos);
}

std::vector<int64_t> esm_residue_ids(std::string_view protein) {
  std::vector<int64_t> ids(protein.size());
  for (size_t i = 0; i < protein.size(); ++i) {
    const int64_t id = esm_token(protein[i]);
    if (id == esm_tokens::kUnk || id >= static_cast<int64_t>(4 + kEsmResidueLetters)) {
      const unsigned char c = static_cast<unsigned char>(protein[i]);
      char shown[16];
      std::snprintf(shown, sizeof shown, std::isprint(c) ? "'%c'" : "byte 0x%02x", c);
      throw Error(std::string("residue ") + shown + " at position " + std::to_string(i + 1) +
                  " is not in the ESM alphabet (" + std::string(kEsmSymbols.substr(0, kEsmResidueLetters)) +
                  "; gaps and '*' are not residues)");
    }
    ids[i] = id;
  }
  return ids;
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
