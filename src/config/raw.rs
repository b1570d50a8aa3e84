//! The shape of `rwf.toml` as serde reads it, with the span of every value kept for diagnostics.

use serde::Deserialize;
use std::collections::BTreeMap;
use toml::Spanned;

pub type S<T> = Spanned<T>;

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct RawConfig {
    #[serde(default)]
    pub agents: BTreeMap<S<String>, S<RawAgent>>,
    #[serde(default)]
    pub sinks: Vec<S<RawSink>>,
    #[serde(default)]
    pub directory: Option<RawDirectory>,
    #[serde(default)]
    pub delivery: Option<RawDelivery>,
    #[serde(default)]
    pub server: Option<RawServer>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawAgent {
    pub kind: S<String>,
    pub timeout: Option<S<String>>,
    // command
    pub program: Option<S<String>>,
    pub args: Option<S<Vec<String>>>,
    pub env: Option<S<BTreeMap<String, String>>>,
    pub cwd: Option<S<String>>,
    // http
    pub url: Option<S<String>>,
    pub status_url: Option<S<String>>,
    pub headers: Option<S<BTreeMap<S<String>, S<String>>>>,
    pub poll_interval: Option<S<String>>,
    pub max_retries: Option<S<u32>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSink {
    pub kind: S<String>,
    pub name: Option<S<String>>,
    pub kinds: Option<Vec<S<String>>>,
    pub timeout: Option<S<String>>,
    // webhook, slack
    pub url: Option<S<String>>,
    pub headers: Option<S<BTreeMap<S<String>, S<String>>>>,
    // slack
    pub blocks: Option<S<bool>>,
    // command
    pub program: Option<S<String>>,
    pub args: Option<S<Vec<String>>>,
    pub env: Option<S<BTreeMap<String, String>>>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct RawDirectory {
    #[serde(default)]
    pub users: BTreeMap<S<String>, RawUser>,
    #[serde(default)]
    pub teams: BTreeMap<S<String>, RawTeam>,
    #[serde(default)]
    pub org_admins: Vec<S<String>>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct RawUser {
    pub name: Option<String>,
    pub email: Option<String>,
    pub slack: Option<String>,
    #[serde(default)]
    pub teams: Vec<S<String>>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct RawTeam {
    pub name: Option<String>,
    #[serde(default)]
    pub members: Vec<S<String>>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct RawDelivery {
    pub max_attempts: Option<S<u32>>,
    pub initial_backoff: Option<S<String>>,
    pub max_backoff: Option<S<String>>,
    pub max_age: Option<S<String>>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct RawServer {
    pub viewers: Option<Vec<S<String>>>,
    #[serde(default)]
    pub pushers: Vec<S<String>>,
    #[serde(default)]
    pub signalers: Vec<S<String>>,
    pub proxy_user_header: Option<S<String>>,
}
