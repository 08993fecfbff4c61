// Hook payloads of a grens Mattermost plugin relay. Mattermost server plugins
// run in process (server/public/plugin/hooks.go) and have no wire format of
// their own, so grens defines one, JSON, close to the plugin API's names:
//
//   {"token": "<the configured token>",
//    "hook": "MessageHasBeenPosted",          // the plugin hook that fired
//    "user_id": "<acting user>",              // hooks without a post
//    "timestamp": 1773133200512,              // when the hook fired, Unix ms (optional)
//    "channel_id": "...", "team_id": "...",   // optional
//    "post": {"id", "user_id", "channel_id", "root_id", "message", "type",
//             "create_at", "update_at", "edit_at", "delete_at"},   // model.Post, times in ms
//    "status": {"status": "away", "manual": false, "last_activity_at": 1773133200000}}
//
// Hooks and categories:
//   MessageWillBePosted, MessageHasBeenPosted, MessageWillBeUpdated,
//   MessageHasBeenUpdated  -> MESSAGE_CONTENT about post.user_id, post.message as content
//   MessageHasBeenDeleted  -> MESSAGE_METADATA (that a post was deleted, not what it said)
//   UserHasJoinedChannel, UserHasLeftChannel -> MESSAGE_METADATA (who talks where)
//   UserHasLoggedIn        -> ACTIVITY (session timing: when someone starts working)
//   UserStatusChanged      -> PRESENCE; "away" set automatically (manual false) is
//                             Mattermost's idle detection, so ACTIVITY
//   anything else          -> CATEGORY_UNSPECIFIED about the acting user
// Post hooks take the time of the change (create_at, edit_at/update_at,
// delete_at), others `timestamp`; without one, the receipt time.
#include <initializer_list>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "adapters/delivery.h"
#include "adapters/mattermost/mattermost_internal.h"
#include "policy/status_macros.h"

namespace grens::adapters::mattermost {
namespace {

constexpr absl::string_view kPlatform = "mattermost";

// The first of `fields` (Unix ms) that is set and not 0 (Mattermost's "never"),
// else the payload's `timestamp`, else the receipt time.
absl::StatusOr<EventTime> FirstTime(const FieldReader& root, const FieldReader* post,
                                    std::initializer_list<absl::string_view> fields, absl::Time received_at) {
  if (post != nullptr) {
    for (absl::string_view field : fields) {
      GRENS_ASSIGN_OR_RETURN(int64_t value, post->OptionalInt64(field, 0));
      if (value == 0) continue;
      GRENS_ASSIGN_OR_RETURN(absl::Time at, post->Time(field, TimeFormat::kUnixMillis));
      return EventTime{at, false};
    }
  }
  return TimeOrReceipt(root, "timestamp", TimeFormat::kUnixMillis, received_at);
}

absl::Status PostHook(const FieldReader& root, const std::string& hook, absl::Time received_at,
                      std::vector<v1::MonitoringEvent>* out) {
  GRENS_ASSIGN_OR_RETURN(FieldReader post, root.Sub("post"));
  GRENS_ASSIGN_OR_RETURN(std::string author, post.String("user_id"));
  const bool deleted = hook == "MessageHasBeenDeleted";
  const bool updated = hook == "MessageWillBeUpdated" || hook == "MessageHasBeenUpdated";
  absl::StatusOr<EventTime> when =
      deleted ? FirstTime(root, &post, {"delete_at"}, received_at)
              : updated ? FirstTime(root, &post, {"edit_at", "update_at"}, received_at)
                        : FirstTime(root, &post, {"create_at"}, received_at);
  if (!when.ok()) return when.status();
  v1::MonitoringEvent e = NewEvent(kPlatform, deleted ? v1::CATEGORY_MESSAGE_METADATA : v1::CATEGORY_MESSAGE_CONTENT,
                                   author, when->at, when->receipt);
  GRENS_ASSIGN_OR_RETURN(std::string post_id, post.OptionalString("id"));
  e.set_id(post_id);
  SetAttribute("hook", hook, &e);
  SetAttribute("post_id", post_id, &e);
  GRENS_ASSIGN_OR_RETURN(std::string channel, post.OptionalString("channel_id"));
  SetAttribute("channel_id", channel, &e);
  GRENS_ASSIGN_OR_RETURN(std::string thread, post.OptionalString("root_id"));
  SetAttribute("root_id", thread, &e);
  GRENS_ASSIGN_OR_RETURN(std::string message, post.OptionalString("message"));
  if (!deleted) AddContent("message", message, &e);
  out->push_back(std::move(e));
  return absl::OkStatus();
}

// UserStatusChanged: "away" that Mattermost set by itself is idle detection.
absl::StatusOr<v1::MonitoringEvent> Status(const FieldReader& root, const std::string& user, EventTime when) {
  GRENS_ASSIGN_OR_RETURN(std::string status, root.String("status.status"));
  GRENS_ASSIGN_OR_RETURN(const bool manual, root.OptionalBool("status.manual", true));
  const bool idle = status == "away" && !manual;
  v1::MonitoringEvent e =
      NewEvent(kPlatform, idle ? v1::CATEGORY_ACTIVITY : v1::CATEGORY_PRESENCE, user, when.at, when.receipt);
  SetAttribute("status", status, &e);
  if (idle && root.Find("status.last_activity_at") != nullptr) {
    GRENS_ASSIGN_OR_RETURN(absl::Time last, root.Time("status.last_activity_at", TimeFormat::kUnixMillis));
    SetAttribute("last_activity_at", absl::FormatTime("%Y-%m-%dT%H:%M:%E*SZ", last, absl::UTCTimeZone()), &e);
  }
  return e;
}

}  // namespace

absl::Status TranslateHook(const FieldReader& root, absl::Time received_at, std::vector<v1::MonitoringEvent>* out) {
  GRENS_ASSIGN_OR_RETURN(std::string hook, root.String("hook"));
  if (hook == "MessageWillBePosted" || hook == "MessageHasBeenPosted" || hook == "MessageWillBeUpdated" ||
      hook == "MessageHasBeenUpdated" || hook == "MessageHasBeenDeleted") {
    return PostHook(root, hook, received_at, out);
  }
  GRENS_ASSIGN_OR_RETURN(std::string user, root.OptionalString("user_id"));
  if (user.empty()) {
    GRENS_ASSIGN_OR_RETURN(user, root.OptionalString("post.user_id"));
  }
  if (user.empty()) return root.Error("user_id", "missing: the hook names no user");
  GRENS_ASSIGN_OR_RETURN(EventTime when, FirstTime(root, nullptr, {}, received_at));
  v1::MonitoringEvent e;
  if (hook == "UserStatusChanged") {
    GRENS_ASSIGN_OR_RETURN(e, Status(root, user, when));
  } else {
    v1::Category category = v1::CATEGORY_UNSPECIFIED;
    if (hook == "UserHasJoinedChannel" || hook == "UserHasLeftChannel") category = v1::CATEGORY_MESSAGE_METADATA;
    if (hook == "UserHasLoggedIn") category = v1::CATEGORY_ACTIVITY;
    e = NewEvent(kPlatform, category, user, when.at, when.receipt);
  }
  SetAttribute("hook", hook, &e);
  GRENS_ASSIGN_OR_RETURN(std::string channel, root.OptionalString("channel_id"));
  SetAttribute("channel_id", channel, &e);
  GRENS_ASSIGN_OR_RETURN(std::string team, root.OptionalString("team_id"));
  SetAttribute("team_id", team, &e);
  out->push_back(std::move(e));
  return absl::OkStatus();
}

}  // namespace grens::adapters::mattermost
