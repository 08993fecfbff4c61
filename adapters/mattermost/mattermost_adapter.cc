// Mattermost: outgoing webhooks (model.OutgoingWebhookPayload) and the hook
// payloads of a grens Mattermost plugin relay (mattermost_hooks.cc).
//
// An outgoing webhook is sent as JSON or form-encoded, as the hook's content
// type says, and the two differ in the time unit: the JSON `timestamp` is
// Unix milliseconds, the form value is divided by 1000 (ToFormValues), so the
// delivery's media type decides how it is read (a delivery without one is
// sniffed: a body starting with '{' is JSON). Each is one MESSAGE_CONTENT
// event about the poster, with the text as content.
//
// Authentication: the hook's `token` field, compared in constant time with the
// configured token. It sits in the body, so the body is parsed first; nothing
// else is read before the token has matched. Plugin relays send the same field.
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "adapters/delivery.h"
#include "adapters/mattermost/mattermost_internal.h"
#include "adapters/platforms.h"
#include "adapters/signature.h"
#include "policy/status_macros.h"

namespace grens::adapters {
namespace {

constexpr absl::string_view kPlatform = "mattermost";

// One outgoing-webhook post, whichever encoding it came in.
struct Post {
  std::string user_id, post_id, channel_id, team_id, trigger_word, text;
  EventTime when;
};

v1::MonitoringEvent PostEvent(const Post& post) {
  v1::MonitoringEvent e =
      NewEvent(kPlatform, v1::CATEGORY_MESSAGE_CONTENT, post.user_id, post.when.at, post.when.receipt);
  e.set_id(post.post_id);
  SetAttribute("source", "outgoing_webhook", &e);
  SetAttribute("post_id", post.post_id, &e);
  SetAttribute("channel_id", post.channel_id, &e);
  SetAttribute("team_id", post.team_id, &e);
  SetAttribute("trigger_word", post.trigger_word, &e);
  AddContent("text", post.text, &e);
  return e;
}

absl::StatusOr<Post> JsonPost(const FieldReader& root, absl::Time received_at) {
  Post p;
  GRENS_ASSIGN_OR_RETURN(p.user_id, root.String("user_id"));
  GRENS_ASSIGN_OR_RETURN(p.post_id, root.OptionalString("post_id"));
  GRENS_ASSIGN_OR_RETURN(p.channel_id, root.OptionalString("channel_id"));
  GRENS_ASSIGN_OR_RETURN(p.team_id, root.OptionalString("team_id"));
  GRENS_ASSIGN_OR_RETURN(p.trigger_word, root.OptionalString("trigger_word"));
  GRENS_ASSIGN_OR_RETURN(p.text, root.OptionalString("text"));
  GRENS_ASSIGN_OR_RETURN(p.when, TimeOrReceipt(root, "timestamp", TimeFormat::kUnixMillis, received_at));
  return p;
}

// A decoded form body, read by name (the first value wins). Immutable after
// construction; used by one translation at a time.
class Form {
 public:
  explicit Form(std::vector<std::pair<std::string, std::string>> pairs) : pairs_(std::move(pairs)) {}
  const std::string* Find(absl::string_view name) const {
    for (const auto& [key, value] : pairs_) {
      if (key == name) return &value;
    }
    return nullptr;
  }
  std::string Get(absl::string_view name) const {
    const std::string* v = Find(name);
    return v == nullptr ? "" : *v;
  }

 private:
  std::vector<std::pair<std::string, std::string>> pairs_;
};

absl::StatusOr<Post> FormPost(const Form& form, absl::Time received_at) {
  Post p{form.Get("user_id"), form.Get("post_id"),      form.Get("channel_id"),
         form.Get("team_id"), form.Get("trigger_word"), form.Get("text"),
         {received_at, true}};
  if (p.user_id.empty()) return absl::InvalidArgumentError("mattermost: user_id: missing");
  const std::string timestamp = form.Get("timestamp");
  if (!timestamp.empty()) {
    absl::StatusOr<absl::Time> at = ParseEventTime(timestamp, TimeFormat::kUnixSeconds);
    if (!at.ok()) return absl::InvalidArgumentError(absl::StrCat("mattermost: timestamp: ", at.status().message()));
    p.when = {*at, false};
  }
  return p;
}

// The "mattermost" adapter: reads the body by media type, checks the token,
// then translates a webhook or a plugin hook. Immutable after construction,
// so safe for concurrent use.
class MattermostAdapter final : public Adapter {
 public:
  explicit MattermostAdapter(AdapterConfig config) : config_(std::move(config)) {}

  absl::string_view name() const override { return kPlatform; }

  absl::StatusOr<Translation> Translate(const v1::EvaluatePlatformEventRequest& request,
                                        absl::Time received_at) const override {
    std::string type = MediaType(request);
    if (type.empty()) {
      const absl::string_view body = absl::StripLeadingAsciiWhitespace(request.payload());
      type = !body.empty() && body[0] == '{' ? "application/json" : "application/x-www-form-urlencoded";
    }
    Translation out;
    if (type == "application/json") {
      GRENS_ASSIGN_OR_RETURN(Json body, ParseObjectPayload(kPlatform, request.payload()));
      const FieldReader root(kPlatform, &body);
      GRENS_ASSIGN_OR_RETURN(std::string token, root.OptionalString("token"));
      GRENS_RETURN_IF_ERROR(Verify(token));
      if (root.Find("hook") != nullptr) {
        GRENS_RETURN_IF_ERROR(mattermost::TranslateHook(root, received_at, &out.events));
        return out;
      }
      GRENS_ASSIGN_OR_RETURN(Post post, JsonPost(root, received_at));
      out.events.push_back(PostEvent(post));
      return out;
    }
    if (type == "application/x-www-form-urlencoded") {
      absl::StatusOr<std::vector<std::pair<std::string, std::string>>> pairs = ParseForm(request.payload());
      if (!pairs.ok()) return absl::InvalidArgumentError(absl::StrCat("mattermost: ", pairs.status().message()));
      const Form form(*std::move(pairs));
      GRENS_RETURN_IF_ERROR(Verify(form.Get("token")));
      GRENS_ASSIGN_OR_RETURN(Post post, FormPost(form, received_at));
      out.events.push_back(PostEvent(post));
      return out;
    }
    return absl::InvalidArgumentError(absl::StrCat(
        "mattermost: content type '", type, "': expected application/json or application/x-www-form-urlencoded"));
  }

 private:
  absl::Status Verify(absl::string_view token) const {
    if (config_.skip_signature_check) return absl::OkStatus();
    if (config_.secret.empty()) {
      return absl::UnauthenticatedError("mattermost: no webhook token is configured (platforms[].secret_file)");
    }
    if (token.empty()) return absl::UnauthenticatedError("mattermost: token: missing");
    if (!ConstantTimeEquals(token, config_.secret)) {
      return absl::UnauthenticatedError("mattermost: token: does not match the configured webhook token");
    }
    return absl::OkStatus();
  }

  const AdapterConfig config_;
};

}  // namespace

std::unique_ptr<Adapter> NewMattermostAdapter(const AdapterConfig& config) {
  return std::make_unique<MattermostAdapter>(config);
}

}  // namespace grens::adapters
