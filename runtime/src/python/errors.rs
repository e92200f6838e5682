//! Exception types (process-wide, in the `PyOnceLock`s `create_exception!` makes) and
//! the mapping from engine errors.

use crate::command::EngineError;
use pyo3::exceptions::{PyException, PyKeyboardInterrupt, PyRuntimeError};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};

pyo3::create_exception!(
    jsrun,
    JavaScriptError,
    PyException,
    "An exception thrown by JavaScript."
);
pyo3::create_exception!(
    jsrun,
    RuntimeTerminated,
    PyRuntimeError,
    "The runtime was terminated (host request or heap limit)."
);

pub const CLOSED_MSG: &str = "Runtime has been closed";

/// The timeout expired while JS ran / while a promise was pending (`_aio` words them
/// as the published jsrun does, with the operation and the timeout).
pub const TIMEOUT_MSG: &str = "Evaluation timed out";
pub const PENDING_TIMEOUT_MSG: &str = "Evaluation timed out (promise still pending)";

pub fn closed_err() -> PyErr {
    PyRuntimeError::new_err(CLOSED_MSG)
}

/// Parses QuickJS stack lines: `    at name (file:line:col)` or `    at file:line:col`.
fn frames<'py>(py: Python<'py>, stack: &str) -> PyResult<Bound<'py, PyList>> {
    let out = PyList::empty(py);
    for line in stack.lines() {
        let Some(rest) = line.trim().strip_prefix("at ") else {
            continue;
        };
        let (func, loc) = match rest.rfind(" (") {
            Some(i) if rest.ends_with(')') => (Some(&rest[..i]), &rest[i + 2..rest.len() - 1]),
            _ => (None, rest),
        };
        let d = PyDict::new(py);
        // QuickJS names unnamed frames `<eval>` (top-level code) or `<anonymous>`; V8,
        // whose `frames` callers know, gives them no name.
        if let Some(f) = func.filter(|f| !(f.starts_with('<') && f.ends_with('>'))) {
            d.set_item("function_name", f)?;
        }
        let mut parts = loc.rsplitn(3, ':');
        let col = parts.next();
        let line_no = parts.next();
        let file = parts.next();
        match (
            file,
            line_no.and_then(|l| l.parse::<u64>().ok()),
            col.and_then(|c| c.parse::<u64>().ok()),
        ) {
            (Some(file), Some(l), Some(c)) => {
                d.set_item("file_name", file)?;
                d.set_item("line_number", l)?;
                d.set_item("column_number", c)?;
            }
            _ => {
                d.set_item("file_name", loc)?;
            }
        }
        out.append(d)?;
    }
    Ok(out)
}

/// QuickJS's `stack` holds only the `at ...` lines; V8's (which callers of the
/// published library read) starts with `Name: message`.
fn v8_style_stack(name: &str, message: &str, stack: &str) -> String {
    let frames = stack.trim_end();
    let header = if message.is_empty() {
        name.to_string()
    } else {
        format!("{name}: {message}")
    };
    if frames.is_empty() {
        header
    } else {
        format!("{header}\n{frames}")
    }
}

pub fn engine_err(py: Python<'_>, e: EngineError) -> PyErr {
    match e {
        EngineError::Js(info) => {
            let err = JavaScriptError::new_err(format!("{}: {}", info.name, info.message));
            let v = err.value(py);
            let _ = v.setattr("name", &info.name);
            let _ = v.setattr("message", &info.message);
            let _ = v.setattr("stack", info.stack.as_deref().map(|s| v8_style_stack(&info.name, &info.message, s)));
            let fr = frames(py, info.stack.as_deref().unwrap_or(""))
                .map(|l| l.into_any())
                .unwrap_or_else(|_| PyList::empty(py).into_any());
            let _ = v.setattr("frames", fr);
            err
        }
        EngineError::Timeout => PyRuntimeError::new_err(TIMEOUT_MSG),
        EngineError::PendingTimeout => PyRuntimeError::new_err(PENDING_TIMEOUT_MSG),
        EngineError::Terminated(m) => RuntimeTerminated::new_err(m),
        EngineError::Interrupted => PyKeyboardInterrupt::new_err(()),
        EngineError::Conversion(m) => PyRuntimeError::new_err(m),
        EngineError::Closed => closed_err(),
        EngineError::ModuleLoad(m) => PyRuntimeError::new_err(format!("Module evaluation failed: {m}")),
        EngineError::Internal(m) => PyRuntimeError::new_err(m),
    }
}
