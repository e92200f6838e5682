#![deny(warnings)]

mod error;
mod utils;

use std::collections::HashMap;
use std::future::IntoFuture;

use arrow::pyarrow::PyArrowType;
use deltalake::arrow::ffi_stream::ArrowArrayStreamReader;
use deltalake::arrow::{self};
use deltalake::DeltaOps;
use pyo3::prelude::*;
use serde_json::{Map, Value};

use crate::error::PythonError;
use crate::utils::rt;

#[pyfunction]
#[allow(clippy::too_many_arguments)]
fn write_to_deltalake(
    table_uri: String,
    data: PyArrowType<ArrowArrayStreamReader>,
    mode: String,
    max_rows_per_group: i64,
    schema_mode: Option<String>,
    partition_by: Option<Vec<String>>,
    predicate: Option<String>,
    name: Option<String>,
    description: Option<String>,
    configuration: Option<HashMap<String, Option<String>>>,
    storage_options: Option<HashMap<String, String>>,
    writer_properties: Option<HashMap<String, Option<String>>>,
    custom_metadata: Option<HashMap<String, String>>,
) -> PyResult<()> {
    let batches = data.0.map(|batch| batch.unwrap()).collect::<Vec<_>>();
    let save_mode = mode.parse().map_err(PythonError::from)?;

    let options = storage_options.clone().unwrap_or_default();
    let table = rt()?
        .block_on(DeltaOps::try_from_uri_with_storage_options(
            &table_uri, options,
        ))
        .map_err(PythonError::from)?;

    let mut builder = table
        .write(batches)
        .with_save_mode(save_mode)
        .with_write_batch_size(max_rows_per_group as usize);
    if let Some(schema_mode) = schema_mode {
        builder = builder.with_schema_mode(schema_mode.parse().map_err(PythonError::from)?);
    }
    if let Some(partition_columns) = partition_by {
        builder = builder.with_partition_columns(partition_columns);
    }

    if let Some(predicate) = predicate {
        builder = builder.with_replace_where(predicate);
    };

    if let Some(metadata) = custom_metadata {
        let json_metadata: Map<String, Value> =
            metadata.into_iter().map(|(k, v)| (k, v.into())).collect();
        builder = builder.with_metadata(json_metadata);
    };

    rt()?
        .block_on(builder.into_future())
        .map_err(PythonError::from)?;

    Ok(())
}

#[pymodule]
// module name need to match project name
fn _internal(py: Python, m: &PyModule) -> PyResult<()> {
    deltalake::aws::register_handlers(None);
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add_function(pyo3::wrap_pyfunction!(write_to_deltalake, m)?)?;
    Ok(())
}
