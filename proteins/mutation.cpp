#include "proteins/mutation.h"

#include <htslib/bgzf.h>
#include <htslib/kseq.h>

#include <algorithm>
#include <cctype>
#include <memory>

#include "base/error.h"
#include "proteins/amino_acids.h"

namespace {
// kseq wants an int-returning reader; bgzf_read reads plain and gzip-compressed files alike.
int bgzf_read_chunk(BGZF* fp, void* buf, int len) { return static_cast<int>(bgzf_read(fp, buf, len)); }
}  // namespace
KSEQ_INIT(BGZF*, bgzf_read_chunk)

namespace spindle {

const char* variant_kind_name(VariantKind kind) {
  switch (kind) {
    case VariantKind::kSubstitutions: return "substitution";
    case VariantKind::kWildType: return "wild type";
    case VariantKind::kStop: return "stop";
    case VariantKind::kFrameshift: return "frameshift";
    case VariantKind::kIndel: return "indel";
  }
  return "?";
}

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

bool starts_with_ci(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(s[i])) != std::tolower(static_cast<unsigned char>(prefix[i]))) return false;
  return true;
}

struct Parser {
  std::string_view whole;
  const std::string& context;

  [[noreturn]] void fail(const std::string& why) const {
    throw Error(context + ": mutation '" + std::string(whole) + "': " + why);
  }

  // Reads an amino acid at the front of `s`: a three-letter code when `hgvs` and one matches,
  // else one letter. Returns the upper-case one-letter code ('*' for stop).
  char take_residue(std::string_view& s, bool hgvs) const {
    if (s.empty()) fail("missing amino acid");
    if (hgvs && s.size() >= 3) {
      char one = one_letter_of(s.substr(0, 3));
      if (one) {
        s.remove_prefix(3);
        return one;
      }
    }
    char c = static_cast<char>(std::toupper(static_cast<unsigned char>(s.front())));
    if (c == '*') {
      s.remove_prefix(1);
      return '*';
    }
    if (!std::isalpha(static_cast<unsigned char>(c))) fail("expected an amino acid at '" + std::string(s) + "'");
    if (!is_amino_acid(c)) fail(std::string("unknown amino acid '") + s.front() + "'");
    s.remove_prefix(1);
    return c;
  }

  // One change: residue, number, then the new residue or a kind suffix.
  VariantKind parse_change(std::string_view s, bool hgvs, std::vector<Substitution>& out) const {
    s = trim(s);
    if (s.empty()) fail("empty change");
    Substitution sub;
    sub.from = take_residue(s, hgvs);
    if (sub.from == '*') fail("a stop codon cannot be the wild-type residue");
    size_t digits = 0;
    while (digits < s.size() && std::isdigit(static_cast<unsigned char>(s[digits]))) ++digits;
    if (digits == 0) fail("missing position");
    if (digits > 12) fail("position out of range");
    sub.position = std::stoll(std::string(s.substr(0, digits)));
    s.remove_prefix(digits);
    if (s.empty()) fail("missing new amino acid");
    if (s == "=") {
      sub.to = sub.from;
      out.push_back(sub);
      return VariantKind::kSubstitutions;
    }
    if (starts_with_ci(s, "fs")) return VariantKind::kFrameshift;
    if (starts_with_ci(s, "del") || starts_with_ci(s, "ins") || starts_with_ci(s, "dup")) {
      out.push_back(sub);  // kept so the wild-type residue is still checked
      out.back().to = sub.from;
      return VariantKind::kIndel;
    }
    sub.to = take_residue(s, hgvs);
    if (starts_with_ci(s, "fs")) return VariantKind::kFrameshift;
    if (!s.empty()) fail("unexpected '" + std::string(s) + "'");
    out.push_back(sub);
    return sub.to == '*' ? VariantKind::kStop : VariantKind::kSubstitutions;
  }
};

// Combining kinds: anything unscorable wins over substitutions; frameshift over stop over indel.
int kind_rank(VariantKind k) {
  switch (k) {
    case VariantKind::kWildType: return 0;
    case VariantKind::kSubstitutions: return 1;
    case VariantKind::kIndel: return 2;
    case VariantKind::kStop: return 3;
    case VariantKind::kFrameshift: return 4;
  }
  return 0;
}

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (true) {
    size_t at = s.find(sep, start);
    parts.push_back(s.substr(start, at == std::string_view::npos ? std::string_view::npos : at - start));
    if (at == std::string_view::npos) break;
    start = at + 1;
  }
  return parts;
}

}  // namespace

