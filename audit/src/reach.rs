//! From the Python entry points through the calls made while attached to every wait
//! they reach. Each function is visited once, so a helper called from a thousand
//! methods is walked once.

use crate::scan::{FileOut, FnOut, Lookup};
use pyo3_detach_model::walk::{CallTarget, Recv};
use pyo3_detach_model::EntryKind;
use std::collections::{HashMap, HashSet};

/// A method name with more candidates than this, on a receiver of unknown type, is
/// not followed: it is more likely a std or foreign method than one of ours.
const MAX_AMBIGUOUS: usize = 4;

/// Types of std (and of the channel and lock crates) whose methods are not followed.
const STD_TYPES: &[&str] = &[
    "Vec", "VecDeque", "HashMap", "HashSet", "BTreeMap", "BTreeSet", "String", "str", "Option", "Result", "Box", "Arc", "Rc",
    "Mutex", "RwLock", "Condvar", "Receiver", "Sender", "SyncSender", "JoinHandle", "Path", "PathBuf", "File", "Duration",
    "Instant", "Cell", "RefCell", "OnceLock", "OnceCell", "Once", "Barrier", "AtomicBool", "AtomicUsize", "AtomicU64",
    "Py", "Bound", "PyAny", "PyRef", "PyRefMut", "Python", "PyResult", "PyErr", "PyDict", "PyList", "PyTuple", "PyString",
];

/// Method names of std types (iterators, collections, conversions): on a receiver of
/// unknown type they are not matched by name.
const COMMON_METHODS: &[&str] = &[
    "len", "is_empty", "to_vec", "clone", "iter", "iter_mut", "into_iter", "next", "get", "get_mut", "insert", "push",
    "pop", "remove", "contains", "contains_key", "as_ref", "as_mut", "as_str", "as_slice", "to_string", "to_owned", "into",
    "from", "map", "and_then", "unwrap", "expect", "ok", "err", "extend", "clear", "first", "last", "keys", "values",
    "entry", "take", "replace", "set", "borrow", "borrow_mut", "fmt", "eq", "cmp", "partial_cmp", "hash", "drop",
    "default", "new", "write", "read", "flush", "close", "send", "recv", "load", "store", "swap", "call", "run", "poll",
];

/// A function: (file index, index in the file).
pub type FnId = usize;
/// A site: (function, index among its sites).
pub type SiteId = (FnId, usize);

pub struct Finding {
    pub site: SiteId,
    pub entry: FnId,
    pub entry_kind: EntryKind,
    /// From the entry to the function holding the wait.
    pub chain: Vec<FnId>,
}

pub struct Graph<'a> {
    pub fns: Vec<(&'a FileOut, &'a FnOut, usize)>,
    free: HashMap<&'a str, Vec<FnId>>,
    by_owner: HashMap<(&'a str, &'a str), Vec<FnId>>,
    methods: HashMap<&'a str, Vec<FnId>>,
    modules: HashSet<&'a str>,
    lookup: &'a Lookup,
}

impl<'a> Graph<'a> {
    pub fn new(files: &'a [FileOut], lookup: &'a Lookup) -> Self {
        let mut g = Graph {
            fns: Vec::new(),
            free: HashMap::new(),
            by_owner: HashMap::new(),
            methods: HashMap::new(),
            modules: HashSet::new(),
            lookup,
        };
        for (fi, file) in files.iter().enumerate() {
            for f in &file.fns {
                let id = g.fns.len();
                g.fns.push((file, f, fi));
                match &f.owner {
                    Some(owner) => {
                        g.by_owner.entry((owner.as_str(), f.name.as_str())).or_default().push(id);
                        if f.has_self {
                            g.methods.entry(f.name.as_str()).or_default().push(id);
                        }
                    }
                    None => g.free.entry(f.name.as_str()).or_default().push(id),
                }
                for m in &f.module {
                    g.modules.insert(m.as_str());
                }
            }
        }
        g
    }

    pub fn display(&self, id: FnId) -> String {
        let f = self.fns[id].1;
        match &f.owner {
            Some(o) => format!("{o}::{}", f.name),
            None => f.name.clone(),
        }
    }

    fn same_crate(&self, a: FnId, b: FnId) -> bool {
        self.fns[a].0.krate == self.fns[b].0.krate
    }

