//! `[[sinks]]` (where notifications go) and `[delivery]` (how failed deliveries are retried).

use super::agents::resolve_program;
use super::raw::{RawDelivery, RawSink, S};
use super::{codes, Ctx};
use crate::exec::deliver::{DeliveryPolicy, Route};
use crate::exec::sinks::{CommandSink, SlackSink, WebhookSink, NOTIFICATION_KINDS};
use std::collections::BTreeSet;
use std::path::Path;
use std::sync::Arc;

#[derive(Debug, Clone)]
pub enum SinkTarget {
    Webhook(WebhookSink),
    Slack(SlackSink),
    Command(CommandSink),
}

#[derive(Debug, Clone)]
pub struct SinkConfig {
    /// Unique: `name`, else `{kind}-{index}` (1-based). Delivery records are kept per name.
    pub name: String,
    /// `None`: every kind.
    pub kinds: Option<BTreeSet<String>>,
    pub target: SinkTarget,
}

impl SinkConfig {
    pub fn route(&self) -> Route {
        let sink: Arc<dyn crate::exec::Sink> = match &self.target {
            SinkTarget::Webhook(s) => Arc::new(s.clone()),
            SinkTarget::Slack(s) => Arc::new(s.clone()),
            SinkTarget::Command(s) => Arc::new(s.clone()),
        };
        Route {
            sink,
            kinds: self.kinds.clone(),
        }
    }
}

/// Sink names are unique: delivery records are kept per (notification, sink name), so two sinks of
/// one name would share (and fight over) one record each. The second of a name is an error.
pub(super) fn reject_duplicate_names(raw: &[S<RawSink>], ctx: &mut Ctx) {
    let mut first: std::collections::BTreeMap<String, usize> = std::collections::BTreeMap::new();
    for (i, sink) in raw.iter().enumerate() {
        let name = name_of(i, sink);
        if name.trim().is_empty() {
            continue;
        }
        if let Some(earlier) = first.get(&name) {
            let span = sink
                .get_ref()
                .name
                .as_ref()
                .map_or(sink.span(), |n| n.span());
            ctx.error(
                codes::DUPLICATE_SINK,
                span,
                format!(
                    "two sinks are named `{name}` (sinks {} and {})",
                    earlier + 1,
                    i + 1
                ),
                "give each [[sinks]] entry its own `name`",
            );
        } else {
            first.insert(name, i);
        }
    }
}

/// A sink's name as `build` gives it: `name`, else `{kind}-{index}` (1-based).
fn name_of(index: usize, sink: &S<RawSink>) -> String {
    let s = sink.get_ref();
    match &s.name {
        Some(n) => n.get_ref().clone(),
        None => format!("{}-{}", s.kind.get_ref(), index + 1),
    }
}

