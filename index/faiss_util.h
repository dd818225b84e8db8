// Internal helpers for calling FAISS: exceptions become one-line spindle::Error naming a context
// (usually a file), and small queries about index structure.
#pragma once

#include <faiss/impl/FaissException.h>

#include <string>
#include <utility>

#include "base/error.h"

namespace faiss {
struct Index;
struct IndexIVF;
}  // namespace faiss

namespace spindle::detail {

// The message of a FaissException without its "Error in <function> at <file>:<line>: " prefix,
// on one line.
std::string faiss_message(const faiss::FaissException& e);

// Runs `f`, turning a FaissException into Error("<context>: <message>").
template <typename F>
auto faiss_call(const std::string& context, F&& f) -> decltype(f()) {
  try {
    return std::forward<F>(f)();
  } catch (const faiss::FaissException& e) {
    throw Error(context + ": " + faiss_message(e));
  }
}

// The index inside IndexIDMap/IndexIDMap2 wrappers (or `index` itself).
const faiss::Index* unwrap_id_map(const faiss::Index* index);
// "IndexIDMap(IndexHNSWFlat)": class names, outermost first.
std::string faiss_class_name(const faiss::Index* index);

}  // namespace spindle::detail
