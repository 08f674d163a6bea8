//! Python values as the TOML values a scenario key takes.

use pyo3::prelude::*;
use pyo3::types::{PyBool, PyFloat, PyInt, PyList, PyString, PyTuple};
use toml::Value;

/// `value` as TOML: a bool, int, float or str, or a list of them. Anything
/// else is refused with what was found (numpy scalars are converted by the
/// Python package before they get here).
pub fn to_toml(value: &Bound<'_, PyAny>) -> Result<Value, String> {
    nested(value, 0)
}

/// Lists deeper than this are refused, not followed into a stack overflow.
const MAX_DEPTH: usize = 8;

fn nested(value: &Bound<'_, PyAny>, depth: usize) -> Result<Value, String> {
    if value.is_none() {
        return Err("missing value (None): give every key a value".into());
    }
    if value.is_instance_of::<PyBool>() {
        return Ok(Value::Boolean(
            value.extract().map_err(|e: PyErr| e.to_string())?,
        ));
    }
    if value.is_instance_of::<PyInt>() {
        return value
            .extract::<i64>()
            .map(Value::Integer)
            .map_err(|_| format!("{value} does not fit in a 64-bit integer"));
    }
    if value.is_instance_of::<PyFloat>() {
        return Ok(Value::Float(
            value.extract().map_err(|e: PyErr| e.to_string())?,
        ));
    }
    if value.is_instance_of::<PyString>() {
        return Ok(Value::String(
            value.extract().map_err(|e: PyErr| e.to_string())?,
        ));
    }
    if value.is_instance_of::<PyList>() || value.is_instance_of::<PyTuple>() {
        if depth == MAX_DEPTH {
            return Err(format!(
                "lists nested deeper than {MAX_DEPTH} are not scenario values"
            ));
        }
        let items = value
            .try_iter()
            .map_err(|e| e.to_string())?
            .map(|item| nested(&item.map_err(|e| e.to_string())?, depth + 1))
            .collect::<Result<Vec<_>, _>>()?;
        return Ok(Value::Array(items.into_iter().collect()));
    }
    let kind = value
        .get_type()
        .name()
        .map_or("an unknown type".into(), |n| n.to_string());
    Err(format!(
        "expected a bool, int, float, str or a list of them, found {} of type {kind}",
        value
            .repr()
            .map_or_else(|_| "a value".into(), |r| r.to_string())
    ))
}
