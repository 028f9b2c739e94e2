#include "sim/model/ledger.h"

#include <catch2/catch.hpp>
#include <stdexcept>

namespace cachelab {
namespace {

Time Ms(int64_t ms) {
  return Time::Zero() + Duration::Millis(ms);
}

TEST_CASE("existing keys start at version 1 acknowledged at time 0, other keys at version 0",
          "[sim][model][ledger]") {
  VersionLedger ledger(5);
  for (Key k = 0; k < 5; ++k) {
    CHECK(ledger.acked(k) == 1);
    CHECK(ledger.AckTime(k, 1) == Time::Zero());
  }
  CHECK(ledger.acked(5) == 0);
  CHECK(ledger.acked(1'000'000'000) == 0);
  CHECK(ledger.AckTime(5, 0) == Time::Zero());
}

TEST_CASE("a ledger over no keys knows no rows", "[sim][model][ledger]") {
  VersionLedger ledger(0);
  CHECK(ledger.acked(0) == 0);
}

TEST_CASE("each acknowledged version keeps the time it was acknowledged", "[sim][model][ledger]") {
  VersionLedger ledger(5);
  ledger.Acknowledge(2, 2, Ms(10));
  ledger.Acknowledge(2, 3, Ms(25));
  ledger.Acknowledge(4, 2, Ms(12));
  CHECK(ledger.acked(2) == 3);
  CHECK(ledger.AckTime(2, 1) == Time::Zero());
  CHECK(ledger.AckTime(2, 2) == Ms(10));
  CHECK(ledger.AckTime(2, 3) == Ms(25));
  CHECK(ledger.acked(4) == 2);
  CHECK(ledger.AckTime(4, 2) == Ms(12));
  // Keys never written are untouched.
  CHECK(ledger.acked(0) == 1);
  CHECK(ledger.acked(3) == 1);
}

TEST_CASE("versions skipped by an acknowledgement share its time", "[sim][model][ledger]") {
  VersionLedger ledger(3);
  ledger.Acknowledge(1, 2, Ms(5));
  ledger.Acknowledge(1, 5, Ms(9));  // 3 and 4 were never acknowledged on their own
  CHECK(ledger.acked(1) == 5);
  CHECK(ledger.AckTime(1, 2) == Ms(5));
  CHECK(ledger.AckTime(1, 3) == Ms(9));
  CHECK(ledger.AckTime(1, 4) == Ms(9));
  CHECK(ledger.AckTime(1, 5) == Ms(9));
}

TEST_CASE("a created row is version 1 acknowledged at its creation, and others stay absent",
          "[sim][model][ledger]") {
  VersionLedger ledger(5);
  ledger.Create(7, Ms(250));
  CHECK(ledger.acked(7) == 1);
  CHECK(ledger.Created(7));
  CHECK(ledger.AckTime(7, 1) == Ms(250));
  CHECK(ledger.acked(6) == 0);
  CHECK_FALSE(ledger.Created(6));
  CHECK_FALSE(ledger.Created(2));  // an existing row was never created
  CHECK(ledger.AckTime(2, 1) == Time::Zero());
  CHECK_THROWS_AS(ledger.Create(2, Ms(1)), std::logic_error);
}

}  // namespace
}  // namespace cachelab
