//! `SnapshotBuilder`: runs scripts in a private engine and records their bytecode
//! (see `engine/snapshot.rs` for the image and why it is not a heap snapshot).

use crate::command::{Command, CompiledScript, EngineError};
use crate::engine::snapshot::{self, Script, SnapshotImage};
use crate::engine::EngineConfig;
use crate::python::args::{opt_bool_arg, opt_str_arg, str_arg};
use crate::python::config::default_engine_config;
use crate::python::errors::{closed_err, engine_err};
use crate::python::runtime::{start_engine, Runtime};
use crate::python::wait::wait_outcome;
use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use pyo3::types::PyBytes;
use std::sync::{Mutex, MutexGuard};

const BUILT_MSG: &str = "Snapshot already built";

struct Recorded {
    /// One slot per script sent to the engine, in the engine's order; `None` while it
    /// runs, or for a script that did not compile (it ran nothing).
    slots: Vec<Option<Script>>,
    in_flight: usize,
    built: bool,
    /// Set when a script was stopped half-way (Ctrl-C, engine failure): the image
    /// could not reproduce the builder's state.
    broken: Option<String>,
}

/// Builds a snapshot: scripts run now, in a private engine, and a runtime built from
/// the snapshot starts with the state they made.
///
/// QuickJS has no heap snapshots: ``build()`` returns a bytecode image (every script
/// compiled, in order, in a versioned and checksummed container) and a runtime built
/// with ``RuntimeConfig(snapshot=...)`` re-runs that bytecode at start-up. So values
/// computed at build time from ``Date.now()`` or ``Math.random()`` differ in each
/// runtime, and start-up costs the scripts' run time (but no parsing). A script that
/// threw here is kept (its effects up to the throw are part of the state) and its
/// error is ignored when it re-runs; a script with a syntax error is left out.
///
/// ``enable_console``: ``console`` exists while the builder runs the scripts (output
/// goes to Python's ``sys.stdout``/``sys.stderr``). It is not part of the image: a
/// runtime's console depends on its own ``RuntimeConfig.enable_console`` (with one,
/// the re-run scripts print again; without, they get a silent stand-in).
///
/// Snapshot bytes are executable code for the engine: load only bytes from a
/// trusted source (the checksum detects damage, not tampering).
#[pyclass(frozen, module = "jsrun")]
pub struct SnapshotBuilder {
    engine: Runtime,
    console: bool,
    recorded: Mutex<Recorded>,
}

impl SnapshotBuilder {
    fn recorded(&self) -> PyResult<MutexGuard<'_, Recorded>> {
        self.recorded
            .lock()
            .map_err(|_| PyRuntimeError::new_err("SnapshotBuilder state is poisoned"))
    }

    /// Compiles and runs `source` now, recording its bytecode.
    fn run_script(&self, py: Python<'_>, name: &str, source: &str) -> PyResult<()> {
        let handle = &self.engine.handle;
        let (seq, index, rx) = {
            let mut rec = self.recorded()?;
            rec.usable()?;
            let seq = handle.shared.next_seq();
            let (tx, rx) = crate::reply::reply_slot();
            // Sent under the lock: slot order is the order the engine runs them in.
            handle
                .send(Command::SnapshotScript {
                    seq,
                    name: name.to_owned(),
                    source: source.to_owned(),
                    reply: tx,
                })
                .map_err(|_| closed_err())?;
            rec.slots.push(None);
            rec.in_flight += 1;
            (seq, rec.slots.len() - 1, rx)
        };
        let out = wait_outcome(py, handle, seq, &rx);
        let mut rec = self.recorded()?;
        rec.in_flight -= 1;
        let compiled = match out {
            Ok(Ok(c)) => c,
            // A syntax error: nothing ran, nothing to record.
            Ok(Err(e @ EngineError::Js(_))) => return Err(engine_err(py, e)),
            Ok(Err(e)) => {
                rec.broken = Some(format!("script {name:?} was stopped half-way"));
                return Err(engine_err(py, e));
            }
            Err(e) => {
                rec.broken = Some(format!("script {name:?} was stopped half-way"));
                return Err(e);
            }
        };
        let CompiledScript { bytecode, error } = compiled;
        rec.slots[index] = Some(Script {
            name: name.to_owned(),
            bytecode,
            threw: error.is_some(),
        });
        match error {
            None => Ok(()),
            Some(e @ EngineError::Js(_)) => Err(engine_err(py, e)),
            Some(e) => {
                rec.broken = Some(format!("script {name:?} was stopped half-way"));
                Err(engine_err(py, e))
            }
        }
    }
}

impl Recorded {
    fn usable(&self) -> PyResult<()> {
        if self.built {
            return Err(PyRuntimeError::new_err(BUILT_MSG));
        }
        if let Some(why) = &self.broken {
            return Err(PyRuntimeError::new_err(format!(
                "SnapshotBuilder cannot be used any more: {why}"
            )));
        }
        Ok(())
    }
}

#[pymethods]
impl SnapshotBuilder {
    #[new]
    #[pyo3(signature = (bootstrap=None, enable_console=None))]
    fn new(
        py: Python<'_>,
        bootstrap: Option<&Bound<'_, PyAny>>,
        enable_console: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let bootstrap = opt_str_arg(bootstrap, "bootstrap")?;
        let console = opt_bool_arg(enable_console, "enable_console", false)?;
        let cfg = EngineConfig {
            enable_console: console,
            ..default_engine_config()
        };
        let builder = SnapshotBuilder {
            engine: Runtime {
                handle: start_engine(py, cfg)?,
            },
            console,
            recorded: Mutex::new(Recorded {
                slots: Vec::new(),
                in_flight: 0,
                built: false,
                broken: None,
            }),
        };
        if let Some(src) = bootstrap {
            builder.run_script(py, "bootstrap", &src)?;
        }
        Ok(builder)
    }

    /// Compiles and runs ``source`` (a classic script, not a module) now, recording
    /// its bytecode; errors are raised here, their text naming ``name``.
    fn execute_script(
        &self,
        py: Python<'_>,
        name: &Bound<'_, PyAny>,
        source: &Bound<'_, PyAny>,
    ) -> PyResult<()> {
        let name = str_arg(name, "name")?;
        let source = str_arg(source, "source")?;
        self.run_script(py, &name, &source)
    }

    /// The snapshot bytes, for ``RuntimeConfig(snapshot=...)``. Once only: the
    /// builder's engine is closed; later calls raise ``RuntimeError``.
    fn build<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyBytes>> {
        let image = {
            let mut rec = self.recorded()?;
            rec.usable()?;
            if rec.in_flight > 0 {
                return Err(PyRuntimeError::new_err(
                    "a script is still running in this SnapshotBuilder",
                ));
            }
            rec.built = true;
            SnapshotImage {
                console: self.console,
                scripts: rec.slots.drain(..).flatten().collect(),
            }
        };
        self.engine.close(py)?;
        let bytes = snapshot::encode(&image).map_err(PyRuntimeError::new_err)?;
        Ok(PyBytes::new(py, &bytes))
    }

    fn __repr__(&self) -> String {
        match self.recorded.lock() {
            Ok(r) if r.built => "<jsrun.SnapshotBuilder built>".into(),
            Ok(r) => format!(
                "<jsrun.SnapshotBuilder scripts={}>",
                r.slots.iter().flatten().count()
            ),
            Err(_) => "<jsrun.SnapshotBuilder>".into(),
        }
    }
}
