//! Turning the column statistics of a written file into the `SimpleStats` of its manifest entry
//! (spec §4.4): per-column `metadata.stats-mode` / `fields.<f>.stats-mode`, string truncation
//! with a rounded-up maximum, dense storage (`_VALUE_STATS_COLS`), and the reverse mapping when
//! reading stats of a file written under another schema.

use strata_format::ColumnStats;
use strata_spec::options::StatsMode;
use strata_spec::{CoreOptions, DataField, DataType, Datum, SimpleStats, TableSchema};

use crate::error::{Error, Result};
use crate::predicate::ColStats;

/// Value stats and `_VALUE_STATS_COLS` for a file with columns `fields`.
///
/// # Errors
/// When a value cannot be encoded (a bug).
pub fn value_stats(
    options: &CoreOptions,
    fields: &[DataField],
    stats: &[ColumnStats],
) -> Result<(SimpleStats, Option<Vec<String>>)> {
    let mut types = Vec::new();
    let mut mins = Vec::new();
    let mut maxs = Vec::new();
    let mut nulls = Vec::new();
    let mut names = Vec::new();
    for (f, s) in fields.iter().zip(stats) {
        let mode = options.field_stats_mode(&f.name);
        let (min, max, count) = match mode {
            StatsMode::None => continue,
            StatsMode::Counts => (Datum::Null, Datum::Null, Some(s.null_count)),
            StatsMode::Full => (s.min.clone(), s.max.clone(), Some(s.null_count)),
            StatsMode::Truncate(n) => {
                let (a, b) = truncate(&s.min, &s.max, n);
                (a, b, Some(s.null_count))
            }
        };
        types.push(stats_type(&f.data_type));
        if f.data_type.is_nested() {
            mins.push(Datum::Null);
            maxs.push(Datum::Null);
        } else {
            mins.push(min);
            maxs.push(max);
        }
        nulls.push(count);
        names.push(f.name.clone());
    }
    let all = names.len() == fields.len();
    let stats = SimpleStats::from_values(&types, &mins, &maxs, nulls)
        .map_err(|e| Error::Internal(format!("encoding stats: {e}")))?;
    Ok((stats, if all { None } else { Some(names) }))
}

/// Key stats: always full `truncate(128)` stats of the key columns (system columns' mode).
///
/// # Errors
/// When a value cannot be encoded (a bug).
pub fn key_stats(fields: &[DataField], stats: &[ColumnStats]) -> Result<SimpleStats> {
    let types: Vec<DataType> = fields.iter().map(|f| stats_type(&f.data_type)).collect();
    let mut mins = Vec::new();
    let mut maxs = Vec::new();
    for s in stats {
        let (a, b) = truncate(&s.min, &s.max, 128);
        mins.push(a);
        maxs.push(b);
    }
    SimpleStats::from_values(
        &types,
        &mins,
        &maxs,
        stats.iter().map(|s| Some(s.null_count)).collect(),
    )
    .map_err(|e| Error::Internal(format!("encoding key stats: {e}")))
}

/// Stats rows are nullable rows of the column types.
fn stats_type(t: &DataType) -> DataType {
    t.with_nullable(true)
}

/// `truncate(n)`: strings/binary min cut to n characters; max cut and its last character
/// incremented so it stays an upper bound; when that is impossible both become unknown.
fn truncate(min: &Datum, max: &Datum, n: usize) -> (Datum, Datum) {
    match (min, max) {
        (Datum::String(a), Datum::String(b)) => {
            let a2: String = a.chars().take(n).collect();
            if b.chars().count() <= n {
                return (Datum::String(a2), max.clone());
            }
            let mut chars: Vec<char> = b.chars().take(n).collect();
            while let Some(last) = chars.pop() {
                if let Some(next) = char::from_u32(last as u32 + 1) {
                    chars.push(next);
                    return (
                        Datum::String(a2),
                        Datum::String(chars.into_iter().collect()),
                    );
                }
            }
            (Datum::Null, Datum::Null)
        }
        (Datum::Bytes(a), Datum::Bytes(b)) => {
            let a2 = a[..a.len().min(n)].to_vec();
            if b.len() <= n {
                return (Datum::Bytes(a2), max.clone());
            }
            let mut bytes = b[..n].to_vec();
            while let Some(last) = bytes.pop() {
                if last < 0xff {
                    bytes.push(last + 1);
                    return (Datum::Bytes(a2), Datum::Bytes(bytes));
                }
            }
            (Datum::Null, Datum::Null)
        }
        _ => (min.clone(), max.clone()),
    }
}

/// Decoded value stats of a file, addressed by the *table* schema's column names (mapped by field
/// id through the file's schema; columns whose type changed are left out, spec §2.6).
#[derive(Debug, Clone, Default)]
pub struct FileStats {
    cols: Vec<(String, ColStats)>,
}

impl FileStats {
    /// Decodes `stats` of a file written with `data_schema` (covering `stats_cols`, or all of the
    /// data schema's columns when `None`), for a reader using `table_schema`.
    pub fn decode(
        stats: &SimpleStats,
        stats_cols: Option<&[String]>,
        data_fields: &[DataField],
        table_schema: &TableSchema,
        row_count: i64,
    ) -> FileStats {
        let covered: Vec<&DataField> = match stats_cols {
            None => data_fields.iter().collect(),
            Some(names) => names
                .iter()
                .filter_map(|n| data_fields.iter().find(|f| &f.name == n))
                .collect(),
        };
        if stats_cols.is_some_and(|n| n.len() != covered.len()) {
            return FileStats::default();
        }
        let types: Vec<DataType> = covered.iter().map(|f| stats_type(&f.data_type)).collect();
        let Ok((mins, maxs)) = stats.decode(&types) else {
            return FileStats::default();
        };
        let mut cols = Vec::new();
        for (i, f) in covered.iter().enumerate() {
            let Some(tf) = table_schema.field_by_id(f.id) else {
                continue;
            };
            if tf.data_type.with_nullable(true) != f.data_type.with_nullable(true)
                || f.data_type.is_nested()
            {
                continue;
            }
            cols.push((
                tf.name.clone(),
                ColStats {
                    min: mins.get(i).cloned().unwrap_or(Datum::Null),
                    max: maxs.get(i).cloned().unwrap_or(Datum::Null),
                    null_count: stats.null_count(i),
                    row_count,
                },
            ));
        }
        FileStats { cols }
    }

    /// Stats of a column by table column name.
    pub fn get(&self, name: &str) -> Option<ColStats> {
        self.cols
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, s)| s.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncation_keeps_bounds() {
        let (a, b) = truncate(
            &Datum::String("abcdef".into()),
            &Datum::String("abzzzz".into()),
            3,
        );
        assert_eq!(a, Datum::String("abc".into()));
        assert_eq!(b, Datum::String("ab{".into()));
        let (a, b) = truncate(&Datum::String("a".into()), &Datum::String("b".into()), 3);
        assert_eq!(
            (a, b),
            (Datum::String("a".into()), Datum::String("b".into()))
        );
    }
}
