//! `rwf lsp` end to end: spawn the binary and speak JSON-RPC over stdio as an editor would.

use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{channel, Receiver};
use std::time::Duration;

const TIMEOUT: Duration = Duration::from_secs(60);

struct Client {
    child: Child,
    stdin: ChildStdin,
    incoming: Receiver<Value>,
    /// Notifications that arrived while waiting for something else.
    pending: Vec<Value>,
    next_id: i64,
}

impl Client {
    fn start() -> Client {
        let mut child = Command::new(env!("CARGO_BIN_EXE_rwf"))
            .arg("lsp")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn rwf lsp");
        let stdin = child.stdin.take().unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, incoming) = channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            loop {
                let mut len = None;
                loop {
                    let mut line = String::new();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 {
                        return;
                    }
                    let line = line.trim_end();
                    if line.is_empty() {
                        break;
                    }
                    if let Some(v) = line.strip_prefix("Content-Length: ") {
                        len = v.parse::<usize>().ok();
                    }
                }
                let mut body = vec![0; len.expect("Content-Length header")];
                reader.read_exact(&mut body).unwrap();
                if tx.send(serde_json::from_slice(&body).unwrap()).is_err() {
                    return;
                }
            }
        });
        let mut client = Client {
            child,
            stdin,
            incoming,
            pending: Vec::new(),
            next_id: 0,
        };
        let init = client.request(
            "initialize",
            json!({ "processId": null, "rootUri": null, "capabilities": {} }),
        );
        let caps = &init["result"]["capabilities"];
        for cap in [
            "definitionProvider",
            "referencesProvider",
            "hoverProvider",
            "completionProvider",
            "documentFormattingProvider",
            "documentSymbolProvider",
        ] {
            assert!(!caps[cap].is_null(), "capability {cap} missing: {caps}");
        }
        client.notify("initialized", json!({}));
        client
    }

    fn send(&mut self, message: Value) {
        let body = message.to_string();
        write!(self.stdin, "Content-Length: {}\r\n\r\n{body}", body.len()).unwrap();
        self.stdin.flush().unwrap();
    }

    fn notify(&mut self, method: &str, params: Value) {
        self.send(json!({ "jsonrpc": "2.0", "method": method, "params": params }));
    }

    /// The whole response (`result` or `error`).
    fn request(&mut self, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        self.send(json!({ "jsonrpc": "2.0", "id": id, "method": method, "params": params }));
        loop {
            let msg = self
                .incoming
                .recv_timeout(TIMEOUT)
                .expect("response in time");
            if msg["id"] == json!(id) {
                return msg;
            }
            self.pending.push(msg);
        }
    }

    fn result(&mut self, method: &str, params: Value) -> Value {
        let response = self.request(method, params);
        assert!(response["error"].is_null(), "{method} failed: {response}");
        response["result"].clone()
    }

    /// The next `publishDiagnostics` for `uri` with this document version.
    fn diagnostics(&mut self, uri: &str, version: i64) -> Vec<Value> {
        let matches = |m: &Value| {
            m["method"] == "textDocument/publishDiagnostics"
                && m["params"]["uri"] == uri
                && m["params"]["version"] == json!(version)
        };
        if let Some(i) = self.pending.iter().position(matches) {
            let m = self.pending.remove(i);
            return m["params"]["diagnostics"].as_array().unwrap().clone();
        }
        loop {
            let m = self
                .incoming
                .recv_timeout(TIMEOUT)
                .expect("diagnostics in time");
            if matches(&m) {
                return m["params"]["diagnostics"].as_array().unwrap().clone();
            }
            self.pending.push(m);
        }
    }

    fn open(&mut self, uri: &str, text: &str) {
        self.notify(
            "textDocument/didOpen",
            json!({ "textDocument": { "uri": uri, "languageId": "rwf", "version": 1, "text": text } }),
        );
    }

    fn change(&mut self, uri: &str, version: i64, text: &str) {
        self.notify(
            "textDocument/didChange",
            json!({ "textDocument": { "uri": uri, "version": version }, "contentChanges": [{ "text": text }] }),
        );
    }

    /// The completion items at the end of the first `needle`, once the document's text is `text`.
    fn complete_after(&mut self, uri: &str, text: &str, needle: &str) -> Vec<Value> {
        self.change(uri, 2, text);
        let (line, col) = pos_of(text, needle, 0);
        let col = col + needle.len() as u64;
        let items = self.result(
            "textDocument/completion",
            json!({ "textDocument": { "uri": uri }, "position": { "line": line, "character": col } }),
        );
        items.as_array().cloned().unwrap_or_default()
    }

    /// The hover's text at the `nth` `needle` of `text` (empty when there is none).
    fn hover_text(&mut self, uri: &str, text: &str, needle: &str, nth: usize) -> String {
        let hover = self.result("textDocument/hover", doc_pos(uri, text, needle, nth));
        hover["contents"]["value"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    fn shutdown(mut self) {
        let r = self.request("shutdown", Value::Null);
        assert!(r["error"].is_null(), "{r}");
        self.notify("exit", Value::Null);
        let status = self.child.wait().unwrap();
        assert!(status.success(), "rwf lsp exited with {status}");
    }
}

/// LSP position (line, UTF-16 column) of the `nth` occurrence of `needle`, computed independently.
fn pos_of(text: &str, needle: &str, nth: usize) -> (u64, u64) {
    let offset = text
        .match_indices(needle)
        .nth(nth)
        .unwrap_or_else(|| panic!("{needle} #{nth}"))
        .0;
    let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let line = text[..offset].matches('\n').count() as u64;
    let col = text[line_start..offset].encode_utf16().count() as u64;
    (line, col)
}

fn at(text: &str, needle: &str, nth: usize) -> Value {
    let (line, character) = pos_of(text, needle, nth);
    json!({ "line": line, "character": character })
}

fn range_of(text: &str, needle: &str, nth: usize) -> Value {
    let (line, character) = pos_of(text, needle, nth);
    let end = character + needle.encode_utf16().count() as u64;
    json!({ "start": { "line": line, "character": character }, "end": { "line": line, "character": end } })
}

/// The labels of completion items, in order.
fn labels(items: &[Value]) -> Vec<String> {
    items
        .iter()
        .map(|i| i["label"].as_str().unwrap().to_string())
        .collect()
}

fn doc_pos(uri: &str, text: &str, needle: &str, nth: usize) -> Value {
    json!({ "textDocument": { "uri": uri }, "position": at(text, needle, nth) })
}

const GOOD: &str = r#"// A launch, for the language server tests.
template launch "Launch ${product}" version 1 {
  param product: string "Product name"
  param release: datetime = 2026-09-15T09:00
  param tz: timezone = "America/New_York"

  target release in tz

  phase prep "Preparation" {
    checkpoint kickoff "Kick-off: ${product}" { at release - 6 weeks at 09:00 }
  }

  agent draft "Draft the post" {
    uses "blog-draft-writer"
    input { product: product }
    at kickoff + 2 days at 10:00
    after kickoff
  }

  checkpoint go "🚀 Go ${product}" { at release  after draft }
}
"#;

#[test]
fn diagnostics_follow_edits_with_utf16_ranges() {
    let mut c = Client::start();
    let uri = "file:///tmp/rwf-lsp-test/launch.rwf";
    let bad = GOOD.replace("after draft }", "after drafft }");
    c.open(uri, &bad);
    let diags = c.diagnostics(uri, 1);
    let hit = diags
        .iter()
        .find(|d| d["range"] == range_of(&bad, "drafft", 0))
        .unwrap_or_else(|| {
            panic!("no diagnostic on `drafft` (after a 🚀 on its line): {diags:#?}")
        });
    assert_eq!(hit["code"], "RWF013", "{hit}");
    assert_eq!(hit["severity"], 1);
    assert_eq!(hit["source"], "rwf");

    c.change(uri, 2, GOOD);
    let diags = c.diagnostics(uri, 2);
    assert_eq!(diags, Vec::<Value>::new(), "fixed file is clean");

    // A burst of edits: the last text wins, and nothing is published for the file after it.
    for version in 3..=12 {
        let text = if version == 12 { bad.as_str() } else { GOOD };
        c.change(uri, version, text);
    }
    let last = c.diagnostics(uri, 12);
    assert!(last.iter().any(|d| d["code"] == "RWF013"), "{last:?}");
    let before = c.pending.len();
    c.result(
        "textDocument/documentSymbol",
        json!({ "textDocument": { "uri": uri } }),
    );
    let stale: Vec<_> = c.pending[before..]
        .iter()
        .filter(|m| m["params"]["uri"] == uri)
        .collect();
    assert!(
        stale.is_empty(),
        "published after the last version: {stale:?}"
    );

    c.notify(
        "textDocument/didClose",
        json!({ "textDocument": { "uri": uri } }),
    );
    c.shutdown();
}

#[test]
fn navigation_hover_completion_symbols() {
    let mut c = Client::start();
    let uri = "file:///tmp/rwf-lsp-test/nav.rwf";
    c.open(uri, GOOD);
    let _ = c.diagnostics(uri, 1);

    // Definition: `after kickoff` → the task key after `checkpoint`.
    let def = c.result("textDocument/definition", doc_pos(uri, GOOD, "kickoff", 2));
    assert_eq!(def["uri"], uri);
    assert_eq!(def["range"], range_of(GOOD, "kickoff", 0));
    // A param used in an interpolation.
    let def = c.result("textDocument/definition", doc_pos(uri, GOOD, "product}", 2));
    assert_eq!(
        def["range"],
        range_of(GOOD, "product", 1),
        "param declaration"
    );

    // References of kickoff: declaration + `at kickoff` + `after kickoff`.
    let mut params = doc_pos(uri, GOOD, "kickoff", 0);
    params["context"] = json!({ "includeDeclaration": true });
    let refs = c.result("textDocument/references", params.clone());
    let ranges: Vec<_> = refs
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["range"].clone())
        .collect();
    assert_eq!(
        ranges,
        vec![
            range_of(GOOD, "kickoff", 0),
            range_of(GOOD, "kickoff", 1),
            range_of(GOOD, "kickoff", 2)
        ]
    );
    params["context"] = json!({ "includeDeclaration": false });
    assert_eq!(
        c.result("textDocument/references", params)
            .as_array()
            .unwrap()
            .len(),
        2
    );

    // Hover on a task use: its type and schedule.
    let text = c.hover_text(uri, GOOD, "draft }", 0);
    assert!(text.contains("**agent** `draft`"), "{text}");
    assert!(text.contains("at kickoff + 2 days at 10:00"), "{text}");
    // The release has a default, so the resolved schedule is shown: 2026-09-15 − 6 weeks = Aug 4
    // (kick-off), + 2 days at 10:00 New York time.
    assert!(text.contains("planned: Thu 2026-08-06 10:00 EDT"), "{text}");
    assert!(
        !text.contains("preview"),
        "a real default is no preview: {text}"
    );
    // Definition on a stdlib policy or calendar opens its (copied) stdlib source at the declaration.
    let std_doc = "use std/policies\nuse std/calendars { us_federal }\n\ntemplate s \"S\" version 1 {\n  param release: datetime\n  target release in \"UTC\"\n  calendar us_federal\n  defaults { policy policies.standard }\n  checkpoint k \"K\" { at release }\n}\n";
    let std_uri = "file:///tmp/rwf-lsp-test/std.rwf";
    c.open(std_uri, std_doc);
    let _ = c.diagnostics(std_uri, 1);
    for (needle, file, decl) in [
        ("standard", "policies.rwf", "policy standard {"),
        (
            "us_federal\n  defaults",
            "calendars.rwf",
            "calendar us_federal ",
        ),
    ] {
        let def = c.result(
            "textDocument/definition",
            doc_pos(std_uri, std_doc, needle, 0),
        );
        let uri = def["uri"]
            .as_str()
            .unwrap_or_else(|| panic!("{needle}: {def}"));
        assert!(uri.ends_with(file), "{uri}");
        let text = std::fs::read_to_string(uri.trim_start_matches("file://")).unwrap();
        let line = def["range"]["start"]["line"].as_u64().unwrap() as usize;
        assert!(
            text.lines().nth(line).unwrap().starts_with(decl),
            "{needle} -> line {line} of {file}"
        );
    }
    // Without a release default the hover still plans, against a preview date it names.
    let no_default = GOOD.replace(
        "param release: datetime = 2026-09-15T09:00",
        "param release: datetime",
    );
    let nd_uri = "file:///tmp/rwf-lsp-test/no_default.rwf";
    c.open(nd_uri, &no_default);
    let _ = c.diagnostics(nd_uri, 1);
    let text = c.hover_text(nd_uri, &no_default, "draft }", 0);
    assert!(text.contains("planned: "), "{text}");
    assert!(
        text.contains("preview: the template has no release default"),
        "{text}"
    );

    // Completion after `after `: task keys and keywords.
    let mut edited = GOOD.replace("after draft }", "after  }");
    edited.push('\n');
    c.change(uri, 2, &edited);
    let _ = c.diagnostics(uri, 2);
    let (line, col) = pos_of(&edited, "after  }", 0);
    let items = c.result(
        "textDocument/completion",
        json!({ "textDocument": { "uri": uri }, "position": { "line": line, "character": col + 6 } }),
    );
    let items = items.as_array().unwrap();
    let label = |l: &str| items.iter().find(|i| i["label"] == l).cloned();
    let draft = label("draft").expect("task key offered");
    assert!(draft["detail"].as_str().unwrap().contains("agent"));
    assert!(label("kickoff").is_some());
    assert!(label("product").is_some(), "params offered");
    assert_eq!(label("approval").unwrap()["kind"], 14, "keywords offered");
    assert!(
        draft["sortText"].as_str() < label("approval").unwrap()["sortText"].as_str(),
        "names first after `after`"
    );
    // After `kickoff.`: the anchor points.
    let edited = GOOD.replace("at kickoff + 2 days", "at kickoff. + 2 days");
    c.change(uri, 3, &edited);
    let _ = c.diagnostics(uri, 3);
    let (line, col) = pos_of(&edited, "kickoff.", 0);
    let items = c.result(
        "textDocument/completion",
        json!({ "textDocument": { "uri": uri }, "position": { "line": line, "character": col + 8 } }),
    );
    let labels: Vec<_> = items
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["label"].as_str().unwrap())
        .collect();
    assert_eq!(labels, ["start", "due", "end"]);

    c.change(uri, 4, GOOD);
    let _ = c.diagnostics(uri, 4);

    // Outline: template → phase → kickoff; draft and go under the template; params too.
    let symbols = c.result(
        "textDocument/documentSymbol",
        json!({ "textDocument": { "uri": uri } }),
    );
    let symbols = symbols.as_array().unwrap();
    assert_eq!(symbols.len(), 1, "{symbols:#?}");
    let template = &symbols[0];
    assert_eq!(template["name"], "launch");
    let names: Vec<_> = template["children"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["product", "release", "tz", "prep", "draft", "go"]);
    let prep = &template["children"][3];
    assert_eq!(prep["children"][0]["name"], "kickoff");
    assert_eq!(
        prep["children"][0]["selectionRange"],
        range_of(GOOD, "kickoff", 0)
    );

    c.shutdown();
}

