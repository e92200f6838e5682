::core::compile_error! {
    "`slf` is a `Bound`, tied to the attached interpreter: the blocking wait `shutdown` runs detached and cannot use it; take what the wait needs out of `slf` in a `let` before it (a Rust value, or `.unbind()` for a `Py<T>`)"
}
fn stop(slf: &Bound<'_, Pool>, tx: &SyncSender<Job>, job: Job) {
    tx.send(job.clone_ref(slf.py())).ok();
    slf.get().shutdown();
}
