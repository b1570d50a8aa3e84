//! The caller's unread state of the notifications feed: `GET /api/v1/notifications/read` says up to
//! when they have read it, `POST` moves the mark (to now, or to a given instant; never backwards).

use super::endpoint::{Api, Cx, Json, NoBody, Op};
use super::problem::Problem;
use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

#[derive(Serialize, JsonSchema)]
pub struct ReadMark {
    /// Notifications created after this are unread; none: all are.
    pub read_at: Option<DateTime<Utc>>,
}

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MarkRead {
    /// Read up to this instant (default: now).
    #[serde(default)]
    pub at: Option<DateTime<Utc>>,
}

async fn read_mark(cx: Cx, _: NoBody) -> Result<ReadMark, Problem> {
    let who = cx.who()?.actor();
    Ok(ReadMark {
        read_at: cx.state.store.feed_read_at(&who).await?,
    })
}

async fn mark_read(cx: Cx, Json(req): Json<MarkRead>) -> Result<ReadMark, Problem> {
    let who = cx.who()?.actor();
    Ok(ReadMark {
        read_at: Some(cx.state.store.mark_feed_read(&who, req.at).await?),
    })
}

pub fn routes(api: Api) -> Api {
    api.op(
        Op::get(
            "/api/v1/notifications/read",
            "Up to when the caller has read the feed",
        ),
        read_mark,
    )
    .op(
        Op::post(
            "/api/v1/notifications/read",
            "Mark the feed read up to now (or `at`)",
        ),
        mark_read,
    )
}