#[test]
fn formatting_matches_rwf_fmt_and_is_stable() {
    let mut c = Client::start();
    let uri = "file:///tmp/rwf-lsp-test/fmt.rwf";
    let messy = GOOD
        .replace("  agent draft", "      agent    draft")
        .replace("    uses ", "uses ");
    c.open(uri, &messy);
    let _ = c.diagnostics(uri, 1);
    let params = json!({ "textDocument": { "uri": uri }, "options": { "tabSize": 2, "insertSpaces": true } });
    let edits = c.result("textDocument/formatting", params.clone());
    let edits = edits.as_array().expect("edits for a messy file");
    assert_eq!(edits.len(), 1);
    let formatted = edits[0]["newText"].as_str().unwrap().to_string();
    assert!(
        formatted.contains("\n  agent draft \"Draft the post\" {\n    uses "),
        "{formatted}"
    );

    // The same text as `rwf fmt`'s formatter.
    let parsed = rwf::syntax::parse("fmt.rwf", &messy);
    assert!(parsed.diagnostics.is_empty(), "{:?}", parsed.diagnostics);
    assert_eq!(
        formatted,
        rwf::syntax::format(&messy, &parsed.file),
        "the server formats as rwf fmt does"
    );

    // A file with syntax errors is refused with a reason, not mangled.
    c.change(uri, 2, "template t {\n  agent a \"A\" { at }\n");
    let _ = c.diagnostics(uri, 2);
    let refused = c.request("textDocument/formatting", params.clone());
    let why = refused["error"]["message"].as_str().unwrap_or_default();
    assert!(why.contains("syntax errors"), "{refused}");

    c.change(uri, 3, &formatted);
    let _ = c.diagnostics(uri, 3);
    assert_eq!(
        c.result("textDocument/formatting", params),
        Value::Null,
        "already formatted"
    );
    c.shutdown();
}

