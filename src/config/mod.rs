//! `rwf.toml`: executors, notification sinks and the people directory, with located diagnostics.
//!
//! Found next to the templates (searching upward from a directory) or given with `--config`. Parsed
//! with the `toml` crate keeping every value's span, so each problem is a `Diagnostic` at its
//! line:col (codes RWF100–119, see `CODES`). `examples/rwf.toml` documents every key.

mod agents;
mod codes;
mod directory;
mod duration;
mod raw;
mod registry;
mod server;
mod sinks;

pub use agents::AgentConfig;
pub use codes::CODES;
pub use directory::{Directory, Team, User};
pub use duration::parse_duration;
pub use registry::AgentRegistry;
pub use server::{is_principal_scope, ServerConfig};
pub use sinks::{SinkConfig, SinkTarget};

use crate::diagnostic::{Diagnostic, Severity};
use crate::exec::deliver::{DeliveryPolicy, Route};
use std::collections::BTreeMap;
use std::ops::Range;
use std::path::{Path, PathBuf};

/// The file name looked for.
pub const FILE_NAME: &str = "rwf.toml";

#[derive(Debug, Clone, Default)]
pub struct Config {
    /// Where it was read from (`None` for an empty default config).
    pub path: Option<PathBuf>,
    /// Relative programs and working directories are resolved against this.
    pub base_dir: PathBuf,
    pub agents: BTreeMap<String, AgentConfig>,
    pub sinks: Vec<SinkConfig>,
    pub directory: Directory,
    pub delivery: DeliveryPolicy,
    /// `[server]`: roles of `rwf serve`.
    pub server: ServerConfig,
}

/// What loading gave: the config when there are no errors, and every diagnostic (warnings too).
#[derive(Debug)]
pub struct Loaded {
    pub config: Option<Config>,
    pub diagnostics: Vec<Diagnostic>,
    /// The text read, for rendering diagnostics.
    pub source: String,
}

impl Loaded {
    /// Each diagnostic as one line, `file:line:col: error[RWF106]: message (help: ...)`.
    pub fn rendered(&self) -> Vec<String> {
        let index = crate::diagnostic::LineIndex::new(&self.source);
        self.diagnostics
            .iter()
            .map(|d| {
                let at = match (&d.file, &d.span) {
                    (Some(f), Some(span)) => {
                        let lc = index.line_col(span.start);
                        format!("{f}:{}:{}: ", lc.line, lc.col)
                    }
                    (Some(f), None) => format!("{f}: "),
                    _ => String::new(),
                };
                let help = d
                    .help
                    .as_ref()
                    .map(|h| format!(" (help: {h})"))
                    .unwrap_or_default();
                format!(
                    "{at}{}[{}]: {}{help}",
                    d.severity.as_str(),
                    d.code,
                    d.message
                )
            })
            .collect()
    }

    /// The config, or every rendered diagnostic when there are errors. Warnings come back with it.
    pub fn into_result(self) -> Result<(Config, Vec<String>), Vec<String>> {
        let rendered = self.rendered();
        match self.config {
            Some(config) => Ok((config, rendered)),
            None => Err(rendered),
        }
    }
}

/// The nearest `rwf.toml` in `start` or one of its ancestors.
pub fn discover(start: &Path) -> Option<PathBuf> {
    let start = if start.is_file() {
        start.parent()?
    } else {
        start
    };
    start
        .ancestors()
        .map(|dir| dir.join(FILE_NAME))
        .find(|candidate| candidate.is_file())
}

impl Config {
    /// Reads and validates a file; diagnostics name it as given.
    pub fn load(path: &Path) -> Loaded {
        let display = path.display().to_string();
        match std::fs::read_to_string(path) {
            Ok(text) => {
                let base = path
                    .parent()
                    .filter(|p| !p.as_os_str().is_empty())
                    .map(Path::to_path_buf)
                    .unwrap_or_else(|| PathBuf::from("."));
                // Absolute, so a relative `program` still resolves when the agent runs in its `cwd`.
                let base = std::fs::canonicalize(&base).unwrap_or(base);
                let mut loaded = Config::parse(&text, &display, &base);
                if let Some(c) = &mut loaded.config {
                    c.path = Some(path.to_path_buf());
                }
                loaded
            }
            Err(e) => Loaded {
                config: None,
                diagnostics: vec![Diagnostic::error(
                    codes::NOT_FOUND,
                    format!("cannot read config `{display}`: {e}"),
                )
                .in_file(display)
                .help("give the path of an existing rwf.toml with `--config`, or remove the flag to search upward from the templates")],
                source: String::new(),
            },
        }
    }

    /// `--config PATH` when given, else the nearest `rwf.toml` upward from `near`, else an empty
    /// config (only `builtin:*` agents, no sinks).
    pub fn resolve(explicit: Option<&Path>, near: &Path) -> Loaded {
        match explicit.map(Path::to_path_buf).or_else(|| discover(near)) {
            Some(path) => Config::load(&path),
            None => Loaded {
                config: Some(Config {
                    base_dir: near.to_path_buf(),
                    ..Config::default()
                }),
                diagnostics: Vec::new(),
                source: String::new(),
            },
        }
    }

    /// Parses and validates text. Relative paths resolve against `base_dir`.
    pub fn parse(text: &str, file: &str, base_dir: &Path) -> Loaded {
        let mut ctx = Ctx {
            file: file.to_string(),
            diagnostics: Vec::new(),
        };
        let config = match toml::from_str::<raw::RawConfig>(text) {
            Ok(raw) => Some(build(raw, base_dir, &mut ctx)),
            Err(e) => {
                ctx.diagnostics.push(toml_error(&e, file));
                None
            }
        };
        let has_errors = crate::diagnostic::has_errors(&ctx.diagnostics);
        Loaded {
            config: config.filter(|_| !has_errors),
            diagnostics: ctx.diagnostics,
            source: text.to_string(),
        }
    }

