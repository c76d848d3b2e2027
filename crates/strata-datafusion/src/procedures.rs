//! `CALL sys.<procedure>(…)`, with Paimon's procedure names and argument orders:
//!
//! | procedure | arguments | does |
//! | --- | --- | --- |
//! | `sys.compact` | `table` [, `partitions`] [, `compact_strategy` = 'full'/'minor' or `full` = true] | compacts buckets in one COMPACT snapshot |
//! | `sys.expire_snapshots` | `table` [, `retain_max`] [, `retain_min`] [, `older_than`] [, `max_deletes`] | expires snapshots (table options fill the rest) |
//! | `sys.create_tag` | `table`, `tag` [, `snapshot_id`] [, `time_retained`] | tags a snapshot (default: the latest) |
//! | `sys.delete_tag` | `table`, `tag` (comma-separated names allowed) | deletes tags |
//! | `sys.rollback_to` | `table`, `tag` or `snapshot_id` | rolls the table back |
//!
//! `partitions` is Paimon's form: `'k1=v1,k2=v2;k1=v3'` (`;` between partitions). Arguments may
//! also be named: `CALL sys.compact(`table` => 'db.t', partitions => 'dt=1')`. Each runs the
//! `strata_core::maintenance` function of the same name.

use datafusion::common::Result;
use std::time::Duration;

use strata_core::maintenance::{
    compact, create_tag, delete_tag, expire_snapshots, rollback_to, CompactOptions, ExpireOptions,
    RollbackTarget,
};
use strata_core::predicate::{literal, CmpOp};
use strata_core::{Predicate, Table};

use crate::dialect::{CallValue, ObjectName};
use crate::error::{plan_err, to_df};
use crate::result::StatementResult;
use crate::session::StrataSession;

/// Known procedures.
const KNOWN: &[&str] = &[
    "compact",
    "expire_snapshots",
    "create_tag",
    "delete_tag",
    "rollback_to",
];

/// Arguments by position or name.
struct Args<'a> {
    procedure: &'a str,
    names: &'a [&'a str],
    positional: &'a [CallValue],
    named: &'a [(String, CallValue)],
}

impl<'a> Args<'a> {
    fn new(
        procedure: &'a str,
        names: &'a [&'a str],
        positional: &'a [CallValue],
        named: &'a [(String, CallValue)],
    ) -> Result<Self> {
        if positional.len() > names.len() {
            return Err(plan_err(format!(
                "sys.{procedure} takes at most {} arguments ({}), got {}",
                names.len(),
                names.join(", "),
                positional.len()
            )));
        }
        for (n, _) in named {
            if !names.contains(&n.as_str()) {
                return Err(plan_err(format!(
                    "sys.{procedure} has no argument '{n}' (arguments: {})",
                    names.join(", ")
                )));
            }
        }
        Ok(Args {
            procedure,
            names,
            positional,
            named,
        })
    }

    fn get(&self, name: &str) -> Option<&CallValue> {
        let i = self.names.iter().position(|n| *n == name)?;
        self.positional
            .get(i)
            .or_else(|| self.named.iter().find(|(n, _)| n == name).map(|(_, v)| v))
            .filter(|v| **v != CallValue::Null)
    }

    fn text(&self, name: &str) -> Option<String> {
        self.get(name).and_then(CallValue::text)
    }

    fn required(&self, name: &str) -> Result<String> {
        self.text(name).ok_or_else(|| {
            plan_err(format!(
                "sys.{} needs the argument '{name}'",
                self.procedure
            ))
        })
    }
}

