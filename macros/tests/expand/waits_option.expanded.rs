::core::compile_error! {
    "`slf` is a `Bound`, tied to the attached interpreter: it cannot be used by the blocking wait `shutdown`, which runs detached. Take what the wait needs out of it first (a field, a clone, `.unbind()`), or take `&self` instead of a `PyRef`"
}
fn stop(slf: &Bound<'_, Pool>, tx: &SyncSender<Job>, job: Job) {
    tx.send(job.clone_ref(slf.py())).ok();
    slf.get().shutdown();
}
