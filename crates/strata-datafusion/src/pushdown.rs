//! Filter pushdown: DataFusion `Expr` filters ─▶ Strata [`Predicate`]s.
//!
//! ```text
//! WHERE a = 1 AND dt >= '2026-01-01' AND f(x) > 0
//!   └─ one Expr per conjunct (DataFusion splits them)
//!        ├─ translatable ─▶ Predicate ─▶ TableScan (manifest, partition and file pruning)
//!        │                            └▶ TableRead (exact filter on rows, after the merge)
//!        └─ not translatable ─▶ Unsupported: DataFusion filters the rows itself
//! ```
//!
//! A translated filter is reported `Exact` for append tables and, for primary-key tables, when
//! it reads only partition and primary-key columns. Filters on value columns of primary-key
//! tables are `Inexact`: they still prune and filter inside the reader, but DataFusion re-applies
//! them, so a merge engine can never make a row disappear or appear by mistake.
//!
//! Literals are bound to the column's own type; a literal that does not survive the round trip
//! to that type unchanged (`int_col = 1.5`) is not pushed down.

use std::collections::BTreeSet;

use arrow_cast::CastOptions;
use datafusion::common::ScalarValue;
use datafusion::logical_expr::{BinaryExpr, Expr, Like, Operator, TableProviderFilterPushDown};
use strata_core::predicate::CmpOp;
use strata_core::Predicate;
use strata_format::arrow_convert;
use strata_spec::{DataField, Datum, TableSchema};

/// Translates one filter; `None` when some part has no Strata equivalent.
pub fn translate(expr: &Expr, fields: &[DataField]) -> Option<Predicate> {
    match expr {
        Expr::BinaryExpr(BinaryExpr { left, op, right }) => match op {
            Operator::And => Some(Predicate::and(vec![
                translate(left, fields)?,
                translate(right, fields)?,
            ])),
            Operator::Or => Some(Predicate::Or(vec![
                translate(left, fields)?,
                translate(right, fields)?,
            ])),
            _ => {
                let op = cmp_op(*op)?;
                if let (Some(f), Some(v)) = (column(left, fields), literal(right)) {
                    cmp(f, op, v)
                } else if let (Some(v), Some(f)) = (literal(left), column(right, fields)) {
                    cmp(f, flip(op), v)
                } else {
                    None
                }
            }
        },
        Expr::Not(inner) => Some(Predicate::Not(Box::new(translate(inner, fields)?))),
        Expr::IsNull(e) => Some(Predicate::IsNull(column(e, fields)?.name.clone())),
        Expr::IsNotNull(e) => Some(Predicate::IsNotNull(column(e, fields)?.name.clone())),
        Expr::Column(_) => {
            let f = column(expr, fields)?;
            cmp(f, CmpOp::Eq, &ScalarValue::Boolean(Some(true)))
        }
        Expr::InList(l) => {
            let f = column(&l.expr, fields)?;
            let values = l
                .list
                .iter()
                .map(|e| bind(f, literal(e)?))
                .collect::<Option<Vec<Datum>>>()?;
            let p = Predicate::In {
                column: f.name.clone(),
                values,
            };
            Some(if l.negated {
                Predicate::Not(Box::new(p))
            } else {
                p
            })
        }
        Expr::Between(b) => {
            let f = column(&b.expr, fields)?;
            let p = Predicate::And(vec![
                cmp(f, CmpOp::GtEq, literal(&b.low)?)?,
                cmp(f, CmpOp::LtEq, literal(&b.high)?)?,
            ]);
            Some(if b.negated {
                Predicate::Not(Box::new(p))
            } else {
                p
            })
        }
        Expr::Like(like) => translate_like(like, fields),
        _ => None,
    }
}