/// Runs a procedure.
///
/// # Errors
/// Unknown procedures or arguments, and the procedure's own errors.
pub async fn call(
    s: &StrataSession,
    procedure: &str,
    args: &[CallValue],
    named: &[(String, CallValue)],
) -> Result<StatementResult> {
    match procedure {
        "compact" => {
            let a = Args::new(
                procedure,
                &["table", "partitions", "compact_strategy", "full"],
                args,
                named,
            )?;
            call_compact(s, &a).await
        }
        "expire_snapshots" => {
            let a = Args::new(
                procedure,
                &[
                    "table",
                    "retain_max",
                    "retain_min",
                    "older_than",
                    "max_deletes",
                ],
                args,
                named,
            )?;
            call_expire(s, &a).await
        }
        "create_tag" => {
            let a = Args::new(
                procedure,
                &["table", "tag", "snapshot_id", "time_retained"],
                args,
                named,
            )?;
            call_create_tag(s, &a).await
        }
        "delete_tag" => {
            let a = Args::new(procedure, &["table", "tag"], args, named)?;
            let table = open(s, &a.required("table")?).await?;
            let names = a.required("tag")?;
            let mut deleted = Vec::new();
            for n in names.split(',').map(str::trim).filter(|n| !n.is_empty()) {
                delete_tag(&table, n).await.map_err(to_df)?;
                deleted.push(vec![Some(n.to_string())]);
            }
            StatementResult::text_table(&["deleted_tag"], deleted)
        }
        "rollback_to" => {
            let a = Args::new(procedure, &["table", "tag", "snapshot_id"], args, named)?;
            call_rollback(s, &a).await
        }
        p => Err(plan_err(format!(
            "unknown procedure sys.{p}; available: {}",
            KNOWN
                .iter()
                .map(|k| format!("sys.{k}"))
                .collect::<Vec<_>>()
                .join(", ")
        ))),
    }
}

async fn open(s: &StrataSession, name: &str) -> Result<Table> {
    let parts = ObjectName(name.split('.').map(str::to_string).collect());
    let ident = s.resolve(&parts)?;
    s.table(&ident).await
}

fn number(a: &Args<'_>, name: &str) -> Result<Option<i64>> {
    a.text(name)
        .map(|t| {
            t.trim().parse::<i64>().map_err(|_| {
                plan_err(format!(
                    "sys.{}: argument '{name}' = '{t}' is not a whole number",
                    a.procedure
                ))
            })
        })
        .transpose()
}

async fn call_expire(s: &StrataSession, a: &Args<'_>) -> Result<StatementResult> {
    let table = open(s, &a.required("table")?).await?;
    let now = chrono::Utc::now().timestamp_millis();
    // As Java's procedure: arguments not given do not fall back to the table's options
    // (retain at most everything, at least one, no time limit, no delete limit).
    let time_retained = match a.text("older_than") {
        None => Some(Duration::ZERO),
        Some(t) => {
            let (ms, _) = strata_spec::time::parse_timestamp(&t)
                .map_err(|e| plan_err(format!("sys.expire_snapshots: older_than '{t}': {e}")))?;
            Some(Duration::from_millis(u64::try_from(now - ms).unwrap_or(0)))
        }
    };
    let opts = ExpireOptions {
        retain_max: Some(number(a, "retain_max")?.unwrap_or(i64::from(i32::MAX))),
        retain_min: Some(number(a, "retain_min")?.unwrap_or(1)),
        time_retained,
        limit: Some(number(a, "max_deletes")?.unwrap_or(i64::from(i32::MAX))),
        now_ms: Some(now),
    };
    let report = expire_snapshots(&table, &opts).await.map_err(to_df)?;
    StatementResult::text_table(
        &["expired_snapshots", "earliest_snapshot"],
        vec![vec![
            Some(report.expired_snapshots.len().to_string()),
            report.earliest.map(|e| e.to_string()),
        ]],
    )
}

async fn call_create_tag(s: &StrataSession, a: &Args<'_>) -> Result<StatementResult> {
    let table = open(s, &a.required("table")?).await?;
    let name = a.required("tag")?;
    let retained = a
        .text("time_retained")
        .map(|t| {
            strata_spec::options::parse_duration(&t)
                .map_err(|e| plan_err(format!("sys.create_tag: time_retained '{t}': {e}")))
        })
        .transpose()?;
    let snapshot = create_tag(&table, &name, number(a, "snapshot_id")?, retained)
        .await
        .map_err(to_df)?;
    StatementResult::text_table(
        &["tag", "snapshot_id"],
        vec![vec![Some(name), Some(snapshot.id.to_string())]],
    )
}

