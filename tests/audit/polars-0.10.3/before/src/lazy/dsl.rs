use crate::series::PySeries;
use crate::utils::str_to_polarstype;
use polars::lazy::dsl;
use polars::prelude::*;
use pyo3::prelude::*;

#[pyclass]
#[repr(transparent)]
#[derive(Clone)]
pub struct PyExpr {
    pub inner: dsl::Expr,
}

#[pymethods]
impl PyExpr {
    pub fn map(&self, py: Python, lambda: PyObject, output_type: &PyAny, agg_list: bool) -> PyExpr {
        let output_type = match output_type.is_none() {
            true => None,
            false => {
                let str_repr = output_type.str().unwrap().to_str().unwrap();
                Some(str_to_polarstype(str_repr))
            }
        };
        // get the pypolars module
        // do the import outside of the function to prevent import side effects in a hot loop.
        let pypolars = PyModule::import(py, "polars").unwrap().to_object(py);

        let function = move |s: Series| {
            let gil = Python::acquire_gil();
            let py = gil.python();

            // this is a python Series
            let out = call_lambda_with_series(py, s, &lambda, &pypolars);
            // unpack the wrapper in a PySeries
            let py_pyseries = out.getattr(py, "_s").expect(
                "Could net get series attribute '_s'. Make sure that you return a Series object.",
            );
            // Downcast to Rust
            let pyseries = py_pyseries.extract::<PySeries>(py).unwrap();
            // Finally get the actual Series
            Ok(pyseries.series)
        };

        if agg_list {
            self.clone()
                .inner
                .map_list(
                    function,
                    GetOutput::map_field(move |fld| match output_type {
                        Some(ref dt) => Field::new(fld.name(), dt.clone()),
                        None => fld.clone(),
                    }),
                )
                .into()
        } else {
            self.clone()
                .inner
                .map(
                    function,
                    GetOutput::map_field(move |fld| match output_type {
                        Some(ref dt) => Field::new(fld.name(), dt.clone()),
                        None => fld.clone(),
                    }),
                )
                .into()
        }
    }
}

fn call_lambda_with_series(
    py: Python,
    s: Series,
    lambda: &PyObject,
    polars_module: &PyObject,
) -> PyObject {
    let pypolars = polars_module.cast_as::<PyModule>(py).unwrap();

    // create a PySeries struct/object for Python
    let pyseries = PySeries::new(s);
    // Wrap this PySeries object in the python side Series wrapper
    let python_series_wrapper = pypolars
        .getattr("wrap_s")
        .unwrap()
        .call1((pyseries,))
        .unwrap();
    // call the lambda and get a python side Series wrapper
    match lambda.call1(py, (python_series_wrapper,)) {
        Ok(pyobj) => pyobj,
        Err(e) => panic!("python apply failed: {}", e.pvalue(py).to_string()),
    }
}