fn translate_like(like: &Like, fields: &[DataField]) -> Option<Predicate> {
    if like.case_insensitive || like.escape_char.is_some() {
        return None;
    }
    let f = column(&like.expr, fields)?;
    if !f.data_type.is_string() {
        return None;
    }
    let pattern = match literal(&like.pattern)? {
        ScalarValue::Utf8(Some(s))
        | ScalarValue::LargeUtf8(Some(s))
        | ScalarValue::Utf8View(Some(s)) => s,
        _ => return None,
    };
    let prefix = pattern.strip_suffix('%')?;
    if prefix.contains(['%', '_', '\\']) {
        return None;
    }
    let p = Predicate::StartsWith {
        column: f.name.clone(),
        prefix: prefix.to_string(),
    };
    Some(if like.negated {
        Predicate::Not(Box::new(p))
    } else {
        p
    })
}

fn cmp_op(op: Operator) -> Option<CmpOp> {
    Some(match op {
        Operator::Eq => CmpOp::Eq,
        Operator::NotEq => CmpOp::NotEq,
        Operator::Lt => CmpOp::Lt,
        Operator::LtEq => CmpOp::LtEq,
        Operator::Gt => CmpOp::Gt,
        Operator::GtEq => CmpOp::GtEq,
        _ => return None,
    })
}

fn flip(op: CmpOp) -> CmpOp {
    match op {
        CmpOp::Lt => CmpOp::Gt,
        CmpOp::LtEq => CmpOp::GtEq,
        CmpOp::Gt => CmpOp::Lt,
        CmpOp::GtEq => CmpOp::LtEq,
        other => other,
    }
}

fn column<'a>(e: &Expr, fields: &'a [DataField]) -> Option<&'a DataField> {
    match e {
        Expr::Column(c) => fields.iter().find(|f| f.name == c.name),
        _ => None,
    }
}

fn literal(e: &Expr) -> Option<&ScalarValue> {
    match e {
        Expr::Literal(v, _) if !v.is_null() => Some(v),
        _ => None,
    }
}

fn cmp(f: &DataField, op: CmpOp, v: &ScalarValue) -> Option<Predicate> {
    Some(Predicate::Cmp {
        column: f.name.clone(),
        op,
        value: bind(f, v)?,
    })
}

/// Binds a literal to a column's type; `None` when the value would change on the way.
pub fn bind(f: &DataField, v: &ScalarValue) -> Option<Datum> {
    if f.data_type.is_nested() {
        return None;
    }
    let target = arrow_convert::arrow_type(&f.data_type);
    let arr = v.to_array().ok()?;
    let opts = CastOptions {
        safe: false,
        ..Default::default()
    };
    let cast = arrow_cast::cast_with_options(&arr, &target, &opts).ok()?;
    let back = arrow_cast::cast_with_options(&cast, &v.data_type(), &opts).ok()?;
    if ScalarValue::try_from_array(&back, 0).ok()? != *v {
        return None;
    }
    let d = arrow_convert::datum_at(cast.as_ref(), 0, &f.data_type).ok()?;
    (!d.is_null()).then_some(d)
}

/// A predicate in SQL-like text (for EXPLAIN).
pub fn display(p: &Predicate) -> String {
    let lit = |d: &Datum| match d {
        Datum::String(s) => format!("'{s}'"),
        other => other.to_string(),
    };
    let join = |v: &[Predicate], sep: &str| {
        v.iter()
            .map(|p| format!("({})", display(p)))
            .collect::<Vec<_>>()
            .join(sep)
    };
    match p {
        Predicate::True => "true".into(),
        Predicate::False => "false".into(),
        Predicate::And(v) => join(v, " AND "),
        Predicate::Or(v) => join(v, " OR "),
        Predicate::Not(p) => format!("NOT ({})", display(p)),
        Predicate::Cmp { column, op, value } => {
            let op = match op {
                CmpOp::Eq => "=",
                CmpOp::NotEq => "<>",
                CmpOp::Lt => "<",
                CmpOp::LtEq => "<=",
                CmpOp::Gt => ">",
                CmpOp::GtEq => ">=",
            };
            format!("{column} {op} {}", lit(value))
        }
        Predicate::IsNull(c) => format!("{c} IS NULL"),
        Predicate::IsNotNull(c) => format!("{c} IS NOT NULL"),
        Predicate::In { column, values } => format!(
            "{column} IN ({})",
            values.iter().map(lit).collect::<Vec<_>>().join(", ")
        ),
        Predicate::StartsWith { column, prefix } => format!("{column} LIKE '{prefix}%'"),
    }
}

