#include "plugin/pg_util.h"

#include <libpq-fe.h>

#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace grens::plugin {
namespace {

// SQLSTATE classes after which a new connection may succeed: connection
// exceptions (08), operator intervention such as admin shutdown or "the
// database system is starting up" (57P0x), insufficient resources (53).
bool Transient(absl::string_view sqlstate) {
  return absl::StartsWith(sqlstate, "08") || absl::StartsWith(sqlstate, "57P0") || absl::StartsWith(sqlstate, "53");
}

}  // namespace

PgParam PgText(std::string value) { return PgParam{std::move(value), false, false}; }
PgParam PgInt(int64_t value) { return PgParam{absl::StrCat(value), false, false}; }
PgParam PgBytes(std::string value) { return PgParam{std::move(value), true, false}; }

PgResult::~PgResult() { PQclear(result_); }

PgResult& PgResult::operator=(PgResult&& other) noexcept {
  if (this != &other) {
    PQclear(result_);
    result_ = other.result_;
    other.result_ = nullptr;
  }
  return *this;
}

int PgResult::rows() const { return PQntuples(result_); }

bool PgResult::IsNull(int row, int column) const { return PQgetisnull(result_, row, column) != 0; }

absl::string_view PgResult::Bytes(int row, int column) const {
  return absl::string_view(PQgetvalue(result_, row, column), PQgetlength(result_, row, column));
}

int64_t PgResult::Int(int row, int column) const {
  const absl::string_view bytes = Bytes(row, column);
  uint64_t value = 0;
  for (char c : bytes) value = (value << 8) | static_cast<uint8_t>(c);
  // Sign-extend smallint and integer values.
  const int bits = static_cast<int>(bytes.size()) * 8;
  if (bits > 0 && bits < 64 && (value >> (bits - 1)) & 1) value |= ~uint64_t{0} << bits;
  return static_cast<int64_t>(value);
}

absl::StatusOr<std::unique_ptr<PgConnection>> PgConnection::Open(const std::string& dsn,
                                                                const std::string& application_name) {
  // Entries before "dbname" are defaults that the expanded DSN overrides: give
  // up on connecting after 5 s, and over TCP notice a vanished server within
  // about 30 s instead of waiting on a dead socket. client_encoding comes after
  // it because the log's text must be UTF-8.
  const char* keywords[] = {"connect_timeout",  "keepalives_idle", "keepalives_interval", "keepalives_count",
                            "tcp_user_timeout", "application_name", "dbname", "client_encoding", nullptr};
  const char* values[] = {"5", "15", "5", "3", "30000", application_name.c_str(), dsn.c_str(), "UTF8", nullptr};
  pg_conn* conn = PQconnectdbParams(keywords, values, /*expand_dbname=*/1);
  if (conn == nullptr) return absl::ResourceExhaustedError("postgres: out of memory");
  if (PQstatus(conn) != CONNECTION_OK) {
    std::string message(absl::StripTrailingAsciiWhitespace(PQerrorMessage(conn)));
    PQfinish(conn);
    return absl::UnavailableError(absl::StrCat("postgres: cannot connect: ", message));
  }
  // Notices ("relation already exists, skipping") are for people at a
  // terminal; a library does not print (STYLE.md 11.6).
  PQsetNoticeProcessor(conn, [](void*, const char*) {}, nullptr);
  return std::unique_ptr<PgConnection>(new PgConnection(conn));
}

PgConnection::~PgConnection() { PQfinish(conn_); }

bool PgConnection::healthy() const { return PQstatus(conn_) == CONNECTION_OK; }

absl::Status PgConnection::Error(pg_result* result, absl::string_view what) const {
  const char* state = result != nullptr ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
  const char* text = result != nullptr ? PQresultErrorMessage(result) : "";
  if (text == nullptr || *text == '\0') text = PQerrorMessage(conn_);
  const std::string message =
      absl::StrCat("postgres: ", what, ": ", absl::StripTrailingAsciiWhitespace(text));
  if (!healthy() || state == nullptr || Transient(state)) return absl::UnavailableError(message);
  return absl::InternalError(message);
}

absl::Status PgConnection::Exec(const std::string& sql) {
  // With several statements, PQexec returns the last result, or the first error.
  pg_result* raw = PQexec(conn_, sql.c_str());
  const ExecStatusType status = PQresultStatus(raw);
  absl::Status result = status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK
                            ? absl::OkStatus()
                            : Error(raw, sql.substr(0, sql.find(' ', 20)));
  PQclear(raw);
  return result;
}

absl::StatusOr<PgResult> PgConnection::Query(const std::string& sql, const std::vector<PgParam>& params) {
  std::vector<const char*> values;
  std::vector<int> lengths, formats;
  for (const PgParam& p : params) {
    values.push_back(p.null ? nullptr : p.value.data());
    lengths.push_back(static_cast<int>(p.value.size()));
    formats.push_back(p.binary ? 1 : 0);
  }
  pg_result* raw = PQexecParams(conn_, sql.c_str(), static_cast<int>(params.size()), nullptr, values.data(),
                                lengths.data(), formats.data(), /*resultFormat=*/1);
  const ExecStatusType status = PQresultStatus(raw);
  if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) {
    absl::Status error = Error(raw, sql.substr(0, sql.find(' ', 20)));
    PQclear(raw);
    return error;
  }
  return PgResult(raw);
}

absl::Status PgConnection::CopyIn(const std::string& copy_sql, const std::string& data) {
  pg_result* started = PQexec(conn_, copy_sql.c_str());
  if (PQresultStatus(started) != PGRES_COPY_IN) {
    absl::Status error = Error(started, "start copy");
    PQclear(started);
    return error;
  }
  PQclear(started);
  if (PQputCopyData(conn_, data.data(), static_cast<int>(data.size())) != 1 || PQputCopyEnd(conn_, nullptr) != 1) {
    return Error(nullptr, "send copy data");
  }
  // The copy's own result, then the null that ends the command.
  absl::Status status = absl::OkStatus();
  while (pg_result* r = PQgetResult(conn_)) {
    if (status.ok() && PQresultStatus(r) != PGRES_COMMAND_OK) status = Error(r, "copy");
    PQclear(r);
  }
  return status;
}

PgCopyEncoder::PgCopyEncoder() {
  static constexpr char kSignature[] = "PGCOPY\n\377\r\n";
  out_.append(kSignature, sizeof(kSignature));  // 11 bytes with the terminating NUL
  Word(0, 4);                                   // flags: no OIDs
  Word(0, 4);                                   // no header extension
}

void PgCopyEncoder::Word(uint64_t value, int bytes) {
  for (int i = bytes - 1; i >= 0; --i) out_.push_back(static_cast<char>((value >> (8 * i)) & 0xff));
}

void PgCopyEncoder::BeginRow(int fields) { Word(static_cast<uint64_t>(fields), 2); }

void PgCopyEncoder::Int4(int32_t value) {
  Word(4, 4);
  Word(static_cast<uint32_t>(value), 4);
}

void PgCopyEncoder::Int8(int64_t value) {
  Word(8, 4);
  Word(static_cast<uint64_t>(value), 8);
}

void PgCopyEncoder::Bytes(absl::string_view value) {
  Word(value.size(), 4);
  out_.append(value.data(), value.size());
}

std::string PgCopyEncoder::Finish() {
  Word(0xffff, 2);  // field count -1: end of data
  return std::move(out_);
}

}  // namespace grens::plugin