async fn call_rollback(s: &StrataSession, a: &Args<'_>) -> Result<StatementResult> {
    let table = open(s, &a.required("table")?).await?;
    // Paimon's tag names are never purely numeric, so a number in the tag position is an id.
    let target = match (a.get("tag"), number(a, "snapshot_id")?) {
        (_, Some(id)) => RollbackTarget::Snapshot(id),
        (Some(CallValue::Num(n)), None) => RollbackTarget::Snapshot(
            n.parse()
                .map_err(|_| plan_err(format!("sys.rollback_to: '{n}' is not a snapshot id")))?,
        ),
        (Some(CallValue::Str(t)), None)
            if !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()) =>
        {
            RollbackTarget::Snapshot(
                t.parse()
                    .map_err(|_| plan_err("snapshot id out of range"))?,
            )
        }
        (Some(CallValue::Str(t)), None) if !t.is_empty() => RollbackTarget::Tag(t.clone()),
        _ => {
            return Err(plan_err(
                "sys.rollback_to needs a tag or a snapshot_id to roll back to",
            ))
        }
    };
    let report = rollback_to(&table, target).await.map_err(to_df)?;
    StatementResult::text_table(
        &["snapshot", "removed_snapshots", "removed_tags"],
        vec![vec![
            Some(report.snapshot.to_string()),
            Some(report.removed_snapshots.len().to_string()),
            Some(report.removed_tags.len().to_string()),
        ]],
    )
}

async fn call_compact(s: &StrataSession, a: &Args<'_>) -> Result<StatementResult> {
    let table = open(s, &a.required("table")?).await?;
    let partition_filter = match a.text("partitions") {
        Some(p) if !p.trim().is_empty() => Some(partitions_filter(&table, &p)?),
        _ => None,
    };
    let full = match (a.get("compact_strategy"), a.get("full")) {
        (Some(CallValue::Bool(b)), _) | (_, Some(CallValue::Bool(b))) => *b,
        (Some(CallValue::Str(s)), _) | (_, Some(CallValue::Str(s))) => match s.as_str() {
            "full" | "true" => true,
            "minor" | "false" => false,
            other => {
                return Err(plan_err(format!(
                    "compact_strategy '{other}' is not 'full' or 'minor'"
                )))
            }
        },
        (None, None) => false,
        (Some(v), _) | (_, Some(v)) => {
            return Err(plan_err(format!(
                "compact_strategy must be 'full' or 'minor', got {v:?}"
            )))
        }
    };
    let opts = CompactOptions {
        partition_filter,
        full,
    };
    let report = compact(&table, &opts, &mut |_, _| {})
        .await
        .map_err(to_df)?;
    StatementResult::text_table(
        &["buckets", "files_before", "files_after", "snapshot"],
        vec![vec![
            Some(report.buckets.to_string()),
            Some(report.files_before.to_string()),
            Some(report.files_after.to_string()),
            report.snapshot.map(|s| s.to_string()),
        ]],
    )
}

/// `'k1=v1,k2=v2;k1=v3'` as a predicate on partition columns.
fn partitions_filter(table: &Table, text: &str) -> Result<Predicate> {
    let schema = table.schema();
    let mut any = Vec::new();
    for part in text.split(';').filter(|p| !p.trim().is_empty()) {
        let mut all = Vec::new();
        for kv in part.split(',') {
            let (k, v) = kv.split_once('=').ok_or_else(|| {
                plan_err(format!(
                    "partition '{part}' is not of the form key=value[,key=value]"
                ))
            })?;
            let (k, v) = (k.trim(), v.trim());
            if schema.partition_keys.is_empty() {
                return Err(plan_err(format!(
                    "table '{}' is not partitioned; leave out the partitions argument",
                    table.name()
                )));
            }
            if !schema.partition_keys.iter().any(|p| p == k) {
                return Err(plan_err(format!(
                    "'{k}' is not a partition column of '{}' (partition columns: {})",
                    table.name(),
                    schema.partition_keys.join(", ")
                )));
            }
            let field = schema
                .field(k)
                .ok_or_else(|| plan_err(format!("column '{k}' is missing")))?;
            let value = literal(&field.data_type, v).map_err(to_df)?;
            all.push(Predicate::Cmp {
                column: k.to_string(),
                op: CmpOp::Eq,
                value,
            });
        }
        any.push(Predicate::and(all));
    }
    Ok(if any.len() == 1 {
        any.remove(0)
    } else {
        Predicate::Or(any)
    })
}
