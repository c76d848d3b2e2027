//! Table options in queries: Paimon's hint and time-travel syntax, rewritten into references to
//! per-statement tables that carry the options.
//!
//! ```text
//! SELECT * FROM t /*+ OPTIONS('scan.snapshot-id'='3') */ WHERE …
//! SELECT * FROM t FOR SYSTEM_TIME AS OF TIMESTAMP '2026-01-01 00:00:00'      (Flink)
//! SELECT * FROM t VERSION AS OF 3 | VERSION AS OF 'tag' | TIMESTAMP AS OF '…'  (Spark)
//!   ─▶ SELECT * FROM <placeholder> AS "t" WHERE …   +   (t, {scan.… = …})
//! ```
//!
//! The session opens a provider with those options for each placeholder and removes it after
//! the statement. The alias keeps `t.col` references working.

use super::lexer::{lex, Tok, TokKind};
use super::ObjectName;

/// A table reference with options.
#[derive(Debug, Clone, PartialEq)]
pub struct TableOptions {
    /// The table as written.
    pub name: ObjectName,
    /// The options (from hints and time travel clauses).
    pub options: Vec<(String, String)>,
}

/// A statement with its option-carrying table references replaced.
#[derive(Debug, Clone, PartialEq)]
pub struct Rewritten {
    /// The new statement text.
    pub sql: String,
    /// `(placeholder, table and options)` in order of appearance.
    pub tables: Vec<(String, TableOptions)>,
}

/// Words after a table reference that are not an alias.
const NOT_ALIAS: &[&str] = &[
    "WHERE",
    "JOIN",
    "INNER",
    "LEFT",
    "RIGHT",
    "FULL",
    "CROSS",
    "ON",
    "USING",
    "GROUP",
    "ORDER",
    "LIMIT",
    "UNION",
    "EXCEPT",
    "INTERSECT",
    "HAVING",
    "WINDOW",
    "QUALIFY",
    "OFFSET",
    "FETCH",
    "NATURAL",
    "LATERAL",
    "SELECT",
    "VALUES",
    "SET",
    "FOR",
    "VERSION",
    "TIMESTAMP",
    "OUTER",
    "ANTI",
    "SEMI",
    "PARTITION",
    "DEFAULT",
];

/// Rewrites hints and time travel; `placeholder(n)` names the n-th replaced table.
///
/// # Errors
/// Malformed `OPTIONS(…)` hints or time-travel clauses.
pub fn rewrite(
    sql: &str,
    mut placeholder: impl FnMut(usize) -> String,
) -> Result<Rewritten, String> {
    let toks = lex(sql).map_err(|e| format!("SQL syntax error: {e}"))?;
    let mut out = String::with_capacity(sql.len());
    let mut copied = 0; // bytes of `sql` already copied
    let mut tables = Vec::new();
    let mut i = 0;
    while i < toks.len() {
        if !(toks[i].is_ident() && starts_clause(&toks, i + 1)) {
            i += 1;
            continue;
        }
        // Walk back over `a.b.c`.
        let mut first = i;
        while first >= 2 && toks[first - 1].is_punct('.') && toks[first - 2].is_ident() {
            first -= 2;
        }
        let name = ObjectName(
            toks[first..=i]
                .iter()
                .filter(|t| t.is_ident())
                .map(|t| t.text.clone())
                .collect(),
        );
        let mut options = Vec::new();
        let mut j = i + 1;
        loop {
            if j < toks.len() && toks[j].kind == TokKind::Hint {
                options.extend(hint_options(&toks[j].text)?);
                j += 1;
            } else if let Some((opts, next)) = time_travel(&toks, j)? {
                options.extend(opts);
                j = next;
            } else {
                break;
            }
        }
        if options.is_empty() {
            // Only non-OPTIONS hints: leave the text alone.
            i = j;
            continue;
        }
        // An INSERT target takes no alias.
        let is_target = first > 0
            && ["INTO", "TABLE", "OVERWRITE"]
                .iter()
                .any(|k| toks[first - 1].is_kw(k));
        let has_alias = is_target
            || toks.get(j).is_some_and(|t| {
                t.is_kw("AS")
                    || t.kind == TokKind::Quoted
                    || (t.kind == TokKind::Word && !NOT_ALIAS.iter().any(|k| t.is_kw(k)))
            });
        let ph = placeholder(tables.len());
        out.push_str(&sql[copied..toks[first].start]);
        out.push_str(&ph);
        if !has_alias {
            let alias = name.0.last().cloned().unwrap_or_default();
            out.push_str(&format!(" AS \"{}\"", alias.replace('"', "\"\"")));
        }
        copied = toks[j - 1].end;
        if sql[copied..].starts_with(|c: char| !c.is_whitespace()) {
            out.push(' ');
        }
        tables.push((ph, TableOptions { name, options }));
        i = j;
    }
    out.push_str(&sql[copied..]);
    Ok(Rewritten { sql: out, tables })
}

