//! DDL and metadata statements, executed through strata-core's catalog: CREATE/DROP DATABASE,
//! CREATE TABLE (columns or LIKE), DROP TABLE, ALTER TABLE SET/RESET, SHOW DATABASES/TABLES,
//! SHOW CREATE TABLE and DESCRIBE.
//!
//! Every check (names, types, keys, option values) happens before anything is written, so a
//! failing statement leaves the warehouse unchanged.

use std::collections::BTreeMap;

use datafusion::common::Result;
use strata_core::alter::{alter_table, SchemaChange};
use strata_core::TableDefinition;
use strata_spec::TableSchema;

use crate::dialect::Command;
use crate::error::{plan_err, to_df};
use crate::result::StatementResult;
use crate::session::StrataSession;

/// Runs a DDL or metadata command.
///
/// # Errors
/// Catalog errors (unknown or existing objects), invalid definitions or options.
pub async fn execute(s: &StrataSession, command: Command) -> Result<StatementResult> {
    let catalog = s.catalog();
    match command {
        Command::CreateDatabase {
            name,
            if_not_exists,
        } => {
            catalog
                .create_database(&name, if_not_exists)
                .await
                .map_err(to_df)?;
            StatementResult::done(format!("Database {name} created."))
        }
        Command::DropDatabase {
            name,
            if_exists,
            cascade,
        } => {
            catalog
                .drop_database(&name, if_exists, cascade)
                .await
                .map_err(to_df)?;
            StatementResult::done(format!("Database {name} dropped."))
        }
        Command::CreateTable(t) => {
            let ident = s.resolve(&t.name)?;
            let def = TableDefinition {
                fields: t.columns,
                partition_keys: t.partition_keys,
                primary_keys: t.primary_keys,
                options: options_map(t.options)?,
                comment: t.comment,
            };
            catalog
                .create_table(&ident, def, t.if_not_exists)
                .await
                .map_err(to_df)?;
            StatementResult::done(format!("Table {ident} created."))
        }
        Command::CreateTableLike {
            name,
            if_not_exists,
            source,
            options,
        } => {
            let ident = s.resolve(&name)?;
            let src = s.table(&s.resolve(&source)?).await?;
            let schema = src.schema();
            let mut opts = schema.options.clone();
            opts.extend(options_map(options)?);
            let def = TableDefinition {
                fields: schema.fields.clone(),
                partition_keys: schema.partition_keys.clone(),
                primary_keys: schema.primary_keys.clone(),
                options: opts,
                comment: schema.comment.clone(),
            };
            catalog
                .create_table(&ident, def, if_not_exists)
                .await
                .map_err(to_df)?;
            StatementResult::done(format!("Table {ident} created."))
        }
        Command::DropTable { name, if_exists } => {
            let ident = s.resolve(&name)?;
            catalog.drop_table(&ident, if_exists).await.map_err(to_df)?;
            StatementResult::done(format!("Table {ident} dropped."))
        }
        Command::AlterTableOptions { name, set, reset } => {
            let ident = s.resolve(&name)?;
            let table = s.table(&ident).await?;
            let changes: Vec<SchemaChange> = set
                .into_iter()
                .map(|(k, v)| SchemaChange::set(k, v))
                .chain(reset.into_iter().map(SchemaChange::remove))
                .collect();
            let schema = alter_table(&table, &changes).await.map_err(to_df)?;
            StatementResult::done(format!("Table {ident} altered (schema {}).", schema.id))
        }
        Command::ShowDatabases => {
            let dbs = catalog.list_databases().await.map_err(to_df)?;
            StatementResult::text_table(
                &["database_name"],
                dbs.into_iter().map(|d| vec![Some(d)]).collect(),
            )
        }
        Command::ShowTables { database } => {
            let db = database.unwrap_or_else(|| s.current_database());
            let tables = catalog.list_tables(&db).await.map_err(to_df)?;
            StatementResult::text_table(
                &["table_name"],
                tables.into_iter().map(|t| vec![Some(t)]).collect(),
            )
        }
        Command::ShowCreateTable { name } => {
            let ident = s.resolve(&name)?;
            let table = s.table(&ident).await?;
            let text = show_create(&ident.database, &ident.table, table.schema());
            StatementResult::text_table(&["create_table"], vec![vec![Some(text)]])
        }
        Command::Describe { name } => {
            let ident = s.resolve(&name)?;
            let table = s.table(&ident).await?;
            describe(table.schema())
        }
        other => Err(plan_err(format!("not a DDL statement: {other:?}"))),
    }
}

