use pyo3::exceptions;
use pyo3::prelude::*;
use pyo3::types::*;
use tk::tokenizer::Tokenizer;

use super::error::{PyError, ToPyResult};
use super::pre_tokenizers::PyPreTokenizer;
use super::trainers::PyTrainer;

#[pyclass(dict, module = "tokenizers", name=Tokenizer)]
#[derive(Clone)]
pub struct PyTokenizer {
    tokenizer: Tokenizer,
}

#[pymethods]
impl PyTokenizer {
    fn train(&mut self, trainer: &PyTrainer, files: Vec<String>) -> PyResult<()> {
        let gil = Python::acquire_gil();
        gil.python()
            .allow_threads(|| ToPyResult(self.tokenizer.train_and_replace(trainer, files)).into())
    }

    #[setter]
    fn set_pre_tokenizer(&mut self, pretok: PyRef<PyPreTokenizer>) {
        self.tokenizer.with_pre_tokenizer(pretok.clone());
    }
}
