#include "sim/model/key_spelling.h"

#include <catch2/catch.hpp>
#include <set>
#include <string>

namespace cachelab {
namespace {

// Classes of `keys` rows each, in order, with the given designs; missing
// rows follow all existing ones (workload keys keys..2*keys-1).
WorkloadConfig Classes(std::vector<std::pair<uint64_t, WorkloadConfig::KeyClass::KeyDesign>> cs) {
  WorkloadConfig w;
  w.keys = 0;
  for (const auto& [keys, design] : cs) {
    WorkloadConfig::KeyClass c;
    c.name = std::string(1, static_cast<char>('a' + w.classes.size()));
    c.keys = keys;
    c.key = design;
    w.keys += keys;
    w.classes.push_back(c);
  }
  return w;
}

WorkloadConfig::KeyClass::KeyDesign Bare() {
  WorkloadConfig::KeyClass::KeyDesign d;
  d.namespaced = false;
  return d;
}
WorkloadConfig::KeyClass::KeyDesign RowsPerKey(uint32_t n) {
  WorkloadConfig::KeyClass::KeyDesign d;
  d.rows_per_key = n;
  return d;
}
WorkloadConfig::KeyClass::KeyDesign Unpredictable() {
  WorkloadConfig::KeyClass::KeyDesign d;
  d.predictable = false;
  return d;
}

}  // namespace

TEST_CASE("the default design spells every key, existing or missing, as itself",
          "[sim][model][key_spelling]") {
  const KeySpelling s(Classes({{10, {}}, {5, {}}}));
  CHECK_FALSE(s.designed());
  for (Key k = 0; k < 30; ++k) {
    CHECK(s.Spell(k) == k);
    CHECK(s.SpellForDelete(k) == k);
  }
  Value v{3, 100, true};
  s.Stamp(7, &v);
  CHECK_FALSE(s.Wrong(8, v));  // nothing is told apart without a design
}

TEST_CASE("classes without a namespace share one id space, apart from namespaced keys",
          "[sim][model][key_spelling]") {
  // a: bare, 10 rows (keys 0..9); b: namespaced, 10 rows; c: bare, 5 rows (keys 20..24).
  const KeySpelling s(Classes({{10, Bare()}, {10, {}}, {5, Bare()}}));
  REQUIRE(s.designed());
  for (Key i = 0; i < 5; ++i) CHECK(s.Spell(i) == s.Spell(20 + i));  // a:i and c:i collide
  for (Key i = 0; i < 10; ++i) CHECK(s.Spell(10 + i) == 10 + i);     // b keeps its own keys
  std::set<Key> a;
  for (Key i = 0; i < 10; ++i) a.insert(s.Spell(i));
  CHECK(a.size() == 10);
  for (Key i = 0; i < 10; ++i) CHECK(a.count(s.Spell(10 + i)) == 0);
  // c's missing row 0 (key 25 + 20) is id 5 of the bare space: a's row 5.
  CHECK(s.Spell(25 + 20) == s.Spell(5));
  // The copies of colliding keys are told apart, and a key's own copy is not wrong.
  Value v{1, 100, true};
  s.Stamp(3, &v);
  CHECK_FALSE(s.Wrong(3, v));
  CHECK(s.Wrong(23, v));
}

TEST_CASE("a query key without a parameter of n values is shared by n consecutive rows",
          "[sim][model][key_spelling]") {
  // a: 12 rows, 4 per key; b: 6 rows, one per key.
  const KeySpelling s(Classes({{12, RowsPerKey(4)}, {6, {}}}));
  std::set<Key> spelled;
  for (Key i = 0; i < 12; ++i) {
    CHECK(s.Spell(i) == s.Spell(i - i % 4));
    spelled.insert(s.Spell(i));
  }
  CHECK(spelled.size() == 3);
  for (Key i = 0; i < 6; ++i) CHECK(spelled.count(s.Spell(12 + i)) == 0);
  // Missing rows share keys the same way, in their own range.
  CHECK(s.Spell(18 + 1) == s.Spell(18 + 3));
  CHECK(s.Spell(18 + 3) != s.Spell(18 + 4));
  CHECK(spelled.count(s.Spell(18 + 1)) == 0);
  for (Key i = 0; i < 4; ++i) {
    Value v{1, 10, true};
    s.Stamp(i, &v);
    for (Key j = 0; j < 4; ++j) CHECK(s.Wrong(j, v) == (i != j));
  }
}

TEST_CASE("a delete by id of an unpredictable key reaches no key any read fills",
          "[sim][model][key_spelling]") {
  // a: 8 unpredictable rows (keys 0..7, missing 16..23); b: 8 bare rows (8..15, 24..31).
  const KeySpelling s(Classes({{8, Unpredictable()}, {8, Bare()}}));
  std::set<Key> read_keys;
  for (Key k = 0; k < 32; ++k) read_keys.insert(s.Spell(k));
  for (Key k = 0; k < 32; ++k) {
    const bool a = k % 16 < 8;
    CHECK(read_keys.count(s.SpellForDelete(k)) == (a ? 0 : 1));
    if (!a) CHECK(s.SpellForDelete(k) == s.Spell(k));
  }
}

}  // namespace cachelab
