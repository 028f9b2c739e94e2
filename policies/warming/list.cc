// List warming: like top-n, but for an explicit list of keys (the rows a team
// knows are hot or expensive: configuration, landing-page items) given as
// comma-separated key ids, e.g. "0,5,17". Each key is loaded from the
// database and set in the cache with the read path's fill TTL, `rate` loads
// started per second, at start and again after every flush or restart. A key
// without a row loads "not found", which is cached only with a negative TTL.
//
//   on start and after every flush or restart (once the server is up again):
//     for k in keys, `rate` per second:
//       spawn { v = db.read(k); cache.set(k, v, ttl) }
//
// Parameters: keys (comma-separated non-negative integers, spaces allowed,
// duplicates ignored; by default the hottest key alone), rate (> 0),
// at_start, after_flush.
//
// Source: the article's "Cache Warming" (load the static data, e.g. every
// config row, on deployment).
#include <algorithm>
#include <charconv>
#include <stdexcept>

#include "policies/modules.h"
#include "policies/warming/preload.h"

namespace cachelab {
namespace {

// Parses "0, 5,17" into {0, 5, 17} (duplicates dropped, first occurrence
// kept). Returns an error message, empty when `text` is well formed.
std::string ParseKeyList(const std::string& text, std::vector<Key>* keys) {
  keys->clear();
  size_t start = 0;
  for (;;) {
    const size_t comma = text.find(',', start);
    std::string item = text.substr(start, comma == std::string::npos ? comma : comma - start);
    while (!item.empty() && item.front() == ' ') item.erase(item.begin());
    while (!item.empty() && item.back() == ' ') item.pop_back();
    Key k = 0;
    const auto [end, ec] = std::from_chars(item.data(), item.data() + item.size(), k);
    if (item.empty() || ec != std::errc() || end != item.data() + item.size()) {
      return "must be comma-separated key ids such as \"0,5,17\", got \"" + text + "\"" +
             (item.empty() ? std::string(" (an empty item)") : " (bad item \"" + item + "\")");
    }
    if (std::find(keys->begin(), keys->end(), k) == keys->end()) keys->push_back(k);
    if (comma == std::string::npos) return {};
    start = comma + 1;
  }
}

}  // namespace

PolicyInfo modules::ListWarmingModule() {
  PolicyInfo info;
  info.role = Role::kWarming;
  info.name = "list";
  info.summary = "preload an explicit list of keys at start and after a flush or restart";
  info.params = PreloadParams();
  info.params.insert(info.params.begin(),
                     ParamSpec{"keys", ParamType::kString, std::string("0"),
                               "comma-separated key ids to load, in order, e.g. \"0,5,17\""});
  info.validate = [](const Params& p) -> std::optional<ParamProblem> {
    std::vector<Key> keys;
    std::string error = ParseKeyList(p.GetString("keys"), &keys);
    if (!error.empty()) return ParamProblem{"keys", std::move(error)};
    return std::nullopt;
  };
  info.make_warming = [](const Params& p) {
    PreloadOptions o;
    PreloadOptionsFromParams(p, &o);
    const std::string error = ParseKeyList(p.GetString("keys"), &o.keys);
    if (!error.empty()) throw std::invalid_argument("warming list: keys " + error);
    return MakePreloader(std::move(o));
  };
  return info;
}

}  // namespace cachelab
