// Matrix application-service transactions (PUT /_matrix/app/v1/transactions/{txnId}):
// the homeserver pushes {"events": [ClientEvent...]} plus, when the registration
// asks for it (MSC2409), ephemeral events (presence, typing, receipts) under
// "ephemeral" or its unstable names. One canonical event per Matrix event (and
// per user for typing and receipts), in payload order: timeline events first.
//
// Categories: m.room.message and m.sticker are MESSAGE_CONTENT (body and
// formatted_body become content, so redaction applies); m.room.encrypted is
// MESSAGE_METADATA only (the ciphertext is never passed on); membership,
// reactions, redactions, typing and read receipts are MESSAGE_METADATA (who
// talks where, without content); m.presence is PRESENCE, except "unavailable"
// or "online but not currently active", which is what idle detection reports
// (ACTIVITY). Anything else is CATEGORY_UNSPECIFIED about its sender.
//
// Authentication: the registration's hs_token, as "Authorization: Bearer" (spec
// v1.4 and later) or, from older homeservers, the access_token query parameter.
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "adapters/delivery.h"
#include "adapters/field_reader.h"
#include "adapters/platforms.h"
#include "adapters/signature.h"
#include "policy/status_macros.h"

namespace grens::adapters {
namespace {

constexpr absl::string_view kPlatform = "matrix";
// Where MSC2409 homeservers put ephemeral events: stable name first.
constexpr absl::string_view kEphemeralKeys[] = {"ephemeral", "de.sorunome.msc2409.ephemeral",
                                                "org.matrix.msc2409.ephemeral"};

// What every event of one transaction shares.
struct Context {
  absl::Time received_at;
  std::string txn_id;
  std::vector<v1::MonitoringEvent>* out;
};

// The transaction id: the last segment of ".../transactions/{txnId}", or "".
std::string TxnId(absl::string_view path) {
  const size_t at = path.rfind("/transactions/");
  if (at == absl::string_view::npos) return "";
  absl::string_view id = path.substr(at + 14);
  return std::string(id.substr(0, id.find_first_of("?/")));
}

// `origin_server_ts` (ms) when the event has one; receipt time otherwise
// (ephemeral events carry none).
absl::StatusOr<v1::MonitoringEvent> Base(const FieldReader& ev, const Context& ctx, v1::Category category,
                                         absl::string_view subject) {
  GRENS_ASSIGN_OR_RETURN(const EventTime when,
                         TimeOrReceipt(ev, "origin_server_ts", TimeFormat::kUnixMillis, ctx.received_at));
  v1::MonitoringEvent e = NewEvent(kPlatform, category, subject, when.at, when.receipt);
  GRENS_ASSIGN_OR_RETURN(std::string type, ev.String("type"));
  (*e.mutable_attributes())["event_type"] = type;
  GRENS_ASSIGN_OR_RETURN(std::string event_id, ev.OptionalString("event_id"));
  if (!event_id.empty()) {
    e.set_id(event_id);
    (*e.mutable_attributes())["event_id"] = event_id;
  }
  GRENS_ASSIGN_OR_RETURN(std::string room, ev.OptionalString("room_id"));
  SetAttribute("room_id", room, &e);
  SetAttribute("txn_id", ctx.txn_id, &e);
  return e;
}

absl::Status Message(const FieldReader& ev, const Context& ctx, absl::string_view sender) {
  GRENS_ASSIGN_OR_RETURN(v1::MonitoringEvent e, Base(ev, ctx, v1::CATEGORY_MESSAGE_CONTENT, sender));
  GRENS_ASSIGN_OR_RETURN(std::string msgtype, ev.OptionalString("content.msgtype"));
  SetAttribute("msgtype", msgtype, &e);
  for (absl::string_view field : {"body", "formatted_body"}) {
    GRENS_ASSIGN_OR_RETURN(std::string text, ev.OptionalString(absl::StrCat("content.", field)));
    AddContent(field, text, &e);
  }
  ctx.out->push_back(std::move(e));
  return absl::OkStatus();
}

// Only the facts of an encrypted message, never its ciphertext.
absl::Status Encrypted(const FieldReader& ev, const Context& ctx, absl::string_view sender) {
  GRENS_ASSIGN_OR_RETURN(v1::MonitoringEvent e, Base(ev, ctx, v1::CATEGORY_MESSAGE_METADATA, sender));
  GRENS_ASSIGN_OR_RETURN(std::string algorithm, ev.OptionalString("content.algorithm"));
  SetAttribute("algorithm", algorithm, &e);
  ctx.out->push_back(std::move(e));
  return absl::OkStatus();
}

// A membership change is about the member (state_key), whoever sent it.
absl::Status Member(const FieldReader& ev, const Context& ctx) {
  GRENS_ASSIGN_OR_RETURN(std::string member, ev.String("state_key"));
  GRENS_ASSIGN_OR_RETURN(v1::MonitoringEvent e, Base(ev, ctx, v1::CATEGORY_MESSAGE_METADATA, member));
  GRENS_ASSIGN_OR_RETURN(std::string membership, ev.String("content.membership"));
  (*e.mutable_attributes())["membership"] = membership;
  ctx.out->push_back(std::move(e));
  return absl::OkStatus();
}

absl::Status Presence(const FieldReader& ev, const Context& ctx, absl::string_view sender) {
  GRENS_ASSIGN_OR_RETURN(std::string presence, ev.String("content.presence"));
  GRENS_ASSIGN_OR_RETURN(const bool active, ev.OptionalBool("content.currently_active", true));
  // "unavailable" is what clients report after an idle timeout; online but not
  // currently active is the same signal: both are idle detection. Without
  // currently_active nothing says the user is idle.
  const bool idle = presence == "unavailable" || (presence == "online" && !active);
  GRENS_ASSIGN_OR_RETURN(v1::MonitoringEvent e,
                         Base(ev, ctx, idle ? v1::CATEGORY_ACTIVITY : v1::CATEGORY_PRESENCE, sender));
  (*e.mutable_attributes())["presence"] = presence;
  if (idle) {
    GRENS_ASSIGN_OR_RETURN(int64_t ago, ev.OptionalInt64("content.last_active_ago", -1));
    if (ago >= 0) (*e.mutable_attributes())["last_active_ago_ms"] = absl::StrCat(ago);
  }
  ctx.out->push_back(std::move(e));
  return absl::OkStatus();
}

// m.typing: one event per user in content.user_ids.
absl::Status Typing(const FieldReader& ev, const Context& ctx) {
  GRENS_ASSIGN_OR_RETURN(const Json* users, ev.Array("content.user_ids"));
  for (size_t i = 0; i < users->items().size(); ++i) {
    GRENS_ASSIGN_OR_RETURN(std::string user, ev.Item("content.user_ids", i).String(""));
    GRENS_ASSIGN_OR_RETURN(v1::MonitoringEvent e, Base(ev, ctx, v1::CATEGORY_MESSAGE_METADATA, user));
    ctx.out->push_back(std::move(e));
  }
  return absl::OkStatus();
}

// m.receipt: content is {event_id: {receipt type: {user: {ts}}}}; one event
// per user and receipt, at the receipt's ts. Event ids contain dots, so these
// levels are walked by hand rather than by dotted paths.
absl::Status Receipts(const FieldReader& ev, const Context& ctx) {
  GRENS_ASSIGN_OR_RETURN(const Json* content, ev.Object("content"));
  for (size_t i = 0; i < content->keys().size(); ++i) {
    const Json& by_type = content->values()[i];
    const std::string path = absl::StrCat(ev.PathOf("content"), "[", content->keys()[i], "]");
    if (!by_type.is_object()) return FieldReader(kPlatform, &by_type, path).Object("").status();
    for (size_t j = 0; j < by_type.keys().size(); ++j) {
      const Json& by_user = by_type.values()[j];
      const std::string type_path = absl::StrCat(path, "[", by_type.keys()[j], "]");
      if (!by_user.is_object()) return FieldReader(kPlatform, &by_user, type_path).Object("").status();
      for (size_t k = 0; k < by_user.keys().size(); ++k) {
        const std::string& user = by_user.keys()[k];
        const FieldReader receipt(kPlatform, &by_user.values()[k], absl::StrCat(type_path, "[", user, "]"));
        GRENS_ASSIGN_OR_RETURN(v1::MonitoringEvent e, Base(ev, ctx, v1::CATEGORY_MESSAGE_METADATA, user));
        if (receipt.Find("ts") != nullptr) {
          GRENS_ASSIGN_OR_RETURN(absl::Time at, receipt.Time("ts", TimeFormat::kUnixMillis));
          SetOccurredAt(at, false, &e);
        }
        (*e.mutable_attributes())["receipt_type"] = by_type.keys()[j];
        (*e.mutable_attributes())["read_event_id"] = content->keys()[i];
        ctx.out->push_back(std::move(e));
      }
    }
  }
  return absl::OkStatus();
}

absl::Status OneEvent(const FieldReader& ev, const Context& ctx) {
  GRENS_RETURN_IF_ERROR(ev.Object("").status());
  GRENS_ASSIGN_OR_RETURN(std::string type, ev.String("type"));
  if (type == "m.room.member") return Member(ev, ctx);
  if (type == "m.typing") return Typing(ev, ctx);
  if (type == "m.receipt") return Receipts(ev, ctx);
  GRENS_ASSIGN_OR_RETURN(std::string sender, ev.String("sender"));
  if (type == "m.room.message" || type == "m.sticker") return Message(ev, ctx, sender);
  if (type == "m.room.encrypted") return Encrypted(ev, ctx, sender);
  if (type == "m.presence") return Presence(ev, ctx, sender);
  const bool metadata = type == "m.reaction" || type == "m.room.redaction";
  GRENS_ASSIGN_OR_RETURN(v1::MonitoringEvent e,
                         Base(ev, ctx, metadata ? v1::CATEGORY_MESSAGE_METADATA : v1::CATEGORY_UNSPECIFIED, sender));
  ctx.out->push_back(std::move(e));
  return absl::OkStatus();
}

// The "matrix" adapter: checks the hs_token and fans a transaction out.
// Immutable after construction, so safe for concurrent use.
class MatrixAdapter final : public Adapter {
 public:
  explicit MatrixAdapter(AdapterConfig config) : config_(std::move(config)) {}

