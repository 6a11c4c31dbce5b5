//! Storing one received file: the bytes the connection delivers are streamed into the
//! vault's staging (sealed there when the vault is encrypted), hashed once on the way,
//! checked against what the phone declared, and only then sealed as an item with its
//! capture record. Anything short of that deletes the staged copy: nothing half-stored.

use std::io::{self, Read};
use std::path::Path;

use bytes_channel::ChunkReader;
use safekeep_core::item::{Context, ItemKind};
use safekeep_core::vault::{
    CHAT_DETECT_MAX, CapturedItem, ChatFormat, Vault, conversation_format_of, is_picture_or_video,
    sniff_media_type,
};
use serde_json::json;

use super::SOURCE;
use super::protocol::{DeviceInfo, FileOffer};

/// How much of the start of a file is kept in memory to name its media type.
const HEAD: usize = 8192;

/// Who sent a file and how, for its capture record.
#[derive(Debug, Clone)]
pub(super) struct Sender {
    pub info: DeviceInfo,
    pub certificate: Option<String>,
    pub address: std::net::IpAddr,
}

/// What became of one file.
#[derive(Debug)]
pub(super) enum Stored {
    /// Sealed as this item, of this media type.
    Kept(String, String),
    /// Refused: nothing kept. The reason is said to the person and the phone.
    Refused(Refusal),
}

/// Why a file was refused.
#[derive(Debug, thiserror::Error)]
pub(super) enum Refusal {
    #[error("it did not arrive whole ({0}); nothing of it was kept")]
    CutOff(String),
    #[error("it arrived with {got} bytes where the phone announced {declared}; nothing of it was kept")]
    WrongSize { declared: u64, got: u64 },
    #[error(
        "its SHA-256 ({computed}) is not the one the phone declared ({declared}): it changed on the way or the phone is wrong; nothing of it was kept"
    )]
    WrongHash { declared: String, computed: String },
    #[error("this case keeps no pictures or videos, and this file is one ({0}); nothing of it was kept")]
    NoImages(String),
    #[error(
        "this case keeps no pictures or videos, and a zip can hold them where Safekeep cannot look before keeping it; nothing of it was kept. To keep a chat, export it again choosing \"Without media\" and send that"
    )]
    NoImagesZip,
    #[error("the vault is locked; nothing was kept")]
    Locked,
    #[error("it could not be stored: {0}")]
    Vault(String),
}

