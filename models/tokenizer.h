// Tokenizers: the DNA character tokenizer with HyenaDNA ids (MODELS.md 1.2) and the protein
// alphabets of ESM (section 5) and Tranception (section 7). Plain sequence helpers
// (reverse_complement) are in models/sequence.h.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace spindle {

// HyenaDNA / Caduceus character ids.
namespace dna_tokens {
constexpr int64_t kCls = 0, kSep = 1, kBos = 2, kMask = 3, kPad = 4, kReserved = 5, kUnk = 6;
constexpr int64_t kA = 7, kC = 8, kG = 9, kT = 10, kN = 11;
}  // namespace dna_tokens

struct DnaTokens {
  std::vector<int64_t> ids;
  int64_t unknown_count = 0;  // characters outside ACGTN (mapped to [UNK]); callers must report them
};

// Upper-cases, maps A/C/G/T/N to 7..11 and anything else to [UNK]=6. `append_sep` adds [SEP] as the
// HF tokenizer does.
DnaTokens tokenize_dna(std::string_view sequence, bool append_sep = false);

// ESM alphabet (33 tokens): <cls>=0 <pad>=1 <eos>=2 <unk>=3, residues from 4, <mask>=32.
namespace esm_tokens {
constexpr int64_t kCls = 0, kPad = 1, kEos = 2, kUnk = 3, kMask = 32;
}
// Token id of one residue character in the ESM alphabet (kUnk when not in it).
int64_t esm_token(char residue);
// <cls> + residues + <eos>.
std::vector<int64_t> tokenize_esm(std::string_view protein);
// The ids of a protein's residues alone (no <cls>/<eos>), case-insensitive. Throws Error naming the
// first character (and its 1-based position) that is not one of the 25 residue letters of the ESM
// alphabet (LAGVSERTIDPKQNFYMHWCXBUZO): gaps ('-', '.'), '*' and anything else are refused.
std::vector<int64_t> esm_residue_ids(std::string_view protein);

// Tranception alphabet: [UNK]0 [CLS]1 [SEP]2 [PAD]3 [MASK]4, then the 20 amino acids A..Y from 5.
int64_t tranception_token(char residue);

}  // namespace spindle