/// Options as a map; a key given twice is an error.
///
/// # Errors
/// Duplicate keys.
pub fn options_map(options: Vec<(String, String)>) -> Result<BTreeMap<String, String>> {
    let mut out = BTreeMap::new();
    for (k, v) in options {
        if out.insert(k.clone(), v).is_some() {
            return Err(plan_err(format!("option '{k}' is given twice")));
        }
    }
    Ok(out)
}

fn quote(s: &str) -> String {
    format!("`{}`", s.replace('`', "``"))
}

fn string(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// The table's definition in Paimon's (Flink) syntax.
pub fn show_create(db: &str, table: &str, schema: &TableSchema) -> String {
    let mut lines: Vec<String> = schema
        .fields
        .iter()
        .map(|f| {
            let mut l = format!("  {} {}", quote(&f.name), f.data_type);
            if let Some(c) = &f.description {
                l.push_str(&format!(" COMMENT {}", string(c)));
            }
            l
        })
        .collect();
    if !schema.primary_keys.is_empty() {
        let pk: Vec<String> = schema.primary_keys.iter().map(|k| quote(k)).collect();
        lines.push(format!("  PRIMARY KEY ({}) NOT ENFORCED", pk.join(", ")));
    }
    let mut out = format!(
        "CREATE TABLE {}.{} (\n{}\n)",
        quote(db),
        quote(table),
        lines.join(",\n")
    );
    if let Some(c) = &schema.comment {
        out.push_str(&format!("\nCOMMENT {}", string(c)));
    }
    if !schema.partition_keys.is_empty() {
        let pk: Vec<String> = schema.partition_keys.iter().map(|k| quote(k)).collect();
        out.push_str(&format!("\nPARTITIONED BY ({})", pk.join(", ")));
    }
    if !schema.options.is_empty() {
        let opts: Vec<String> = schema
            .options
            .iter()
            .map(|(k, v)| format!("  {} = {}", string(k), string(v)))
            .collect();
        out.push_str(&format!("\nWITH (\n{}\n)", opts.join(",\n")));
    }
    out
}

/// `DESCRIBE`: name, type, null, key (`PRI(…)` on key columns as Flink shows it), partition
/// and comment.
fn describe(schema: &TableSchema) -> Result<StatementResult> {
    let pk = format!("PRI({})", schema.primary_keys.join(", "));
    let rows = schema
        .fields
        .iter()
        .map(|f| {
            vec![
                Some(f.name.clone()),
                Some(f.data_type.with_nullable(true).to_string()),
                Some(
                    if f.data_type.nullable {
                        "TRUE"
                    } else {
                        "FALSE"
                    }
                    .to_string(),
                ),
                schema.primary_keys.contains(&f.name).then(|| pk.clone()),
                schema
                    .partition_keys
                    .contains(&f.name)
                    .then(|| "PARTITION".to_string()),
                f.description.clone(),
            ]
        })
        .collect();
    StatementResult::text_table(&["name", "type", "null", "key", "extras", "comment"], rows)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dialect::{parse, Command};
    use strata_spec::{DataField, DataType};

    #[test]
    fn show_create_parses_back() {
        let mut opts = BTreeMap::new();
        opts.insert("bucket".to_string(), "4".to_string());
        opts.insert("merge-engine".to_string(), "partial-update".to_string());
        let schema = TableSchema::create(
            vec![
                DataField::new(0, "id", DataType::bigint()).with_description("it's the key"),
                DataField::new(1, "dt", DataType::string()),
                DataField::new(
                    2,
                    "m",
                    DataType::parse("MAP<STRING, ROW<a INT, b DECIMAL(10, 2)>>").unwrap(),
                ),
            ],
            vec!["dt".into()],
            vec!["id".into(), "dt".into()],
            opts,
            Some("a table".into()),
            0,
        )
        .unwrap();
        let text = show_create("db", "t", &schema);
        let Command::CreateTable(c) = parse(&text).unwrap() else {
            panic!("{text}")
        };
        assert_eq!(c.name.0, vec!["db", "t"]);
        assert_eq!(c.primary_keys, vec!["id", "dt"]);
        assert_eq!(c.partition_keys, vec!["dt"]);
        assert_eq!(c.comment.as_deref(), Some("a table"));
        assert_eq!(c.columns[0].description.as_deref(), Some("it's the key"));
        let again = TableSchema::create(
            c.columns,
            c.partition_keys,
            c.primary_keys,
            options_map(c.options).unwrap(),
            c.comment,
            0,
        )
        .unwrap();
        assert_eq!(again.fields.len(), 3);
        for (a, b) in again.fields.iter().zip(&schema.fields) {
            assert_eq!(a.name, b.name);
            assert_eq!(a.data_type.to_string(), b.data_type.to_string());
        }
        assert_eq!(again.options, schema.options);
    }
}