/// Columns whose filters are exact for this table (see the module docs).
pub fn exact_columns(schema: &TableSchema) -> Option<BTreeSet<String>> {
    if !schema.has_primary_key() {
        return None; // every column
    }
    Some(
        schema
            .partition_keys
            .iter()
            .chain(schema.primary_keys.iter())
            .cloned()
            .collect(),
    )
}

/// How DataFusion should treat one filter.
pub fn classify(expr: &Expr, schema: &TableSchema) -> TableProviderFilterPushDown {
    match translate(expr, &schema.fields) {
        None => TableProviderFilterPushDown::Unsupported,
        Some(p) => match exact_columns(schema) {
            None => TableProviderFilterPushDown::Exact,
            Some(cols) if p.columns().is_subset(&cols) => TableProviderFilterPushDown::Exact,
            Some(_) => TableProviderFilterPushDown::Inexact,
        },
    }
}

/// The conjunction of every translatable filter (`None` when there is none).
pub fn combine(filters: &[Expr], fields: &[DataField]) -> Option<Predicate> {
    let preds: Vec<Predicate> = filters
        .iter()
        .filter_map(|e| translate(e, fields))
        .collect();
    if preds.is_empty() {
        None
    } else {
        Some(Predicate::and(preds))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::logical_expr::{col, lit};
    use strata_spec::DataType;

    fn fields() -> Vec<DataField> {
        vec![
            DataField::new(0, "id", DataType::int()),
            DataField::new(1, "dt", DataType::string()),
            DataField::new(2, "v", DataType::parse("DOUBLE").unwrap()),
        ]
    }

    #[test]
    fn translates_comparisons() {
        let f = fields();
        let p = translate(&col("id").eq(lit(5i64)), &f).unwrap();
        assert_eq!(
            p,
            Predicate::Cmp {
                column: "id".into(),
                op: CmpOp::Eq,
                value: Datum::Int(5)
            }
        );
        let p = translate(&lit(5i32).lt(col("id")), &f).unwrap();
        assert!(matches!(p, Predicate::Cmp { op: CmpOp::Gt, .. }));
        assert!(translate(&col("id").eq(lit(1.5f64)), &f).is_none());
        assert!(translate(&col("nope").eq(lit(1)), &f).is_none());
        assert!(translate(&(col("id") + lit(1)).eq(lit(2)), &f).is_none());
        let p = translate(&col("dt").like(lit("2026-%")), &f).unwrap();
        assert!(matches!(p, Predicate::StartsWith { .. }));
        assert!(translate(&col("dt").like(lit("%x")), &f).is_none());
        let p = translate(&col("id").in_list(vec![lit(1), lit(2)], true), &f).unwrap();
        assert!(matches!(p, Predicate::Not(_)));
        let p = translate(
            &col("v").between(lit(1.0), lit(2.0)).or(col("dt").is_null()),
            &f,
        );
        assert!(matches!(p, Some(Predicate::Or(_))));
    }

    #[test]
    fn classifies_by_table_kind() {
        let append = TableSchema::create(
            fields(),
            vec!["dt".into()],
            vec![],
            Default::default(),
            None,
            0,
        )
        .unwrap();
        let pk = TableSchema::create(
            fields(),
            vec!["dt".into()],
            vec!["id".into(), "dt".into()],
            Default::default(),
            None,
            0,
        )
        .unwrap();
        let on_value = col("v").gt(lit(1.0));
        let on_key = col("id").gt(lit(1));
        assert_eq!(
            classify(&on_value, &append),
            TableProviderFilterPushDown::Exact
        );
        assert_eq!(
            classify(&on_value, &pk),
            TableProviderFilterPushDown::Inexact
        );
        assert_eq!(classify(&on_key, &pk), TableProviderFilterPushDown::Exact);
        assert_eq!(
            classify(&(col("v") * lit(2.0)).gt(lit(1.0)), &pk),
            TableProviderFilterPushDown::Unsupported
        );
    }
}