#[test]
fn a_failing_request_returns_an_error_and_the_server_stays_up() {
    let mut c = Client::start();
    let uri = "file:///tmp/rwf-lsp-test/iso.rwf";
    let r = c.request("textDocument/hover", json!({ "nonsense": true }));
    assert_eq!(r["error"]["code"], -32602, "invalid params: {r}");
    let r = c.request("textDocument/hover", doc_pos(uri, GOOD, "draft", 0));
    assert!(
        r["error"]["message"].as_str().unwrap().contains("not open"),
        "{r}"
    );
    let r = c.request("rwf/unknown", json!({}));
    assert_eq!(r["error"]["code"], -32601, "{r}");
    // Garbage text never takes the server down; positions past the end clamp.
    let junk = "template \"\u{1F680}${ { } } }} agent after at .due + - \"\n\u{0}";
    c.open(uri, junk);
    let _ = c.diagnostics(uri, 1);
    for method in [
        "textDocument/hover",
        "textDocument/definition",
        "textDocument/completion",
    ] {
        let r = c.request(
            method,
            json!({ "textDocument": { "uri": uri }, "position": { "line": 99, "character": 99 } }),
        );
        assert!(r.get("result").is_some() || r.get("error").is_some(), "{r}");
    }
    let symbols = c.result(
        "textDocument/documentSymbol",
        json!({ "textDocument": { "uri": uri } }),
    );
    assert!(symbols.is_array());
    // Still answering.
    c.open("file:///tmp/rwf-lsp-test/ok.rwf", GOOD);
    let _ = c.diagnostics("file:///tmp/rwf-lsp-test/ok.rwf", 1);
    let def = c.result(
        "textDocument/definition",
        doc_pos("file:///tmp/rwf-lsp-test/ok.rwf", GOOD, "kickoff", 2),
    );
    assert_eq!(def["range"], range_of(GOOD, "kickoff", 0));
    c.shutdown();
}