/// Streams `chunks` into `vault` as the file `offer` from `sender`, for `case_id`.
/// `progress` gets the bytes staged so far.
pub(super) fn receive_file(
    vault: &mut Vault,
    case_id: &str,
    receiver_fingerprint: &str,
    sender: &Sender,
    offer: &FileOffer,
    chunks: &mut ChunkReader,
    progress: &mut dyn FnMut(u64),
) -> Stored {
    let started = vault.clock().now();
    let name = bundle_name(&offer.file_name);
    let staged = match vault.stage_stream(chunks, "received", &name, "application/octet-stream", progress) {
        Ok(s) => s,
        Err(e) => {
            return Stored::Refused(match chunks.failure() {
                Some(why) => Refusal::CutOff(why),
                None => Refusal::Vault(e.to_string()),
            });
        }
    };
    let computed = hex::encode(staged.sha256());
    if staged.size() != offer.size {
        let got = staged.size();
        vault.discard_stream(staged);
        return Stored::Refused(Refusal::WrongSize {
            declared: offer.size,
            got,
        });
    }
    if let Some(declared) = &offer.sha256
        && *declared != computed
    {
        vault.discard_stream(staged);
        return Stored::Refused(Refusal::WrongHash {
            declared: declared.clone(),
            computed,
        });
    }
    let media_type = sniff_media_type(chunks.head(), Path::new(&name));
    match vault.is_no_images_case(case_id) {
        Ok(true) if is_picture_or_video(&media_type) => {
            vault.discard_stream(staged);
            return Stored::Refused(Refusal::NoImages(media_type));
        }
        Ok(true) if media_type == ZIP => {
            vault.discard_stream(staged);
            return Stored::Refused(Refusal::NoImagesZip);
        }
        Ok(_) => {}
        Err(e) => {
            vault.discard_stream(staged);
            return Stored::Refused(Refusal::Vault(e.to_string()));
        }
    }
    let mut staged = staged;
    staged.media_type = media_type.clone();
    let finished = vault.clock().now();
    let dates = offer.metadata.clone().unwrap_or_default();
    let machine = json!({
        "source": SOURCE,
        "method": "LocalSend protocol v2 over HTTPS on the local network; the file was hashed once as it was written to the vault and compared with the SHA-256 the phone declared",
        "sender": {
            "alias": sender.info.alias,
            "device_model": sender.info.device_model,
            "device_type": sender.info.device_type,
            "certificate_sha256": sender.certificate,
            "announced_fingerprint": sender.info.fingerprint,
            "address": sender.address.to_string(),
        },
        "receiver_certificate_sha256": receiver_fingerprint,
        "file": {
            "name": offer.file_name,
            "size": offer.size,
            "declared_type": offer.file_type,
            "modified": dates.modified,
            "accessed": dates.accessed,
        },
        "sha256_declared": offer.sha256,
        "sha256_computed": computed,
        "media_type": media_type,
        "receiving_started": started.to_rfc3339(),
        "receiving_finished": finished.to_rfc3339(),
    });
    let capture = CapturedItem {
        kind: ItemKind::File,
        title: title_of(&offer.file_name),
        started,
        files: Vec::new(),
        machine,
        context: Context::default(),
    };
    match vault.add_capture_streamed(case_id, capture, vec![staged]) {
        Ok(record) => Stored::Kept(record.id, media_type),
        Err(e) => Stored::Refused(Refusal::Vault(e.to_string())),
    }
}

const ZIP: &str = "application/zip";

/// The platform whose chat export item `item_id` (just kept, of `media_type`) is, when
/// Safekeep recognises one from its files alone. Only a zip or a chat's text can be, and
/// only up to [`CHAT_DETECT_MAX`]: the file is read back from the vault (checked against
/// its hash) while `vault` holds the lock, and looked into after it is released, so a
/// hostile zip keeps neither the app nor its auto-lock waiting.
pub(super) fn chat_export(
    vault: &dyn super::VaultAccess,
    item_id: &str,
    file_name: &str,
    media_type: &str,
    size: u64,
) -> Option<ChatFormat> {
    if !(media_type == ZIP || media_type.starts_with("text/")) || size > CHAT_DETECT_MAX {
        return None;
    }
    let mut bytes = None;
    vault.with_vault(&mut |v| bytes = v.artifact_bytes(item_id, 0, CHAT_DETECT_MAX).ok().map(|(_, b)| b));
    conversation_format_of(&bundle_name(file_name), bytes?)
}

/// A name for bundles from the phone's: its last part only, with no separators or
/// control characters, never starting with a dot. The phone's exact name stays in the
/// capture record.
pub(super) fn bundle_name(given: &str) -> String {
    let last = given.rsplit(['/', '\\']).next().unwrap_or(given);
    let clean: String = last
        .chars()
        .map(|c| {
            if c.is_control() || is_format(c) || matches!(c, ':' | '*' | '?' | '"' | '<' | '>' | '|') {
                '_'
            } else {
                c
            }
        })
        .collect();
    let clean = clean.trim_start_matches('.').trim();
    if clean.is_empty() {
        "received-file".to_owned()
    } else {
        clean.to_owned()
    }
}

/// Invisible formatting characters (bidirectional overrides and isolates, zero-width
/// ones) that make a name read differently from what it is (`invoice\u{202e}gpj.exe`).
fn is_format(c: char) -> bool {
    matches!(c, '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2060}'..='\u{2069}' | '\u{feff}' | '\u{061c}')
}

fn title_of(name: &str) -> String {
    let clean: String = name
        .chars()
        .filter(|c| !c.is_control() && !is_format(*c))
        .collect();
    let t = clean.trim();
    if t.chars().count() <= 80 {
        t.to_owned()
    } else {
        format!("{}…", t.chars().take(79).collect::<String>())
    }
}

