// The live world: a scenario's traffic, served by the same policy modules the
// simulator runs (policies/), against a real Redis and a real PostgreSQL, in
// real time on one Asio thread (AsioRuntime).
//
// Contract:
//  - Same scenario and seed: the same request sequence as the simulation
//    (the same Workload: arrival times, keys, reads/writes, value sizes). The
//    generator is open-loop: each request is issued at its scheduled arrival
//    (or as soon after as the machine can), and its latency runs from the
//    scheduled arrival, so a generator that falls behind is charged for it
//    (no coordinated omission). Summary::live says how far behind it fell.
//  - Measured as the simulator measures (sim/model/run_meter.h): the cache
//    stores each value with its row version; the harness keeps the ledger of
//    acknowledged versions (a DB commit is acknowledged when its reply
//    arrives); a read answering an older version than the latest
//    acknowledged one is stale. Stampedes are the concurrent DB reads of one
//    key, counted around each SELECT.
//  - Servers: without URLs, a private redis-server and PostgreSQL are started
//    in throw-away folders (analysis/live/redis_server.h, postgres_server.h)
//    and removed at the end, also on an error or an interrupt. With URLs,
//    cachelab only touches what it creates: keys under its own prefix
//    (deleted at the end) and its own table (dropped at the end).
//  - The scenario must have a live form (CheckLiveForm): every policy module
//    (policies/registry.h, LiveFormMissing), an eviction policy Redis has,
//    no item limit, no `slow` fault window, fault windows only on a private
//    Redis. Anything else is an InputError (exit 2) naming the field.
//  - Interrupted (SIGINT/SIGTERM, or `interrupted` set): the run stops,
//    servers are stopped, and LiveInterrupted is thrown; nothing is written.
#pragma once

#include <atomic>
#include <functional>
#include <stdexcept>
#include <string>

#include "analysis/scenario/scenario.h"
#include "sim/core/time.h"
#include "sim/metrics/summary.h"

namespace cachelab::live {

struct LiveOptions {
  std::string redis_url;     // empty: start a private redis-server
  std::string postgres_url;  // empty: start a private PostgreSQL
  // The private servers also listen on 127.0.0.1 at these ports (0: unix
  // sockets only), e.g. to watch them with redis-cli or psql during a run.
  int redis_port = 0, postgres_port = 0;
  // Each query also sleeps inside PostgreSQL for a draw of the scenario's
  // service time (pg_sleep), emulating an expensive query; otherwise the
  // service time is PostgreSQL's own.
  bool emulate_db_service = false;
  // Requests in flight beyond this are dropped (counted, not issued): an
  // overloaded system must not take the machine down with it.
  uint64_t max_in_flight = 20'000;
  // Called now and then with the fraction of the schedule issued.
  std::function<void(double)> progress;
  // Print one line per step of the set-up (servers, table) to stderr.
  bool verbose = true;
};

// Throws InputError when the scenario cannot run live (see the contract).
// `external_redis`: a --redis URL was given.
void CheckLiveForm(const Scenario& scenario, bool external_redis);

// The run was interrupted; no result.
class LiveInterrupted : public std::runtime_error {
 public:
  LiveInterrupted() : std::runtime_error("interrupted") {}
};

// Runs `scenario` live. Throws InputError for a scenario without a live form
// or a server that cannot be reached or used, LiveInterrupted, and
// std::runtime_error for failures during the run.
RunResult RunLive(const Scenario& scenario, const LiveOptions& options);

}  // namespace cachelab::live
