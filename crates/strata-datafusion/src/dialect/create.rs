//! `CREATE DATABASE`, `CREATE TABLE` (columns, `LIKE`, `AS SELECT`) and `ALTER TABLE` in the
//! syntax of Paimon's documentation (Flink SQL, with Spark's `TBLPROPERTIES` / `USING paimon`
//! accepted too).
//!
//! ```sql
//! CREATE TABLE [IF NOT EXISTS] db.t (
//!     id BIGINT NOT NULL COMMENT 'key',
//!     dt STRING,
//!     v  ROW<a INT NOT NULL, b ARRAY<STRING>>,
//!     PRIMARY KEY (id, dt) NOT ENFORCED
//! ) COMMENT 'c' PARTITIONED BY (dt) WITH ('bucket' = '4', 'merge-engine' = 'aggregation');
//! ```

use strata_spec::{DataField, DataType};

use super::lexer::TokKind;
use super::parser::Cursor;
use super::{Command, CreateTable, CreateTableAs};

/// Keywords that end a column's type.
const TYPE_END: &[&str] = &[
    "NOT",
    "NULL",
    "COMMENT",
    "PRIMARY",
    "CONSTRAINT",
    "METADATA",
    "DEFAULT",
];

pub(super) fn parse_create(c: &mut Cursor, stmt: &str) -> Result<Command, String> {
    c.next();
    if c.kw("DATABASE") || c.kw("SCHEMA") {
        let if_not_exists = c.kws(&["IF", "NOT", "EXISTS"]);
        let name = c.ident("a database name")?;
        if c.kw("COMMENT") {
            c.string("a comment")?;
        }
        if c.kw("WITH") {
            c.option_list()?;
        }
        c.end()?;
        return Ok(Command::CreateDatabase {
            name,
            if_not_exists,
        });
    }
    if c.peek_kw("CATALOG") {
        return Err(
            "CREATE CATALOG is not supported: the warehouse is chosen when the session \
                    starts (strata --warehouse …), and its catalog is `paimon`"
                .into(),
        );
    }
    if !c.kw("TABLE") {
        return Ok(Command::Query(stmt.to_string()));
    }
    let if_not_exists = c.kws(&["IF", "NOT", "EXISTS"]);
    let name = c.object_name()?;
    let mut table = CreateTable {
        name,
        if_not_exists,
        columns: Vec::new(),
        primary_keys: Vec::new(),
        partition_keys: Vec::new(),
        options: Vec::new(),
        comment: None,
    };
    let has_columns = c.peek().is_some_and(|t| t.is_punct('('));
    if has_columns {
        parse_columns(c, &mut table)?;
    }
    loop {
        if c.kw("COMMENT") {
            table.comment = Some(c.string("a table comment")?);
        } else if c.kws(&["PARTITIONED", "BY"]) {
            table.partition_keys = c.ident_list("a partition column")?;
        } else if c.kw("WITH") || c.kw("TBLPROPERTIES") {
            table.options.extend(c.option_list()?);
        } else if c.kw("USING") {
            let fmt = c.ident("a table format")?;
            if !fmt.eq_ignore_ascii_case("paimon") {
                return Err(format!(
                    "USING {fmt}: only paimon tables can be created here"
                ));
            }
        } else if c.kw("LIKE") {
            if has_columns {
                return Err("CREATE TABLE … LIKE cannot also list columns".into());
            }
            let source = c.object_name()?;
            if c.peek().is_some_and(|t| t.is_punct('(')) {
                return Err(c.err("LIKE options (INCLUDING/EXCLUDING) are not supported"));
            }
            if c.kw("WITH") || c.kw("TBLPROPERTIES") {
                table.options.extend(c.option_list()?);
            }
            c.end()?;
            return Ok(Command::CreateTableLike {
                name: table.name,
                if_not_exists: table.if_not_exists,
                source,
                options: table.options,
            });
        } else if c.kw("AS") {
            if has_columns {
                return Err(
                    "CREATE TABLE … AS SELECT cannot also list columns; declare keys \
                            with PARTITIONED BY and WITH ('primary-key' = '…')"
                        .into(),
                );
            }
            return ctas(table, c.rest().to_string());
        } else {
            break;
        }
    }
    c.end()?;
    if !has_columns {
        return Err("CREATE TABLE needs columns, LIKE <table> or AS <query>".into());
    }
    Ok(Command::CreateTable(table))
}

/// Moves the `primary-key` and `partition` options of a CTAS into keys.
fn ctas(mut t: CreateTable, query: String) -> Result<Command, String> {
    if query.trim().is_empty() {
        return Err("CREATE TABLE … AS needs a query".into());
    }
    let split = |v: &str| -> Vec<String> {
        v.split(',')
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect()
    };
    let mut options = Vec::new();
    for (k, v) in std::mem::take(&mut t.options) {
        match k.as_str() {
            "primary-key" => t.primary_keys = split(&v),
            "partition" if t.partition_keys.is_empty() => t.partition_keys = split(&v),
            _ => options.push((k, v)),
        }
    }
    Ok(Command::CreateTableAs(CreateTableAs {
        name: t.name,
        if_not_exists: t.if_not_exists,
        primary_keys: t.primary_keys,
        partition_keys: t.partition_keys,
        options,
        comment: t.comment,
        query,
    }))
}

