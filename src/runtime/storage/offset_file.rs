//! The standalone worker's source-offset file, byte-compatible with Java's
//! `org.apache.kafka.connect.storage.FileOffsetBackingStore`, so that a user
//! switching from the Java worker keeps the offsets in
//! `offset.storage.file.filename`.
//!
//! Java stores the offsets as one `java.util.HashMap<byte[], byte[]>` written
//! with `ObjectOutputStream.writeObject`: keys are the schemaless JSON of
//! `["<connector>",{<partition>}]`, values the JSON of `{<offset>}`, and a
//! value is null for an offset that was deleted (a tombstone). This module
//! reads and writes exactly that Java serialization stream (Java Object
//! Serialization Specification, chapter 6), for that one object graph:
//!
//! ```text
//! AC ED 00 05                          magic, stream version 5
//! 73 72 "java.util.HashMap" suid 03    TC_OBJECT TC_CLASSDESC (handle 0x7E0000),
//!    0002 F "loadFactor" I "threshold"   SC_SERIALIZABLE|SC_WRITE_METHOD, 2 fields
//!    78 70                               no class annotation, no serializable super
//! <loadFactor f32> <threshold i32>     the map (handle 0x7E0001): default fields
//! 77 08 <capacity i32> <size i32>      writeObject's block data
//! size x (key, value)                  75 72 "[B" ... the first array (its class
//!                                        descriptor is handle 0x7E0002), 75 71
//!                                        00 7E 00 02 afterwards; 70 for null
//! 78                                   TC_ENDBLOCKDATA
//! ```
//!
//! Java's loader treats a missing file and a file that ends before its first
//! byte as an empty map; so does `load`. Anything else that is not such a
//! stream is an error naming the byte offset. Java's `save` overwrites the
//! file in place (a crash mid-write leaves a torn file, which Java then either
//! rejects or silently reads as empty); `save` here writes a sibling temp file,
//! fsyncs it and renames it over the old one, so a crash at any point leaves
//! the old file or the new one.

use std::collections::HashMap;
use std::fs::{self, File};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// The offsets as stored: serialized key -> serialized value, or `None` for a
/// deleted offset.
pub type OffsetMap = HashMap<Vec<u8>, Option<Vec<u8>>>;

/// Why the offset file could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum OffsetFileError {
    /// The file system refused an operation.
    #[error("offset file {}: cannot {op}: {source}", path.display())]
    Io {
        path: PathBuf,
        /// What was being done, e.g. "read", "rename the temp file over it".
        op: &'static str,
        source: io::Error,
    },
    /// The file ends in the middle of the stream (a torn write).
    #[error("offset file {}: truncated: the stream ends at byte {offset} while reading {what}", path.display())]
    Truncated {
        path: PathBuf,
        /// The file's length: where more bytes were expected.
        offset: usize,
        /// What was being read when the bytes ran out.
        what: String,
    },
    /// The file holds something other than a Java-serialized
    /// `HashMap<byte[], byte[]>`.
    #[error("offset file {}: not a Java-serialized HashMap<byte[], byte[]>: at byte {offset}: {reason}", path.display())]
    Corrupt {
        path: PathBuf,
        /// Where the offending bytes start.
        offset: usize,
        reason: String,
    },
    /// The map cannot be written in Java's format.
    #[error("offset file {}: cannot encode the offsets: {reason}", path.display())]
    Encode { path: PathBuf, reason: String },
}

/// Reads the offsets Java's `FileOffsetBackingStore` (or `save`) wrote to
/// `path`. A missing or empty file is an empty map, as in Java.
pub fn load(path: &Path) -> Result<OffsetMap, OffsetFileError> {
    let bytes = match fs::read(path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(OffsetMap::new()),
        Err(source) => {
            return Err(OffsetFileError::Io {
                path: path.to_owned(),
                op: "read",
                source,
            })
        }
    };
    decode(&bytes).map_err(|e| e.at(path))
}

/// Writes `map` to `path` in Java's format: to a sibling `<name>.tmp` first,
/// fsynced, then renamed over `path` (and the directory fsynced), so that a
/// crash leaves either the old file or the new one.
pub fn save(path: &Path, map: &OffsetMap) -> Result<(), OffsetFileError> {
    let io_err = |op: &'static str| {
        move |source: io::Error| OffsetFileError::Io {
            path: path.to_owned(),
            op,
            source,
        }
    };
    let bytes = encode(map).map_err(|reason| OffsetFileError::Encode {
        path: path.to_owned(),
        reason,
    })?;
    let tmp = temp_path(path).ok_or_else(|| OffsetFileError::Io {
        path: path.to_owned(),
        op: "name a temp file next to it",
        source: io::Error::new(io::ErrorKind::InvalidInput, "the path has no file name"),
    })?;
    {
        let mut file = File::create(&tmp).map_err(io_err("create the temp file"))?;
        file.write_all(&bytes)
            .map_err(io_err("write the temp file"))?;
        file.sync_all().map_err(io_err("fsync the temp file"))?;
    }
    if let Err(e) = fs::rename(&tmp, path) {
        let _ = fs::remove_file(&tmp);
        return Err(io_err("rename the temp file over it")(e));
    }
    sync_parent_dir(path).map_err(io_err("fsync its directory"))
}