#[test]
fn every_template_gets_the_same_findings_as_rwf_check() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("templates");
    let mut paths: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "rwf"))
        .collect();
    paths.sort();
    assert!(!paths.is_empty(), "no templates under {}", dir.display());
    let mut c = Client::start();
    for path in paths {
        let text = std::fs::read_to_string(&path).unwrap();
        let file = path.to_string_lossy().to_string();
        let uri = format!("file://{}", file.replace(' ', "%20"));
        c.open(&uri, &text);
        let got: Vec<(String, u64)> = c
            .diagnostics(&uri, 1)
            .iter()
            .map(|d| {
                (
                    d["code"].as_str().unwrap_or("").to_string(),
                    d["range"]["start"]["line"].as_u64().unwrap(),
                )
            })
            .collect();
        let index = rwf::diagnostic::LineIndex::new(&text);
        let want: Vec<(String, u64)> = rwf::check::check_source(
            &file,
            &text,
            &rwf::compile::FsLoader,
            &rwf::check::CheckOptions::default(),
        )
        .iter()
        .map(|d| {
            let line = d.span.as_ref().map_or(1, |s| index.line_col(s.start).line) as u64 - 1;
            (d.code.to_string(), line)
        })
        .collect();
        assert_eq!(got, want, "{file}");
        assert!(
            !want.iter().any(|(code, _)| code.as_str() < "RWF010"),
            "{file} has syntax errors: {want:?}"
        );
    }
    c.shutdown();
}

const ALIGNED: &str = r#"template cycle "Cycle" version 1 {
  param release: datetime = 2027-03-03T09:00
  param cycle_start: date = 2026-11-16
  target release in "America/New_York" at 09:00
  horizon 12 months

  manual freeze "Code freeze" { at tuesday on or before release - 2 weeks at 10:00 }
  manual prep "Prep" { at 2 days after first monday of month after release at 09:00 }
  manual kickoff "Kickoff" { at start of week of cycle_start + 3 weeks at 10:00 }
}
"#;

#[test]
fn alignments_and_param_anchors_hover_and_complete() {
    let mut c = Client::start();
    let uri = "file:///tmp/rwf-lsp-test/aligned.rwf";
    c.open(uri, ALIGNED);
    assert!(c.diagnostics(uri, 1).is_empty(), "the template is clean");

    // Hover on a task: the whole schedule (the `after` of a words offset is not a field) and the
    // resolved date: the first Monday of April 2027 is the 5th, + 2 days.
    let text = c.hover_text(uri, ALIGNED, "prep", 0);
    assert!(
        text.contains("at 2 days after first monday of month after release at 09:00"),
        "{text}"
    );
    assert!(text.contains("planned: Wed 2027-04-07 09:00 EDT"), "{text}");
    // A param anchor resolves from its default: 2026-11-16 + 3 weeks is Monday 2026-12-07.
    let text = c.hover_text(uri, ALIGNED, "kickoff", 0);
    assert!(text.contains("planned: Mon 2026-12-07 10:00 EST"), "{text}");
    // Tuesday on or before 2027-02-17 (a Wednesday) is the 16th.
    let text = c.hover_text(uri, ALIGNED, "freeze", 0);
    assert!(text.contains("planned: Tue 2027-02-16 10:00 EST"), "{text}");

    // Hover on alignment words explains them.
    for (needle, want) in [
        ("first monday", "that weekday of X's month"),
        ("start of week", "first day after the calendar's weekend"),
        ("or before", "strictly before or after"),
        ("tuesday on", "**weekday**"),
        ("horizon", "warning RWF024"),
    ] {
        let text = c.hover_text(uri, ALIGNED, needle, 0);
        assert!(text.contains(want), "{needle}: {text}");
    }

    // Completion after `at `: the date param as an anchor, and the alignment words.
    let edited = ALIGNED.replace("at start of week of", "at  start of week of");
    c.change(uri, 2, &edited);
    let _ = c.diagnostics(uri, 2);
    let (line, col) = pos_of(&edited, "at  start", 0);
    let items = c.result(
        "textDocument/completion",
        json!({ "textDocument": { "uri": uri }, "position": { "line": line, "character": col + 3 } }),
    );
    let items = items.as_array().unwrap();
    let label = |l: &str| items.iter().find(|i| i["label"] == l).cloned();
    let param = label("cycle_start").expect("the date param is offered");
    assert!(
        param["detail"].as_str().unwrap().contains("date"),
        "{param}"
    );
    for word in ["first", "last", "start", "end", "of", "or", "tuesday"] {
        assert!(label(word).is_some(), "`{word}` is offered");
    }
    c.shutdown();
}