  absl::string_view name() const override { return kPlatform; }

  absl::StatusOr<Translation> Translate(const v1::EvaluatePlatformEventRequest& request,
                                        absl::Time received_at) const override {
    GRENS_RETURN_IF_ERROR(Verify(request));
    GRENS_ASSIGN_OR_RETURN(Json body, ParseObjectPayload(kPlatform, request.payload()));
    const FieldReader root(kPlatform, &body);
    Translation out;
    const Context ctx{received_at, TxnId(request.path()), &out.events};
    GRENS_ASSIGN_OR_RETURN(const Json* events, root.Array("events"));
    for (size_t i = 0; i < events->items().size(); ++i) {
      GRENS_RETURN_IF_ERROR(OneEvent(root.Item("events", i), ctx));
    }
    for (absl::string_view key : kEphemeralKeys) {
      // The unstable names contain dots, so they are looked up whole, not as paths.
      const Json* node = body.Find(key);
      if (node == nullptr) continue;
      const FieldReader ephemeral(kPlatform, node, std::string(key));
      GRENS_ASSIGN_OR_RETURN(const Json* list, ephemeral.Array(""));
      for (size_t i = 0; i < list->items().size(); ++i) {
        GRENS_RETURN_IF_ERROR(OneEvent(ephemeral.Item("", i), ctx));
      }
      break;  // a homeserver sends one of the names; never count an event twice
    }
    return out;
  }

 private:
  absl::Status Verify(const v1::EvaluatePlatformEventRequest& request) const {
    if (config_.skip_signature_check) return absl::OkStatus();
    if (config_.secret.empty()) {
      return absl::UnauthenticatedError("matrix: no hs_token is configured (platforms[].secret_file)");
    }
    absl::string_view token = BearerToken(HeaderValue(request, "authorization"));
    std::optional<std::string> query_token;
    if (token.empty()) {
      query_token = QueryParam(request.query(), "access_token");
      if (query_token.has_value()) token = *query_token;
    }
    if (token.empty()) {
      return absl::UnauthenticatedError(
          "matrix: no hs_token: neither an Authorization: Bearer header nor an access_token query parameter");
    }
    if (!ConstantTimeEquals(token, config_.secret)) {
      return absl::UnauthenticatedError("matrix: the hs_token does not match the registration's");
    }
    return absl::OkStatus();
  }

  const AdapterConfig config_;
};

}  // namespace

std::unique_ptr<Adapter> NewMatrixAdapter(const AdapterConfig& config) {
  return std::make_unique<MatrixAdapter>(config);
}

}  // namespace grens::adapters