/// `<dir>/<name>.tmp` for `<dir>/<name>`; `None` when the path names no file.
fn temp_path(path: &Path) -> Option<PathBuf> {
    let name = path.file_name()?;
    let mut tmp_name = name.to_os_string();
    tmp_name.push(".tmp");
    Some(path.with_file_name(tmp_name))
}

/// Makes the rename itself durable: on POSIX a rename lives in the directory.
#[cfg(unix)]
fn sync_parent_dir(path: &Path) -> io::Result<()> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    File::open(dir)?.sync_all()
}

#[cfg(not(unix))]
fn sync_parent_dir(_path: &Path) -> io::Result<()> {
    Ok(())
}

// --- the Java serialization stream --------------------------------------------

const STREAM_MAGIC: u16 = 0xACED;
const STREAM_VERSION: u16 = 5;
const TC_NULL: u8 = 0x70;
const TC_REFERENCE: u8 = 0x71;
const TC_CLASSDESC: u8 = 0x72;
const TC_OBJECT: u8 = 0x73;
const TC_STRING: u8 = 0x74;
const TC_ARRAY: u8 = 0x75;
const TC_BLOCKDATA: u8 = 0x77;
const TC_ENDBLOCKDATA: u8 = 0x78;
const TC_BLOCKDATALONG: u8 = 0x7A;
const TC_LONGSTRING: u8 = 0x7C;
const BASE_WIRE_HANDLE: u32 = 0x7E_0000;
const SC_WRITE_METHOD: u8 = 0x01;
const SC_SERIALIZABLE: u8 = 0x02;
const SC_EXTERNALIZABLE: u8 = 0x04;

const HASH_MAP_CLASS: &str = "java.util.HashMap";
/// `java.util.HashMap`'s `serialVersionUID` (362498820763181265L).
const HASH_MAP_SUID: u64 = 0x0507_DAC1_C316_60D1;
const BYTE_ARRAY_CLASS: &str = "[B";
/// The `serialVersionUID` the JVM computes for `byte[]`. Readers do not
/// check it for arrays, but writers always send this one.
const BYTE_ARRAY_SUID: u64 = 0xACF3_17F8_0608_54E0;
/// HashMap's default load factor, which `new HashMap<>()` serializes.
const DEFAULT_LOAD_FACTOR: f32 = 0.75;
/// HashMap's largest table (`MAXIMUM_CAPACITY`).
const MAXIMUM_CAPACITY: u64 = 1 << 30;
/// Superclass chains deeper than this are not a HashMap's; the bound keeps a
/// crafted file from recursing without end.
const MAX_SUPER_DEPTH: usize = 32;

/// A format error before the path is known.
#[derive(Debug, PartialEq)]
enum DecodeError {
    Truncated { offset: usize, what: String },
    Corrupt { offset: usize, reason: String },
}

impl DecodeError {
    fn at(self, path: &Path) -> OffsetFileError {
        match self {
            DecodeError::Truncated { offset, what } => OffsetFileError::Truncated {
                path: path.to_owned(),
                offset,
                what,
            },
            DecodeError::Corrupt { offset, reason } => OffsetFileError::Corrupt {
                path: path.to_owned(),
                offset,
                reason,
            },
        }
    }
}

/// A class descriptor read from the stream.
#[derive(Debug, Clone)]
struct ClassDesc {
    name: String,
    suid: u64,
    flags: u8,
    /// Type code and name of each serializable field, in stream order (which
    /// is also the order of the field values).
    fields: Vec<(u8, String)>,
    /// Whether a serializable superclass descriptor follows (`TC_NULL` if not).
    has_super: bool,
}

/// What a wire handle (0x7E0000 + n) refers to.
#[derive(Debug)]
enum Handle {
    ClassDesc(ClassDesc),
    String,
    /// The map being read: a reference to it from inside is a cycle.
    Map,
    ByteArray(Vec<u8>),
    /// A class descriptor or array still being read.
    Pending,
}

/// Cursor over the stream with its handle table.
struct Decoder<'a> {
    buf: &'a [u8],
    pos: usize,
    handles: Vec<Handle>,
    /// Bytes still allowed to be copied out of back-references: each costs
    /// 5 bytes of file but copies a whole array, so a crafted file could
    /// otherwise expand a few megabytes into terabytes.
    reference_budget: usize,
}

/// Decodes a whole file's bytes. Empty input is an empty map, as in Java.
fn decode(buf: &[u8]) -> Result<OffsetMap, DecodeError> {
    if buf.is_empty() {
        return Ok(OffsetMap::new());
    }
    let mut d = Decoder {
        buf,
        pos: 0,
        handles: Vec::new(),
        reference_budget: buf.len().saturating_mul(16).max(64 << 20),
    };
    let magic = d.u16("the stream magic")?;
    if magic != STREAM_MAGIC {
        return Err(d.corrupt_at(0, format!("stream magic is {magic:#06x}, not 0xaced")));
    }
    let version = d.u16("the stream version")?;
    if version != STREAM_VERSION {
        return Err(d.corrupt_at(2, format!("stream version is {version}, not 5")));
    }
    let map = d.hash_map()?;
    if d.pos != buf.len() {
        return Err(d.corrupt(format!(
            "{} unexpected bytes after the map",
            buf.len() - d.pos
        )));
    }
    Ok(map)
}

fn corrupt_at(offset: usize, reason: String) -> DecodeError {
    DecodeError::Corrupt { offset, reason }
}

