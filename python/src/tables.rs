//! The library's rows as Arrow columns, one column per field, in field
//! order: the columns of the CSV file the same rows make. Whole numbers
//! become 64-bit signed integers and text UTF-8, the types pandas gives a
//! CSV file's columns, so a table and its file compare equal.

use arrow_array::{ArrayRef, Float64Array, Int64Array, RecordBatch};
use arrow_schema::{DataType, Field, FieldRef, Schema};
use coserve::output::{EVENT_COLUMNS, EventRow};
use coserve::sweep::{Summary, metric_names};
use serde::Serialize;
use serde_arrow::ArrayBuilder;
use serde_arrow::schema::{SchemaLike, TracingOptions};
use std::sync::Arc;

/// A table filled a batch of rows at a time (a run's weeks), its columns
/// traced from the first batch.
pub struct Table {
    builder: Option<ArrayBuilder>,
}

impl Table {
    pub fn new() -> Table {
        Table { builder: None }
    }

    /// Appends `rows`; the first call, which must hold a row, fixes the columns.
    pub fn extend<T: Serialize>(&mut self, rows: &[T]) -> Result<(), String> {
        let builder = match &mut self.builder {
            Some(b) => b,
            None => {
                let fields = fields_of(rows)?;
                self.builder
                    .insert(ArrayBuilder::from_arrow(&fields).map_err(text)?)
            }
        };
        builder.extend(rows).map_err(text)
    }

    /// The table so far.
    pub fn finish(mut self) -> Result<RecordBatch, String> {
        let builder = self.builder.as_mut().ok_or("a table without rows")?;
        builder.to_record_batch().map_err(text)
    }
}

fn text(e: serde_arrow::Error) -> String {
    e.to_string()
}

/// The columns of `rows`' type, traced from the rows themselves.
fn fields_of<T: Serialize>(rows: &[T]) -> Result<Vec<FieldRef>, String> {
    let options = TracingOptions::default().strings_as_large_utf8(false);
    let traced = Vec::<FieldRef>::from_samples(rows, options).map_err(text)?;
    Ok(traced
        .into_iter()
        .map(|f| {
            let wide = match f.data_type() {
                DataType::UInt8
                | DataType::UInt16
                | DataType::UInt32
                | DataType::UInt64
                | DataType::Int8
                | DataType::Int16
                | DataType::Int32 => DataType::Int64,
                other => other.clone(),
            };
            Arc::new(f.as_ref().clone().with_data_type(wide))
        })
        .collect())
}

/// A whole table of `rows` (at least one).
pub fn rows<T: Serialize>(rows: &[T]) -> Result<RecordBatch, String> {
    let mut table = Table::new();
    table.extend(rows)?;
    table.finish()
}

/// events.csv's rows; the columns are there even when nothing changed.
pub fn events(rows: &[EventRow]) -> Result<RecordBatch, String> {
    let fields: Vec<FieldRef> = EVENT_COLUMNS
        .iter()
        .map(|&name| {
            let kind = if name == "tick" {
                DataType::Int64
            } else {
                DataType::Utf8
            };
            Arc::new(Field::new(name, kind, false))
        })
        .collect();
    serde_arrow::to_record_batch(&fields, &rows).map_err(text)
}

/// runs.csv's columns but the inputs: run, point, replicate, seed, then
/// every metric at the end and averaged (NaN where undefined), for
/// `summaries` in run order (`point * replicates + replicate`).
pub fn summaries(summaries: &[Summary], replicates: u32, seed: u64) -> Result<RecordBatch, String> {
    let reps = replicates as usize;
    let whole = |f: &dyn Fn(usize) -> i64| -> ArrayRef {
        Arc::new(Int64Array::from_iter_values((0..summaries.len()).map(f)))
    };
    let mut columns: Vec<(String, ArrayRef)> = vec![
        ("run".into(), whole(&|r| r as i64)),
        ("point".into(), whole(&|r| (r / reps) as i64)),
        ("replicate".into(), whole(&|r| (r % reps) as i64)),
        ("seed".into(), whole(&|r| (seed + (r % reps) as u64) as i64)),
    ];
    let names = metric_names();
    for (suffix, of) in [
        ("end", (|s: &Summary| &s.end) as fn(&Summary) -> &Vec<f64>),
        ("mean", |s: &Summary| &s.mean),
    ] {
        for (m, name) in names.iter().enumerate() {
            let values = summaries.iter().map(|s| of(s)[m]);
            columns.push((
                format!("{name}_{suffix}"),
                Arc::new(Float64Array::from_iter_values(values)),
            ));
        }
    }
    let schema = Schema::new(
        columns
            .iter()
            .map(|(name, c)| Field::new(name, c.data_type().clone(), false))
            .collect::<Vec<_>>(),
    );
    RecordBatch::try_new(
        Arc::new(schema),
        columns.into_iter().map(|(_, c)| c).collect(),
    )
    .map_err(|e| e.to_string())
}
