#include "genomics/reference.h"

#include <zlib.h>

#include <unordered_set>

#include "base/error.h"
#include "genomics/fastx_reader.h"

namespace spindle {

uint64_t Reference::total_length() const {
  uint64_t n = 0;
  for (auto& c : contigs) n += c.seq.size();
  return n;
}

uint32_t sequence_crc32(std::string_view seq) {
  uLong crc = crc32(0L, Z_NULL, 0);
  size_t done = 0;
  while (done < seq.size()) {  // zlib takes 32-bit lengths
    uInt chunk = static_cast<uInt>(std::min<size_t>(seq.size() - done, 1u << 30));
    crc = crc32(crc, reinterpret_cast<const Bytef*>(seq.data() + done), chunk);
    done += chunk;
  }
  return static_cast<uint32_t>(crc);
}

Reference load_reference(const std::string& path) {
  Reference ref;
  FastxReader reader(path, BasePolicy::iupac_to_n);
  SeqRecord rec;
  std::unordered_set<std::string> names;
  while (reader.next(rec)) {
    if (rec.seq.empty()) throw Error(path + ": record " + rec.name + ": empty sequence");
    if (!names.insert(rec.name).second) throw Error(path + ": duplicate sequence name " + rec.name);
    Contig c;
    c.name = rec.name;
    c.seq = std::move(rec.seq);
    c.crc32 = sequence_crc32(c.seq);
    ref.contigs.push_back(std::move(c));
  }
  return ref;
}

}  // namespace spindle