    /// The functions a call may land in: candidates of the caller's crate if there are
    /// any (type and function names repeat across crates), else all.
    fn resolve(&self, caller: FnId, target: &CallTarget) -> Vec<FnId> {
        let all = self.candidates(caller, target);
        if all.iter().any(|id| self.same_crate(caller, *id)) {
            all.into_iter().filter(|id| self.same_crate(caller, *id)).collect()
        } else {
            all
        }
    }

    fn candidates(&self, caller: FnId, target: &CallTarget) -> Vec<FnId> {
        let caller_fn = self.fns[caller].1;
        let arity_ok = |id: &FnId, arity: Option<usize>, method_call: bool| {
            let f = self.fns[*id].1;
            match arity {
                None => true,
                Some(n) if method_call => f.has_self && f.inputs == n + 1,
                Some(n) => f.inputs == n,
            }
        };
        match target {
            CallTarget::Method { name, arity, recv } => {
                let owner = match recv {
                    Recv::SelfValue => caller_fn.owner.as_deref(),
                    Recv::Typed(t) => Some(t.as_str()),
                    Recv::Unknown => None,
                };
                if let Some(owner) = owner {
                    let found: Vec<FnId> = self
                        .by_owner
                        .get(&(owner, name.as_str()))
                        .map(|v| v.iter().copied().filter(|id| arity_ok(id, Some(*arity), true)).collect())
                        .unwrap_or_default();
                    if !found.is_empty() {
                        return found;
                    }
                    // A std type's methods are not ours.
                    if matches!(recv, Recv::Typed(_)) && STD_TYPES.contains(&owner) {
                        return Vec::new();
                    }
                }
                // Names every std type has: on a receiver we cannot type, far more
                // likely std's than ours.
                if COMMON_METHODS.contains(&name.as_str()) && !matches!(recv, Recv::SelfValue) {
                    return Vec::new();
                }
                // By name: a trait method, a method reached through `Deref`, a type
                // whose definition is not in the input. A receiver of unknown type
                // matches methods of the same crate only.
                let any_crate = matches!(recv, Recv::Typed(_) | Recv::SelfValue);
                let all: Vec<FnId> = self
                    .methods
                    .get(name.as_str())
                    .map(|v| {
                        v.iter().copied().filter(|id| arity_ok(id, Some(*arity), true) && (any_crate || self.same_crate(caller, *id))).collect()
                    })
                    .unwrap_or_default();
                if all.len() <= MAX_AMBIGUOUS {
                    all
                } else {
                    Vec::new()
                }
            }
            CallTarget::Path { segs, arity } => {
                let local = matches!(segs.first().map(String::as_str), Some("crate" | "self" | "super"));
                let rest: Vec<&str> =
                    segs.iter().map(String::as_str).skip_while(|s| matches!(*s, "crate" | "self" | "super")).collect();
                let Some(&name) = rest.last() else { return Vec::new() };
                if rest.len() >= 2 {
                    let owner = rest[rest.len() - 2];
                    let owner = if owner == "Self" { caller_fn.owner.as_deref().unwrap_or(owner) } else { owner };
                    if owner.chars().next().is_some_and(char::is_uppercase) {
                        return self
                            .by_owner
                            .get(&(owner, name))
                            .map(|v| v.iter().copied().filter(|id| arity_ok(id, *arity, false)).collect())
                            .unwrap_or_default();
                    }
                    let module = &rest[..rest.len() - 1];
                    let candidates: Vec<FnId> = self
                        .free
                        .get(name)
                        .map(|v| v.iter().copied().filter(|id| arity_ok(id, *arity, false)).collect())
                        .unwrap_or_default();
                    let in_module: Vec<FnId> =
                        candidates.iter().copied().filter(|id| self.fns[*id].1.module.ends_with(&module.iter().map(|s| s.to_string()).collect::<Vec<_>>())).collect();
                    if !in_module.is_empty() {
                        return in_module;
                    }
                    // `other_crate::f`: not ours, unless the module is one of ours.
                    if local || self.modules.contains(module[0]) {
                        return if candidates.len() <= MAX_AMBIGUOUS { candidates } else { Vec::new() };
                    }
                    return Vec::new();
                }
                let candidates: Vec<FnId> = self
                    .free
                    .get(name)
                    .map(|v| v.iter().copied().filter(|id| arity_ok(id, *arity, false) && self.same_crate(caller, *id)).collect())
                    .unwrap_or_default();
                let same_module: Vec<FnId> = candidates.iter().copied().filter(|id| self.fns[*id].1.module == caller_fn.module).collect();
                if same_module.len() == 1 {
                    return same_module;
                }
                if candidates.len() <= MAX_AMBIGUOUS {
                    candidates
                } else {
                    same_module
                }
            }
        }
    }

