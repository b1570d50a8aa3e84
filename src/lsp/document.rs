//! One open document: its text, version and a token index rebuilt on every change.

use super::index::Index;
use super::position::LineMap;
use lsp_types::{Position, Uri};

pub struct Document {
    pub uri: Uri,
    /// The name given to the checker and loader: the file path for `file:` URIs, else the URI.
    pub file: String,
    pub version: i32,
    pub text: String,
    pub index: Index,
}

impl Document {
    pub fn new(uri: Uri, version: i32, text: String) -> Document {
        let file = file_name(&uri);
        let index = Index::build(&text);
        Document {
            uri,
            file,
            version,
            text,
            index,
        }
    }

    pub fn replace(&mut self, version: i32, text: String) {
        self.index = Index::build(&text);
        self.text = text;
        self.version = version;
    }

    pub fn lines(&self) -> LineMap<'_> {
        LineMap::new(&self.text)
    }

    pub fn offset(&self, pos: Position) -> usize {
        self.lines().offset(pos)
    }
}

/// `file:///a/b%20c.rwf` → `/a/b c.rwf`; any other URI stays as written.
pub fn file_name(uri: &Uri) -> String {
    let s = uri.as_str();
    let Some(rest) = s.strip_prefix("file://") else {
        return s.to_string();
    };
    let path = rest.find('/').map_or(rest, |i| &rest[i..]);
    let bytes = path.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                out.push((h * 16 + l) as u8);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    let path = String::from_utf8_lossy(&out).into_owned();
    // `file:///c%3A/x` on Windows: drop the slash before the drive letter.
    match path.as_bytes() {
        [b'/', d, b':', ..] if d.is_ascii_alphabetic() => path[1..].to_string(),
        _ => path,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_uris_become_paths() {
        let uri: Uri = "file:///tmp/a%20b/launch.rwf".parse().unwrap();
        assert_eq!(file_name(&uri), "/tmp/a b/launch.rwf");
        let uri: Uri = "untitled:Untitled-1".parse().unwrap();
        assert_eq!(file_name(&uri), "untitled:Untitled-1");
        let uri: Uri = "file:///x%2"
            .parse()
            .unwrap_or_else(|_| "file:///x".parse().unwrap());
        let _ = file_name(&uri);
    }
}
