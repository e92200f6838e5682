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

/// What the published jsrun puts before an engine error's text, per entry point.
pub mod context {
    pub const EVAL: &str = "Evaluation failed: ";
    pub const CALL: &str = "Function call failed: ";
    pub const MODULE: &str = "Module evaluation failed: ";
    pub const OP_REGISTRATION: &str = "Op registration failed: ";
    pub const BIND_OBJECT: &str = "Failed to bind object: ";
    pub const STATIC_MODULE: &str = "Failed to add static module: ";
    pub const STATS: &str = "Failed to obtain runtime stats: ";
    pub const NONE: &str = "";
}

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
    // An unnamed frame is `at <eval> (file:line:col)` in QuickJS, `at file:line:col` in V8.
    let frames: Vec<String> = stack
        .trim_end()
        .lines()
        .map(|line| {
            let indent = &line[..line.len() - line.trim_start().len()];
            match line.trim_start().strip_prefix("at ").and_then(|r| r.split_once(" (")) {
                Some((func, loc)) if func.starts_with('<') && func.ends_with('>') && loc.ends_with(')') => {
                    format!("{indent}at {}", &loc[..loc.len() - 1])
                }
                _ => line.to_string(),
            }
        })
        .collect();
    let frames = frames.join("\n");
    let header = if message.is_empty() {
        name.to_string()
    } else if name.is_empty() {
        message.to_string()
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
    engine_err_in(py, e, context::NONE)
}

/// An engine error as the exception the caller of entry point `prefix` (a `context`)
/// sees: `"<prefix><Name>: <message>"`. A thrown non-Error value has no name (`None`).
pub fn engine_err_in(py: Python<'_>, e: EngineError, prefix: &str) -> PyErr {
    match e {
        EngineError::Js(info) => {
            let non_error = info.is_non_error();
            let shown = if non_error { "Error" } else { &info.name };
            let text = if info.message.is_empty() {
                format!("{prefix}{shown}")
            } else {
                format!("{prefix}{shown}: {}", info.message)
            };
            let err = JavaScriptError::new_err(text);
            let v = err.value(py);
            let name = (!non_error).then_some(info.name.as_str());
            let _ = v.setattr("name", name);
            let _ = v.setattr("message", &info.message);
            let stack = match (&info.stack, name) {
                (Some(s), Some(n)) => Some(v8_style_stack(n, &info.message, s)),
                // A thrown non-Error: V8's stack is the "Uncaught ..." text itself.
                (_, None) => Some(info.message.clone()),
                (None, Some(_)) => None,
            };
            let _ = v.setattr("stack", stack);
            let fr = frames(py, info.stack.as_deref().unwrap_or(""))
                .map(|l| l.into_any())
                .unwrap_or_else(|_| PyList::empty(py).into_any());
            let _ = v.setattr("frames", fr);
            err
        }
        EngineError::Timeout => PyRuntimeError::new_err(format!("{prefix}Evaluation timed out")),
        EngineError::Terminated(m) => RuntimeTerminated::new_err(format!("{prefix}{m}")),
        EngineError::Interrupted => PyKeyboardInterrupt::new_err(()),
        EngineError::Conversion(m) => PyRuntimeError::new_err(format!("{prefix}{m}")),
        EngineError::Closed if prefix.is_empty() => closed_err(),
        EngineError::Closed => PyRuntimeError::new_err(format!("{prefix}Runtime has been shut down")),
        EngineError::Internal(m) => PyRuntimeError::new_err(format!("{prefix}{m}")),
    }
}
