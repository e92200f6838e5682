#![deny(warnings)]

mod error;
mod utils;

use std::collections::HashMap;
use std::future::IntoFuture;
use std::sync::Arc;

use arrow::pyarrow::PyArrowType;
use deltalake::arrow::ffi_stream::ArrowArrayStreamReader;
use deltalake::datafusion::datasource::memory::MemTable;
use deltalake::datafusion::datasource::provider::TableProvider;
use deltalake::datafusion::prelude::SessionContext;
use deltalake::operations::merge::MergeBuilder;
use pyo3::prelude::*;

use crate::error::PythonError;
use crate::utils::rt;

#[pyclass(module = "deltalake._internal")]
struct RawDeltaTable {
    _table: deltalake::DeltaTable,
    // storing the config additionally on the table helps us make pickling work.
    _config: FsConfig,
}

#[pymethods]
impl RawDeltaTable {
    #[allow(clippy::too_many_arguments)]
    #[pyo3(signature = (source,
        predicate,
        source_alias = None,
        target_alias = None,
        safe_cast = false,
        writer_properties = None,
        matched_delete_all = None,
    ))]
    pub fn merge_execute(
        &mut self,
        py: Python,
        source: PyArrowType<ArrowArrayStreamReader>,
        predicate: String,
        source_alias: Option<String>,
        target_alias: Option<String>,
        safe_cast: bool,
        writer_properties: Option<HashMap<String, Option<String>>>,
        matched_delete_all: Option<bool>,
    ) -> PyResult<String> {
        py.allow_threads(|| {
            let ctx = SessionContext::new();
            let schema = source.0.schema();
            let batches = vec![source.0.map(|batch| batch.unwrap()).collect::<Vec<_>>()];
            let table_provider: Arc<dyn TableProvider> =
                Arc::new(MemTable::try_new(schema, batches).unwrap());
            let source_df = ctx.read_table(table_provider).unwrap();

            let mut cmd = MergeBuilder::new(
                self._table.log_store(),
                self._table.snapshot().map_err(PythonError::from)?.clone(),
                predicate,
                source_df,
            )
            .with_safe_cast(safe_cast);

            if let Some(src_alias) = source_alias {
                cmd = cmd.with_source_alias(src_alias);
            }

            if let Some(trgt_alias) = target_alias {
                cmd = cmd.with_target_alias(trgt_alias);
            }

            if let Some(writer_props) = writer_properties {
                cmd = cmd.with_writer_properties(
                    set_writer_properties(writer_props).map_err(PythonError::from)?,
                );
            }

            if let Some(_md_delete_all) = matched_delete_all {
                cmd = cmd
                    .when_matched_delete(|delete| delete)
                    .map_err(PythonError::from)?;
            }

            let (table, metrics) = rt()?
                .block_on(cmd.into_future())
                .map_err(PythonError::from)?;
            self._table.state = table.state;
            Ok(serde_json::to_string(&metrics).unwrap())
        })
    }
}