impl Handle {
    /// What the handle is, for messages (never the bytes themselves).
    fn kind(&self) -> &'static str {
        match self {
            Handle::ClassDesc(_) => "a class descriptor",
            Handle::String => "a string",
            Handle::Map => "the map itself",
            Handle::ByteArray(_) => "a byte[]",
            Handle::Pending => "an object still being read",
        }
    }
}

impl<'a> Decoder<'a> {
    fn corrupt(&self, reason: String) -> DecodeError {
        corrupt_at(self.pos, reason)
    }

    fn corrupt_at(&self, offset: usize, reason: String) -> DecodeError {
        DecodeError::Corrupt { offset, reason }
    }

    fn take(&mut self, n: usize, what: &str) -> Result<&'a [u8], DecodeError> {
        match self.pos.checked_add(n) {
            Some(end) if end <= self.buf.len() => {
                let bytes = &self.buf[self.pos..end];
                self.pos = end;
                Ok(bytes)
            }
            _ => Err(DecodeError::Truncated {
                offset: self.buf.len(),
                what: what.to_owned(),
            }),
        }
    }

    fn array<const N: usize>(&mut self, what: &str) -> Result<[u8; N], DecodeError> {
        let mut out = [0u8; N];
        out.copy_from_slice(self.take(N, what)?);
        Ok(out)
    }

    fn u8(&mut self, what: &str) -> Result<u8, DecodeError> {
        Ok(self.array::<1>(what)?[0])
    }

    fn u16(&mut self, what: &str) -> Result<u16, DecodeError> {
        Ok(u16::from_be_bytes(self.array(what)?))
    }

    fn i32(&mut self, what: &str) -> Result<i32, DecodeError> {
        Ok(i32::from_be_bytes(self.array(what)?))
    }

    fn u64(&mut self, what: &str) -> Result<u64, DecodeError> {
        Ok(u64::from_be_bytes(self.array(what)?))
    }

    /// A `writeUTF` string: u16 length, then modified UTF-8. Only compared
    /// with ASCII names and shown in messages, so a lossy decode is enough.
    fn utf(&mut self, what: &str) -> Result<String, DecodeError> {
        let len = self.u16(what)?;
        let bytes = self.take(usize::from(len), what)?;
        Ok(String::from_utf8_lossy(bytes).into_owned())
    }

    /// Resolves a `TC_REFERENCE`'s handle (the tag already read).
    fn reference(&mut self) -> Result<&Handle, DecodeError> {
        let index = self.reference_index()?;
        Ok(&self.handles[index])
    }

    /// The handle table index a `TC_REFERENCE` (tag already read) names.
    fn reference_index(&mut self) -> Result<usize, DecodeError> {
        let start = self.pos;
        let raw = self.i32("a back-reference handle")? as u32;
        let index = raw.wrapping_sub(BASE_WIRE_HANDLE) as usize;
        if raw < BASE_WIRE_HANDLE || index >= self.handles.len() {
            return Err(corrupt_at(
                start,
                format!(
                    "back-reference to handle {raw:#x}, but only {} handles were assigned",
                    self.handles.len()
                ),
            ));
        }
        Ok(index)
    }

    /// A class descriptor: `TC_CLASSDESC ...`, `TC_REFERENCE` to one, or
    /// `TC_NULL` (`None`).
    fn class_desc(&mut self, depth: usize) -> Result<Option<ClassDesc>, DecodeError> {
        let start = self.pos;
        match self.u8("a class descriptor")? {
            TC_NULL => Ok(None),
            TC_REFERENCE => match self.reference()? {
                Handle::ClassDesc(desc) => Ok(Some(desc.clone())),
                other => Err(corrupt_at(
                    start,
                    format!(
                        "expected a class descriptor, found a back-reference to {}",
                        other.kind()
                    ),
                )),
            },
            TC_CLASSDESC => self.new_class_desc(depth).map(Some),
            tag => Err(corrupt_at(
                start,
                format!("expected a class descriptor, found tag {tag:#04x}"),
            )),
        }
    }

    /// The body of a `TC_CLASSDESC` (the tag already read).
    fn new_class_desc(&mut self, depth: usize) -> Result<ClassDesc, DecodeError> {
        if depth > MAX_SUPER_DEPTH {
            return Err(self.corrupt(format!(
                "class descriptors nest deeper than {MAX_SUPER_DEPTH}"
            )));
        }
        let name = self.utf("a class name")?;
        let suid = self.u64("a serialVersionUID")?;
        // The handle is assigned before the rest of the descriptor is read:
        // field type strings and the superclass get the handles after it.
        let handle = self.handles.len();
        self.handles.push(Handle::Pending);
        let flags = self.u8("class descriptor flags")?;
        let count_at = self.pos;
        let count = self.u16("a field count")? as i16;
        if count < 0 {
            return Err(corrupt_at(
                count_at,
                format!("negative field count {count}"),
            ));
        }
        let mut fields = Vec::new();
        for _ in 0..count {
            let code_at = self.pos;
            let code = self.u8("a field type code")?;
            let field = self.utf("a field name")?;
            match code {
                b'B' | b'C' | b'D' | b'F' | b'I' | b'J' | b'S' | b'Z' => {}
                b'L' | b'[' => self.string_object()?,
                _ => {
                    return Err(corrupt_at(
                        code_at,
                        format!("field {field} has an unknown type code {code:#04x}"),
                    ))
                }
            }
            fields.push((code, field));
        }
        self.skip_annotation("a class annotation")?;
        let has_super = match self.class_desc(depth + 1)? {
            None => false,
            Some(_) if name == HASH_MAP_CLASS || name == BYTE_ARRAY_CLASS => {
                return Err(self.corrupt(format!(
                    "class {name} is declared with a serializable superclass"
                )))
            }
            Some(_) => true,
        };
        let desc = ClassDesc {
            name,
            suid,
            flags,
            fields,
            has_super,
        };
        self.handles[handle] = Handle::ClassDesc(desc.clone());
        Ok(desc)
    }

    /// A field's type name: `TC_STRING`, `TC_LONGSTRING` or a reference to one.
    fn string_object(&mut self) -> Result<(), DecodeError> {
        let start = self.pos;
        match self.u8("a field type name")? {
            TC_STRING => {
                let len = self.u16("a string")?;
                self.take(usize::from(len), "a string")?;
            }
            TC_LONGSTRING => {
                let len_at = self.pos;
                let len = self.u64("a long string")?;
                let len = usize::try_from(len)
                    .map_err(|_| corrupt_at(len_at, format!("string length {len} is too large")))?;
                self.take(len, "a long string")?;
            }
            TC_REFERENCE => {
                return match self.reference()? {
                    Handle::String => Ok(()),
                    other => Err(corrupt_at(
                        start,
                        format!(
                            "expected a string, found a back-reference to {}",
                            other.kind()
                        ),
                    )),
                }
            }
            tag => {
                return Err(corrupt_at(
                    start,
                    format!("expected a field type name string, found tag {tag:#04x}"),
                ))
            }
        }
        self.handles.push(Handle::String);
        Ok(())
    }

    /// One chunk of block data (`TC_BLOCKDATA` or `TC_BLOCKDATALONG`, tag
    /// already read): its bytes.
    fn block_chunk(&mut self, tag: u8) -> Result<&'a [u8], DecodeError> {
        let len_at = self.pos;
        let len = if tag == TC_BLOCKDATA {
            usize::from(self.u8("a block data length")?)
        } else {
            let len = self.i32("a block data length")?;
            usize::try_from(len)
                .map_err(|_| corrupt_at(len_at, format!("negative block data length {len}")))?
        };
        self.take(len, "block data")
    }

    /// Skips block data up to and including `TC_ENDBLOCKDATA`. Objects in
    /// an annotation are not part of this format.
    fn skip_annotation(&mut self, what: &str) -> Result<(), DecodeError> {
        loop {
            let start = self.pos;
            match self.u8(what)? {
                TC_ENDBLOCKDATA => return Ok(()),
                tag @ (TC_BLOCKDATA | TC_BLOCKDATALONG) => {
                    self.block_chunk(tag)?;
                }
                tag => {
                    return Err(corrupt_at(
                        start,
                        format!("unsupported object (tag {tag:#04x}) in {what}"),
                    ))
                }
            }
        }
    }

    /// Reads `N` bytes of block data, which may span several chunks; the
    /// last chunk must end with them (Java cannot read an object while
    /// block data is pending).
    fn block_data<const N: usize>(&mut self, what: &str) -> Result<[u8; N], DecodeError> {
        let mut out = [0u8; N];
        let mut filled = 0;
        while filled < N {
            let start = self.pos;
            let tag = self.u8(what)?;
            if tag != TC_BLOCKDATA && tag != TC_BLOCKDATALONG {
                return Err(corrupt_at(
                    start,
                    format!("expected block data holding {what}, found tag {tag:#04x}"),
                ));
            }
            let chunk = self.block_chunk(tag)?;
            let n = chunk.len().min(N - filled);
            out[filled..filled + n].copy_from_slice(&chunk[..n]);
            filled += n;
            if chunk.len() > n {
                return Err(corrupt_at(
                    start,
                    format!(
                        "block data holding {what} has {} bytes more than HashMap writes",
                        chunk.len() - n
                    ),
                ));
            }
        }
        Ok(out)
    }

    /// The top-level `java.util.HashMap` object.
    fn hash_map(&mut self) -> Result<OffsetMap, DecodeError> {
        let start = self.pos;
        let tag = self.u8("the map object")?;
        if tag != TC_OBJECT {
            return Err(corrupt_at(
                start,
                format!("expected a java.util.HashMap object (tag 0x73), found tag {tag:#04x}"),
            ));
        }
        let desc_at = self.pos;
        let desc = self
            .class_desc(0)?
            .ok_or_else(|| corrupt_at(desc_at, "the map object has no class".to_owned()))?;
        if desc.name != HASH_MAP_CLASS {
            return Err(corrupt_at(
                desc_at,
                format!("expected a java.util.HashMap, found a {}", desc.name),
            ));
        }
        if desc.suid != HASH_MAP_SUID {
            return Err(corrupt_at(
                desc_at,
                format!(
                    "java.util.HashMap with serialVersionUID {:#x}, not {HASH_MAP_SUID:#x}",
                    desc.suid
                ),
            ));
        }
        let wanted = SC_SERIALIZABLE | SC_WRITE_METHOD;
        if desc.flags & (wanted | SC_EXTERNALIZABLE) != wanted || desc.has_super {
            return Err(corrupt_at(
                desc_at,
                format!(
                    "java.util.HashMap with class flags {:#04x}, not a serializable class with a writeObject method",
                    desc.flags
                ),
            ));
        }
        self.handles.push(Handle::Map);

        // The default fields (loadFactor, threshold): checked as Java's
        // HashMap.readObject does, by name.
        let mut load_factor = None;
        for (code, name) in &desc.fields {
            let value_at = self.pos;
            let what = format!("the field {name}");
            match code {
                b'B' | b'Z' => {
                    self.take(1, &what)?;
                }
                b'C' | b'S' => {
                    self.take(2, &what)?;
                }
                b'I' => {
                    self.take(4, &what)?;
                }
                b'F' => {
                    let value = f32::from_be_bytes(self.array(&what)?);
                    if name == "loadFactor" {
                        load_factor = Some((value, value_at));
                    }
                }
                b'D' | b'J' => {
                    self.take(8, &what)?;
                }
                _ => {
                    return Err(corrupt_at(
                        value_at,
                        format!("java.util.HashMap with an object field {name}"),
                    ))
                }
            }
        }
        match load_factor {
            Some((value, _)) if value > 0.0 => {}
            Some((value, at)) => {
                return Err(corrupt_at(at, format!("illegal load factor {value}")))
            }
            None => {
                return Err(corrupt_at(
                    desc_at,
                    "java.util.HashMap without a loadFactor field".to_owned(),
                ))
            }
        }

        // writeObject's ints: the table capacity (ignored by Java's reader
        // too) and the number of mappings.
        let ints_at = self.pos;
        let ints = self.block_data::<8>("the map's capacity and size")?;
        let size = i32::from_be_bytes([ints[4], ints[5], ints[6], ints[7]]);
        let size = usize::try_from(size)
            .map_err(|_| corrupt_at(ints_at, format!("illegal mapping count {size}")))?;
        let mut map = OffsetMap::new();
        for _ in 0..size {
            let key_at = self.pos;
            let key = self
                .byte_array("a key")?
                .ok_or_else(|| corrupt_at(key_at, "a null key".to_owned()))?;
            let value = self.byte_array("a value")?;
            // HashMap<byte[], ...> compares keys by identity, so Java may hold
            // equal keys twice; its loader keeps the last, and so does this.
            map.insert(key, value);
        }
        // Java skips whatever custom data follows the entries.
        self.skip_annotation("the end of the map")?;
        Ok(map)
    }

    /// A `byte[]` object, a back-reference to one, or null.
    fn byte_array(&mut self, what: &str) -> Result<Option<Vec<u8>>, DecodeError> {
        let start = self.pos;
        match self.u8(what)? {
            TC_NULL => Ok(None),
            TC_REFERENCE => {
                let index = self.reference_index()?;
                let bytes = match &self.handles[index] {
                    Handle::ByteArray(bytes) => bytes,
                    other => {
                        return Err(corrupt_at(
                            start,
                            format!(
                                "expected {what} (a byte[]), found a back-reference to {}",
                                other.kind()
                            ),
                        ))
                    }
                };
                if bytes.len() > self.reference_budget {
                    return Err(corrupt_at(
                        start,
                        "back-references to byte arrays copy more than 16 times the file's size"
                            .to_owned(),
                    ));
                }
                let bytes = bytes.clone();
                self.reference_budget -= bytes.len();
                Ok(Some(bytes))
            }
            TC_ARRAY => {
                let desc_at = self.pos;
                match self.class_desc(0)? {
                    Some(desc) if desc.name == BYTE_ARRAY_CLASS => {}
                    Some(desc) => {
                        return Err(corrupt_at(
                            desc_at,
                            format!("expected {what} of class [B (byte[]), found {}", desc.name),
                        ))
                    }
                    None => {
                        return Err(corrupt_at(
                            desc_at,
                            format!("{what} is an array without a class"),
                        ))
                    }
                }
                let handle = self.handles.len();
                self.handles.push(Handle::Pending);
                let len_at = self.pos;
                let len = self.i32("an array length")?;
                let len = usize::try_from(len)
                    .map_err(|_| corrupt_at(len_at, format!("negative array length {len}")))?;
                let bytes = self.take(len, what)?.to_vec();
                self.handles[handle] = Handle::ByteArray(bytes.clone());
                Ok(Some(bytes))
            }
            tag => Err(corrupt_at(
                start,
                format!("expected {what} (a byte[] or null), found tag {tag:#04x}"),
            )),
        }
    }
}

