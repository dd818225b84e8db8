// Multiple sequence alignments for the MSA models: a2m, a3m, aligned FASTA and Stockholm (plain
// or gz). Lowercase letters and '.' are insert states and are stripped; the first sequence is the
// focus; its "/start-end" name suffix numbers its residues; columns where the focus has a gap are
// dropped (EVmutation's focus mode), so each kept column is one focus residue.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace spindle {

struct WildType;

// One alignment record as read: its name and its aligned text (inserts not yet stripped).
struct MsaRecord {
  std::string name;
  std::string text;
};

// Reads every record. Format by content: "# STOCKHOLM" first line, else FASTA-style ('>').
// Throws spindle::Error for an unreadable, empty or malformed file.
std::vector<MsaRecord> read_msa_records(const std::string& path);

// The alignment reduced to the focus sequence's model columns, as integer states (amino_acids.h).
struct FocusAlignment {
  std::string focus_name;
  std::string focus_sequence;               // every focus residue, upper case (inserts included)
  std::optional<int64_t> focus_start;       // from "/start-end", if the name has one
  std::vector<int64_t> column_residue;      // per model column: index into focus_sequence
  std::vector<int64_t> column_position;     // per model column: residue number (after numbering)
  size_t n_sequences = 0;                   // rows kept (focus is row 0)
  size_t n_columns = 0;                     // L
  std::vector<uint8_t> states;              // n_sequences x n_columns, row-major
  size_t n_dropped = 0;                     // rows dropped for a non-standard residue (X, B, Z, ...)
};

// Builds the focus alignment from records. `path` names the file in errors. A row whose match
// columns differ in number from the focus's is an error (ragged alignment).
FocusAlignment build_focus_alignment(const std::vector<MsaRecord>& records, const std::string& path);

// read_msa_records + build_focus_alignment.
FocusAlignment read_focus_alignment(const std::string& path);

// Numbers the focus columns against the wild type and checks the focus residues match it. With a
// "/start-end" focus name its start numbers the focus; otherwise the focus is located in the wild
// type. Throws spindle::Error naming the first differing residue.
void number_focus_columns(FocusAlignment& alignment, const WildType& wild_type, const std::string& path);

}  // namespace spindle
