//! A cursor over the tokens of one statement with the few parsing helpers the dialect needs.

use super::lexer::{lex, Tok, TokKind};
use super::ObjectName;

/// Tokens of one statement and a position.
pub struct Cursor<'a> {
    sql: &'a str,
    toks: Vec<Tok>,
    pos: usize,
}

impl<'a> Cursor<'a> {
    /// Lexes `sql` (a trailing `;` is dropped).
    ///
    /// # Errors
    /// Lexing errors.
    pub fn new(sql: &'a str) -> Result<Self, String> {
        let mut toks = lex(sql).map_err(|e| format!("SQL syntax error: {e}"))?;
        while toks.last().is_some_and(|t| t.is_punct(';')) {
            toks.pop();
        }
        Ok(Cursor { sql, toks, pos: 0 })
    }

    /// The next token.
    pub fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos)
    }

    /// The token `n` places ahead.
    pub fn peek_at(&self, n: usize) -> Option<&Tok> {
        self.toks.get(self.pos + n)
    }

    /// Takes the next token.
    pub fn next(&mut self) -> Option<Tok> {
        let t = self.toks.get(self.pos).cloned();
        if t.is_some() {
            self.pos += 1;
        }
        t
    }

    /// Takes the keyword `kw` if it is next.
    pub fn kw(&mut self, kw: &str) -> bool {
        if self.peek().is_some_and(|t| t.is_kw(kw)) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    /// Takes the keywords `kws` if they are next, in order (all or nothing).
    pub fn kws(&mut self, kws: &[&str]) -> bool {
        let all = kws
            .iter()
            .enumerate()
            .all(|(i, k)| self.peek_at(i).is_some_and(|t| t.is_kw(k)));
        if all {
            self.pos += kws.len();
        }
        all
    }

    /// Whether the keyword `kw` is next (without taking it).
    pub fn peek_kw(&self, kw: &str) -> bool {
        self.peek().is_some_and(|t| t.is_kw(kw))
    }

    /// Takes the keyword `kw` or fails.
    ///
    /// # Errors
    /// When something else is next.
    pub fn expect_kw(&mut self, kw: &str) -> Result<(), String> {
        if self.kw(kw) {
            Ok(())
        } else {
            Err(self.err(&format!("expected {kw}")))
        }
    }

    /// Takes the punctuation `c` if it is next.
    pub fn punct(&mut self, c: char) -> bool {
        if self.peek().is_some_and(|t| t.is_punct(c)) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    /// Takes the punctuation `c` or fails.
    ///
    /// # Errors
    /// When something else is next.
    pub fn expect_punct(&mut self, c: char) -> Result<(), String> {
        if self.punct(c) {
            Ok(())
        } else {
            Err(self.err(&format!("expected '{c}'")))
        }
    }

    /// Takes an identifier.
    ///
    /// # Errors
    /// When the next token is not a name.
    pub fn ident(&mut self, what: &str) -> Result<String, String> {
        match self.peek() {
            Some(t) if t.is_ident() => {
                let s = t.text.clone();
                self.pos += 1;
                Ok(s)
            }
            _ => Err(self.err(&format!("expected {what}"))),
        }
    }

    /// Takes a string literal.
    ///
    /// # Errors
    /// When the next token is not a string.
    pub fn string(&mut self, what: &str) -> Result<String, String> {
        match self.peek() {
            Some(t) if t.kind == TokKind::Str => {
                let s = t.text.clone();
                self.pos += 1;
                Ok(s)
            }
            _ => Err(self.err(&format!("expected {what} as a quoted string"))),
        }
    }

    /// Takes `a.b.c`.
    ///
    /// # Errors
    /// When no name is next.
    pub fn object_name(&mut self) -> Result<ObjectName, String> {
        let mut parts = vec![self.ident("a table name")?];
        while self.peek().is_some_and(|t| t.is_punct('.')) {
            self.pos += 1;
            parts.push(self.ident("a name after '.'")?);
        }
        Ok(ObjectName(parts))
    }

    /// `(a, b, c)` of identifiers.
    ///
    /// # Errors
    /// Malformed lists.
    pub fn ident_list(&mut self, what: &str) -> Result<Vec<String>, String> {
        self.expect_punct('(')?;
        let mut out = Vec::new();
        loop {
            out.push(self.ident(what)?);
            if self.punct(')') {
                return Ok(out);
            }
            self.expect_punct(',')?;
        }
    }

    /// `('k' = 'v', …)`; keys may also be unquoted dotted names.
    ///
    /// # Errors
    /// Malformed lists.
    pub fn option_list(&mut self) -> Result<Vec<(String, String)>, String> {
        self.expect_punct('(')?;
        let mut out = Vec::new();
        if self.punct(')') {
            return Ok(out);
        }
        loop {
            let key = self.option_key()?;
            self.expect_punct('=')?;
            let value = match self.next() {
                Some(t) if matches!(t.kind, TokKind::Str | TokKind::Num | TokKind::Word) => t.text,
                _ => return Err(self.err(&format!("expected a quoted value for option '{key}'"))),
            };
            out.push((key, value));
            if self.punct(')') {
                return Ok(out);
            }
            self.expect_punct(',')?;
        }
    }

    /// An option key: `'a.b-c'` or `a.b`.
    ///
    /// # Errors
    /// When no key is next.
    pub fn option_key(&mut self) -> Result<String, String> {
        if let Some(t) = self.peek() {
            if t.kind == TokKind::Str {
                let s = t.text.clone();
                self.pos += 1;
                return Ok(s);
            }
        }
        Ok(self.object_name()?.0.join("."))
    }

    /// The statement text from the next token on.
    pub fn rest(&self) -> &'a str {
        match self.peek() {
            Some(t) => self.sql[t.start..self.end_offset()].trim(),
            None => "",
        }
    }

    fn end_offset(&self) -> usize {
        self.toks.last().map(|t| t.end).unwrap_or(self.sql.len())
    }

    /// Text of an expression up to (not including) a top-level token in `puncts` or keyword in
    /// `kws`, or the end; returns the text and the stop token's text.
    ///
    /// # Errors
    /// Unbalanced parentheses.
    pub fn expression_until(
        &mut self,
        puncts: &[&str],
        kws: &[&str],
    ) -> Result<(String, Option<String>), String> {
        let start = self.peek().map(|t| t.start);
        let mut depth = 0i32;
        let mut last_end = None;
        while let Some(t) = self.peek() {
            if depth == 0
                && ((matches!(t.kind, TokKind::Punct(_)) && puncts.contains(&t.text.as_str()))
                    || kws.iter().any(|k| t.is_kw(k)))
            {
                let stop = t.text.clone();
                let text = match (start, last_end) {
                    (Some(s), Some(e)) => self.sql[s..e].to_string(),
                    _ => String::new(),
                };
                return Ok((text, Some(stop)));
            }
            if t.is_punct('(') {
                depth += 1;
            } else if t.is_punct(')') {
                depth -= 1;
                if depth < 0 {
                    return Err(self.err("unbalanced ')'"));
                }
            }
            last_end = Some(t.end);
            self.pos += 1;
        }
        let text = match (start, last_end) {
            (Some(s), Some(e)) => self.sql[s..e].to_string(),
            _ => String::new(),
        };
        Ok((text, None))
    }

    /// Fails unless every token was used.
    ///
    /// # Errors
    /// Naming the first unexpected token.
    pub fn end(&self) -> Result<(), String> {
        match self.peek() {
            None => Ok(()),
            Some(_) => Err(self.err("unexpected text")),
        }
    }

    /// An error message naming the position.
    pub fn err(&self, msg: &str) -> String {
        match self.peek() {
            Some(t) => format!("SQL syntax error: {msg} near '{t}' (offset {})", t.start),
            None => format!("SQL syntax error: {msg} at the end of the statement"),
        }
    }

    /// Byte offset of the next token (or the end).
    pub fn offset(&self) -> usize {
        self.peek().map(|t| t.start).unwrap_or(self.sql.len())
    }

    /// The statement text between two offsets.
    pub fn text(&self, from: usize, to: usize) -> &'a str {
        &self.sql[from..to]
    }
}
