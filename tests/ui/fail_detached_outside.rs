use pyo3_detach::{detached, Detached};

fn helper(_: &Detached<'_>) {}

fn main() {
    helper(detached!());
}
