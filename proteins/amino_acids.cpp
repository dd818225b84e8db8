#include "proteins/amino_acids.h"

#include <array>
#include <cctype>

namespace spindle {

namespace {
std::array<uint8_t, 256> make_state_table() {
  std::array<uint8_t, 256> table;
  table.fill(kInvalidState);
  table['-'] = table['.'] = kGapState;
  for (int s = 1; s < kStates; ++s) {
    table[static_cast<unsigned char>(kAlphabet[s])] = static_cast<uint8_t>(s);
    table[static_cast<unsigned char>(std::tolower(kAlphabet[s]))] = static_cast<uint8_t>(s);
  }
  return table;
}
const std::array<uint8_t, 256> kStateTable = make_state_table();
}  // namespace

uint8_t state_of(char residue) { return kStateTable[static_cast<unsigned char>(residue)]; }

bool is_amino_acid(char residue) {
  uint8_t s = state_of(residue);
  return s != kInvalidState && s != kGapState;
}

char one_letter_of(std::string_view code) {
  static constexpr struct { const char* three; char one; } kCodes[] = {
      {"ALA", 'A'}, {"ARG", 'R'}, {"ASN", 'N'}, {"ASP", 'D'}, {"CYS", 'C'}, {"GLN", 'Q'}, {"GLU", 'E'},
      {"GLY", 'G'}, {"HIS", 'H'}, {"ILE", 'I'}, {"LEU", 'L'}, {"LYS", 'K'}, {"MET", 'M'}, {"PHE", 'F'},
      {"PRO", 'P'}, {"SER", 'S'}, {"THR", 'T'}, {"TRP", 'W'}, {"TYR", 'Y'}, {"VAL", 'V'}, {"TER", '*'}};
  if (code.size() != 3) return 0;
  char upper[3];
  for (int i = 0; i < 3; ++i) upper[i] = static_cast<char>(std::toupper(static_cast<unsigned char>(code[i])));
  for (auto& c : kCodes)
    if (upper[0] == c.three[0] && upper[1] == c.three[1] && upper[2] == c.three[2]) return c.one;
  return 0;
}

}  // namespace spindle
