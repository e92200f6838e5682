//! Snapshots as bytecode images.
//!
//! QuickJS has no heap snapshots. A snapshot here is the QuickJS bytecode of every
//! script the builder ran, in order; a runtime built from it re-runs them at start-up.
//! `JS_ReadObject` trusts its input (corrupt bytecode is memory-unsafe), so the image
//! travels in a container that is checked before any byte of it reaches the engine:
//!
//! ```text
//! magic "JSRUNSNP" | u16 format version | u8 pointer width | u8 flags (bit 0: console)
//! | u16 length + engine id (e.g. "QuickJS-NG 0.10.1")
//! | u32 script count | per script: u32 length + name, u8 flags (bit 0: threw), u32 length + bytecode
//! | u64 CRC-64/XZ of every byte before it
//! ```
//!
//! All integers are little-endian. The checksum catches damaged or truncated bytes,
//! not forgery: the bytes must come from a trusted source.

use super::bytecode;
use rquickjs::{qjs, Ctx, Function, Object, Value as JsValue};
use std::ffi::CStr;
use std::fmt;

const MAGIC: &[u8; 8] = b"JSRUNSNP";
const FORMAT_VERSION: u16 = 1;
const FLAG_CONSOLE: u8 = 1;
const SCRIPT_THREW: u8 = 1;

/// One script of an image.
pub struct Script {
    pub name: String,
    pub bytecode: Vec<u8>,
    /// It threw when the builder ran it: re-running it may throw again (ignored).
    pub threw: bool,
}

/// A verified image: only [`decode`] and the builder make one.
pub struct SnapshotImage {
    /// The builder had `console`: a runtime without one lends the scripts a silent
    /// stand-in while they re-run.
    pub console: bool,
    pub scripts: Vec<Script>,
}

impl fmt::Debug for SnapshotImage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SnapshotImage")
            .field("console", &self.console)
            .field(
                "scripts",
                &self.scripts.iter().map(|s| &s.name).collect::<Vec<_>>(),
            )
            .finish()
    }
}

/// This engine's identity, written into and required from every image.
pub fn engine_id() -> String {
    // SAFETY: QuickJS returns a static NUL-terminated string.
    let v = unsafe { CStr::from_ptr(qjs::JS_GetVersion()) };
    format!("QuickJS-NG {}", v.to_string_lossy())
}

const fn crc64_table() -> [u64; 256] {
    let mut t = [0u64; 256];
    let mut i = 0;
    while i < 256 {
        let mut c = i as u64;
        let mut k = 0;
        while k < 8 {
            c = if c & 1 == 1 {
                (c >> 1) ^ 0xC96C_5795_D787_0F42
            } else {
                c >> 1
            };
            k += 1;
        }
        t[i] = c;
        i += 1;
    }
    t
}

static CRC64: [u64; 256] = crc64_table();

/// CRC-64/XZ (ECMA-182 polynomial, reflected).
fn crc64(data: &[u8]) -> u64 {
    let mut c = !0u64;
    for &b in data {
        c = CRC64[((c ^ b as u64) & 0xff) as usize] ^ (c >> 8);
    }
    !c
}

fn put_bytes(out: &mut Vec<u8>, b: &[u8]) {
    out.extend_from_slice(&(b.len() as u32).to_le_bytes());
    out.extend_from_slice(b);
}

/// Serialises an image (the builder's `build()`).
pub fn encode(image: &SnapshotImage) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
    out.push(std::mem::size_of::<usize>() as u8);
    out.push(if image.console { FLAG_CONSOLE } else { 0 });
    let id = engine_id();
    out.extend_from_slice(&(id.len() as u16).to_le_bytes());
    out.extend_from_slice(id.as_bytes());
    out.extend_from_slice(&(image.scripts.len() as u32).to_le_bytes());
    for s in &image.scripts {
        if s.name.len() > u32::MAX as usize || s.bytecode.len() > u32::MAX as usize {
            return Err(format!("snapshot script {:?} is too large", s.name));
        }
        put_bytes(&mut out, s.name.as_bytes());
        out.push(if s.threw { SCRIPT_THREW } else { 0 });
        put_bytes(&mut out, &s.bytecode);
    }
    let sum = crc64(&out);
    out.extend_from_slice(&sum.to_le_bytes());
    Ok(out)
}

/// A bounds-checked reader: every short read is an error, never a panic.
struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], String> {
        let end = self.pos.checked_add(n).filter(|&e| e <= self.buf.len());
        let Some(end) = end else {
            return Err("snapshot is truncated".into());
        };
        let s = &self.buf[self.pos..end];
        self.pos = end;
        Ok(s)
    }
    fn u8(&mut self) -> Result<u8, String> {
        Ok(self.take(1)?[0])
    }
    fn u16(&mut self) -> Result<u16, String> {
        let b = self.take(2)?;
        Ok(u16::from_le_bytes([b[0], b[1]]))
    }
    fn u32(&mut self) -> Result<u32, String> {
        let b = self.take(4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }
    fn bytes(&mut self) -> Result<&'a [u8], String> {
        let n = self.u32()? as usize;
        self.take(n)
    }
}

