// The protein alphabet shared by the MSA models: state 0 is the gap, states 1..20 the amino acids
// in plmc/EVcouplings order "-ACDEFGHIKLMNPQRSTVWY", so saved models read like theirs.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace spindle {

inline constexpr int kStates = 21;       // q: gap + 20 amino acids
inline constexpr char kAlphabet[] = "-ACDEFGHIKLMNPQRSTVWY";
inline constexpr uint8_t kGapState = 0;
inline constexpr uint8_t kInvalidState = 255;

// State of a one-letter code (either case); '-' and '.' give the gap; anything else kInvalidState.
uint8_t state_of(char residue);
// True for the 20 standard one-letter amino-acid codes (either case).
bool is_amino_acid(char residue);
// One-letter code of a three-letter code ("Ala" -> 'A', case-insensitive); 0 when unknown.
// "Ter" gives '*'.
char one_letter_of(std::string_view three_letter);

}  // namespace spindle
