//! The stdio transport: one JSON-RPC message per line on stdin, one response per line on stdout
//! (nothing else is written there), until stdin closes.

use super::{protocol, Session};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

pub async fn serve(session: &Session<'_>) -> std::io::Result<()> {
    let mut lines = BufReader::new(tokio::io::stdin()).lines();
    let mut out = tokio::io::stdout();
    while let Some(line) = lines.next_line().await? {
        if line.trim().is_empty() {
            continue;
        }
        let response = match serde_json::from_str(&line) {
            Ok(message) => protocol::handle(session, message).await,
            Err(e) => Some(protocol::parse_error(&e)),
        };
        if let Some(response) = response {
            let mut text = response.to_string();
            text.push('\n');
            out.write_all(text.as_bytes()).await?;
            out.flush().await?;
        }
    }
    Ok(())
}
