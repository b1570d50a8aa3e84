//! The message loop: initialize, dispatch each request and notification in isolation, shutdown.

use super::document::Document;
use super::{completion, diagnostics, format, hover, navigate, symbols};
use crate::compile::FsLoader;
use lsp_server::{Connection, ErrorCode, Message, Notification, Request, Response};
use lsp_types::notification::{
    DidChangeTextDocument, DidCloseTextDocument, DidOpenTextDocument, DidSaveTextDocument,
    Notification as _, PublishDiagnostics,
};
use lsp_types::request::{
    Completion, DocumentSymbolRequest, Formatting, GotoDefinition, HoverRequest, References,
    Request as _,
};
use lsp_types::{
    CompletionOptions, CompletionParams, CompletionResponse, DidChangeTextDocumentParams,
    DidCloseTextDocumentParams, DidOpenTextDocumentParams, DidSaveTextDocumentParams,
    DocumentFormattingParams, DocumentSymbolParams, DocumentSymbolResponse, GotoDefinitionParams,
    GotoDefinitionResponse, HoverParams, HoverProviderCapability, OneOf, PublishDiagnosticsParams,
    ReferenceParams, SaveOptions, ServerCapabilities, ServerInfo, TextDocumentSyncCapability,
    TextDocumentSyncKind, TextDocumentSyncOptions, TextDocumentSyncSaveOptions, Uri,
};
use serde::de::DeserializeOwned;
use serde_json::Value;
use std::collections::{BTreeSet, HashMap};
use std::panic::{catch_unwind, AssertUnwindSafe};

/// Serves on stdin/stdout until the client says `shutdown` then `exit`.
pub fn serve_stdio() -> Result<(), String> {
    let (connection, io) = Connection::stdio();
    serve(&connection)?;
    drop(connection);
    io.join().map_err(|e| format!("stdio: {e}"))
}

/// Serves on any connection (the tests use an in-memory one too).
pub fn serve(connection: &Connection) -> Result<(), String> {
    let caps = serde_json::json!({
        "capabilities": capabilities(),
        "serverInfo": ServerInfo { name: "rwf".into(), version: Some(env!("CARGO_PKG_VERSION").into()) },
    });
    let (id, _params) = connection.initialize_start().map_err(|e| e.to_string())?;
    connection
        .initialize_finish(id, caps)
        .map_err(|e| e.to_string())?;
    let mut state = State::default();
    loop {
        // Diagnostics wait until the queue is empty, so a burst of edits is checked once.
        let message = match connection.receiver.try_recv() {
            Ok(message) => message,
            Err(e) if e.is_disconnected() => return Ok(()),
            Err(_) => {
                for note in state.flush() {
                    send(connection, note.into())?;
                }
                match connection.receiver.recv() {
                    Ok(message) => message,
                    Err(_) => return Ok(()),
                }
            }
        };
        match message {
            Message::Request(req) => {
                if connection
                    .handle_shutdown(&req)
                    .map_err(|e| e.to_string())?
                {
                    return Ok(());
                }
                let response = respond(&state, req);
                send(connection, response.into())?;
            }
            Message::Notification(note) => {
                let method = note.method.clone();
                match isolate(|| state.notify(note)) {
                    Ok(out) => {
                        for n in out {
                            send(connection, n.into())?;
                        }
                    }
                    Err(panic) => eprintln!("rwf lsp: {method} failed: {panic}"),
                }
            }
            Message::Response(_) => {}
        }
    }
}

fn send(connection: &Connection, message: Message) -> Result<(), String> {
    connection
        .sender
        .send(message)
        .map_err(|e| format!("the client went away: {e}"))
}

fn capabilities() -> ServerCapabilities {
    ServerCapabilities {
        text_document_sync: Some(TextDocumentSyncCapability::Options(
            TextDocumentSyncOptions {
                open_close: Some(true),
                change: Some(TextDocumentSyncKind::FULL),
                save: Some(TextDocumentSyncSaveOptions::SaveOptions(SaveOptions {
                    include_text: Some(false),
                })),
                ..TextDocumentSyncOptions::default()
            },
        )),
        definition_provider: Some(OneOf::Left(true)),
        references_provider: Some(OneOf::Left(true)),
        hover_provider: Some(HoverProviderCapability::Simple(true)),
        completion_provider: Some(CompletionOptions {
            trigger_characters: Some(vec![" ".into(), ",".into(), ".".into()]),
            ..CompletionOptions::default()
        }),
        document_formatting_provider: Some(OneOf::Left(true)),
        document_symbol_provider: Some(OneOf::Left(true)),
        ..ServerCapabilities::default()
    }
}

/// Runs `f`, turning a panic into `Err(message)`.
pub(crate) fn isolate<T>(f: impl FnOnce() -> T) -> Result<T, String> {
    catch_unwind(AssertUnwindSafe(f)).map_err(|payload| {
        payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "a handler panicked".to_string())
    })
}

#[derive(Default)]
struct State {
    docs: HashMap<String, Document>,
    /// Documents changed since their diagnostics were last published.
    dirty: BTreeSet<String>,
}

/// A request's outcome before it becomes a response.
type Reply = Result<Value, (ErrorCode, String)>;

fn respond(state: &State, req: Request) -> Response {
    let id = req.id.clone();
    let reply = match isolate(|| state.request(req)) {
        Ok(reply) => reply,
        Err(panic) => Err((ErrorCode::InternalError, format!("internal error: {panic}"))),
    };
    match reply {
        Ok(value) => Response::new_ok(id, value),
        Err((code, message)) => Response::new_err(id, code as i32, message),
    }
}

