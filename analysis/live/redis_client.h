// An asynchronous Redis client for the live world: hiredis' redisAsyncContext
// driven by a Boost.Asio io_context, awaited from Task coroutines.
//
// Contract:
//  - One thread runs the io_context; the client must be used on it only. The
//    io_context must outlive the client.
//  - Command(args) sends args binary-safe (redisAsyncCommandArgv) on one
//    connection, pipelined: any number of coroutines may await commands at
//    once; replies come back in the order the commands were sent. The awaiting
//    coroutine is always resumed through the io_context's queue, never inside
//    a hiredis callback nor inline in Command.
//  - Every command resumes exactly once, with the server's reply or with an
//    error reply (RedisReply::Kind below):
//      kTimeout     no reply within `timeout` of issuing it (a late reply is
//                   dropped);
//      kConnection  the connection could not be made or was lost (server
//                   stopped, killed or restarted) before the reply came,
//                   or the URL's AUTH / SELECT failed on it: then every
//                   command on that connection fails so, never runs in the
//                   wrong database, and the message says which step failed
//                   with the server's answer (e.g. WRONGPASS).
//    The connection is made lazily by the first command and again by the
//    first command after a loss, so during a server outage commands fail fast
//    and after a restart they succeed again. A connection that is not
//    established within `timeout` is abandoned.
//  - Destroying the client fails every pending command (kConnection); the
//    coroutines are still resumed through the queue, so the io_context must
//    run (or be destroyed) afterwards. A command's state is shared between its
//    coroutine and hiredis' callback (never only in the coroutine's frame),
//    and no command touches the client after its first suspension, so a
//    coroutine may outlive the client; commands issued after that fail at
//    once with kConnection.
//  - Pub/sub uses a second connection of its own. Subscribe delivers each
//    message to the handler through the io_context's queue; after a lost
//    connection it reconnects every `resubscribe_interval` and subscribes to
//    every channel again (messages published in between are lost, as with
//    Redis pub/sub itself).
//  - Leases (memcache's, as the simulator's CacheServer has them,
//    sim/model/cache_server.h) are Lua scripts loaded once per connection
//    lifetime (SCRIPT LOAD, EVALSHA; loaded again on NOSCRIPT after a
//    restart). A key's lease lives in a companion key, LeaseKey(key), so
//    Delete(key) (one DEL of both) and FLUSHALL invalidate the token. Tokens
//    come from a counter seeded with the server's clock in microseconds when
//    absent, so a token is never reissued across a flush or a restart (as
//    long as fewer than one lease per microsecond is issued on average).
//    Differences from the simulator: the companion key expires after
//    max(100 x period, 60 s) (so abandoned leases do not pile up), and Redis'
//    eviction may evict it (a fill is then rejected).
#pragma once

#include <signal.h>

#include <boost/asio/io_context.hpp>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "sim/core/task.h"
#include "sim/core/time.h"

namespace cachelab::live {

// hiredis 0.14 writes with write(2), so writing to a server that went away
// raises SIGPIPE, whose default action kills cachelab. While a guard lives,
// SIGPIPE is blocked on this thread; one raised meanwhile is discarded (libpq
// does the same where MSG_NOSIGNAL does not apply). Around every hiredis
// write; the process' signal dispositions are left alone.
class SigpipeGuard {
 public:
  SigpipeGuard();
  ~SigpipeGuard();
  SigpipeGuard(const SigpipeGuard&) = delete;
  SigpipeGuard& operator=(const SigpipeGuard&) = delete;

 private:
  sigset_t old_mask_;
  bool was_pending_ = false;
};

// An owned copy of a hiredis reply (hiredis frees its own after the callback).
struct RedisReply {
  enum class Type : uint8_t { kStatus, kError, kInteger, kString, kNil, kArray };
  // Why a reply is an error: the server said so, or the client gave up.
  enum class Kind : uint8_t { kNone, kServer, kTimeout, kConnection };

  Type type = Type::kNil;
  Kind kind = Kind::kNone;
  std::string str;  // status, error message or string value
  int64_t integer = 0;
  std::vector<RedisReply> elements;

  bool error() const { return type == Type::kError; }
  bool nil() const { return type == Type::kNil; }
  static RedisReply Error(Kind kind, std::string message);
};

// Where the server is: parsed from redis://[[user]:password@]host[:port][/db]
// (port 6379 and db 0 by default; [v6] hosts in brackets) or
// unix:///path/to/socket.
struct RedisAddress {
  std::string host;  // empty for a unix socket
  int port = 6379;
  std::string unix_socket;  // empty for TCP
  std::string username;     // redis://user:password@... (ACL users); usually empty
  std::string password;     // empty: no AUTH
  int db = 0;

