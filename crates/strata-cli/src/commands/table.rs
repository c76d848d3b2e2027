//! `strata table create|list|drop|schema`.

use std::collections::BTreeMap;

use anyhow::{bail, Context, Result};
use clap::Subcommand;
use strata_core::{Catalog, Identifier, TableDefinition};
use strata_spec::{DataField, DataType};

use super::key_values;

#[derive(Subcommand, Debug)]
pub enum TableCommand {
    /// Create a table: columns in Paimon's type syntax, e.g. --column 'id BIGINT NOT NULL'.
    Create {
        /// Table name: database.table.
        name: String,
        /// A column: 'name TYPE [NOT NULL] [COMMENT '...']'; repeat in table order.
        #[arg(long = "column", short = 'c', required = true)]
        columns: Vec<String>,
        /// Primary key columns, comma separated.
        #[arg(long)]
        primary_key: Option<String>,
        /// Partition columns, comma separated.
        #[arg(long)]
        partition_key: Option<String>,
        /// Table option KEY=VALUE (Paimon's keys, e.g. bucket=4), repeatable.
        #[arg(long = "option", short = 'o')]
        options: Vec<String>,
        /// Table comment.
        #[arg(long)]
        comment: Option<String>,
        /// Succeed when the table exists.
        #[arg(long)]
        if_not_exists: bool,
    },
    /// List tables of a database (all databases when omitted).
    List {
        /// Database.
        database: Option<String>,
    },
    /// Drop a table and its files.
    Drop {
        /// Table name: database.table.
        name: String,
        /// Succeed when it does not exist.
        #[arg(long)]
        if_exists: bool,
    },
    /// Print a table's schema.
    Schema {
        /// Table name: database.table.
        name: String,
        /// Print the raw schema JSON.
        #[arg(long)]
        json: bool,
    },
}

fn split_list(s: &Option<String>) -> Vec<String> {
    s.as_deref()
        .map(|v| {
            v.split(',')
                .map(|x| x.trim().to_string())
                .filter(|x| !x.is_empty())
                .collect()
        })
        .unwrap_or_default()
}

/// Parses `name TYPE [NOT NULL] [COMMENT 'text']`.
pub fn parse_column(spec: &str) -> Result<DataField> {
    let spec = spec.trim();
    let (name, rest) = if let Some(stripped) = spec.strip_prefix('`') {
        let end = stripped
            .find('`')
            .with_context(|| format!("unterminated `name` in column '{spec}'"))?;
        (stripped[..end].to_string(), stripped[end + 1..].trim())
    } else {
        let mut it = spec.splitn(2, char::is_whitespace);
        let n = it.next().unwrap_or_default().to_string();
        (n, it.next().unwrap_or("").trim())
    };
    if name.is_empty() || rest.is_empty() {
        bail!("column '{spec}' must be 'name TYPE', e.g. 'id BIGINT NOT NULL'");
    }
    let (type_text, comment) = match find_comment(rest) {
        Some(i) => {
            let c = rest[i + "COMMENT".len()..].trim();
            let c = c
                .strip_prefix('\'')
                .and_then(|x| x.strip_suffix('\''))
                .with_context(|| {
                    format!("the comment of column '{name}' must be quoted: COMMENT 'text'")
                })?;
            (rest[..i].trim(), Some(c.replace("''", "'")))
        }
        None => (rest, None),
    };
    let ty = DataType::parse(type_text).with_context(|| format!("column '{name}'"))?;
    let mut f = DataField::new(-1, name, ty);
    f.description = comment;
    Ok(f)
}

fn find_comment(s: &str) -> Option<usize> {
    let upper = s.to_ascii_uppercase();
    let mut from = 0;
    while let Some(i) = upper[from..].find("COMMENT") {
        let at = from + i;
        let before_ok = at == 0 || upper.as_bytes()[at - 1].is_ascii_whitespace();
        let after = upper[at + 7..].trim_start();
        if before_ok && after.starts_with('\'') {
            return Some(at);
        }
        from = at + 7;
    }
    None
}

pub async fn run(catalog: &Catalog, cmd: TableCommand) -> Result<()> {
    match cmd {
        TableCommand::Create {
            name,
            columns,
            primary_key,
            partition_key,
            options,
            comment,
            if_not_exists,
        } => {
            let ident = Identifier::parse(&name, None)?;
            let fields = columns
                .iter()
                .map(|c| parse_column(c))
                .collect::<Result<Vec<_>>>()?;
            let options: BTreeMap<String, String> =
                key_values(&options, "option")?.into_iter().collect();
            let def = TableDefinition {
                fields,
                partition_keys: split_list(&partition_key),
                primary_keys: split_list(&primary_key),
                options,
                comment,
            };
            catalog.create_table(&ident, def, if_not_exists).await?;
            eprintln!("created table {ident}");
        }
        TableCommand::List { database } => {
            let dbs = match database {
                Some(d) => vec![d],
                None => catalog.list_databases().await?,
            };
            for d in dbs {
                for t in catalog.list_tables(&d).await? {
                    println!("{d}.{t}");
                }
            }
        }
        TableCommand::Drop { name, if_exists } => {
            let ident = Identifier::parse(&name, None)?;
            catalog.drop_table(&ident, if_exists).await?;
            eprintln!("dropped table {ident}");
        }
        TableCommand::Schema { name, json } => {
            let table = super::open_table(catalog, &name).await?;
            let s = table.schema();
            if json {
                println!("{}", s.to_json());
                return Ok(());
            }
            let mut t = comfy_table::Table::new();
            t.load_preset(comfy_table::presets::UTF8_FULL_CONDENSED);
            t.set_header(vec!["id", "column", "type", "key", "comment"]);
            for f in &s.fields {
                let mut key = Vec::new();
                if s.primary_keys.contains(&f.name) {
                    key.push("PK");
                }
                if s.partition_keys.contains(&f.name) {
                    key.push("PARTITION");
                }
                t.add_row(vec![
                    f.id.to_string(),
                    f.name.clone(),
                    f.data_type.to_string(),
                    key.join(","),
                    f.description.clone().unwrap_or_default(),
                ]);
            }
            println!("{t}");
            println!("schema id: {}", s.id);
            if let Some(c) = &s.comment {
                println!("comment: {c}");
            }
            for (k, v) in &s.options {
                println!("option {k} = {v}");
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn column_specs() {
        let f = parse_column("id BIGINT NOT NULL").unwrap();
        assert_eq!(
            (f.name.as_str(), f.data_type.to_string().as_str()),
            ("id", "BIGINT NOT NULL")
        );
        let f = parse_column("`my col` DECIMAL(10, 2) COMMENT 'it''s money'").unwrap();
        assert_eq!(f.name, "my col");
        assert_eq!(f.description.as_deref(), Some("it's money"));
        let f = parse_column("tags ARRAY<STRING>").unwrap();
        assert_eq!(f.data_type.to_string(), "ARRAY<STRING>");
        assert!(parse_column("id").is_err());
        assert!(parse_column("id WHATEVER").is_err());
    }
}