    /// Every sink with its kinds filter, ready for `exec::deliver::Deliverer`.
    pub fn routes(&self) -> Vec<Route> {
        self.sinks.iter().map(SinkConfig::route).collect()
    }
}

/// Collects diagnostics for one file.
pub(crate) struct Ctx {
    file: String,
    diagnostics: Vec<Diagnostic>,
}

impl Ctx {
    pub(crate) fn error(
        &mut self,
        code: &'static str,
        span: Range<usize>,
        message: impl Into<String>,
        help: impl Into<String>,
    ) {
        self.push(Severity::Error, code, span, message, help);
    }
    pub(crate) fn warning(
        &mut self,
        code: &'static str,
        span: Range<usize>,
        message: impl Into<String>,
        help: impl Into<String>,
    ) {
        self.push(Severity::Warning, code, span, message, help);
    }
    fn push(
        &mut self,
        severity: Severity,
        code: &'static str,
        span: Range<usize>,
        message: impl Into<String>,
        help: impl Into<String>,
    ) {
        self.diagnostics.push(
            Diagnostic::new(code, severity, message)
                .in_file(self.file.clone())
                .at(span)
                .help(help),
        );
    }

    /// A `Spanned<String>` duration, or a diagnostic.
    pub(crate) fn duration(
        &mut self,
        value: &Option<toml::Spanned<String>>,
    ) -> Option<std::time::Duration> {
        let value = value.as_ref()?;
        let parsed = parse_duration(value.get_ref());
        if parsed.is_none() {
            self.error(
                codes::BAD_DURATION,
                value.span(),
                format!("invalid duration `{}`", value.get_ref()),
                "write amounts with units ms, s, m, h, d, e.g. `10m` or `1h30m`",
            );
        }
        parsed
    }

    /// An absolute http(s) URL, or a diagnostic.
    pub(crate) fn url(&mut self, value: &toml::Spanned<String>) -> Option<String> {
        let text = value.get_ref().trim();
        match reqwest::Url::parse(text) {
            Ok(u) if matches!(u.scheme(), "http" | "https") && u.host().is_some() => {
                Some(text.to_string())
            }
            _ => {
                self.error(
                    codes::BAD_URL,
                    value.span(),
                    format!("invalid url `{text}`"),
                    "write an absolute http:// or https:// url",
                );
                None
            }
        }
    }

    /// Checked HTTP headers.
    pub(crate) fn headers(
        &mut self,
        value: &Option<toml::Spanned<BTreeMap<toml::Spanned<String>, toml::Spanned<String>>>>,
    ) -> Vec<(String, String)> {
        let mut out = Vec::new();
        for (name, v) in value.iter().flat_map(|h| h.get_ref()) {
            if reqwest::header::HeaderName::from_bytes(name.get_ref().as_bytes()).is_err() {
                self.error(
                    codes::BAD_HEADER,
                    name.span(),
                    format!("invalid header name `{}`", name.get_ref()),
                    "header names are letters, digits and `-`",
                );
            } else if reqwest::header::HeaderValue::from_str(v.get_ref()).is_err() {
                self.error(
                    codes::BAD_HEADER,
                    v.span(),
                    format!("invalid value for header `{}`", name.get_ref()),
                    "header values are visible ASCII without line breaks",
                );
            } else {
                out.push((name.get_ref().clone(), v.get_ref().clone()));
            }
        }
        out
    }
}

fn build(raw: raw::RawConfig, base_dir: &Path, ctx: &mut Ctx) -> Config {
    let mut agents = BTreeMap::new();
    for (name, agent) in &raw.agents {
        if let Some(built) = agents::build(name, agent, base_dir, ctx) {
            agents.insert(name.get_ref().clone(), built);
        }
    }
    let sinks = raw
        .sinks
        .iter()
        .enumerate()
        .filter_map(|(i, s)| sinks::build(i, s, base_dir, ctx))
        .collect();
    sinks::reject_duplicate_names(&raw.sinks, ctx);
    let directory = directory::build(raw.directory.unwrap_or_default(), ctx);
    let delivery = sinks::delivery(raw.delivery.unwrap_or_default(), ctx);
    let server = server::build(raw.server.unwrap_or_default(), ctx);
    Config {
        path: None,
        base_dir: base_dir.to_path_buf(),
        agents,
        sinks,
        directory,
        delivery,
        server,
    }
}

/// A TOML syntax or shape error as a diagnostic, classified by what serde said.
fn toml_error(e: &toml::de::Error, file: &str) -> Diagnostic {
    let message = e.message().trim().to_string();
    let (code, help) = if message.starts_with("unknown field") {
        (
            codes::UNKNOWN_KEY,
            "check the spelling; examples/rwf.toml documents every key",
        )
    } else if message.starts_with("missing field") {
        (
            codes::MISSING_KEY,
            "add the key; examples/rwf.toml shows it",
        )
    } else if message.starts_with("invalid type") || message.starts_with("invalid value") {
        (
            codes::WRONG_TYPE,
            "examples/rwf.toml shows the type each key takes",
        )
    } else {
        (codes::SYNTAX, "fix the TOML syntax at this place")
    };
    let mut message = message.replace('\n', " ");
    if let Some(first) = message.get(..1) {
        message = first.to_lowercase() + &message[1..];
    }
    let mut d = Diagnostic::error(code, message).in_file(file).help(help);
    if let Some(span) = e.span() {
        d = d.at(span);
    }
    d
}

#[cfg(test)]
mod tests;