    /// Every site reachable from an entry point while attached, each with the
    /// nearest entry. One breadth-first search from all entries at once: every
    /// function is visited (and its calls resolved) once, whatever the number of
    /// entries, and the parent links give the shortest call chain.
    pub fn findings(&mut self) -> Vec<Finding> {
        #[derive(Clone, Copy)]
        struct Visit {
            entry: FnId,
            kind: EntryKind,
            parent: Option<FnId>,
        }
        let mut visited: Vec<Option<Visit>> = vec![None; self.fns.len()];
        let mut queue = std::collections::VecDeque::new();
        let mut out = Vec::new();
        for (id, slot) in visited.iter_mut().enumerate() {
            let func = self.fns[id].1;
            let kind = func.entry.or_else(|| func.drop_of.as_ref().filter(|t| self.lookup.pyclasses.contains(*t)).map(|_| EntryKind::PyClassDrop));
            if let Some(kind) = kind {
                *slot = Some(Visit { entry: id, kind, parent: None });
                queue.push_back(id);
            }
        }
        // `Python::attach` closures: attached whoever runs them. Their own waits are
        // findings of that entry; the functions they call are searched from it.
        let mut attach_seeds = Vec::new();
        for id in 0..self.fns.len() {
            let func = self.fns[id].1;
            for (i, site) in func.sites.iter().enumerate() {
                if site.always {
                    out.push(Finding { site: (id, i), entry: id, entry_kind: EntryKind::Attach, chain: vec![id] });
                }
            }
            for call in func.calls.iter().filter(|c| c.always) {
                for g in self.callees(id, call) {
                    attach_seeds.push((id, g));
                }
            }
        }
        let mut attach_queue: std::collections::VecDeque<(FnId, FnId)> = attach_seeds.into();
        loop {
            let id = if let Some(id) = queue.pop_front() {
                id
            } else if let Some((from, g)) = attach_queue.pop_front() {
                if visited[g].is_some() {
                    continue;
                }
                visited[g] = Some(Visit { entry: from, kind: EntryKind::Attach, parent: Some(from) });
                g
            } else {
                break;
            };
            let here = visited[id].expect("queued functions are visited");
            let func = self.fns[id].1;
            for call in func.calls.iter().filter(|c| !c.always) {
                for g in self.callees(id, call) {
                    if visited[g].is_none() {
                        visited[g] = Some(Visit { entry: here.entry, kind: here.kind, parent: Some(id) });
                        queue.push_back(g);
                    }
                }
            }
        }
        for (id, v) in visited.iter().enumerate() {
            let Some(v) = *v else { continue };
            let func = self.fns[id].1;
            for (i, site) in func.sites.iter().enumerate() {
                if site.always {
                    continue;
                }
                let mut chain = vec![id];
                let mut at = v;
                while let Some(p) = at.parent {
                    if chain.contains(&p) || chain.len() > 64 {
                        break;
                    }
                    chain.push(p);
                    match visited[p] {
                        // An attach entry's chain starts at the function holding the closure.
                        Some(pv) if !(v.kind == EntryKind::Attach && p == v.entry) => at = pv,
                        _ => break,
                    }
                }
                chain.reverse();
                out.push(Finding { site: (id, i), entry: v.entry, entry_kind: v.kind, chain });
            }
        }
        out
    }

    /// The functions a call made attached runs.
    fn callees(&self, f: FnId, call: &crate::scan::CallOut) -> Vec<FnId> {
        let mut out = self.resolve(f, &call.target);
        // An `async fn` called without `.await` only builds a future.
        out.retain(|g| *g != f && (call.awaited || !self.fns[*g].1.is_async));
        out
    }
}