/// Checks magic, format version, engine and checksum, then parses the scripts.
/// Nothing reaches the engine unless all of these pass.
pub fn decode(data: &[u8]) -> Result<SnapshotImage, String> {
    if data.len() < MAGIC.len() || &data[..MAGIC.len()] != MAGIC {
        return Err("not a jsrun snapshot (bad magic bytes)".into());
    }
    let mut r = Reader {
        buf: data,
        pos: MAGIC.len(),
    };
    let version = r.u16()?;
    if version != FORMAT_VERSION {
        return Err(format!(
            "snapshot format version {version} is not supported (this build reads version {FORMAT_VERSION})"
        ));
    }
    let width = r.u8()?;
    let flags = r.u8()?;
    let id_len = r.u16()? as usize;
    let id = String::from_utf8_lossy(r.take(id_len)?).into_owned();
    let ours = engine_id();
    if id != ours || width as usize != std::mem::size_of::<usize>() {
        return Err(format!(
            "snapshot was built by another engine ({id}, {}-bit); this runtime is {ours}, {}-bit: rebuild it",
            width as usize * 8,
            std::mem::size_of::<usize>() * 8
        ));
    }
    if data.len() < r.pos + 8 {
        return Err("snapshot is truncated".into());
    }
    let (body, sum) = data.split_at(data.len() - 8);
    let mut sb = [0u8; 8];
    sb.copy_from_slice(sum);
    if crc64(body) != u64::from_le_bytes(sb) {
        return Err("snapshot is corrupt (checksum mismatch)".into());
    }
    let mut r = Reader {
        buf: body,
        pos: r.pos,
    };
    let count = r.u32()? as usize;
    let mut scripts = Vec::with_capacity(count.min(1024));
    for _ in 0..count {
        let name = String::from_utf8(r.bytes()?.to_vec())
            .map_err(|_| "snapshot is corrupt (script name is not UTF-8)".to_string())?;
        let threw = r.u8()? & SCRIPT_THREW != 0;
        let bytecode = r.bytes()?.to_vec();
        scripts.push(Script {
            name,
            bytecode,
            threw,
        });
    }
    if r.pos != body.len() {
        return Err("snapshot is corrupt (trailing bytes)".into());
    }
    Ok(SnapshotImage {
        console: flags & FLAG_CONSOLE != 0,
        scripts,
    })
}

// -------------------------------------------------------------------- engine side

/// Compiles `source` as a classic global script named `name`, serialises its
/// bytecode, then runs it. A syntax error is the outer error; what running it gave
/// is the inner result.
pub(crate) fn compile_and_run<'js>(
    ctx: &Ctx<'js>,
    name: &str,
    source: &str,
) -> rquickjs::Result<(Vec<u8>, rquickjs::Result<()>)> {
    let f = bytecode::compile(ctx, name, source)?;
    let code = bytecode::write(ctx, &f)?;
    Ok((code, bytecode::run(ctx, &f).map(drop)))
}

fn console_err(e: rquickjs::Error) -> (String, rquickjs::Error) {
    ("console".to_string(), e)
}

/// A `console` whose methods do nothing.
pub(crate) fn silent_console<'js>(ctx: &Ctx<'js>) -> rquickjs::Result<Object<'js>> {
    let obj = Object::new(ctx.clone())?;
    for name in ["log", "info", "debug", "warn", "error"] {
        obj.set(name, Function::new(ctx.clone(), || ())?)?;
    }
    Ok(obj)
}

/// Re-runs the image's scripts in order (`after_each` runs the microtasks). A script
/// that threw at build time may throw again: ignored, unless uncatchable (interrupt).
/// On failure: the script's name and the error (the exception is left pending).
pub(crate) fn replay<'js>(
    ctx: &Ctx<'js>,
    image: &SnapshotImage,
    after_each: impl Fn(),
) -> Result<(), (String, rquickjs::Error)> {
    let g = ctx.globals();
    // Scripts built with a console may call it at top level: a runtime without one
    // lends them a silent stand-in while they re-run (removed afterwards).
    let stand_in = if image.console && !g.contains_key("console").map_err(console_err)? {
        let quiet = silent_console(ctx).map_err(console_err)?;
        g.set("console", quiet.clone()).map_err(console_err)?;
        Some(quiet.into_value())
    } else {
        None
    };
    let mut out = Ok(());
    for s in &image.scripts {
        // SAFETY: the bytes come from a verified image (magic, version, engine, checksum).
        let mut r = unsafe { bytecode::read(ctx, &s.bytecode) }
            .and_then(|f| bytecode::run(ctx, &f).map(drop));
        if s.threw && matches!(r, Err(rquickjs::Error::Exception)) {
            let exc = ctx.catch();
            // SAFETY: plain tag/flag inspection of a live value.
            if !unsafe { qjs::JS_IsUncatchableError(exc.as_raw()) } {
                r = Ok(());
            } else {
                let _ = ctx.throw(exc);
            }
        }
        if let Err(e) = r {
            // The exception stays pending for the caller (no microtask may clobber it).
            out = Err((s.name.clone(), e));
            break;
        }
        after_each();
    }
    if let (Some(quiet), Ok(())) = (stand_in, &out) {
        // Unless a script installed a console of its own.
        let now: JsValue = g.get("console").map_err(console_err)?;
        if now == quiet {
            g.remove("console").map_err(console_err)?;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc64_check_value() {
        // The standard check value of CRC-64/XZ.
        assert_eq!(crc64(b"123456789"), 0x995D_C9BB_DF19_39FA);
    }

    #[test]
    fn round_trip_and_damage() {
        let image = SnapshotImage {
            console: true,
            scripts: vec![Script {
                name: "a.js".into(),
                bytecode: vec![1, 2, 3],
                threw: true,
            }],
        };
        let bytes = encode(&image).unwrap();
        let back = decode(&bytes).unwrap();
        assert!(back.console);
        assert_eq!(back.scripts[0].name, "a.js");
        assert_eq!(back.scripts[0].bytecode, vec![1, 2, 3]);
        assert!(back.scripts[0].threw);
        for i in 0..bytes.len() {
            let mut b = bytes.clone();
            b[i] ^= 0x40;
            assert!(decode(&b).is_err(), "flip at {i} accepted");
        }
        for n in 0..bytes.len() {
            assert!(decode(&bytes[..n]).is_err(), "truncation at {n} accepted");
        }
    }
}
