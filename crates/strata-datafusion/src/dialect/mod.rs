//! Paimon's SQL dialect on top of DataFusion: the statements Paimon's documentation uses that
//! DataFusion's parser does not know are recognised here, the rest goes to DataFusion.
//!
//! ```text
//! script ─▶ split_statements (lexer.rs: ';' outside strings and comments)
//!   statement ─▶ parse() ─┬─ Command::CreateTable / Alter / Show / Describe / Call / Delete …
//!                         │     (executed by the session through strata-core)
//!                         └─ Command::Query(text) ─▶ rewrite.rs: hints and time travel
//!                               ─▶ DataFusion (SELECT, INSERT, EXPLAIN, WITH, VALUES …)
//! ```
//!
//! Identifiers keep their case (as in Flink); keywords are case-insensitive. Quoted names use
//! `"x"` or `` `x` ``.

mod create;
pub mod lexer;
mod parser;
pub mod rewrite;

use strata_spec::DataField;

pub use lexer::{is_complete, split_statements};
use parser::Cursor;

/// A possibly qualified name, as written (quotes removed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectName(pub Vec<String>);

impl std::fmt::Display for ObjectName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0.join("."))
    }
}

/// `CREATE TABLE` with columns.
#[derive(Debug, Clone, PartialEq)]
pub struct CreateTable {
    /// Table name.
    pub name: ObjectName,
    /// `IF NOT EXISTS`.
    pub if_not_exists: bool,
    /// Columns (ids -1: assigned on create).
    pub columns: Vec<DataField>,
    /// `PRIMARY KEY (…) NOT ENFORCED`.
    pub primary_keys: Vec<String>,
    /// `PARTITIONED BY (…)`.
    pub partition_keys: Vec<String>,
    /// `WITH (…)`.
    pub options: Vec<(String, String)>,
    /// `COMMENT '…'`.
    pub comment: Option<String>,
}

/// `CREATE TABLE … AS SELECT`.
#[derive(Debug, Clone, PartialEq)]
pub struct CreateTableAs {
    /// Table name.
    pub name: ObjectName,
    /// `IF NOT EXISTS`.
    pub if_not_exists: bool,
    /// `PRIMARY KEY (…)` or the `primary-key` option.
    pub primary_keys: Vec<String>,
    /// `PARTITIONED BY (…)` or the `partition` option.
    pub partition_keys: Vec<String>,
    /// Remaining `WITH (…)` options.
    pub options: Vec<(String, String)>,
    /// `COMMENT '…'`.
    pub comment: Option<String>,
    /// The query text.
    pub query: String,
}

/// A literal argument of `CALL`.
#[derive(Debug, Clone, PartialEq)]
pub enum CallValue {
    /// `'text'`
    Str(String),
    /// `42`, `1.5`
    Num(String),
    /// `true` / `false`
    Bool(bool),
    /// `NULL`
    Null,
}

impl CallValue {
    /// The value as text (`None` for NULL).
    pub fn text(&self) -> Option<String> {
        match self {
            CallValue::Str(s) | CallValue::Num(s) => Some(s.clone()),
            CallValue::Bool(b) => Some(b.to_string()),
            CallValue::Null => None,
        }
    }
}

