//! Compile: AST → canonical `WorkflowSpec` (stdlib and local imports, policy precedence, calendars,
//! hook files), and bind params/release into an instance spec. Pure: files come through `ModuleLoader`.

mod align;
mod bind;
mod codes;
mod condition;
pub(crate) mod expand;
pub(crate) mod flow;
mod loader;
mod lower;
mod policy;
mod source_map;
mod values;

pub use bind::{interpolate, parse_datetime, parse_duration, parse_value, release_value};
pub use codes::CODES;
pub use flow::source_for;
pub use loader::{relative_key, stdlib, FilesRead, FsLoader, MemLoader, STDLIB};
pub use lower::{includable, Includable};
pub use source_map::{NameRef, SourceMap, Suppression, TaskSource};
pub use values::type_name;

use crate::diagnostic::Diagnostic;
use crate::spec::WorkflowSpec;
use std::collections::BTreeMap;

/// Where `use` and `hooks` find files. The CLI gives a filesystem loader rooted at the template's
/// directory; `std/...` paths are served from the stdlib embedded in the binary.
pub trait ModuleLoader {
    /// Returns `(display name, text)` for a module path as written after `use`, relative to `from`.
    fn load(&self, from: &str, path: &str) -> Result<(String, String), String>;
}

/// Result of compiling one file. `spec` is `None` only when the file could not be parsed into a
/// template at all; otherwise it is produced even with errors, so lints can still run.
pub struct Compiled {
    pub spec: Option<WorkflowSpec>,
    pub source_map: SourceMap,
    pub diagnostics: Vec<Diagnostic>,
}

/// Param values and the release target given on the command line (`--set k=v`, `--release`, `--tz`).
#[derive(Debug, Clone, Default)]
pub struct Inputs {
    pub sets: BTreeMap<String, String>,
    pub release: Option<String>,
    pub tz: Option<String>,
}

/// Compiles one file. Never panics; errors are in `diagnostics`.
pub fn compile_source(file: &str, text: &str, loader: &dyn ModuleLoader) -> Compiled {
    lower::compile(file, text, loader)
}

/// Binds every param and the release target: the instance spec the engine runs. Each missing required
/// param is one diagnostic naming it.
pub fn bind(spec: &WorkflowSpec, inputs: &Inputs) -> Result<WorkflowSpec, Vec<Diagnostic>> {
    bind::bind(spec, inputs, false)
}

/// Like `bind`, but params the schedule does not need may stay unbound; strings keep `${name}`.
/// For `rwf plan` and `rwf simulate` on any template.
pub fn preview(spec: &WorkflowSpec, inputs: &Inputs) -> Result<WorkflowSpec, Vec<Diagnostic>> {
    bind::bind(spec, inputs, true)
}