const COMPOSED: &str = r#"calendar nyc "New York" {
  covers 2027-01-01 to 2027-12-31
  blackout 2027-02-22 to 2027-02-26 "Freeze week"
}

calendar berlin_team "Berlin team" {
  include nyc
  holiday 2027-03-08 "Women's Day"
}

template composed "Composed" version 1 {
  param release: datetime = 2027-03-10T10:00
  target release in "America/New_York" at 10:00
  calendar nyc
  on_blackout move before

  checkpoint freeze_check "Freeze check" { at release - 2 weeks }
  manual translate "Translations" {
    calendar berlin_team
    at release - 3 business days at 16:00 in "Europe/Berlin"
  }
}
"#;

#[test]
fn composed_calendars_hover_and_complete() {
    let mut c = Client::start();
    let uri = "file:///tmp/rwf-lsp-test/composed.rwf";
    c.open(uri, COMPOSED);
    assert!(c.diagnostics(uri, 1).is_empty(), "the template is clean");
    // Hover on a task shows the date the engine will use: moved out of the freeze week, and
    // counted in the task's own calendar (Women's Day skipped).
    let text = c.hover_text(uri, COMPOSED, "freeze_check", 0);
    assert!(text.contains("planned: Fri 2027-02-19 10:00 EST"), "{text}");
    let text = c.hover_text(uri, COMPOSED, "translate", 0);
    assert!(text.contains("planned: Thu 2027-03-04 16:00 CET"), "{text}");
    // Hover on the words of calendars and blackout rules explains them.
    for (needle, want) in [
        ("blackout 2027", "closed days, inclusive"),
        ("on_blackout", "nearest business day before the blackout"),
        ("include nyc", "holidays and blackouts of other calendars"),
        ("holiday 2027", "a closed day"),
    ] {
        let text = c.hover_text(uri, COMPOSED, needle, 0);
        assert!(text.contains(want), "{needle}: {text}");
    }
    // Completion after `on_blackout `: the three rules; after a task's `calendar `: the calendars.
    let edited = COMPOSED.replace("on_blackout move before", "on_blackout ");
    c.change(uri, 2, &edited);
    let _ = c.diagnostics(uri, 2);
    let (line, col) = pos_of(&edited, "on_blackout ", 0);
    let items = c.result(
        "textDocument/completion",
        json!({ "textDocument": { "uri": uri }, "position": { "line": line, "character": col + 12 } }),
    );
    let labels: Vec<&str> = items
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["label"].as_str().unwrap())
        .collect();
    assert_eq!(labels, ["warn", "move before", "move after"]);
    let (line, col) = pos_of(&edited, "calendar berlin_team", 0);
    let items = c.result(
        "textDocument/completion",
        json!({ "textDocument": { "uri": uri }, "position": { "line": line, "character": col + 9 } }),
    );
    let items = items.as_array().unwrap();
    let cal = items
        .iter()
        .find(|i| i["label"] == "berlin_team")
        .expect("the calendar is offered");
    assert!(
        cal["sortText"].as_str().unwrap().starts_with('0'),
        "names first after `calendar`: {cal}"
    );
    c.shutdown();
}

const CONDITIONAL: &str = r#"template cond "Cond" version 1 {
  param release: datetime = 2027-03-03T09:00
  param beta: bool = false
  target release in "UTC"

  checkpoint freeze "Freeze" { at release - 1 week }
  manual beta_build "Beta build" { when beta  after freeze }
}
"#;

/// `when`: completion offers it in a task, hover explains it and its connectives, and hover on a task
/// a condition leaves out (with the template's defaults) says so and why.
#[test]
fn conditions_complete_and_hover() {
    let mut c = Client::start();
    let uri = "file:///tmp/rwf-lsp-test/cond.rwf";
    c.open(uri, CONDITIONAL);
    assert!(c.diagnostics(uri, 1).is_empty(), "the template is clean");
    let text = c.hover_text(uri, CONDITIONAL, "when beta", 0);
    assert!(text.contains("**when** *condition*"), "{text}");
    let text = c.hover_text(uri, CONDITIONAL, "beta_build", 0);
    assert!(
        text.contains("left out with the template's defaults: condition `beta` is false"),
        "{text}"
    );
    let (line, col) = pos_of(CONDITIONAL, "after freeze", 0);
    let items = c.result(
        "textDocument/completion",
        json!({ "textDocument": { "uri": uri }, "position": { "line": line, "character": col } }),
    );
    let items = items.as_array().unwrap();
    assert!(
        items.iter().any(|i| i["label"] == "when"),
        "`when` is offered"
    );
    c.shutdown();
}

const LEADS: &str = r#"template leads "Leads" version 1 {
  param release: datetime = 2027-06-01T10:00
  param lead: duration = 3 weeks "Freeze lead time"
  param grace: duration = 2 days
  param owner: string = "ann"
  target release in "America/New_York" at 10:00

  checkpoint freeze "Code freeze" { at release - lead at 18:00 }
  manual qa "QA" {
    instructions "Ask ${owner}"
    at grace after freeze
    window grace
  }
}
"#;