/// One statement, recognised.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    /// `CREATE DATABASE [IF NOT EXISTS] db`
    CreateDatabase {
        /// Name.
        name: String,
        /// `IF NOT EXISTS`.
        if_not_exists: bool,
    },
    /// `DROP DATABASE [IF EXISTS] db [CASCADE | RESTRICT]`
    DropDatabase {
        /// Name.
        name: String,
        /// `IF EXISTS`.
        if_exists: bool,
        /// `CASCADE`.
        cascade: bool,
    },
    /// `USE db` / `USE CATALOG c`
    Use {
        /// Database (or catalog with `catalog = true`).
        name: String,
        /// `USE CATALOG`.
        catalog: bool,
    },
    /// `CREATE TABLE … (columns) …`
    CreateTable(CreateTable),
    /// `CREATE TABLE [IF NOT EXISTS] t LIKE src [WITH (…)]`
    CreateTableLike {
        /// New table.
        name: ObjectName,
        /// `IF NOT EXISTS`.
        if_not_exists: bool,
        /// Source table.
        source: ObjectName,
        /// Options layered over the source's.
        options: Vec<(String, String)>,
    },
    /// `CREATE TABLE … AS SELECT …`
    CreateTableAs(CreateTableAs),
    /// `DROP TABLE [IF EXISTS] t`
    DropTable {
        /// Name.
        name: ObjectName,
        /// `IF EXISTS`.
        if_exists: bool,
    },
    /// `ALTER TABLE t SET (…)` / `ALTER TABLE t RESET (…)`
    AlterTableOptions {
        /// Table.
        name: ObjectName,
        /// Options to set.
        set: Vec<(String, String)>,
        /// Options to remove.
        reset: Vec<String>,
    },
    /// `SHOW DATABASES`
    ShowDatabases,
    /// `SHOW TABLES [FROM db]`
    ShowTables {
        /// Database (default: the current one).
        database: Option<String>,
    },
    /// `SHOW CREATE TABLE t`
    ShowCreateTable {
        /// Table.
        name: ObjectName,
    },
    /// `DESCRIBE t` / `DESC t`
    Describe {
        /// Table.
        name: ObjectName,
    },
    /// `CALL sys.procedure(args)`
    Call {
        /// Procedure name without `sys.`, lower case.
        procedure: String,
        /// Positional arguments.
        args: Vec<CallValue>,
        /// Named arguments (`name => value`).
        named: Vec<(String, CallValue)>,
    },
    /// `INSERT INTO|OVERWRITE [TABLE] t PARTITION (k = 'v', …) query`
    InsertPartition {
        /// `OVERWRITE`.
        overwrite: bool,
        /// Target table.
        table: ObjectName,
        /// Static partition values as literal text.
        partition: Vec<(String, String)>,
        /// The query (with hints still in it).
        query: String,
    },
    /// `DELETE FROM t [WHERE …]`
    Delete {
        /// Table.
        table: ObjectName,
        /// The condition text.
        condition: Option<String>,
    },
    /// `UPDATE t SET c = e, … [WHERE …]`
    Update {
        /// Table.
        table: ObjectName,
        /// `(column, expression text)`.
        assignments: Vec<(String, String)>,
        /// The condition text.
        condition: Option<String>,
    },
    /// Flink's `SET 'key' = 'value'` (job settings; accepted, without effect here).
    FlinkSet {
        /// Setting key.
        key: String,
        /// Value.
        value: String,
    },
    /// Anything else: DataFusion's SQL (after rewriting hints and time travel).
    Query(String),
}

/// Recognises one statement (without its trailing `;`).
///
/// # Errors
/// A message naming what was expected, for statements of Paimon's dialect that are malformed.
pub fn parse(stmt: &str) -> Result<Command, String> {
    let mut c = Cursor::new(stmt)?;
    let Some(first) = c.peek().cloned() else {
        return Err("empty statement".into());
    };
    let up = first.text.to_ascii_uppercase();
    if !first.is_ident() || first.kind == lexer::TokKind::Quoted {
        return Ok(Command::Query(stmt.to_string()));
    }
    match up.as_str() {
        "CREATE" => create::parse_create(&mut c, stmt),
        "DROP" => parse_drop(&mut c, stmt),
        "USE" => {
            c.next();
            let catalog = c.kw("CATALOG");
            let name = c.ident("a database name")?;
            c.end()?;
            Ok(Command::Use { name, catalog })
        }
        "ALTER" => create::parse_alter(&mut c),
        "SHOW" => parse_show(&mut c, stmt),
        "DESCRIBE" | "DESC" => {
            c.next();
            c.kw("EXTENDED");
            c.kw("TABLE");
            let name = c.object_name()?;
            c.end()?;
            Ok(Command::Describe { name })
        }
        "CALL" => parse_call(&mut c),
        "INSERT" => parse_insert(&mut c, stmt),
        "DELETE" => parse_delete(&mut c),
        "SET" if c.peek_at(1).is_some_and(|t| t.kind == lexer::TokKind::Str) => {
            c.next();
            let key = c.string("a setting key")?;
            c.expect_punct('=')?;
            let value = match c.next() {
                Some(t) if matches!(t.kind, lexer::TokKind::Str | lexer::TokKind::Num) => t.text,
                _ => return Err(c.err("expected a quoted value")),
            };
            c.end()?;
            Ok(Command::FlinkSet { key, value })
        }
        "UPDATE" => parse_update(&mut c),
        _ => Ok(Command::Query(stmt.to_string())),
    }
}

