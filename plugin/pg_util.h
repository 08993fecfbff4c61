#ifndef GRENS_PLUGIN_PG_UTIL_H_
#define GRENS_PLUGIN_PG_UTIL_H_

// Thin RAII wrappers over libpq (PostgreSQL's C client) that report errors as
// absl::Status, and an encoder for COPY's binary row format. Results are
// always requested in binary format, so bytea columns arrive as raw bytes and
// integers as big-endian words (decoded by PgResult::Int).

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

struct pg_conn;
struct pg_result;

namespace grens::plugin {

// A query parameter: text (integers, strings; the server converts by the
// column's type) or binary (raw bytea bytes).
struct PgParam {
  std::string value;
  bool binary = false;
  bool null = false;
};
PgParam PgText(std::string value);
PgParam PgInt(int64_t value);
PgParam PgBytes(std::string value);

// One query's result rows. External synchronization required.
class PgResult {
 public:
  explicit PgResult(pg_result* result) : result_(result) {}
  ~PgResult();
  PgResult(PgResult&& other) noexcept : result_(other.result_) { other.result_ = nullptr; }
  PgResult& operator=(PgResult&& other) noexcept;
  PgResult(const PgResult&) = delete;
  PgResult& operator=(const PgResult&) = delete;

  int rows() const;
  bool IsNull(int row, int column) const;
  // Raw bytes of a text or bytea value; valid while the result lives.
  absl::string_view Bytes(int row, int column) const;
  // A boolean, smallint, integer or bigint value (binary format); 0 for NULL.
  int64_t Int(int row, int column) const;

 private:
  pg_result* result_;
};

// An open connection to a PostgreSQL server. Errors are Unavailable when the
// connection is gone or the server is shutting down or starting up (retrying
// later may work), Internal otherwise. External synchronization required.
class PgConnection {
 public:
  // Connects with `dsn` (a libpq connection string or URI), client encoding
  // UTF8, `application_name`, and a 5 s connect timeout unless the DSN says
  // otherwise. Unavailable when the server cannot be reached.
  static absl::StatusOr<std::unique_ptr<PgConnection>> Open(const std::string& dsn,
                                                           const std::string& application_name);
  ~PgConnection();
  PgConnection(const PgConnection&) = delete;
  PgConnection& operator=(const PgConnection&) = delete;

  // Runs one or more statements that return no rows we need.
  absl::Status Exec(const std::string& sql);
  // Runs one statement with `params` ($1, $2, ...); rows in binary format.
  absl::StatusOr<PgResult> Query(const std::string& sql, const std::vector<PgParam>& params = {});
  // Runs `copy_sql` (a COPY ... FROM STDIN) and sends `data` as its input.
  absl::Status CopyIn(const std::string& copy_sql, const std::string& data);
  // False once the connection broke; it stays broken (open a new one).
  bool healthy() const;

 private:
  explicit PgConnection(pg_conn* conn) : conn_(conn) {}
  absl::Status Error(pg_result* result, absl::string_view what) const;
  pg_conn* conn_;
};

// Builds the input of COPY ... FROM STDIN (FORMAT binary): a header, rows of
// fields, a trailer. Field encodings must match the target columns' types.
// External synchronization required.
class PgCopyEncoder {
 public:
  PgCopyEncoder();
  void BeginRow(int fields);
  void Int4(int32_t value);
  void Int8(int64_t value);
  // Text or bytea: length and raw bytes.
  void Bytes(absl::string_view value);
  // The encoded stream with its trailer; the encoder is spent.
  std::string Finish();

 private:
  void Word(uint64_t value, int bytes);
  std::string out_;
};

}  // namespace grens::plugin

#endif  // GRENS_PLUGIN_PG_UTIL_H_
