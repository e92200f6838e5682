#[blocking_detached(waits = [shutdown, send])]
fn stop(slf: &Bound<'_, Pool>, tx: &SyncSender<Job>, job: Job) {
    tx.send(job.clone_ref(slf.py())).ok();
    slf.get().shutdown();
}