#[test]
fn duration_params_hover_and_complete() {
    let mut c = Client::start();
    let uri = "file:///tmp/rwf-lsp-test/leads.rwf";
    c.open(uri, LEADS);
    assert!(c.diagnostics(uri, 1).is_empty(), "the template is clean");

    // Hover on a use of the param: its type, default and description.
    let text = c.hover_text(uri, LEADS, "lead at", 0);
    assert!(
        text.contains("**param** `lead`") && text.contains("duration = 3 weeks"),
        "{text}"
    );
    let text = c.hover_text(uri, LEADS, "grace after", 0);
    assert!(text.contains("duration = 2 days"), "{text}");
    // Hover on the tasks: the schedule as written, resolved at the defaults.
    let text = c.hover_text(uri, LEADS, "freeze", 0);
    assert!(text.contains("at release - lead at 18:00"), "{text}");
    assert!(text.contains("planned: Tue 2027-05-11 18:00 EDT"), "{text}");
    let text = c.hover_text(uri, LEADS, "qa", 0);
    assert!(
        text.contains("start Thu 2027-05-13 18:00 EDT · due Sat 2027-05-15 18:00 EDT"),
        "{text}"
    );

    // Where an amount goes, the duration params come first and no other name is offered.
    for (from, to, needle) in [
        ("release - lead", "release - ", "release - "),
        ("window grace", "window ", "window "),
    ] {
        let edited = LEADS.replace(from, to);
        c.change(uri, 2, &edited);
        let _ = c.diagnostics(uri, 2);
        let (line, col) = pos_of(&edited, needle, 0);
        let items = c.result(
            "textDocument/completion",
            json!({ "textDocument": { "uri": uri }, "position": { "line": line, "character": col + needle.len() as u64 } }),
        );
        let items = items.as_array().unwrap();
        let label = |l: &str| items.iter().find(|i| i["label"] == l).cloned();
        for name in ["lead", "grace"] {
            let item = label(name).unwrap_or_else(|| panic!("{name} offered after `{to}`"));
            assert!(
                item["sortText"].as_str().unwrap().starts_with('0'),
                "{item}"
            );
            assert!(
                item["detail"].as_str().unwrap().contains("duration"),
                "{item}"
            );
        }
        for name in ["owner", "release", "freeze"] {
            assert!(
                label(name).is_none(),
                "{name} is not an amount (after `{to}`)"
            );
        }
    }
    c.shutdown();
}

const EVENTS: &str = r#"template gate "Gate" version 1 {
  param release: datetime = 2027-03-03T09:00
  target release in "UTC"

  checkpoint freeze "Freeze" { at release - 1 week }
  event ci_green "CI is green" {
    on "ci.finished" where { status: "success" }
    after freeze
  }
  agent publish "Publish" { uses "publisher"  after ci_green on success }
}
"#;

/// Event waits: the missing timeout is a warning with its code, hover explains `event`, `where` and
/// `then`, completion offers `on` in an event and still in an agent (edges), not `approvers`.
#[test]
fn event_waits_warn_hover_and_complete() {
    let mut c = Client::start();
    let uri = "file:///tmp/rwf-lsp-test/events.rwf";
    c.open(uri, EVENTS);
    let diags = c.diagnostics(uri, 1);
    assert_eq!(diags.len(), 1, "{diags:?}");
    assert_eq!(diags[0]["code"], "RWF040", "{diags:?}");
    assert_eq!(diags[0]["range"], range_of(EVENTS, "ci_green", 0));
    for (needle, want) in [
        ("event ci_green", "**event** *key*"),
        ("where {", "**where**"),
    ] {
        let text = c.hover_text(uri, EVENTS, needle, 0);
        assert!(text.contains(want), "{needle}: {text}");
    }
    let text = c.hover_text(uri, EVENTS, "ci_green", 0);
    assert!(
        text.contains("then waits for event `ci.finished` where status = \"success\"; no timeout"),
        "{text}"
    );
    let fixed = EVENTS.replace(
        "    after freeze\n",
        "    after freeze\n    timeout 2 days then skip\n",
    );
    c.change(uri, 2, &fixed);
    assert!(c.diagnostics(uri, 2).is_empty(), "a timeout clears RWF040");
    let text = c.hover_text(uri, &fixed, "then skip", 0);
    assert!(text.contains("then fail|skip|continue"), "{text}");
    let labels = |c: &mut Client, needle: &str| -> Vec<String> {
        let (line, col) = pos_of(&fixed, needle, 0);
        let items = c.result(
            "textDocument/completion",
            json!({ "textDocument": { "uri": uri }, "position": { "line": line, "character": col } }),
        );
        items
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["label"].as_str().unwrap().to_string())
            .collect()
    };
    let in_event = labels(&mut c, "after freeze");
    for want in ["on", "timeout", "after"] {
        assert!(in_event.iter().any(|l| l == want), "{want} in {in_event:?}");
    }
    assert!(!in_event.iter().any(|l| l == "approvers"), "{in_event:?}");
    let in_agent = labels(&mut c, "after ci_green on");
    assert!(in_agent.iter().any(|l| l == "on"), "{in_agent:?}");
    c.shutdown();
}

const EXPANDING: &str = "template x \"X\" version 1 {\n  param release: datetime = 2027-03-01T09:00\n  \
param locales: list<string> = [\"de\", \"fr\", \"ja\"]\n  target release in \"UTC\"\n  \
manual strings \"Strings\" { at release - 3 weeks }\n  for each locale in locales {\n    \
agent translate \"Translate ${locale}\" { uses \"t\"  input { lang: locale }  after strings }\n  }\n  \
repeat every 1 month from release until release + 2 months {\n    checkpoint sync \"Sync ${n}\" {}\n  }\n}\n";

