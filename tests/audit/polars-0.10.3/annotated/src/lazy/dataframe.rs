use crate::dataframe::PyDataFrame;
use crate::error::PyPolarsEr;
use polars::lazy::frame::LazyFrame;
use pyo3::prelude::*;

#[pyclass]
#[repr(transparent)]
#[derive(Clone)]
pub struct PyLazyFrame {
    // option because we cannot get a self by value in pyo3
    pub ldf: LazyFrame,
}

#[pymethods]
impl PyLazyFrame {
    pub fn collect(&self) -> PyResult<PyDataFrame> {
        let ldf = self.ldf.clone();
        let gil = Python::acquire_gil();
        let py = gil.python();
        // if we don't allow threads and we have udfs trying to acquire the gil from different
        // threads we deadlock.
        let df = py.allow_threads(|| ldf.collect().map_err(PyPolarsEr::from))?;
        Ok(df.into())
    }
}