/// The pipe between the connection (async) and the vault (blocking).
pub(super) mod bytes_channel {
    use super::*;

    /// What the connection passes on.
    #[derive(Debug)]
    pub enum Chunk {
        /// More bytes.
        Data(Vec<u8>),
        /// The body ended where the phone said it would.
        End,
        /// The body failed: cut off, too long, stalled, or cancelled.
        Fail(String),
    }

    /// Reads chunks as a file; a channel closed without [`Chunk::End`] is an error, so
    /// a receiver stopped mid-file never seals a truncated one.
    pub struct ChunkReader {
        rx: tokio::sync::mpsc::Receiver<Chunk>,
        current: Vec<u8>,
        at: usize,
        head: Vec<u8>,
        failed: Option<String>,
        ended: bool,
    }

    impl ChunkReader {
        /// Reads from `rx`.
        pub fn new(rx: tokio::sync::mpsc::Receiver<Chunk>) -> Self {
            Self {
                rx,
                current: Vec::new(),
                at: 0,
                head: Vec::with_capacity(HEAD),
                failed: None,
                ended: false,
            }
        }

        /// The first bytes read (up to 8 KiB).
        pub fn head(&self) -> &[u8] {
            &self.head
        }

        /// Why reading failed, if it did.
        pub fn failure(&self) -> Option<String> {
            self.failed.clone()
        }
    }

    impl Read for ChunkReader {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            while self.at == self.current.len() {
                if self.ended {
                    return Ok(0);
                }
                match self.rx.blocking_recv() {
                    Some(Chunk::Data(d)) => {
                        if self.head.len() < HEAD {
                            let n = (HEAD - self.head.len()).min(d.len());
                            self.head.extend_from_slice(&d[..n]);
                        }
                        self.current = d;
                        self.at = 0;
                    }
                    Some(Chunk::End) => self.ended = true,
                    Some(Chunk::Fail(why)) => return Err(self.fail(why)),
                    None => return Err(self.fail("receiving stopped".into())),
                }
            }
            let n = buf.len().min(self.current.len() - self.at);
            buf[..n].copy_from_slice(&self.current[self.at..self.at + n]);
            self.at += n;
            Ok(n)
        }
    }

    impl ChunkReader {
        fn fail(&mut self, why: String) -> io::Error {
            self.failed = Some(why.clone());
            io::Error::new(io::ErrorKind::UnexpectedEof, why)
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::bytes_channel::Chunk;
    use super::*;

    #[test]
    fn names_from_the_phone_never_become_paths() {
        assert_eq!(bundle_name("../../etc/passwd"), "passwd");
        assert_eq!(bundle_name("C:\\Users\\x\\a.jpg"), "a.jpg");
        assert_eq!(bundle_name(".hidden"), "hidden");
        assert_eq!(bundle_name("a\u{0}b?.png"), "a_b_.png");
        assert_eq!(bundle_name("/"), "received-file");
        assert_eq!(
            bundle_name("Screenshot 2026-12-07.png"),
            "Screenshot 2026-12-07.png"
        );
    }

    #[test]
    fn a_body_that_stops_without_its_end_is_an_error() {
        let (tx, rx) = tokio::sync::mpsc::channel(4);
        tx.blocking_send(Chunk::Data(b"abc".to_vec())).unwrap();
        drop(tx);
        let mut r = ChunkReader::new(rx);
        let mut out = Vec::new();
        assert!(r.read_to_end(&mut out).is_err());
        assert_eq!(r.failure().as_deref(), Some("receiving stopped"));

        let (tx, rx) = tokio::sync::mpsc::channel(4);
        tx.blocking_send(Chunk::Data(b"abc".to_vec())).unwrap();
        tx.blocking_send(Chunk::End).unwrap();
        let mut r = ChunkReader::new(rx);
        let mut out = Vec::new();
        r.read_to_end(&mut out).unwrap();
        assert_eq!(out, b"abc");
        assert_eq!(r.head(), b"abc");
    }
}