fn parse_columns(c: &mut Cursor, t: &mut CreateTable) -> Result<(), String> {
    c.expect_punct('(')?;
    loop {
        if c.kw("CONSTRAINT") {
            c.ident("a constraint name")?;
            c.expect_kw("PRIMARY")?;
            c.expect_kw("KEY")?;
            set_pk(t, c.ident_list("a primary key column")?)?;
            enforced(c)?;
        } else if c.kws(&["PRIMARY", "KEY"]) {
            set_pk(t, c.ident_list("a primary key column")?)?;
            enforced(c)?;
        } else if c.peek_kw("WATERMARK") {
            return Err(c.err("WATERMARK definitions are not supported"));
        } else {
            let col = parse_column(c, t)?;
            t.columns.push(col);
        }
        if c.punct(')') {
            return Ok(());
        }
        c.expect_punct(',')?;
    }
}

fn set_pk(t: &mut CreateTable, cols: Vec<String>) -> Result<(), String> {
    if !t.primary_keys.is_empty() {
        return Err("a table can have only one PRIMARY KEY".into());
    }
    t.primary_keys = cols;
    Ok(())
}

/// `NOT ENFORCED` (Flink requires it; we accept it missing).
fn enforced(c: &mut Cursor) -> Result<(), String> {
    if c.kws(&["NOT", "ENFORCED"]) {
        return Ok(());
    }
    if c.peek_kw("ENFORCED") {
        return Err(c.err("primary keys are not enforced; write PRIMARY KEY (...) NOT ENFORCED"));
    }
    Ok(())
}

fn parse_column(c: &mut Cursor, t: &mut CreateTable) -> Result<DataField, String> {
    let name = c.ident("a column name")?;
    if c.peek_kw("AS") {
        return Err(c.err(&format!(
            "computed column '{name}' is not supported; only physical columns can be stored"
        )));
    }
    let start = c.offset();
    let mut end = start;
    let mut depth = 0i32;
    while let Some(tok) = c.peek() {
        if depth == 0
            && (tok.is_punct(',') || tok.is_punct(')') || TYPE_END.iter().any(|k| tok.is_kw(k)))
        {
            break;
        }
        match tok.kind {
            TokKind::Punct('(') | TokKind::Punct('<') => depth += 1,
            TokKind::Punct(')') | TokKind::Punct('>') => depth -= 1,
            _ => {}
        }
        end = tok.end;
        c.next();
    }
    if end == start {
        return Err(c.err(&format!("expected a type for column '{name}'")));
    }
    let type_text = c.text(start, end);
    let mut data_type = DataType::parse(type_text).map_err(|e| format!("column '{name}': {e}"))?;
    let mut description = None;
    loop {
        if c.kws(&["NOT", "NULL"]) {
            data_type.nullable = false;
        } else if c.kw("NULL") {
            data_type.nullable = true;
        } else if c.kw("COMMENT") {
            description = Some(c.string("a column comment")?);
        } else if c.kws(&["PRIMARY", "KEY"]) {
            set_pk(t, vec![name.clone()])?;
            enforced(c)?;
        } else if c.peek_kw("METADATA") || c.peek_kw("DEFAULT") {
            return Err(c.err("METADATA and DEFAULT columns are not supported"));
        } else {
            break;
        }
    }
    let mut f = DataField::new(-1, name, data_type);
    f.description = description;
    Ok(f)
}

pub(super) fn parse_alter(c: &mut Cursor) -> Result<Command, String> {
    c.next();
    c.expect_kw("TABLE")?;
    c.kws(&["IF", "EXISTS"]);
    let name = c.object_name()?;
    if c.kw("SET") {
        c.kw("TBLPROPERTIES");
        let set = c.option_list()?;
        c.end()?;
        if set.is_empty() {
            return Err("ALTER TABLE … SET needs at least one option".into());
        }
        return Ok(Command::AlterTableOptions {
            name,
            set,
            reset: Vec::new(),
        });
    }
    if c.kw("RESET") || c.kws(&["UNSET", "TBLPROPERTIES"]) {
        c.expect_punct('(')?;
        let mut reset = Vec::new();
        loop {
            reset.push(c.option_key()?);
            if c.punct(')') {
                break;
            }
            c.expect_punct(',')?;
        }
        c.end()?;
        return Ok(Command::AlterTableOptions {
            name,
            set: Vec::new(),
            reset,
        });
    }
    Err(c.err(
        "only ALTER TABLE … SET ('key' = 'value', …) and RESET ('key', …) are supported \
         (column changes and renames are not implemented yet)",
    ))
}