Variant parse_variant(std::string_view text, const std::string& context) {
  Variant v;
  std::string_view s = trim(text);
  v.text = std::string(s);
  if (s.empty() || s == "WT" || s == "wt" || s == "_wt" || s == "_WT" || s == "p.=" || s == "p.(=)") return v;
  Parser parser{s, context};
  bool hgvs = false;
  if (starts_with_ci(s, "p.")) {
    hgvs = true;
    s.remove_prefix(2);
    if (s.size() >= 2 && ((s.front() == '(' && s.back() == ')') || (s.front() == '[' && s.back() == ']'))) {
      s.remove_prefix(1);
      s.remove_suffix(1);
    }
    if (s.size() >= 2 && s.front() == '(' && s.back() == ')') {  // p.[(Ala23Val)]
      s.remove_prefix(1);
      s.remove_suffix(1);
    }
  }
  VariantKind kind = VariantKind::kWildType;
  for (std::string_view part : split(s, hgvs ? ';' : ':')) {
    VariantKind k = parser.parse_change(part, hgvs, v.substitutions);
    if (kind_rank(k) > kind_rank(kind)) kind = k;
  }
  v.kind = kind;
  std::sort(v.substitutions.begin(), v.substitutions.end(),
            [](const Substitution& a, const Substitution& b) { return a.position < b.position; });
  for (size_t i = 1; i < v.substitutions.size(); ++i)
    if (v.substitutions[i].position == v.substitutions[i - 1].position)
      parser.fail("two changes at position " + std::to_string(v.substitutions[i].position));
  return v;
}

std::vector<std::string> split_variant_list(std::string_view list) {
  std::vector<std::string> out;
  for (std::string_view part : split(list, ',')) out.emplace_back(trim(part));
  return out;
}

WildType read_wild_type(const std::string& path, std::optional<int64_t> offset) {
  std::unique_ptr<BGZF, decltype(&bgzf_close)> fp(bgzf_open(path.c_str(), "r"), &bgzf_close);
  if (!fp) throw Error(path + ": cannot open wild-type FASTA");
  std::unique_ptr<kseq_t, decltype(&kseq_destroy)> seq(kseq_init(fp.get()), &kseq_destroy);
  int rc = kseq_read(seq.get());
  if (rc == -1) throw Error(path + ": no FASTA record");
  if (rc < -1) throw Error(path + ": malformed FASTA");
  WildType wt;
  wt.name = seq->name.s;
  for (size_t i = 0; i < seq->seq.l; ++i) {
    char c = static_cast<char>(std::toupper(static_cast<unsigned char>(seq->seq.s[i])));
    if (std::isspace(static_cast<unsigned char>(c))) continue;
    if (!is_amino_acid(c))
      throw Error(path + ": wild-type residue " + std::to_string(i + 1) + " is '" + std::string(1, seq->seq.s[i]) +
                  "', not one of the 20 amino acids");
    wt.sequence.push_back(c);
  }
  if (wt.sequence.empty()) throw Error(path + ": empty wild-type sequence");
  if (offset) {
    wt.first_position = *offset;
  } else {
    // "NAME/24-286": UniProt numbering of the first residue.
    size_t slash = wt.name.rfind('/');
    size_t dash = slash == std::string::npos ? std::string::npos : wt.name.find('-', slash);
    if (dash != std::string::npos && dash > slash + 1) {
      std::string start = wt.name.substr(slash + 1, dash - slash - 1);
      if (start.find_first_not_of("0123456789") == std::string::npos) wt.first_position = std::stoll(start);
    }
  }
  return wt;
}

void validate_variant(Variant& variant, const WildType& wt, const std::string& context) {
  for (auto& sub : variant.substitutions) {
    std::string name = std::string(1, sub.from) + std::to_string(sub.position) + sub.to;
    if (sub.position < wt.first_position || sub.position > wt.last_position())
      throw Error(context + ": mutation " + variant.text + ": position " + std::to_string(sub.position) +
                  " is beyond the wild-type sequence (" + std::to_string(wt.first_position) + "-" +
                  std::to_string(wt.last_position()) + ")");
    sub.index = sub.position - wt.first_position;
    char found = wt.sequence[static_cast<size_t>(sub.index)];
    if (found != sub.from)
      throw Error(context + ": mutation " + variant.text + ": wild type has " + std::string(1, found) +
                  " at position " + std::to_string(sub.position) + ", not " + std::string(1, sub.from));
  }
}

}  // namespace spindle
