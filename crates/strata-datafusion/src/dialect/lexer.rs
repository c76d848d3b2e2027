//! A small SQL lexer that keeps byte spans, comments and hints, so statements can be split,
//! recognised and rewritten in place without losing any of the user's text.
//!
//! Tokens: words (`$` allowed inside, for `t$snapshots`), quoted identifiers (`"x"`, `` `x` ``),
//! strings (`'it''s'`), numbers, single punctuation characters, and `/*+ … */` hints. Plain
//! comments and whitespace are skipped.

use std::fmt;

/// What a token is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokKind {
    /// An unquoted word (identifier or keyword).
    Word,
    /// A quoted identifier; `text` is its unquoted value.
    Quoted,
    /// A string literal; `text` is its value.
    Str,
    /// A number.
    Num,
    /// One punctuation character.
    Punct(char),
    /// A `/*+ … */` hint; `text` is the part between `/*+` and `*/`.
    Hint,
}

/// A token with its span in the statement text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tok {
    /// Kind.
    pub kind: TokKind,
    /// Value (unquoted for identifiers and strings).
    pub text: String,
    /// Byte offset of the first character.
    pub start: usize,
    /// Byte offset after the last character.
    pub end: usize,
}

impl Tok {
    /// Whether this is the keyword `kw` (case-insensitive, unquoted).
    pub fn is_kw(&self, kw: &str) -> bool {
        self.kind == TokKind::Word && self.text.eq_ignore_ascii_case(kw)
    }

    /// Whether this is the punctuation `c`.
    pub fn is_punct(&self, c: char) -> bool {
        self.kind == TokKind::Punct(c)
    }

    /// Whether this names something (a word or a quoted identifier).
    pub fn is_ident(&self) -> bool {
        matches!(self.kind, TokKind::Word | TokKind::Quoted)
    }
}

impl fmt::Display for Tok {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            TokKind::Str => write!(f, "'{}'", self.text),
            TokKind::Quoted => write!(f, "\"{}\"", self.text),
            TokKind::Hint => write!(f, "/*+{}*/", self.text),
            _ => f.write_str(&self.text),
        }
    }
}

/// A lexing error with its byte offset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LexError {
    /// What is wrong.
    pub message: String,
    /// Where.
    pub offset: usize,
}

impl fmt::Display for LexError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} at offset {}", self.message, self.offset)
    }
}

/// Splits `sql` into tokens.
///
/// # Errors
/// Unterminated strings, quoted identifiers or block comments.
pub fn lex(sql: &str) -> Result<Vec<Tok>, LexError> {
    let b = sql.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c.is_ascii_whitespace() {
            i += 1;
        } else if c == b'-' && b.get(i + 1) == Some(&b'-') {
            while i < b.len() && b[i] != b'\n' {
                i += 1;
            }
        } else if c == b'/' && b.get(i + 1) == Some(&b'*') {
            let start = i;
            let hint = b.get(i + 2) == Some(&b'+');
            let close = sql[i + 2..].find("*/").ok_or(LexError {
                message: "unterminated comment".into(),
                offset: start,
            })?;
            let end = i + 2 + close + 2;
            if hint {
                out.push(Tok {
                    kind: TokKind::Hint,
                    text: sql[start + 3..end - 2].to_string(),
                    start,
                    end,
                });
            }
            i = end;
        } else if c == b'\'' {
            let (text, end) = quoted(sql, i, '\'')?;
            out.push(Tok {
                kind: TokKind::Str,
                text,
                start: i,
                end,
            });
            i = end;
        } else if c == b'"' || c == b'`' {
            let (text, end) = quoted(sql, i, c as char)?;
            out.push(Tok {
                kind: TokKind::Quoted,
                text,
                start: i,
                end,
            });
            i = end;
        } else if c.is_ascii_digit() || (c == b'.' && b.get(i + 1).is_some_and(u8::is_ascii_digit))
        {
            let start = i;
            while i < b.len()
                && (b[i].is_ascii_alphanumeric()
                    || b[i] == b'.'
                    || ((b[i] == b'-' || b[i] == b'+') && matches!(b[i - 1], b'e' | b'E')))
            {
                i += 1;
            }
            out.push(Tok {
                kind: TokKind::Num,
                text: sql[start..i].to_string(),
                start,
                end: i,
            });
        } else if c.is_ascii_alphabetic() || c == b'_' || c >= 0x80 {
            let start = i;
            while i < b.len()
                && (b[i].is_ascii_alphanumeric() || b[i] == b'_' || b[i] == b'$' || b[i] >= 0x80)
            {
                i += 1;
            }
            out.push(Tok {
                kind: TokKind::Word,
                text: sql[start..i].to_string(),
                start,
                end: i,
            });
        } else {
            let ch = sql[i..].chars().next().unwrap_or(' ');
            out.push(Tok {
                kind: TokKind::Punct(ch),
                text: ch.to_string(),
                start: i,
                end: i + ch.len_utf8(),
            });
            i += ch.len_utf8();
        }
    }
    Ok(out)
}

