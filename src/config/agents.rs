//! `[agents.NAME]`: what a task's `uses` runs, a command or an http service.

use super::raw::{RawAgent, S};
use super::{codes, Ctx};
use crate::exec::command::CommandAgent;
use crate::exec::http::HttpAgent;
use crate::exec::Executor;
use std::path::Path;

#[derive(Debug, Clone, PartialEq)]
pub enum AgentConfig {
    Command(CommandAgent),
    Http(HttpAgent),
}

impl AgentConfig {
    pub fn executor(&self) -> Box<dyn Executor> {
        match self {
            AgentConfig::Command(c) => Box::new(c.clone()),
            AgentConfig::Http(h) => Box::new(h.clone()),
        }
    }
}

const COMMAND_KEYS: &[&str] = &["program", "args", "env", "cwd"];
const HTTP_KEYS: &[&str] = &[
    "url",
    "status_url",
    "headers",
    "poll_interval",
    "max_retries",
];

/// Resolves `./x`, `dir/x` against the config's directory; a bare name stays for `PATH` lookup.
pub(super) fn resolve_program(program: &str, base_dir: &Path) -> std::path::PathBuf {
    let path = Path::new(program);
    if path.is_absolute() || !program.contains('/') {
        path.to_path_buf()
    } else {
        base_dir.join(path)
    }
}

pub(super) fn build(
    name: &S<String>,
    agent: &S<RawAgent>,
    base_dir: &Path,
    ctx: &mut Ctx,
) -> Option<AgentConfig> {
    let a = agent.get_ref();
    if name.get_ref().starts_with("builtin:") {
        ctx.error(
            codes::RESERVED_AGENT,
            name.span(),
            format!(
                "agent `{}` uses the reserved prefix `builtin:`",
                name.get_ref()
            ),
            "rename the agent; `builtin:*` always means the built-in test executor",
        );
        return None;
    }
    if name.get_ref().trim().is_empty() {
        ctx.error(
            codes::EMPTY_VALUE,
            name.span(),
            "agent name is empty",
            "name the agent as templates write it in `uses`",
        );
        return None;
    }
    let present = |key: &str| -> Option<std::ops::Range<usize>> {
        match key {
            "program" => a.program.as_ref().map(|v| v.span()),
            "args" => a.args.as_ref().map(|v| v.span()),
            "env" => a.env.as_ref().map(|v| v.span()),
            "cwd" => a.cwd.as_ref().map(|v| v.span()),
            "url" => a.url.as_ref().map(|v| v.span()),
            "status_url" => a.status_url.as_ref().map(|v| v.span()),
            "headers" => a.headers.as_ref().map(|v| v.span()),
            "poll_interval" => a.poll_interval.as_ref().map(|v| v.span()),
            "max_retries" => a.max_retries.as_ref().map(|v| v.span()),
            _ => None,
        }
    };
    let kind = a.kind.get_ref().as_str();
    let foreign = match kind {
        "command" => HTTP_KEYS,
        "http" => COMMAND_KEYS,
        _ => {
            ctx.error(
                codes::UNKNOWN_KIND,
                a.kind.span(),
                format!("unknown agent kind `{kind}`"),
                "use `command` (a program per attempt) or `http` (a service)",
            );
            return None;
        }
    };
    let mut ok = true;
    for key in foreign {
        if let Some(span) = present(key) {
            ok = false;
            ctx.error(
                codes::KEY_NOT_FOR_KIND,
                span,
                format!("`{key}` does not apply to a `{kind}` agent"),
                format!("remove `{key}`, or change `kind`"),
            );
        }
    }
    let timeout = ctx.duration(&a.timeout);
    ok &= a.timeout.is_none() || timeout.is_some();
    let built = match kind {
        "command" => {
            let Some(program) = &a.program else {
                ctx.error(
                    codes::MISSING_KEY,
                    agent.span(),
                    format!("command agent `{}` has no `program`", name.get_ref()),
                    "add `program = \"./agents/draft.sh\"` (relative to rwf.toml)",
                );
                return None;
            };
            if program.get_ref().trim().is_empty() {
                ctx.error(
                    codes::EMPTY_VALUE,
                    program.span(),
                    "`program` is empty",
                    "name the program to run",
                );
                return None;
            }
            AgentConfig::Command(CommandAgent {
                program: resolve_program(program.get_ref(), base_dir),
                args: a
                    .args
                    .as_ref()
                    .map(|v| v.get_ref().clone())
                    .unwrap_or_default(),
                env: a
                    .env
                    .as_ref()
                    .map(|v| v.get_ref().clone())
                    .unwrap_or_default(),
                cwd: a.cwd.as_ref().map(|c| base_dir.join(c.get_ref())),
                timeout,
            })
        }
        _ => {
            let Some(url) = &a.url else {
                ctx.error(
                    codes::MISSING_KEY,
                    agent.span(),
                    format!("http agent `{}` has no `url`", name.get_ref()),
                    "add `url = \"https://agents.example.com/runs\"`",
                );
                return None;
            };
            let url = ctx.url(url);
            let status_url = a.status_url.as_ref().and_then(|t| status_template(t, ctx));
            ok &= a.status_url.is_none() || status_url.is_some();
            let poll_interval = ctx.duration(&a.poll_interval);
            ok &= a.poll_interval.is_none() || poll_interval.is_some();
            let errors_before = ctx.diagnostics.len();
            let headers = ctx.headers(&a.headers);
            ok &= ctx.diagnostics.len() == errors_before;
            let mut agent = HttpAgent::new(url?);
            agent.status_url = status_url;
            agent.headers = headers;
            agent.timeout = timeout;
            if let Some(p) = poll_interval {
                agent.poll_interval = p;
            }
            if let Some(r) = &a.max_retries {
                agent.retry.max_retries = *r.get_ref();
            }
            AgentConfig::Http(agent)
        }
    };
    ok.then_some(built)
}

/// Checks `{id}` / `{key}` placeholders, then the URL with them filled in.
fn status_template(t: &S<String>, ctx: &mut Ctx) -> Option<String> {
    let text = t.get_ref();
    let mut rest = text.as_str();
    while let Some(open) = rest.find('{') {
        let after = &rest[open + 1..];
        let Some(close) = after.find('}') else {
            ctx.error(
                codes::BAD_TEMPLATE,
                t.span(),
                "unclosed `{` in `status_url`",
                "placeholders are `{id}` (the run id) and `{key}` (the idempotency key)",
            );
            return None;
        };
        let name = &after[..close];
        if name != "id" && name != "key" {
            ctx.error(
                codes::BAD_TEMPLATE,
                t.span(),
                format!("unknown placeholder `{{{name}}}` in `status_url`"),
                "placeholders are `{id}` (the run id) and `{key}` (the idempotency key)",
            );
            return None;
        }
        rest = &after[close + 1..];
    }
    let filled = S::new(
        t.span(),
        text.replace("{id}", "run").replace("{key}", "key"),
    );
    ctx.url(&filled).map(|_| text.clone())
}