pub(super) fn build(
    index: usize,
    sink: &S<RawSink>,
    base_dir: &Path,
    ctx: &mut Ctx,
) -> Option<SinkConfig> {
    let s = sink.get_ref();
    let kind = s.kind.get_ref().as_str();
    let errors_before = ctx.diagnostics.len();
    let name = match &s.name {
        Some(n) if n.get_ref().trim().is_empty() => {
            ctx.error(
                codes::EMPTY_VALUE,
                n.span(),
                "sink `name` is empty",
                "name the sink, or remove `name`",
            );
            String::new()
        }
        Some(n) => n.get_ref().clone(),
        None => name_of(index, sink),
    };
    let not_for = |ctx: &mut Ctx, key: &str, span: Option<std::ops::Range<usize>>| {
        if let Some(span) = span {
            ctx.error(
                codes::KEY_NOT_FOR_KIND,
                span,
                format!("`{key}` does not apply to a `{kind}` sink"),
                format!("remove `{key}`, or change `kind`"),
            );
        }
    };
    let kinds = s.kinds.as_ref().map(|list| {
        let mut set = BTreeSet::new();
        for k in list {
            if NOTIFICATION_KINDS.contains(&k.get_ref().as_str()) {
                set.insert(k.get_ref().clone());
            } else {
                ctx.error(
                    codes::BAD_NOTIFICATION_KIND,
                    k.span(),
                    format!("unknown notification kind `{}`", k.get_ref()),
                    format!("kinds are: {}", NOTIFICATION_KINDS.join(", ")),
                );
            }
        }
        set
    });
    let timeout = ctx.duration(&s.timeout);
    let url = |ctx: &mut Ctx| -> Option<String> {
        match &s.url {
            Some(u) => ctx.url(u),
            None => {
                ctx.error(
                    codes::MISSING_KEY,
                    sink.span(),
                    format!("`{kind}` sink has no `url`"),
                    "add `url = \"https://...\"`",
                );
                None
            }
        }
    };
    let target = match kind {
        "webhook" | "slack" => {
            not_for(ctx, "program", s.program.as_ref().map(|v| v.span()));
            not_for(ctx, "args", s.args.as_ref().map(|v| v.span()));
            not_for(ctx, "env", s.env.as_ref().map(|v| v.span()));
            let url = url(ctx);
            if kind == "webhook" {
                not_for(ctx, "blocks", s.blocks.as_ref().map(|v| v.span()));
                let headers = ctx.headers(&s.headers);
                let mut w = WebhookSink::new(name.clone(), url.unwrap_or_default());
                w.headers = headers;
                if let Some(t) = timeout {
                    w.timeout = t;
                }
                SinkTarget::Webhook(w)
            } else {
                not_for(ctx, "headers", s.headers.as_ref().map(|v| v.span()));
                let mut w = SlackSink::new(name.clone(), url.unwrap_or_default());
                w.blocks = s.blocks.as_ref().is_some_and(|b| *b.get_ref());
                if let Some(t) = timeout {
                    w.timeout = t;
                }
                SinkTarget::Slack(w)
            }
        }
        "command" => {
            not_for(ctx, "url", s.url.as_ref().map(|v| v.span()));
            not_for(ctx, "headers", s.headers.as_ref().map(|v| v.span()));
            not_for(ctx, "blocks", s.blocks.as_ref().map(|v| v.span()));
            let program = match &s.program {
                Some(p) if !p.get_ref().trim().is_empty() => resolve_program(p.get_ref(), base_dir),
                Some(p) => {
                    ctx.error(
                        codes::EMPTY_VALUE,
                        p.span(),
                        "`program` is empty",
                        "name the program to run",
                    );
                    Default::default()
                }
                None => {
                    ctx.error(
                        codes::MISSING_KEY,
                        sink.span(),
                        "`command` sink has no `program`",
                        "add `program = \"./notify.sh\"` (relative to rwf.toml)",
                    );
                    Default::default()
                }
            };
            let mut c = CommandSink::new(name.clone(), program);
            c.args = s
                .args
                .as_ref()
                .map(|v| v.get_ref().clone())
                .unwrap_or_default();
            c.env = s
                .env
                .as_ref()
                .map(|v| v.get_ref().clone())
                .unwrap_or_default();
            if let Some(t) = timeout {
                c.timeout = t;
            }
            SinkTarget::Command(c)
        }
        _ => {
            ctx.error(
                codes::UNKNOWN_KIND,
                s.kind.span(),
                format!("unknown sink kind `{kind}`"),
                "use `webhook`, `slack` or `command`",
            );
            return None;
        }
    };
    (ctx.diagnostics.len() == errors_before
        || !crate::diagnostic::has_errors(&ctx.diagnostics[errors_before..]))
    .then_some(SinkConfig {
        name,
        kinds,
        target,
    })
}

pub(super) fn delivery(raw: RawDelivery, ctx: &mut Ctx) -> DeliveryPolicy {
    let mut policy = DeliveryPolicy::default();
    if let Some(n) = &raw.max_attempts {
        if *n.get_ref() == 0 {
            ctx.error(
                codes::WRONG_TYPE,
                n.span(),
                "`max_attempts` must be at least 1",
                "1 means a single attempt without retry",
            );
        } else {
            policy.max_attempts = *n.get_ref();
        }
    }
    if let Some(d) = ctx.duration(&raw.initial_backoff) {
        policy.initial_backoff = d;
    }
    if let Some(d) = ctx.duration(&raw.max_backoff) {
        policy.max_backoff = d;
    }
    if let Some(d) = ctx.duration(&raw.max_age) {
        policy.max_age = d;
    }
    policy
}