fn parse_drop(c: &mut Cursor, stmt: &str) -> Result<Command, String> {
    c.next();
    if c.kw("DATABASE") || c.kw("SCHEMA") {
        let if_exists = c.kws(&["IF", "EXISTS"]);
        let name = c.ident("a database name")?;
        let cascade = c.kw("CASCADE");
        if !cascade {
            c.kw("RESTRICT");
        }
        c.end()?;
        return Ok(Command::DropDatabase {
            name,
            if_exists,
            cascade,
        });
    }
    if c.kw("TABLE") {
        let if_exists = c.kws(&["IF", "EXISTS"]);
        let name = c.object_name()?;
        c.end()?;
        return Ok(Command::DropTable { name, if_exists });
    }
    Ok(Command::Query(stmt.to_string()))
}

fn parse_show(c: &mut Cursor, stmt: &str) -> Result<Command, String> {
    c.next();
    if c.kw("DATABASES") || c.kw("SCHEMAS") {
        c.end()?;
        return Ok(Command::ShowDatabases);
    }
    if c.kw("TABLES") {
        let database = if c.kw("FROM") || c.kw("IN") {
            Some(c.ident("a database name")?)
        } else {
            None
        };
        c.end()?;
        return Ok(Command::ShowTables { database });
    }
    if c.kws(&["CREATE", "TABLE"]) {
        let name = c.object_name()?;
        c.end()?;
        return Ok(Command::ShowCreateTable { name });
    }
    Ok(Command::Query(stmt.to_string()))
}

fn call_value(c: &mut Cursor) -> Result<CallValue, String> {
    let t = c
        .next()
        .ok_or_else(|| "CALL: expected an argument".to_string())?;
    Ok(match &t.kind {
        lexer::TokKind::Str => CallValue::Str(t.text),
        lexer::TokKind::Num => CallValue::Num(t.text),
        lexer::TokKind::Punct('-') => match c.next() {
            Some(n) if n.kind == lexer::TokKind::Num => CallValue::Num(format!("-{}", n.text)),
            _ => return Err("CALL: expected a number after '-'".into()),
        },
        lexer::TokKind::Word if t.text.eq_ignore_ascii_case("true") => CallValue::Bool(true),
        lexer::TokKind::Word if t.text.eq_ignore_ascii_case("false") => CallValue::Bool(false),
        lexer::TokKind::Word if t.text.eq_ignore_ascii_case("null") => CallValue::Null,
        _ => {
            return Err(format!(
                "CALL: arguments must be literals ('text', numbers, true/false), found {t}"
            ))
        }
    })
}