#[test]
fn expansions_complete_and_hover_with_their_copies() {
    let mut c = Client::start();
    let uri = "file:///tmp/rwf-lsp-test/expand.rwf";
    c.open(uri, EXPANDING);
    assert!(c.diagnostics(uri, 1).is_empty(), "the template is clean");
    // The block's word: what it expands to with the defaults.
    let text = c.hover_text(uri, EXPANDING, "each", 0);
    assert!(text.contains("**for each**"), "{text}");
    assert!(
        text.contains("expands to 3 copies with the template's defaults: `translate[de]`, `translate[fr]`, `translate[ja]`"),
        "{text}"
    );
    let text = c.hover_text(uri, EXPANDING, "repeat", 0);
    assert!(text.contains("`sync` expands to 3 copies"), "{text}");
    // A task of a repeat: its copies and the first one's date.
    let text = c.hover_text(uri, EXPANDING, "sync", 0);
    assert!(text.contains("`sync[1]`, `sync[2]`, `sync[3]`"), "{text}");
    assert!(
        text.contains("planned (`sync[1]`): Mon 2027-03-01 09:00"),
        "{text}"
    );
    let complete =
        |c: &mut Client, text: &str, needle: &str| labels(&c.complete_after(uri, text, needle));
    let t = EXPANDING.replace("repeat every 1 month", "repeat ");
    assert_eq!(complete(&mut c, &t, "repeat "), ["every", "on"]);
    let t = EXPANDING.replace("repeat every 1 month", "repeat on mon, ");
    let days = complete(&mut c, &t, "repeat on mon, ");
    assert_eq!(days.len(), 7, "{days:?}");
    assert!(days.contains(&"fri".to_string()));
    let t = EXPANDING.replace("for each locale in locales", "for ");
    assert_eq!(complete(&mut c, &t, "  for "), ["each"]);
    let t = EXPANDING.replace("for each locale in locales", "for each locale ");
    assert_eq!(complete(&mut c, &t, "for each locale "), ["in"]);
    let t = EXPANDING.replace("for each locale in locales", "for each locale in ");
    let sources = complete(&mut c, &t, "for each locale in ");
    assert_eq!(sources[0], "locales", "{sources:?}");
    assert!(
        sources.contains(&"strings.output.".to_string()),
        "{sources:?}"
    );
    c.shutdown();
}

const FANNING: &str =
    "template x \"X\" version 1 {\n  param release: datetime = 2027-03-01T09:00\n  \
target release in \"UTC\"\n  agent build \"Build\" { uses \"ci\"  at release - 1 week }\n  \
for each platform in build.output.platforms {\n    \
agent ship \"Ship ${platform}\" { uses \"store\"  input { arch: \"${platform.arch}\" } }\n  }\n}\n";

/// `for each` over an upstream's output: clean, completed (`build.` → `output`, nothing after
/// `build.output.`), and the hovers say when it expands.
#[test]
fn a_for_each_over_an_output_completes_and_hovers() {
    let mut c = Client::start();
    let uri = "file:///tmp/rwf-lsp-test/fanout.rwf";
    c.open(uri, FANNING);
    assert!(c.diagnostics(uri, 1).is_empty(), "the template is clean");
    let note = "for each platform in build.output.platforms — expanded when build succeeds";
    let text = c.hover_text(uri, FANNING, "each", 0);
    assert!(
        text.contains("TASK.output.PATH") && text.contains(note),
        "{text}"
    );
    let text = c.hover_text(uri, FANNING, "ship", 0);
    assert!(text.contains(note), "{text}");
    let complete =
        |c: &mut Client, text: &str, needle: &str| labels(&c.complete_after(uri, text, needle));
    let t = FANNING.replace("build.output.platforms {", "build. {");
    assert_eq!(complete(&mut c, &t, "in build."), ["output"]);
    let t = FANNING.replace("build.output.platforms {", "build.output. {");
    assert!(complete(&mut c, &t, "in build.output.").is_empty());
    c.shutdown();
}

const OUTPUT_CONDITION: &str = r#"template t "T" {
  param release: datetime = "2027-03-01T09:00"
  target release in "UTC"
  agent rc1 "RC 1" { uses "rc"  at release - 2 weeks }
  manual rc2 "Extra RC" { when rc1.output.needs_another == true  after rc1 }
}
"#;

/// A condition on an upstream output: no diagnostic, and the hover on the task says when it runs.
#[test]
fn output_conditions_hover() {
    let mut c = Client::start();
    let uri = "file:///tmp/rwf-lsp-test/output_condition.rwf";
    c.open(uri, OUTPUT_CONDITION);
    assert!(c.diagnostics(uri, 1).is_empty());
    let text = c.hover_text(uri, OUTPUT_CONDITION, "rc2", 0);
    assert!(
        text.contains(
            "runs only if rc1.output.needs_another == true (decided when its dependencies are met"
        ),
        "{text}"
    );
}

