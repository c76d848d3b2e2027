//! Errors: Strata's errors travel through DataFusion as `DataFusionError::External` and come
//! back out with their message intact; SQL-level problems of the dialect layer are
//! `DataFusionError::Plan` so they read like DataFusion's own.

use datafusion::error::DataFusionError;

/// Wraps a Strata error for DataFusion.
pub fn to_df(e: strata_core::Error) -> DataFusionError {
    DataFusionError::External(Box::new(e))
}

/// Wraps a Strata spec error for DataFusion.
pub fn spec_to_df(e: strata_spec::Error) -> DataFusionError {
    DataFusionError::External(Box::new(strata_core::Error::from(e)))
}

/// A planning error with a message.
pub fn plan_err(msg: impl Into<String>) -> DataFusionError {
    DataFusionError::Plan(msg.into())
}

/// The message of an error for people: DataFusion's wrapping ("External error: …",
/// "Error during planning: …", context chains) is reduced to the innermost useful text.
pub fn user_message(e: &DataFusionError) -> String {
    let mut e = e;
    loop {
        match e {
            DataFusionError::Context(ctx, inner) => {
                let inner_msg = user_message(inner);
                return format!("{ctx}: {inner_msg}");
            }
            DataFusionError::Shared(inner) => e = inner,
            DataFusionError::External(inner) => {
                if let Some(df) = inner.downcast_ref::<DataFusionError>() {
                    e = df;
                    continue;
                }
                return inner.to_string();
            }
            DataFusionError::Plan(m) => return m.clone(),
            DataFusionError::SQL(pe, _) => return format!("SQL syntax error: {pe}"),
            DataFusionError::Execution(m) => return m.clone(),
            DataFusionError::ArrowError(a, _) => return a.to_string(),
            DataFusionError::SchemaError(s, _) => return s.to_string(),
            DataFusionError::NotImplemented(m) => return format!("not supported: {m}"),
            DataFusionError::Diagnostic(_, inner) => e = inner,
            DataFusionError::Collection(v) => match v.first() {
                Some(first) => e = first,
                None => return e.to_string(),
            },
            other => return other.strip_backtrace(),
        }
    }
}
