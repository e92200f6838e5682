//! One test per rule of the model, on small bodies.

use crate::walk::{walk_body, CallTarget, Recv};
use crate::{Config, Imports, Model, NoLookup, TypeEnv, TypeLookup, WaitKind};

/// The waits (kind, name) found attached in `fn f(..) { body }`, with `uses` as the file's imports.
fn waits_with(model: &Model, lookup: &dyn TypeLookup, uses: &str, func: &str) -> Vec<(WaitKind, String)> {
    let file: syn::File = syn::parse_str(uses).expect("uses parse");
    let imports = Imports::from_items(&file.items);
    let f: syn::ItemFn = syn::parse_str(func).expect("fn parses");
    let env = TypeEnv::for_fn(lookup, &imports, None, &f.sig);
    let facts = walk_body(model, env, None, &f.block);
    facts.waits.iter().map(|w| (w.hit.kind, w.hit.name.clone())).collect()
}

fn waits(func: &str) -> Vec<(WaitKind, String)> {
    waits_with(&Model::default(), &NoLookup, "", func)
}

fn kinds(func: &str) -> Vec<WaitKind> {
    waits(func).into_iter().map(|(k, _)| k).collect()
}

#[test]
fn names_and_arities() {
    assert_eq!(kinds("fn f(rx: &Receiver<u8>) { rx.recv(); rx.recv_timeout(t); h.join(); }"), [WaitKind::Channel, WaitKind::Channel, WaitKind::Join]);
    // `join` with an argument is `Path::join`/`[String]::join`, not a thread join.
    assert_eq!(kinds(r#"fn f() { p.join("x"); names.join(", "); }"#), []);
    assert_eq!(kinds("fn f() { cv.wait(g); barrier.wait(); rt.block_on(fut); }"), [WaitKind::Condvar, WaitKind::Wait, WaitKind::BlockOn]);
    assert_eq!(kinds("fn f() { cv.wait_for(&mut g, d); }"), [WaitKind::Condvar]);
}

#[test]
fn ufcs_and_renamed_imports() {
    assert_eq!(waits("fn f(rx: &Receiver<u8>) { Receiver::recv(&rx); JoinHandle::join(h); }"), [(WaitKind::Channel, "recv".into()), (WaitKind::Join, "join".into())]);
    let model = Model::default();
    let found = waits_with(&model, &NoLookup, "use futures::executor::block_on as bo; use crossbeam_channel::select as sel;", "fn f() { bo(fut); sel! { recv(r) -> v => v } }");
    assert_eq!(found, [(WaitKind::BlockOn, "block_on".into()), (WaitKind::Select, "select".into())]);
}

#[test]
fn receiver_iterators_and_for_loops() {
    let f = "fn f(rx: Receiver<u64>, v: Vec<u64>) -> u64 { for x in &rx {} for x in rx.iter() {} let s: u64 = rx.iter().sum(); for x in &v {} v.iter().sum() }";
    assert_eq!(kinds(f), [WaitKind::Channel, WaitKind::Channel, WaitKind::Channel]);
    // a channel made in the body, iterated after adapters
    assert_eq!(kinds("fn f() { let (tx, rx) = std::sync::mpsc::channel(); rx.iter().take(3).count(); }"), [WaitKind::Channel]);
    // tokio's receiver is async: its `recv` is awaited
    assert_eq!(kinds("fn f(rx: tokio::sync::mpsc::Receiver<u8>) { for x in rx.iter() {} }"), []);
}

#[test]
fn joins_through_map() {
    assert_eq!(kinds("fn f(hs: Vec<JoinHandle<()>>) { hs.into_iter().map(JoinHandle::join).collect::<Vec<_>>(); }"), [WaitKind::Join]);
    assert_eq!(kinds("fn f(hs: Vec<JoinHandle<()>>) { for r in hs.into_iter().map(JoinHandle::join) {} }"), [WaitKind::Join]);
    assert_eq!(kinds("fn f(hs: Vec<JoinHandle<()>>) { hs.into_iter().for_each(|h| { h.join(); }); }"), [WaitKind::Join]);
}

#[test]
fn select_and_scopes() {
    assert_eq!(kinds("fn f() { let mut sel = Select::new(); sel.select(); Select::new().ready(); }"), [WaitKind::Select, WaitKind::Select]);
    assert_eq!(kinds("fn f() { std::thread::scope(|s| { s.spawn(|| rx.recv()); }); }"), [WaitKind::Scope]);
    assert_eq!(kinds("fn f() { thread::scope(|s| {}); }"), [WaitKind::Scope]);
}

#[test]
fn locks_std_parking_lot_tokio() {
    assert_eq!(kinds("fn f(m: &Mutex<u8>, l: &RwLock<u8>) { m.lock(); l.read(); l.write(); }"), [WaitKind::Lock; 3]);
    assert_eq!(kinds("fn f(m: &parking_lot::Mutex<u8>) { m.lock(); m.try_lock_for(d); }"), [WaitKind::Lock; 2]);
    assert_eq!(kinds("fn f(m: &tokio::sync::Mutex<u8>) { m.blocking_lock(); tx.blocking_send(1); rx.blocking_recv(); }"), [WaitKind::Lock, WaitKind::BoundedSend, WaitKind::Channel]);
    // tokio's `lock()` is a future, and a `File` is not a lock
    assert_eq!(kinds("fn f(m: &tokio::sync::Mutex<u8>, file: &File) { m.lock(); file.read(); }"), []);
    // unknown receivers: a `lock()` is a lock
    assert_eq!(kinds("fn f() { self.state.lock().unwrap(); }"), [WaitKind::Lock]);
    // not a lock: `read` with an argument
    assert_eq!(kinds("fn f() { f.read(&mut buf); }"), []);
}

#[test]
fn rayon() {
    assert_eq!(kinds("fn f(v: Vec<u8>) { v.par_iter().map(|x| x + 1).collect::<Vec<_>>(); v.into_par_iter().sum::<u8>(); }"), [WaitKind::Rayon; 2]);
    assert_eq!(kinds("fn f() { pool.install(|| work()); rayon::join(|| a(), || b()); rayon::scope(|s| {}); v.par_sort(); }"), [WaitKind::Rayon; 4]);
    // a sequential chain is not rayon
    assert_eq!(kinds("fn f(v: Vec<u8>) { v.iter().map(|x| x + 1).collect::<Vec<_>>(); }"), []);
}

#[test]
fn once_cells() {
    assert_eq!(kinds("fn f() { INIT.call_once(|| setup()); CELL.get_or_init(|| 1); }"), [WaitKind::Once, WaitKind::Once]);
    // PyO3's cells take the token (they detach while they wait): two arguments
    assert_eq!(kinds("fn f(py: Python<'_>) { CELL.get_or_init(py, || 1); }"), []);
    assert_eq!(kinds("fn f(c: &std::cell::OnceCell<u8>) { c.get_or_init(|| 1); }"), []);
}

#[test]
fn bounded_sends_from_declared_types() {
    assert_eq!(kinds("fn f(tx: &SyncSender<u8>, utx: &Sender<u8>) { tx.send(1); utx.send(1); }"), [WaitKind::BoundedSend]);
    assert_eq!(kinds("fn f() { let (tx, rx) = crossbeam_channel::bounded(0); tx.send(1); let (u, r) = unbounded(); u.send(1); }"), [WaitKind::BoundedSend]);
    assert_eq!(kinds("fn f() { let (tx, rx) = std::sync::mpsc::sync_channel(1); tx.send(1); }"), [WaitKind::BoundedSend]);
    struct Fields;
    impl TypeLookup for Fields {
        fn field(&self, owner: &str, field: &str) -> Option<crate::Ty> {
            let mut t = crate::Ty::named(&["Sender"]);
            t.bounded = owner == "W" && field == "tx";
            Some(t)
        }
    }
    let file: syn::File = syn::parse_str("").expect("empty");
    let imports = Imports::from_items(&file.items);
    let f: syn::ItemFn = syn::parse_str("fn f(&self) { self.tx.send(1); self.other.send(1); }").expect("fn");
    let env = TypeEnv::for_fn(&Fields, &imports, Some("W".into()), &f.sig);
    let facts = walk_body(&Model::default(), env, None, &f.block);
    assert_eq!(facts.waits.len(), 1);
}

#[test]
fn detached_closures_async_and_await() {
    assert_eq!(kinds("fn f(py: Python) { py.detach(|| rx.recv()); std::thread::spawn(move || h.join()); Detached::run(py, |p| rx.recv()); }"), []);
    assert_eq!(kinds("fn f() { let work = move || rx.recv(); std::thread::spawn(work); }"), []);
    assert_eq!(kinds("fn f() { let fut = async { rx.recv().await }; spawn(async move { h.join() }); }"), []);
    // `.recv().await` is an async receive
    assert_eq!(kinds("async fn f() { rx.recv().await; }"), []);
    let model = Model::new(Config { detaching_helpers: vec!["enter_polars".into()], ..Config::default() });
    assert_eq!(waits_with(&model, &NoLookup, "", "fn f() { enter_polars(|| rx.recv()); }"), []);
}

#[test]
fn attach_closures_are_attached_everywhere() {
    let f: syn::ItemFn = syn::parse_str("fn f(py: Python) { py.detach(|| { Python::attach(|py| rx.recv()); helper(); }); }").expect("fn");
    let imports = Imports::default();
    let facts = walk_body(&Model::default(), TypeEnv::for_fn(&NoLookup, &imports, None, &f.sig), None, &f.block);
    assert_eq!(facts.waits.len(), 1);
    assert!(facts.waits[0].always);
    // `helper()` runs detached: not a call made attached
    assert!(facts.calls.iter().all(|c| !matches!(&c.target, CallTarget::Path { segs, .. } if segs == &["helper"])));
    // `Detached::run(py, |p| Python::attach(|_| helper(p)))`
    let f: syn::ItemFn = syn::parse_str("fn f(py: Python) { Detached::run(py, |p| Python::attach(|_| helper(p))) }").expect("fn");
    let facts = walk_body(&Model::default(), TypeEnv::for_fn(&NoLookup, &imports, None, &f.sig), None, &f.block);
    assert!(facts.calls.iter().any(|c| c.always && matches!(&c.target, CallTarget::Path { segs, .. } if segs == &["helper"])));
}

#[test]
fn waits_inside_macros() {
    assert_eq!(kinds(r#"fn f() { println!("{}", rx.recv().unwrap()); assert_eq!(h.join().unwrap(), 1); my_macro!(m.lock()); }"#), [WaitKind::Channel, WaitKind::Join, WaitKind::Lock]);
    assert_eq!(kinds(r#"fn f() { let s = format!("{x}", x = rx.recv_timeout(d)); }"#), [WaitKind::Channel]);
}

#[test]
fn calls_to_follow() {
    let f: syn::ItemFn = syn::parse_str("fn f(&self) { self.wait_done(); self.inner.step(1); helper(); Self::assoc(); crate::m::g(); v.iter().map(m::h); }").expect("fn");
    let imports = Imports::default();
    let facts = walk_body(&Model::default(), TypeEnv::for_fn(&NoLookup, &imports, Some("W".into()), &f.sig), None, &f.block);
    let targets: Vec<CallTarget> = facts.calls.into_iter().map(|c| c.target).collect();
    assert!(targets.contains(&CallTarget::Method { name: "wait_done".into(), arity: 0, recv: Recv::SelfValue }));
    assert!(targets.contains(&CallTarget::Method { name: "step".into(), arity: 1, recv: Recv::Unknown }));
    assert!(targets.contains(&CallTarget::Path { segs: vec!["helper".into()], arity: Some(0) }));
    assert!(targets.contains(&CallTarget::Path { segs: vec!["Self".into(), "assoc".into()], arity: Some(0) }));
    assert!(targets.contains(&CallTarget::Path { segs: vec!["crate".into(), "m".into(), "g".into()], arity: Some(0) }));
    assert!(targets.contains(&CallTarget::Path { segs: vec!["m".into(), "h".into()], arity: None }));
}

#[test]
fn guards_across_detach() {
    let f: syn::ItemFn =
        syn::parse_str("fn f(py: Python) { let g = self.m.lock().unwrap(); py.detach(|| work()); let h = self.m.lock().unwrap(); drop(h); py.detach(|| work()); }")
            .expect("fn");
    let imports = Imports::default();
    let facts = walk_body(&Model::default(), TypeEnv::for_fn(&NoLookup, &imports, None, &f.sig), None, &f.block);
    // `g` is alive across both detaches; `h` was dropped before the second
    let guards: Vec<&str> = facts.guards.iter().map(|g| g.guard.as_str()).collect();
    assert_eq!(guards, ["g", "g"]);
}

#[test]
fn blocking_detached_rewrites_what_the_macro_rewrites() {
    use crate::walk::Rewrites;
    let f: syn::ItemFn = syn::parse_str("fn f(py: Python, rx: &Receiver<u8>) { rx.recv(); self.m.lock(); shutdown(); }").expect("fn");
    let imports = Imports::default();
    let rewrites = Rewrites {
        model: Model::new(Config { extra_waits: vec!["shutdown".into()], ..Config::default() }),
        env: TypeEnv::for_fn(&NoLookup, &imports, None, &f.sig),
    };
    let facts = walk_body(&Model::default(), TypeEnv::for_fn(&NoLookup, &imports, None, &f.sig), Some(rewrites), &f.block);
    // the lock stays attached: the macro does not rewrite locks
    let found: Vec<WaitKind> = facts.waits.iter().map(|w| w.hit.kind).collect();
    assert_eq!(found, [WaitKind::Lock]);
}

#[test]
fn acquire_gil_attaches_the_rest_of_the_block() {
    let f: syn::ItemFn = syn::parse_str("fn f() { rx.recv(); { let gil = Python::acquire_gil(); let py = gil.python(); h.join(); } m.lock(); }").expect("fn");
    let imports = Imports::default();
    let facts = walk_body(&Model::default(), TypeEnv::for_fn(&NoLookup, &imports, None, &f.sig), None, &f.block);
    let always: Vec<(WaitKind, bool)> = facts.waits.iter().map(|w| (w.hit.kind, w.always)).collect();
    assert_eq!(always, [(WaitKind::Channel, false), (WaitKind::Join, true), (WaitKind::Lock, false)]);
}