/// Encodes `map` as Java's `ObjectOutputStream.writeObject` does for a
/// `new HashMap<byte[], byte[]>()` holding the same entries. Entries go in
/// key order (Java's order follows identity hash codes, so any order reads
/// back the same); the result is deterministic.
fn encode(map: &OffsetMap) -> Result<Vec<u8>, String> {
    let mut entries: Vec<(&Vec<u8>, &Option<Vec<u8>>)> = map.iter().collect();
    entries.sort_unstable_by(|a, b| a.0.cmp(b.0));
    let size = i32::try_from(entries.len())
        .map_err(|_| format!("{} entries are more than a HashMap holds", entries.len()))?;

    let mut out = Vec::with_capacity(
        80 + map
            .iter()
            .map(|(k, v)| 16 + k.len() + v.as_ref().map_or(0, Vec::len))
            .sum::<usize>(),
    );
    out.extend_from_slice(&STREAM_MAGIC.to_be_bytes());
    out.extend_from_slice(&STREAM_VERSION.to_be_bytes());
    out.extend_from_slice(&[TC_OBJECT, TC_CLASSDESC]);
    put_utf(&mut out, HASH_MAP_CLASS);
    out.extend_from_slice(&HASH_MAP_SUID.to_be_bytes());
    out.push(SC_SERIALIZABLE | SC_WRITE_METHOD);
    out.extend_from_slice(&2u16.to_be_bytes());
    out.push(b'F');
    put_utf(&mut out, "loadFactor");
    out.push(b'I');
    put_utf(&mut out, "threshold");
    out.extend_from_slice(&[TC_ENDBLOCKDATA, TC_NULL]);
    // Handles: 0x7E0000 the HashMap descriptor, 0x7E0001 the map, then the
    // byte[] descriptor, then one per array.
    let (capacity, threshold) = table_size(entries.len());
    out.extend_from_slice(&DEFAULT_LOAD_FACTOR.to_be_bytes());
    out.extend_from_slice(&threshold.to_be_bytes());
    out.extend_from_slice(&[TC_BLOCKDATA, 8]);
    out.extend_from_slice(&capacity.to_be_bytes());
    out.extend_from_slice(&size.to_be_bytes());

    let mut array_desc_written = false;
    for (key, value) in entries {
        put_byte_array(&mut out, key, &mut array_desc_written)?;
        match value {
            Some(value) => put_byte_array(&mut out, value, &mut array_desc_written)?,
            None => out.push(TC_NULL),
        }
    }
    out.push(TC_ENDBLOCKDATA);
    Ok(out)
}

