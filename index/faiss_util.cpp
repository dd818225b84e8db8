#include "index/faiss_util.h"

#include <cxxabi.h>
#include <faiss/IndexIDMap.h>
#include <faiss/IndexPreTransform.h>

#include <cstdlib>
#include <memory>
#include <typeinfo>

namespace spindle::detail {

std::string faiss_message(const faiss::FaissException& e) {
  std::string text = e.what();
  // FAISS formats "Error in <func> at <file>:<line>: <message>"; the function and source
  // location mean nothing to a user.
  if (text.rfind("Error in ", 0) == 0) {
    size_t at = text.find(" at ");
    size_t colon = at == std::string::npos ? at : text.find(':', at);
    size_t sep = colon == std::string::npos ? colon : text.find(": ", colon + 1);
    if (sep != std::string::npos) text = text.substr(sep + 2);
  }
  for (char& c : text)
    if (c == '\n' || c == '\r') c = ' ';
  while (!text.empty() && text.back() == ' ') text.pop_back();
  return text;
}

const faiss::Index* unwrap_id_map(const faiss::Index* index) {
  if (auto* map = dynamic_cast<const faiss::IndexIDMap*>(index)) return map->index;
  return index;
}

static std::string demangled(const std::type_info& type) {
  int status = 0;
  std::unique_ptr<char, void (*)(void*)> name(abi::__cxa_demangle(type.name(), nullptr, nullptr, &status), std::free);
  std::string text = status == 0 && name ? name.get() : type.name();
  if (text.rfind("faiss::", 0) == 0) text = text.substr(7);
  // IndexIDMap is an alias of a template; show the name users know.
  const std::string templ = "Template<faiss::Index>";
  if (size_t at = text.find(templ); at != std::string::npos) text.erase(at, templ.size());
  return text;
}

std::string faiss_class_name(const faiss::Index* index) {
  std::string name = demangled(typeid(*index));
  if (auto* map = dynamic_cast<const faiss::IndexIDMap*>(index)) return name + "(" + faiss_class_name(map->index) + ")";
  if (auto* pre = dynamic_cast<const faiss::IndexPreTransform*>(index))
    return name + "(" + faiss_class_name(pre->index) + ")";
  return name;
}

}  // namespace spindle::detail