/// `include`: no diagnostic for the examples; completion of imported templates after `include` and of
/// their params inside the braces; hover on the template name shows its title and params; go-to-
/// definition opens the included file at its `template` line.
#[test]
fn includes_complete_hover_and_go_to_the_template() {
    let dir = std::env::temp_dir().join(format!("rwf-lsp-include-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let app_store = std::fs::read_to_string(root.join("examples/app_store.rwf")).unwrap();
    std::fs::write(dir.join("app_store.rwf"), &app_store).unwrap();
    let text = std::fs::read_to_string(root.join("examples/store_release.rwf")).unwrap();
    let uri = format!("file://{}/store_release.rwf", dir.display());
    let uri = uri.as_str();
    let mut c = Client::start();
    c.open(uri, &text);
    assert!(c.diagnostics(uri, 1).is_empty(), "the example is clean");
    let shown = c.hover_text(uri, &text, "app_store as ios", 0);
    assert!(
        shown.contains("**template** `app_store` — App store submission: ${platform}"),
        "{shown}"
    );
    assert!(
        shown.contains("- `platform`: string (required) — ios or android"),
        "{shown}"
    );
    assert!(
        shown.contains("- `review_days`: duration = \"3d\""),
        "{shown}"
    );
    let def = c.result(
        "textDocument/definition",
        doc_pos(uri, &text, "app_store as ios", 0),
    );
    assert!(
        def["uri"]
            .as_str()
            .unwrap_or_default()
            .ends_with("/app_store.rwf"),
        "{def}"
    );
    let line = app_store
        .lines()
        .position(|l| l.starts_with("template app_store"))
        .unwrap();
    assert_eq!(def["range"]["start"]["line"], json!(line));
    // The include's name is a phase: hover says what it includes; `after ios` goes to the include.
    let shown = c.hover_text(uri, &text, "ios, android", 0);
    assert!(
        shown.contains("`include app_store as ios`: its tasks are `ios.KEY`"),
        "{shown}"
    );
    let def = c.result(
        "textDocument/definition",
        doc_pos(uri, &text, "ios, android", 0),
    );
    let include_line = text
        .lines()
        .position(|l| l.contains("include app_store as ios"))
        .unwrap();
    assert_eq!(def["range"]["start"]["line"], json!(include_line), "{def}");
    let mut complete = |text: &str, needle: &str| labels(&c.complete_after(uri, text, needle));
    let t = text.replace("include app_store as ios", "include ");
    let names = complete(&t, "  include ");
    assert_eq!(
        names.first().map(String::as_str),
        Some("app_store"),
        "{names:?}"
    );
    // Inside the braces: the params not given yet, then `after`.
    let t = text.replace(
        "    platform = \"ios\"\n    release = release - 1 week\n",
        "    platform = \"ios\"\n    \n",
    );
    let args = complete(&t, "    platform = \"ios\"\n    ");
    assert_eq!(args, ["release", "review_days", "reviewer", "after"]);
    c.shutdown();
    std::fs::remove_dir_all(&dir).ok();
}

const RUN_TIME: &str = r#"template t "T" {
  param release: datetime = "2027-03-01T09:00"
  param fast: bool = false
  target release in "UTC"
  agent build "Build" { uses "b"  at release - 2 weeks }
  event ci "CI" { on "ci.finished"  after build  timeout 1 day }
  manual other "Other" { at release - 1 week }
  manual rc2 "Extra RC" { when build.output.ok and not fast  after ci }
}
"#;

/// In a `when`: the params and the upstream tasks (not the others), `output` after a task's `.`, an
/// event's output fields after `.output.`, and nothing (no anchor points) for an unknown schema.
#[test]
fn conditions_complete_upstream_outputs() {
    let mut c = Client::start();
    let uri = "file:///tmp/rwf-lsp-test/run_time.rwf";
    c.open(uri, RUN_TIME);
    assert!(c.diagnostics(uri, 1).is_empty(), "the template is clean");
    let mut complete = |text: &str, needle: &str| -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> = c
            .complete_after(uri, text, needle)
            .iter()
            .map(|i| {
                (
                    i["label"].as_str().unwrap().to_string(),
                    i["insertText"].as_str().unwrap_or_default().to_string(),
                )
            })
            .collect();
        out.sort();
        out
    };
    let labels = |v: Vec<(String, String)>| v.into_iter().map(|(l, _)| l).collect::<Vec<_>>();
    let t = RUN_TIME.replace("when build.output.ok", "when ");
    let items = complete(&t, "{ when ");
    assert!(
        items.contains(&("build".into(), "build.output.".into())),
        "{items:?}"
    );
    assert!(
        items.contains(&("ci".into(), "ci.output.".into())),
        "{items:?}"
    );
    assert!(items.iter().any(|(l, _)| l == "fast"), "{items:?}");
    assert!(
        !items.iter().any(|(l, _)| l == "other"),
        "not upstream: {items:?}"
    );
    let t = RUN_TIME.replace("when build.output.ok", "when build.");
    assert_eq!(labels(complete(&t, "when build.")), ["output"]);
    let t = RUN_TIME.replace("when build.output.ok", "when ci.output.");
    assert_eq!(
        labels(complete(&t, "when ci.output.")),
        ["data", "id", "name", "received_at", "sender", "timed_out"]
    );
    let t = RUN_TIME.replace("when build.output.ok", "when build.output.");
    assert!(complete(&t, "when build.output.").is_empty());
    let t = RUN_TIME.replace("when build.output.ok", "when fast and ");
    assert!(labels(complete(&t, "when fast and ")).contains(&"build".to_string()));
    c.shutdown();
}

/// One copy named from outside its block (`at translate[de].due`, `${translate[de].output.url}`,
/// `at bugfix[2].end`): no diagnostic, and hovers on the anchor and the task answer.
#[test]
fn one_copy_anchors_are_clean_and_hover() {
    let text = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/schedule/copies.rwf"),
    )
    .unwrap();
    let mut c = Client::start();
    let uri = "file:///tmp/rwf-lsp-test/copies.rwf";
    c.open(uri, &text);
    assert!(c.diagnostics(uri, 1).is_empty(), "the template is clean");
    for needle in [
        "translate[de].due",
        "de]",
        "bugfix[2].end",
        "translate[de].output",
    ] {
        let hover = c.result("textDocument/hover", doc_pos(uri, &text, needle, 0));
        assert!(
            hover.is_null() || hover["contents"]["value"].is_string(),
            "{needle}: {hover}"
        );
    }
    let said = c.hover_text(uri, &text, "second_fix_out", 0);
    assert!(
        said.contains("schedule: `at bugfix[2].end + 1 day`")
            && said.contains("planned: Wed 2027-03-03 09:00 CET"),
        "resolved after expansion: {said}"
    );
    c.shutdown();
}