fn parse_call(c: &mut Cursor) -> Result<Command, String> {
    c.next();
    let name = c.object_name()?;
    let procedure = match name.0.as_slice() {
        [p] => p.to_ascii_lowercase(),
        [sys, p] if sys.eq_ignore_ascii_case("sys") => p.to_ascii_lowercase(),
        _ => {
            return Err(format!(
                "unknown procedure '{name}'; procedures are called as sys.<name>(...)"
            ))
        }
    };
    c.expect_punct('(')?;
    let mut args = Vec::new();
    let mut named = Vec::new();
    if !c.punct(')') {
        loop {
            // `name => value`
            let is_named = c.peek().is_some_and(|t| t.is_ident())
                && c.peek_at(1).is_some_and(|t| t.is_punct('='))
                && c.peek_at(2).is_some_and(|t| t.is_punct('>'));
            if is_named {
                let n = c.ident("an argument name")?;
                c.next();
                c.next();
                named.push((n.to_ascii_lowercase(), call_value(c)?));
            } else {
                if !named.is_empty() {
                    return Err("CALL: positional arguments cannot follow named ones".into());
                }
                args.push(call_value(c)?);
            }
            if c.punct(')') {
                break;
            }
            c.expect_punct(',')?;
        }
    }
    c.end()?;
    Ok(Command::Call {
        procedure,
        args,
        named,
    })
}

fn parse_insert(c: &mut Cursor, stmt: &str) -> Result<Command, String> {
    c.next();
    let overwrite = if c.kw("OVERWRITE") {
        true
    } else if c.kw("INTO") {
        false
    } else {
        return Ok(Command::Query(stmt.to_string()));
    };
    c.kw("TABLE");
    let table = c.object_name()?;
    // Hints on the target stay in the query text, which we do not need here.
    while c.peek().is_some_and(|t| t.kind == lexer::TokKind::Hint) {
        c.next();
    }
    if !c.kw("PARTITION") {
        return Ok(Command::Query(stmt.to_string()));
    }
    c.expect_punct('(')?;
    let mut partition = Vec::new();
    loop {
        let k = c.ident("a partition column")?;
        c.expect_punct('=')?;
        let v = match c.next() {
            Some(t) if matches!(t.kind, lexer::TokKind::Str | lexer::TokKind::Num) => t.text,
            Some(t) if t.is_punct('-') => match c.next() {
                Some(n) if n.kind == lexer::TokKind::Num => format!("-{}", n.text),
                _ => return Err("PARTITION: expected a number after '-'".into()),
            },
            other => {
                return Err(format!(
                    "PARTITION: expected a literal value for '{k}', found {}",
                    other
                        .map(|t| t.to_string())
                        .unwrap_or_else(|| "the end".into())
                ))
            }
        };
        partition.push((k, v));
        if c.punct(')') {
            break;
        }
        c.expect_punct(',')?;
    }
    let query = c.rest().to_string();
    if query.trim().is_empty() {
        return Err("INSERT … PARTITION (…) needs a query (SELECT … or VALUES …)".into());
    }
    Ok(Command::InsertPartition {
        overwrite,
        table,
        partition,
        query,
    })
}

fn parse_delete(c: &mut Cursor) -> Result<Command, String> {
    c.next();
    c.expect_kw("FROM")?;
    let table = c.object_name()?;
    let condition = if c.kw("WHERE") {
        Some(c.rest().to_string())
    } else {
        c.end()?;
        None
    };
    Ok(Command::Delete { table, condition })
}

fn parse_update(c: &mut Cursor) -> Result<Command, String> {
    c.next();
    let table = c.object_name()?;
    c.expect_kw("SET")?;
    let mut assignments = Vec::new();
    loop {
        let col = c.ident("a column name")?;
        c.expect_punct('=')?;
        let (expr, stop) = c.expression_until(&[","], &["WHERE"])?;
        if expr.trim().is_empty() {
            return Err(format!("UPDATE: no value for column '{col}'"));
        }
        assignments.push((col, expr));
        match stop.as_deref() {
            Some(",") => {
                c.next();
            }
            _ => break,
        }
    }
    let condition = if c.kw("WHERE") {
        Some(c.rest().to_string())
    } else {
        c.end()?;
        None
    };
    Ok(Command::Update {
        table,
        assignments,
        condition,
    })
}

#[cfg(test)]
mod tests;