/// Reads a quoted run starting at `start` (a doubled quote is one quote character).
fn quoted(sql: &str, start: usize, q: char) -> Result<(String, usize), LexError> {
    let mut text = String::new();
    let mut chars = sql[start + 1..].char_indices().peekable();
    while let Some((off, ch)) = chars.next() {
        if ch == q {
            if chars.peek().is_some_and(|(_, n)| *n == q) {
                text.push(q);
                chars.next();
                continue;
            }
            return Ok((text, start + 1 + off + 1));
        }
        if ch == '\\' && q == '\'' {
            // Flink and Spark accept backslash escapes in strings; keep them verbatim.
            text.push(ch);
            if let Some((_, n)) = chars.next() {
                text.push(n);
            }
            continue;
        }
        text.push(ch);
    }
    Err(LexError {
        message: format!(
            "unterminated {}",
            if q == '\'' { "string" } else { "quoted name" }
        ),
        offset: start,
    })
}

/// Splits a script into statements at `;` outside strings, quoted names and comments. Empty
/// statements (only whitespace and comments) are dropped.
pub fn split_statements(script: &str) -> Vec<String> {
    let b = script.as_bytes();
    let mut out = Vec::new();
    let mut start = 0;
    let mut i = 0;
    let push = |s: &str, out: &mut Vec<String>| {
        if lex(s).map(|t| !t.is_empty()).unwrap_or(true) && !s.trim().is_empty() {
            out.push(s.trim().to_string());
        }
    };
    while i < b.len() {
        match b[i] {
            b'\'' | b'"' | b'`' => {
                let q = b[i];
                i += 1;
                while i < b.len() {
                    if b[i] == q {
                        if b.get(i + 1) == Some(&q) {
                            i += 2;
                            continue;
                        }
                        break;
                    }
                    if b[i] == b'\\' && q == b'\'' {
                        i += 1;
                    }
                    i += 1;
                }
                i += 1;
            }
            b'-' if b.get(i + 1) == Some(&b'-') => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                i = match script[i + 2..].find("*/") {
                    Some(c) => i + 2 + c + 2,
                    None => b.len(),
                };
            }
            b';' => {
                push(&script[start..i], &mut out);
                i += 1;
                start = i;
            }
            _ => i += 1,
        }
    }
    if start < b.len() {
        push(&script[start..], &mut out);
    }
    out
}

/// Whether `text` ends a statement: its last token, outside strings and comments, is `;`.
/// (The interactive shell keeps reading lines until this holds.)
pub fn is_complete(text: &str) -> bool {
    let trimmed = text.trim_end();
    if !trimmed.ends_with(';') {
        return false;
    }
    // The final ';' must not be inside a string or comment: splitting must consume it.
    match lex(trimmed) {
        Ok(toks) => toks.last().is_some_and(|t| t.is_punct(';')),
        Err(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lexes_words_strings_and_hints() {
        let t = lex("SELECT a$b, 'it''s', \"Q\" FROM t /*+ OPTIONS('k'='v') */ -- c\n;").unwrap();
        let kinds: Vec<&TokKind> = t.iter().map(|t| &t.kind).collect();
        assert_eq!(t[1].text, "a$b");
        assert_eq!(t[3].kind, TokKind::Str);
        assert_eq!(t[3].text, "it's");
        assert_eq!(t[5].kind, TokKind::Quoted);
        assert_eq!(t[5].text, "Q");
        assert!(kinds.contains(&&TokKind::Hint));
        let hint = t.iter().find(|t| t.kind == TokKind::Hint).unwrap();
        assert_eq!(hint.text, " OPTIONS('k'='v') ");
        assert!(t.last().unwrap().is_punct(';'));
        assert!(lex("SELECT 'x").is_err());
        assert!(lex("SELECT /* x").is_err());
    }

    #[test]
    fn splits_scripts() {
        let s = split_statements(
            "CREATE TABLE t (a STRING COMMENT 'a;b'); -- x;y\nINSERT INTO t VALUES ('1;2');;\n/* ; */ SELECT 1",
        );
        assert_eq!(s.len(), 3);
        assert!(s[0].ends_with("'a;b')"));
        assert!(s[1].contains("'1;2'"));
        assert!(s[2].ends_with("SELECT 1"));
        assert!(split_statements("  -- only a comment\n ; ").is_empty());
    }

    #[test]
    fn completeness() {
        assert!(is_complete("SELECT 1;"));
        assert!(is_complete("SELECT 1;  \n"));
        assert!(!is_complete("SELECT ';"));
        assert!(!is_complete("SELECT 1 -- ;"));
        assert!(!is_complete("SELECT 1"));
    }
}