/// Whether a hint or time-travel clause starts at token `j`.
fn starts_clause(toks: &[Tok], j: usize) -> bool {
    let Some(t) = toks.get(j) else { return false };
    if t.kind == TokKind::Hint {
        return hint_is_options(&t.text);
    }
    let kw = |k: usize, w: &str| toks.get(j + k).is_some_and(|t| t.is_kw(w));
    (kw(0, "FOR") && kw(1, "SYSTEM_TIME") && kw(2, "AS") && kw(3, "OF"))
        || ((kw(0, "VERSION") || kw(0, "TIMESTAMP")) && kw(1, "AS") && kw(2, "OF"))
}

fn hint_is_options(text: &str) -> bool {
    text.trim_start()
        .get(..7)
        .is_some_and(|w| w.eq_ignore_ascii_case("OPTIONS"))
}

/// `OPTIONS('k' = 'v', …)` inside a hint.
fn hint_options(text: &str) -> Result<Vec<(String, String)>, String> {
    if !hint_is_options(text) {
        return Ok(Vec::new());
    }
    let toks = lex(text).map_err(|e| format!("malformed hint /*+{text}*/: {e}"))?;
    let bad = || format!("malformed hint /*+{text}*/: expected OPTIONS('key' = 'value', …)");
    let mut it = toks.iter().skip(1);
    if !it.next().is_some_and(|t| t.is_punct('(')) {
        return Err(bad());
    }
    let mut out = Vec::new();
    loop {
        let k = it
            .next()
            .filter(|t| t.kind == TokKind::Str)
            .ok_or_else(bad)?;
        if !it.next().is_some_and(|t| t.is_punct('=')) {
            return Err(bad());
        }
        let v = it
            .next()
            .filter(|t| t.kind == TokKind::Str)
            .ok_or_else(bad)?;
        out.push((k.text.clone(), v.text.clone()));
        match it.next() {
            Some(t) if t.is_punct(',') => continue,
            Some(t) if t.is_punct(')') => break,
            _ => return Err(bad()),
        }
    }
    if it.next().is_some() {
        return Err(bad());
    }
    Ok(out)
}

/// Options of a clause and the token index after it.
type Clause = (Vec<(String, String)>, usize);

/// A time-travel clause at `j`: its options and the index after it.
fn time_travel(toks: &[Tok], j: usize) -> Result<Option<Clause>, String> {
    if !starts_clause(toks, j) || toks[j].kind == TokKind::Hint {
        return Ok(None);
    }
    let (kind, mut k) = if toks[j].is_kw("FOR") {
        ("system_time", j + 4)
    } else if toks[j].is_kw("VERSION") {
        ("version", j + 3)
    } else {
        ("timestamp", j + 3)
    };
    // An optional TIMESTAMP type keyword before a string literal.
    if kind != "version"
        && toks.get(k).is_some_and(|t| t.is_kw("TIMESTAMP"))
        && toks.get(k + 1).is_some_and(|t| t.kind == TokKind::Str)
    {
        k += 1;
    }
    let v = toks.get(k).ok_or_else(|| {
        format!(
            "SQL syntax error: {} AS OF needs a value",
            kind.to_uppercase()
        )
    })?;
    let opt = match (kind, &v.kind) {
        ("version", TokKind::Num) => ("scan.snapshot-id", v.text.clone()),
        ("version", TokKind::Str) => {
            if v.text.chars().all(|c| c.is_ascii_digit()) && !v.text.is_empty() {
                ("scan.snapshot-id", v.text.clone())
            } else {
                ("scan.tag-name", v.text.clone())
            }
        }
        (_, TokKind::Str) => ("scan.timestamp", v.text.clone()),
        ("timestamp", TokKind::Num) => {
            // Spark: seconds since the epoch.
            let secs: i64 = v
                .text
                .parse()
                .map_err(|_| format!("TIMESTAMP AS OF {}: not a number of seconds", v.text))?;
            ("scan.timestamp-millis", (secs * 1000).to_string())
        }
        (_, TokKind::Num) => ("scan.timestamp-millis", v.text.clone()),
        _ => {
            return Err(format!(
                "SQL syntax error: {} AS OF expects a number or a quoted value, found {v}",
                kind.to_uppercase().replace('_', " ")
            ))
        }
    };
    Ok(Some((vec![(opt.0.to_string(), opt.1)], k + 1)))
}