  // Throws InputError naming the URL and the expected forms.
  static RedisAddress Parse(const std::string& url);
  std::string ToString() const;  // for error messages; without the password
};

struct RedisClientOptions {
  Duration timeout = Duration::Millis(1000);  // per command; the scenario's cache.timeout
  Duration resubscribe_interval = Duration::Millis(100);
};

// The simulator's cache answers (sim/model/cache_server.h), for the live port.
struct RedisGet {
  enum class Status : uint8_t { kHit, kMiss, kError };
  Status status = Status::kMiss;
  std::string value;
  Duration remaining_ttl = Duration::Max();  // hits of GetWithTtl/LeaseGet; Max: no TTL
  std::string error;                         // kError only
  bool hit() const { return status == Status::kHit; }
};

struct RedisWrite {
  // kRejected: SET NX found the key, or a LeaseSet's token is not the lease.
  enum class Status : uint8_t { kOk, kRejected, kError };
  Status status = Status::kOk;
  std::string error;  // kError only
  bool ok() const { return status == Status::kOk; }
};

struct RedisLease {
  RedisGet get;        // a hit, a miss, or an error
  uint64_t token = 0;  // on a miss: nonzero = this caller holds the lease
};

class RedisClient {
 public:
  RedisClient(boost::asio::io_context& io, RedisAddress address, RedisClientOptions options = {});
  RedisClient(boost::asio::io_context& io, const std::string& url, RedisClientOptions options = {})
      : RedisClient(io, RedisAddress::Parse(url), options) {}
  ~RedisClient();
  RedisClient(const RedisClient&) = delete;
  RedisClient& operator=(const RedisClient&) = delete;

  Task<RedisReply> Command(std::vector<std::string> args);

  // Thin helpers. ttl <= 0 means no TTL (TTLs are sent in whole milliseconds,
  // rounded up so that a positive TTL never becomes "none").
  Task<RedisReply> Ping();
  Task<RedisGet> Get(std::string key);
  Task<RedisGet> GetWithTtl(std::string key);  // one script: value and PTTL atomically
  Task<RedisWrite> Set(std::string key, std::string value, Duration ttl);
  Task<RedisWrite> SetNx(std::string key, std::string value, Duration ttl);  // a lock
  // Deletes `key` only while it holds `value` (releases a lock one owns).
  Task<RedisWrite> DeleteIfEquals(std::string key, std::string value);
  // Deletes the key and its lease (one DEL); deleting an absent key is kOk.
  Task<RedisWrite> Delete(std::string key);
  Task<RedisWrite> FlushAll();
  Task<RedisWrite> ConfigSet(std::string parameter, std::string value);
  // The fields of INFO `section` ("server", "memory", ...; "" for the default
  // set) as name -> value; an empty map on an error.
  Task<std::map<std::string, std::string>> Info(std::string section);
  // INFO server's redis_version ("7.0.15"); empty on an error.
  Task<std::string> ServerVersion();
  // INFO memory's used_memory; -1 on an error.
  Task<int64_t> UsedMemory();
  // CLIENT PAUSE `d` ALL (whole milliseconds, rounded up; d <= 0 pauses for
  // 0 ms): the server holds every client's commands, this connection's
  // included, until `d` has passed (the `pause` fault window); the held
  // commands then run. Needs Redis >= 6.2.
  Task<RedisWrite> Pause(Duration d);

  // A hit, or a miss with a token unless a lease on `key` was issued less
  // than `period` ago.
  Task<RedisLease> LeaseGet(std::string key, Duration period);
  // Stores only while `token` is the key's lease, and consumes the lease.
  Task<RedisWrite> LeaseSet(std::string key, std::string value, Duration ttl, uint64_t token);
  // The companion key that holds `key`'s lease.
  static std::string LeaseKey(std::string_view key);

  // Replies with the server's subscription count (an integer) once
  // subscribed, or an error. Either way the handler stays registered: the
  // subscription is (re)made in the background whenever the pub/sub
  // connection is (re)established.
  Task<RedisReply> Subscribe(std::string channel,
                             std::function<void(std::string_view message)> handler);
  // The number of subscribers that received it, or -1 on an error.
  Task<int64_t> Publish(std::string channel, std::string message);

  const RedisAddress& address() const { return address_; }
  // Connections made so far (both connections; for tests and reports).
  uint64_t connects() const;

  class Connection;  // one hiredis context at a time, reconnected on demand
  struct Script;

 private:
  RedisAddress address_;
  // Shared with the commands in flight, which may outlive the client.
  std::shared_ptr<Connection> commands_;
  std::shared_ptr<Connection> pubsub_;
  std::shared_ptr<Script> get_ttl_, lease_get_, lease_set_, delete_if_;
};

}  // namespace cachelab::live
