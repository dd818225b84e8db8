// Protein variants as written in deep mutational scans: "A23V", multi-mutants "A23V:G45L",
// HGVS "p.Ala23Val", "p.(Ala23Val)", "p.[Ala23Val;Gly45Leu]", synonymous "p.Ala23=", and the wild type
// ("WT", "_wt" or empty). Stops ("A23*", "p.Ala23Ter"), frameshifts ("p.Ala23fs") and indels
// ("p.Ala23del") parse but are kinds that substitution models cannot score.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace spindle {

struct Substitution {
  int64_t position = 0;  // residue number as written (1-based, shifted by the offset)
  char from = 0;         // upper-case one-letter code
  char to = 0;           // upper-case one-letter code, '*' for a stop
  int64_t index = -1;    // 0-based index into the wild type, set by validate_variant
};

enum class VariantKind { kSubstitutions, kWildType, kStop, kFrameshift, kIndel };

struct Variant {
  std::string text;
  VariantKind kind = VariantKind::kWildType;
  std::vector<Substitution> substitutions;  // sorted by position; empty for the wild type
};

// A human name for a kind that cannot be scored ("stop", "frameshift", "indel").
const char* variant_kind_name(VariantKind kind);

// Parses one variant. `context` prefixes errors ("dms.csv line 7"). Throws spindle::Error for
// malformed text, an unknown amino acid, or two changes at one position.
Variant parse_variant(std::string_view text, const std::string& context);

// Splits an inline list "A23V,G45L:K50R" into variant texts (',' separates variants).
std::vector<std::string> split_variant_list(std::string_view list);

// The wild-type protein and the number of its first residue.
struct WildType {
  std::string name;
  std::string sequence;        // upper case
  int64_t first_position = 1;  // number of sequence[0]
  int64_t last_position() const { return first_position + static_cast<int64_t>(sequence.size()) - 1; }
};

// Reads the first record of a FASTA file (plain or gz) through htslib. The first residue's number
// is `offset` when given, else the start of a "/start-end" suffix of the record name, else 1.
WildType read_wild_type(const std::string& path, std::optional<int64_t> offset);

// Checks each substitution against the wild type and fills Substitution::index. Throws
// spindle::Error naming the mutation when its position is outside the sequence or the residue
// found there differs from the one written.
void validate_variant(Variant& variant, const WildType& wild_type, const std::string& context);

}  // namespace spindle
