//! `rwf signal WF NAME [--data JSON] [--id EVENT_ID] [--as SENDER]`: delivers an external event to a
//! workflow's event waits. The event is stored before this returns; sending the same `--id` again
//! changes nothing and reports the first event. Refusals (a finished workflow, a name no event task
//! waits for, an id reused for another event) exit 1 with the reason.

use super::db::{actor, open, refusal, workflow_id, Conn, Format};
use super::{block_on, CliError, CmdResult, Outcome};
use crate::engine::signal::Incoming;
use crate::engine::ExternalEvent;
use serde_json::{json, Value};

#[derive(clap::Args)]
pub struct Args {
    /// Workflow id
    pub workflow: String,
    /// The event name, as the template's `on "NAME"` says (e.g. `ci.finished`)
    pub name: String,
    /// The payload as JSON: `where` fields match it, downstream reads `${task.output.data...}`
    #[arg(long)]
    pub data: Option<String>,
    /// The event's id: sending the same id again is a no-op (default: a fresh one)
    #[arg(long)]
    pub id: Option<String>,
    /// Who sends it, for the audit log (default: $USER)
    #[arg(long = "as")]
    pub actor: Option<String>,
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    #[command(flatten)]
    pub conn: Conn,
}

/// `--data` as JSON (`null` when absent).
pub(super) fn payload(data: &Option<String>) -> Result<Value, CliError> {
    match data {
        Some(text) => serde_json::from_str(text).map_err(|e| {
            CliError::new(format!("--data is not JSON: {e}"))
                .help("quote it for the shell: --data '{\"status\": \"success\"}'")
        }),
        None => Ok(Value::Null),
    }
}

/// The receipt, for people (stderr) or programs (one JSON document on stdout).
pub(super) fn report(event: &Value, repeat: bool, format: Format) {
    match format {
        Format::Json => println!("{}", json!({ "event": event, "repeat": repeat })),
        Format::Text => {
            let (name, id) = (
                event["name"].as_str().unwrap_or(""),
                event["id"].as_str().unwrap_or(""),
            );
            if repeat {
                eprintln!(
                    "event `{name}` (id {id}) was already received {}; nothing changed",
                    event["received_at"].as_str().unwrap_or("")
                );
            } else {
                eprintln!("event `{name}` received (id {id})");
            }
        }
    }
}

/// An event as the API and `--format json` show it.
pub fn event_json(e: &ExternalEvent) -> Value {
    json!({
        "id": e.id,
        "name": e.name,
        "data": e.data,
        "sender": e.sender,
        "received_at": e.received_at.to_rfc3339(),
        "consumed_by": e.consumed_by,
        "consumed_at": e.consumed_at.map(|t| t.to_rfc3339()),
    })
}

pub fn run(args: Args) -> CmdResult {
    let data = payload(&args.data)?;
    let id = workflow_id(&args.workflow)?;
    block_on(async move {
        let store = open(&args.conn).await?;
        let event = Incoming {
            name: args.name.clone(),
            id: args.id.clone(),
            data,
            sender: actor(&args.actor),
        };
        match store.signal(id, event).await {
            Ok(r) => {
                report(&event_json(&r.event), r.repeat, args.format);
                Ok(Outcome::Ok)
            }
            Err(e) => refusal(e),
        }
    })
}
