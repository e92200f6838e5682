//! Conversions. `js` runs on the engine thread (JS <-> `Value`), `python` on the
//! attached side (Python <-> `Value`). `Value` is the only thing that crosses.

pub mod js;
pub mod python;