fn params<P: DeserializeOwned>(value: Value) -> Result<P, (ErrorCode, String)> {
    serde_json::from_value(value).map_err(|e| (ErrorCode::InvalidParams, e.to_string()))
}

fn json<T: serde::Serialize>(value: T) -> Reply {
    serde_json::to_value(value).map_err(|e| (ErrorCode::InternalError, e.to_string()))
}

impl State {
    fn doc(&self, uri: &Uri) -> Result<&Document, (ErrorCode, String)> {
        self.docs.get(uri.as_str()).ok_or_else(|| {
            (
                ErrorCode::InvalidParams,
                format!("document `{}` is not open", uri.as_str()),
            )
        })
    }

    fn request(&self, req: Request) -> Reply {
        let loader = FsLoader;
        match req.method.as_str() {
            GotoDefinition::METHOD => {
                let p: GotoDefinitionParams = params(req.params)?;
                let pos = p.text_document_position_params;
                let doc = self.doc(&pos.text_document.uri)?;
                json(
                    navigate::definition(doc, pos.position, &loader)
                        .map(GotoDefinitionResponse::Scalar),
                )
            }
            References::METHOD => {
                let p: ReferenceParams = params(req.params)?;
                let pos = p.text_document_position;
                let doc = self.doc(&pos.text_document.uri)?;
                json(navigate::references(
                    doc,
                    pos.position,
                    p.context.include_declaration,
                ))
            }
            HoverRequest::METHOD => {
                let p: HoverParams = params(req.params)?;
                let pos = p.text_document_position_params;
                let doc = self.doc(&pos.text_document.uri)?;
                json(hover::hover(doc, pos.position, &loader))
            }
            Completion::METHOD => {
                let p: CompletionParams = params(req.params)?;
                let pos = p.text_document_position;
                let doc = self.doc(&pos.text_document.uri)?;
                json(CompletionResponse::Array(completion::completion(
                    doc,
                    pos.position,
                    &loader,
                )))
            }
            Formatting::METHOD => {
                let p: DocumentFormattingParams = params(req.params)?;
                let doc = self.doc(&p.text_document.uri)?;
                match format::format(doc) {
                    Ok(edits) => json(edits),
                    Err(why) => Err((ErrorCode::RequestFailed, why)),
                }
            }
            DocumentSymbolRequest::METHOD => {
                let p: DocumentSymbolParams = params(req.params)?;
                let doc = self.doc(&p.text_document.uri)?;
                json(DocumentSymbolResponse::Nested(symbols::document_symbols(
                    doc,
                )))
            }
            other => Err((
                ErrorCode::MethodNotFound,
                format!("`{other}` is not supported by rwf lsp"),
            )),
        }
    }

    /// Checks every changed document and returns its diagnostics to publish.
    fn flush(&mut self) -> Vec<Notification> {
        let dirty = std::mem::take(&mut self.dirty);
        dirty
            .iter()
            .filter_map(|uri| self.docs.get(uri))
            .map(|doc| {
                let found = isolate(|| diagnostics::diagnostics(doc, &FsLoader))
                    .unwrap_or_else(|panic| vec![diagnostics::internal_error(&panic)]);
                publish(doc.uri.clone(), found, Some(doc.version))
            })
            .collect()
    }

    /// Applies a notification; returns what to send back at once (the cleared diagnostics of a
    /// closed document). Changed documents are checked by `flush`.
    fn notify(&mut self, note: Notification) -> Vec<Notification> {
        let uri = match note.method.as_str() {
            DidOpenTextDocument::METHOD => {
                let Ok(p) = serde_json::from_value::<DidOpenTextDocumentParams>(note.params) else {
                    return Vec::new();
                };
                let d = p.text_document;
                let key = d.uri.as_str().to_string();
                self.docs
                    .insert(key.clone(), Document::new(d.uri, d.version, d.text));
                key
            }
            DidChangeTextDocument::METHOD => {
                let Ok(p) = serde_json::from_value::<DidChangeTextDocumentParams>(note.params)
                else {
                    return Vec::new();
                };
                let key = p.text_document.uri.as_str().to_string();
                // Full sync: the last change holds the whole text.
                let (Some(doc), Some(change)) = (
                    self.docs.get_mut(&key),
                    p.content_changes.into_iter().last(),
                ) else {
                    return Vec::new();
                };
                doc.replace(p.text_document.version, change.text);
                key
            }
            DidSaveTextDocument::METHOD => {
                let Ok(p) = serde_json::from_value::<DidSaveTextDocumentParams>(note.params) else {
                    return Vec::new();
                };
                p.text_document.uri.as_str().to_string()
            }
            DidCloseTextDocument::METHOD => {
                let Ok(p) = serde_json::from_value::<DidCloseTextDocumentParams>(note.params)
                else {
                    return Vec::new();
                };
                self.docs.remove(p.text_document.uri.as_str());
                self.dirty.remove(p.text_document.uri.as_str());
                return vec![publish(p.text_document.uri, Vec::new(), None)];
            }
            _ => return Vec::new(),
        };
        self.dirty.insert(uri);
        Vec::new()
    }
}

fn publish(
    uri: Uri,
    diagnostics: Vec<lsp_types::Diagnostic>,
    version: Option<i32>,
) -> Notification {
    Notification::new(
        PublishDiagnostics::METHOD.to_string(),
        PublishDiagnosticsParams {
            uri,
            diagnostics,
            version,
        },
    )
}
