#[blocking_detached]
fn run(_: Python<'_>, rx: &crossbeam_channel::Receiver<u8>) -> Option<u8> {
    let v = futures::executor::block_on(async { 1 });
    std::thread::spawn(move || other.recv());
    let already = py.detach(|| rx.recv().ok());
    Some(v + rx.recv().ok()?)
}