/// The `(capacity, threshold)` a `new HashMap<>()` has after `n` puts:
/// a 16-slot table allocated on the first put, doubled whenever the size
/// passes three quarters of it. An empty map has no table: capacity 16 is
/// what `writeObject` reports, and the threshold field is 0.
fn table_size(n: usize) -> (i32, i32) {
    if n == 0 {
        return (16, 0);
    }
    let n = n as u64;
    let mut capacity: u64 = 16;
    while n > capacity * 3 / 4 && capacity < MAXIMUM_CAPACITY {
        capacity *= 2;
    }
    let threshold = if capacity >= MAXIMUM_CAPACITY {
        i32::MAX
    } else {
        (capacity * 3 / 4) as i32
    };
    (capacity as i32, threshold)
}

fn put_utf(out: &mut Vec<u8>, ascii: &str) {
    out.extend_from_slice(&(ascii.len() as u16).to_be_bytes());
    out.extend_from_slice(ascii.as_bytes());
}

fn put_byte_array(out: &mut Vec<u8>, bytes: &[u8], desc_written: &mut bool) -> Result<(), String> {
    let len = i32::try_from(bytes.len())
        .map_err(|_| format!("a {}-byte array is longer than Java allows", bytes.len()))?;
    out.push(TC_ARRAY);
    if *desc_written {
        out.push(TC_REFERENCE);
        out.extend_from_slice(&(BASE_WIRE_HANDLE + 2).to_be_bytes());
    } else {
        out.push(TC_CLASSDESC);
        put_utf(out, BYTE_ARRAY_CLASS);
        out.extend_from_slice(&BYTE_ARRAY_SUID.to_be_bytes());
        out.push(SC_SERIALIZABLE);
        out.extend_from_slice(&0u16.to_be_bytes());
        out.extend_from_slice(&[TC_ENDBLOCKDATA, TC_NULL]);
        *desc_written = true;
    }
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(bytes);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// What Java 17's `ObjectOutputStream` writes for `new HashMap<>()`.
    const JAVA_EMPTY: &[u8] = &[
        0xac, 0xed, 0x00, 0x05, 0x73, 0x72, 0x00, 0x11, 0x6a, 0x61, 0x76, 0x61, 0x2e, 0x75, 0x74,
        0x69, 0x6c, 0x2e, 0x48, 0x61, 0x73, 0x68, 0x4d, 0x61, 0x70, 0x05, 0x07, 0xda, 0xc1, 0xc3,
        0x16, 0x60, 0xd1, 0x03, 0x00, 0x02, 0x46, 0x00, 0x0a, 0x6c, 0x6f, 0x61, 0x64, 0x46, 0x61,
        0x63, 0x74, 0x6f, 0x72, 0x49, 0x00, 0x09, 0x74, 0x68, 0x72, 0x65, 0x73, 0x68, 0x6f, 0x6c,
        0x64, 0x78, 0x70, 0x3f, 0x40, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x77, 0x08, 0x00, 0x00,
        0x00, 0x10, 0x00, 0x00, 0x00, 0x00, 0x78,
    ];

    /// The same header up to the field values.
    fn java_header() -> Vec<u8> {
        JAVA_EMPTY[..63].to_vec()
    }

    /// What Java 17 writes for a map of "k1" -> "v1", "k2" -> null and
    /// byte[0] -> byte[0] (entries in Java's identity-hash order).
    fn java_three() -> Vec<u8> {
        let mut b = java_header();
        b.extend_from_slice(&[
            0x3f, 0x40, 0, 0, 0, 0, 0, 0x0c, 0x77, 8, 0, 0, 0, 0x10, 0, 0, 0, 3,
        ]);
        b.extend_from_slice(&[
            0x75, 0x72, 0x00, 0x02, 0x5b, 0x42, 0xac, 0xf3, 0x17, 0xf8, 0x06, 0x08, 0x54, 0xe0,
            0x02, 0x00, 0x00, 0x78, 0x70, 0x00, 0x00, 0x00, 0x02, 0x6b, 0x32, 0x70, 0x75, 0x71,
            0x00, 0x7e, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x75, 0x71, 0x00, 0x7e, 0x00, 0x02,
            0x00, 0x00, 0x00, 0x00, 0x75, 0x71, 0x00, 0x7e, 0x00, 0x02, 0x00, 0x00, 0x00, 0x02,
            0x6b, 0x31, 0x75, 0x71, 0x00, 0x7e, 0x00, 0x02, 0x00, 0x00, 0x00, 0x02, 0x76, 0x31,
            0x78,
        ]);
        b
    }

    fn three_map() -> OffsetMap {
        OffsetMap::from([
            (b"k1".to_vec(), Some(b"v1".to_vec())),
            (b"k2".to_vec(), None),
            (Vec::new(), Some(Vec::new())),
        ])
    }

    #[test]
    fn reads_what_java_writes() {
        assert_eq!(decode(JAVA_EMPTY), Ok(OffsetMap::new()));
        assert_eq!(decode(&java_three()), Ok(three_map()));
    }

    #[test]
    fn writes_what_java_writes() {
        assert_eq!(encode(&OffsetMap::new()).as_deref(), Ok(JAVA_EMPTY));
        // One entry: Java's bytes do not depend on hash order.
        let map = OffsetMap::from([(b"k2".to_vec(), None)]);
        let mut java = java_header();
        java.extend_from_slice(&[
            0x3f, 0x40, 0, 0, 0, 0, 0, 0x0c, 0x77, 8, 0, 0, 0, 0x10, 0, 0, 0, 1,
        ]);
        java.extend_from_slice(&java_three()[81..107]);
        java.push(TC_ENDBLOCKDATA);
        assert_eq!(encode(&map), Ok(java));
    }

    #[test]
    fn table_size_follows_hash_map_growth() {
        assert_eq!(table_size(0), (16, 0));
        assert_eq!(table_size(1), (16, 12));
        assert_eq!(table_size(12), (16, 12));
        assert_eq!(table_size(13), (32, 24));
        assert_eq!(table_size(24), (32, 24));
        assert_eq!(table_size(25), (64, 48));
    }

    #[test]
    fn empty_input_is_an_empty_map() {
        assert_eq!(decode(&[]), Ok(OffsetMap::new()));
    }

    #[test]
    fn every_truncation_is_an_error() {
        let full = java_three();
        for len in 1..full.len() {
            match decode(&full[..len]) {
                Err(DecodeError::Truncated { offset, .. }) => assert_eq!(offset, len),
                other => panic!("prefix of {len} bytes: {other:?}"),
            }
        }
    }

    #[test]
    fn garbage_is_an_error_naming_the_offset() {
        let corrupt_at = |bytes: &[u8]| match decode(bytes) {
            Err(DecodeError::Corrupt { offset, reason }) => (offset, reason),
            other => panic!("{other:?}"),
        };
        assert_eq!(corrupt_at(b"hello world").0, 0);
        assert_eq!(corrupt_at(&[0xac, 0xed, 0, 4, 0x73]).0, 2);

        let mut trailing = java_three();
        trailing.push(0);
        assert_eq!(corrupt_at(&trailing).0, java_three().len());

        // Another class in place of the map.
        let mut other_class = JAVA_EMPTY.to_vec();
        other_class[20] = b'X';
        let (offset, reason) = corrupt_at(&other_class);
        assert_eq!(offset, 5);
        assert!(reason.contains("java.util.HaXhMap"), "{reason}");

        // A wrong serialVersionUID.
        let mut suid = JAVA_EMPTY.to_vec();
        suid[30] ^= 1;
        assert!(corrupt_at(&suid).1.contains("serialVersionUID"));

        // A back-reference to a handle that does not exist.
        let mut dangling = java_three();
        dangling[112] = 0x09;
        let (offset, reason) = corrupt_at(&dangling);
        assert_eq!(offset, 109);
        assert!(reason.contains("0x7e0009"), "{reason}");

        // A null key.
        let mut null_key = java_header();
        null_key.extend_from_slice(&[
            0x3f, 0x40, 0, 0, 0, 0, 0, 0x0c, 0x77, 8, 0, 0, 0, 0x10, 0, 0, 0, 1,
        ]);
        null_key.extend_from_slice(&[TC_NULL, TC_NULL, TC_ENDBLOCKDATA]);
        assert!(corrupt_at(&null_key).1.contains("null key"));

        // A negative size and a zero load factor.
        let mut negative = JAVA_EMPTY.to_vec();
        negative[77] = 0xff;
        assert!(corrupt_at(&negative).1.contains("mapping count"));
        let mut zero_lf = JAVA_EMPTY.to_vec();
        zero_lf[63] = 0;
        zero_lf[64] = 0;
        assert_eq!(corrupt_at(&zero_lf).0, 63);
    }

    #[test]
    fn reads_other_legal_shapes() {
        // Fields in another order, block data split across a short and a
        // long chunk, a new [B descriptor for a later array, an array shared
        // by a key and a value, and trailing block data after the entries.
        let mut b = vec![0xac, 0xed, 0, 5, TC_OBJECT, TC_CLASSDESC];
        put_utf(&mut b, HASH_MAP_CLASS);
        b.extend_from_slice(&HASH_MAP_SUID.to_be_bytes());
        b.extend_from_slice(&[0x03, 0, 2, b'I']);
        put_utf(&mut b, "threshold");
        b.push(b'F');
        put_utf(&mut b, "loadFactor");
        b.extend_from_slice(&[TC_BLOCKDATA, 1, 0xee, TC_ENDBLOCKDATA, TC_NULL]);
        b.extend_from_slice(&[0, 0, 0, 12, 0x3f, 0x40, 0, 0]);
        b.extend_from_slice(&[TC_BLOCKDATA, 3, 0, 0, 0]);
        b.extend_from_slice(&[TC_BLOCKDATALONG, 0, 0, 0, 5, 16, 0, 0, 0, 2]);
        let mut flag = false;
        put_byte_array(&mut b, b"a", &mut flag).unwrap();
        b.extend_from_slice(&[TC_REFERENCE, 0, 0x7e, 0, 3]); // the same array
        flag = false;
        put_byte_array(&mut b, "é".as_bytes(), &mut flag).unwrap();
        b.push(TC_NULL);
        b.extend_from_slice(&[TC_BLOCKDATA, 2, 9, 9, TC_ENDBLOCKDATA]);
        let expected = OffsetMap::from([
            (b"a".to_vec(), Some(b"a".to_vec())),
            ("é".as_bytes().to_vec(), None),
        ]);
        assert_eq!(decode(&b), Ok(expected));
    }

    #[test]
    fn back_references_cannot_expand_without_bound() {
        // One 1 MiB array, then values that all refer back to it: more than
        // 64 MiB of copies is refused.
        let entries = 80u8;
        let mut b = java_header();
        b.extend_from_slice(&[0x3f, 0x40, 0, 0, 0, 0, 0, 0x0c, 0x77, 8, 0, 0, 0, 0x10]);
        b.extend_from_slice(&(i32::from(entries) + 1).to_be_bytes());
        let mut desc = false;
        put_byte_array(&mut b, b"big", &mut desc).unwrap();
        put_byte_array(&mut b, &vec![7; 1 << 20], &mut desc).unwrap();
        for i in 0..entries {
            put_byte_array(&mut b, &[i], &mut desc).unwrap();
            b.extend_from_slice(&[TC_REFERENCE, 0, 0x7e, 0, 4]);
        }
        b.push(TC_ENDBLOCKDATA);
        match decode(&b) {
            Err(DecodeError::Corrupt { reason, .. }) => {
                assert!(reason.contains("back-references"), "{reason}")
            }
            other => panic!("{:?}", other.map(|m| m.len())),
        }
    }

    #[test]
    fn load_and_save_files() {
        let dir = std::env::temp_dir().join(format!(
            "kconnect-offset-file-{:016x}",
            rand::random::<u64>()
        ));
        fs::create_dir_all(&dir).unwrap();
        let path = dir.join("connect.offsets");
        assert_eq!(load(&path).unwrap(), OffsetMap::new());
        fs::write(&path, b"").unwrap();
        assert_eq!(load(&path).unwrap(), OffsetMap::new());

        save(&path, &three_map()).unwrap();
        assert_eq!(load(&path).unwrap(), three_map());
        assert!(!dir.join("connect.offsets.tmp").exists());
        save(&path, &OffsetMap::new()).unwrap();
        assert_eq!(fs::read(&path).unwrap(), JAVA_EMPTY);

        fs::write(&path, &java_three()[..50]).unwrap();
        let err = load(&path).unwrap_err();
        assert!(
            matches!(err, OffsetFileError::Truncated { offset: 50, .. }),
            "{err}"
        );
        assert!(err.to_string().contains("connect.offsets"), "{err}");

        let err = save(&dir.join("missing").join("x"), &three_map()).unwrap_err();
        assert!(matches!(err, OffsetFileError::Io { .. }), "{err}");
        fs::remove_dir_all(&dir).unwrap();
    }

    fn offset_map() -> impl Strategy<Value = OffsetMap> {
        proptest::collection::hash_map(
            proptest::collection::vec(any::<u8>(), 0..40),
            proptest::option::of(proptest::collection::vec(any::<u8>(), 0..40)),
            0..40,
        )
    }

    proptest! {
        #[test]
        fn round_trip(map in offset_map()) {
            let bytes = encode(&map).unwrap();
            prop_assert_eq!(decode(&bytes), Ok(map));
        }

        #[test]
        fn mangled_input_never_panics(
            map in offset_map(),
            edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..4),
            cut in any::<prop::sample::Index>(),
        ) {
            let mut bytes = encode(&map).unwrap();
            for (at, byte) in edits {
                let i = at.index(bytes.len());
                bytes[i] = byte;
            }
            let _ = decode(&bytes);
            let _ = decode(&bytes[..cut.index(bytes.len())]);
        }

        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
            let mut with_header = vec![0xac, 0xed, 0, 5];
            with_header.extend_from_slice(&bytes);
            let _ = decode(&bytes);
            let _ = decode(&with_header);
        }
    }
}
