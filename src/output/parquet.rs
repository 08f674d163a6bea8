//! Parquet tables, for sweeps too large for CSV to be pleasant in pandas
//! (`pd.read_parquet`) or R (`arrow::read_parquet`). Snappy-compressed, one
//! row group, undefined values as NaN as in the CSV files.

use parquet::basic::{Compression, LogicalType, Repetition, Type as Physical};
use parquet::data_type::{ByteArray, ByteArrayType, DoubleType, Int64Type};
use parquet::file::properties::WriterProperties;
use parquet::file::writer::SerializedFileWriter;
use parquet::schema::types::Type;
use std::sync::Arc;

/// One column's values.
#[derive(Clone, Debug, PartialEq)]
pub enum Values {
    /// Whole numbers (64-bit).
    Int(Vec<i64>),
    /// Numbers (64-bit floating point; NaN where undefined).
    Float(Vec<f64>),
    /// Text (UTF-8).
    Text(Vec<String>),
}

impl Values {
    /// Numbers where every cell reads as one, text otherwise.
    pub fn from_cells(cells: &[String]) -> Values {
        let numbers: Option<Vec<f64>> = cells.iter().map(|c| c.parse().ok()).collect();
        match numbers {
            Some(xs) => Values::Float(xs),
            None => Values::Text(cells.to_vec()),
        }
    }
}

/// A table as named columns of equal length.
pub type Columns = Vec<(String, Values)>;

/// The table encoded as a Parquet file.
pub fn encode(columns: &Columns) -> Result<Vec<u8>, parquet::errors::ParquetError> {
    let fields = columns
        .iter()
        .map(|(name, values)| {
            let builder = match values {
                Values::Int(_) => Type::primitive_type_builder(name, Physical::INT64),
                Values::Float(_) => Type::primitive_type_builder(name, Physical::DOUBLE),
                Values::Text(_) => Type::primitive_type_builder(name, Physical::BYTE_ARRAY)
                    .with_logical_type(Some(LogicalType::String)),
            };
            builder
                .with_repetition(Repetition::REQUIRED)
                .build()
                .map(Arc::new)
        })
        .collect::<Result<Vec<_>, _>>()?;
    let schema = Arc::new(
        Type::group_type_builder("schema")
            .with_fields(fields)
            .build()?,
    );
    let props = Arc::new(
        WriterProperties::builder()
            .set_compression(Compression::SNAPPY)
            .build(),
    );
    let mut buffer = Vec::new();
    let mut writer = SerializedFileWriter::new(&mut buffer, schema, props)?;
    let mut group = writer.next_row_group()?;
    let mut index = 0;
    while let Some(mut column) = group.next_column()? {
        match &columns[index].1 {
            Values::Int(v) => {
                column.typed::<Int64Type>().write_batch(v, None, None)?;
            }
            Values::Float(v) => {
                column.typed::<DoubleType>().write_batch(v, None, None)?;
            }
            Values::Text(v) => {
                let bytes: Vec<ByteArray> = v.iter().map(|s| ByteArray::from(s.as_str())).collect();
                column
                    .typed::<ByteArrayType>()
                    .write_batch(&bytes, None, None)?;
            }
        }
        column.close()?;
        index += 1;
    }
    group.close()?;
    writer.close()?;
    Ok(buffer)
}

/// A CSV table (header and rows) as Parquet columns: `run`, `point`,
/// `replicate`, `seed` and `tick` as integers, other all-numeric columns as
/// doubles, the rest as text.
pub fn from_csv(header: &[String], rows: &[Vec<String>]) -> Columns {
    header
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let cells: Vec<String> = rows.iter().map(|r| r[i].clone()).collect();
            let values = match name.as_str() {
                "run" | "point" | "replicate" | "seed" | "tick" => {
                    let ints: Option<Vec<i64>> = cells.iter().map(|c| c.parse().ok()).collect();
                    ints.map_or_else(|| Values::from_cells(&cells), Values::Int)
                }
                _ => Values::from_cells(&cells),
            };
            (name.clone(), values)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use parquet::file::reader::{FileReader, SerializedFileReader};

    #[test]
    fn a_table_round_trips_through_parquet() {
        let header = vec![
            "run".to_string(),
            "governance.preset".into(),
            "coverage_mean".into(),
        ];
        let rows = vec![
            vec!["0".to_string(), "public".into(), "0.5".into()],
            vec!["1".to_string(), "hybrid".into(), "NaN".into()],
        ];
        let bytes = encode(&from_csv(&header, &rows)).unwrap();
        let file = tempfile::tempfile().unwrap();
        std::io::Write::write_all(&mut &file, &bytes).unwrap();
        let reader = SerializedFileReader::new(file).unwrap();
        assert_eq!(reader.metadata().file_metadata().num_rows(), 2);
        let names: Vec<String> = reader
            .metadata()
            .file_metadata()
            .schema_descr()
            .columns()
            .iter()
            .map(|c| c.name().to_string())
            .collect();
        assert_eq!(names, header);
        let rows: Vec<String> = reader
            .get_row_iter(None)
            .unwrap()
            .map(|r| r.unwrap().to_string())
            .collect();
        assert!(
            rows[0].contains("public") && rows[0].contains("0.5"),
            "{rows:?}"
        );
        assert!(rows[1].contains("NaN"), "{rows:?}");
    }
}
