//! The JSON of LocalSend's protocol v2 that a receiver reads and writes, with the limits
//! Safekeep puts on it.
//!
//! From the protocol's README (github.com/localsend/protocol, v2): a device describes
//! itself as `{alias, version, deviceModel, deviceType, fingerprint, port, protocol,
//! download, announce}` (multicast announcement, `register`, `info`); `prepare-upload`
//! sends `{info, files: {id: {id, fileName, size, fileType, sha256?, preview?,
//! metadata?: {modified?, accessed?}}}}` and is answered `{sessionId, files: {id:
//! token}}`. Unknown fields are ignored (later protocol versions add some), but every
//! string and count is bounded before anything else looks at it: whoever sends is a
//! stranger on the network until the person accepts.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// The protocol version Safekeep answers with.
pub const PROTOCOL_VERSION: &str = "2.1";

/// Largest JSON body read from a sender (a `prepare-upload` of the most files allowed
/// fits well within it).
pub const MAX_JSON_BYTES: usize = 1024 * 1024;

/// Longest alias, device model, fingerprint or file id accepted, in bytes.
pub const MAX_SHORT_TEXT: usize = 256;

/// Longest file name accepted, in bytes (most file systems allow 255).
pub const MAX_FILE_NAME: usize = 255;

/// Longest `preview` (the text of a message sent with LocalSend) kept, in bytes.
pub const MAX_MESSAGE_BYTES: usize = 64 * 1024;

/// A device as LocalSend describes it: in announcements, `register`, `info` and inside
/// `prepare-upload`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct DeviceInfo {
    /// The name the device shows.
    pub alias: String,
    /// Protocol version, e.g. `2.1`.
    #[serde(default)]
    pub version: String,
    /// Maker or model, e.g. `Samsung` or `iPhone` (optional in the protocol).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_model: Option<String>,
    /// `mobile`, `desktop`, `web`, `headless` or `server`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_type: Option<String>,
    /// Over HTTPS the SHA-256 of the device's certificate; over HTTP a random string.
    #[serde(default)]
    pub fingerprint: String,
    /// The device's port (absent inside `prepare-upload` from some senders).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<u16>,
    /// `https` or `http`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub protocol: Option<String>,
    /// Whether the device serves downloads (Safekeep never does).
    #[serde(default)]
    pub download: bool,
    /// In multicast messages: `true` for an announcement that asks for an answer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub announce: Option<bool>,
}

/// The dates a sender gives for a file (ISO 8601 strings, kept as given).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct FileDates {
    /// When the file was last changed on the phone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub modified: Option<String>,
    /// When it was last opened on the phone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accessed: Option<String>,
}

/// One file a sender proposes in `prepare-upload`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct FileOffer {
    /// The sender's id for it.
    pub id: String,
    /// Its name on the phone: data only, never a path on this computer.
    pub file_name: String,
    /// Its size in bytes.
    pub size: u64,
    /// The media type the sender declares (Safekeep records its own reading too).
    #[serde(default)]
    pub file_type: String,
    /// The SHA-256 the sender declares, in hex (optional in the protocol).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
    /// For a message sent as text: the text itself.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preview: Option<String>,
    /// Dates the sender gives.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<FileDates>,
}

/// The body of `POST /api/localsend/v2/prepare-upload`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PrepareUpload {
    /// Who sends.
    pub info: DeviceInfo,
    /// What they send, by file id.
    pub files: BTreeMap<String, FileOffer>,
}

/// The answer to an accepted `prepare-upload`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct PrepareUploadAnswer {
    /// The session every upload names.
    pub session_id: String,
    /// A token per file id that the upload of that file must carry.
    pub files: BTreeMap<String, String>,
}

/// Why a body from a sender was refused before anything else happened.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum BodyError {
    /// Not JSON of the expected shape.
    #[error("the request is not LocalSend JSON ({0})")]
    Malformed(String),
    /// A text field longer than allowed.
    #[error("the sender's {field} is longer than {max} bytes")]
    TooLong {
        /// Which field.
        field: &'static str,
        /// Its limit.
        max: usize,
    },
    /// More files than one transfer may hold.
    #[error("the sender offers {given} files; at most {max} can be received in one transfer")]
    TooManyFiles {
        /// How many were offered.
        given: usize,
        /// The limit.
        max: usize,
    },
    /// A file without a name, or a map key that is not the file's id.
    #[error("a file in the request has no name or its id does not match")]
    BadFile,
    /// A declared SHA-256 that is not 64 hex digits.
    #[error("a declared SHA-256 is not 64 hexadecimal digits")]
    BadHash,
    /// No files at all.
    #[error("the request offers no files")]
    Empty,
}

impl DeviceInfo {
    /// Reads a device description (`register`, a multicast message), bounded.
    pub fn parse(body: &[u8]) -> Result<Self, BodyError> {
        if body.len() > MAX_JSON_BYTES {
            return Err(BodyError::TooLong {
                field: "request",
                max: MAX_JSON_BYTES,
            });
        }
        let info: Self = serde_json::from_slice(body).map_err(|e| BodyError::Malformed(e.to_string()))?;
        info.check()?;
        Ok(info)
    }

    fn check(&self) -> Result<(), BodyError> {
        short("alias", &self.alias)?;
        short("version", &self.version)?;
        short("fingerprint", &self.fingerprint)?;
        for (field, v) in [
            ("device model", &self.device_model),
            ("device type", &self.device_type),
            ("protocol", &self.protocol),
        ] {
            if let Some(v) = v {
                short(field, v)?;
            }
        }
        Ok(())
    }
}

impl PrepareUpload {
    /// Reads and bounds a `prepare-upload` body: at most `max_files` files, names and
    /// texts within their limits, hashes well formed (lower-cased), each key its file's id.
    pub fn parse(body: &[u8], max_files: usize) -> Result<Self, BodyError> {
        if body.len() > MAX_JSON_BYTES {
            return Err(BodyError::TooLong {
                field: "request",
                max: MAX_JSON_BYTES,
            });
        }
        let mut req: Self = serde_json::from_slice(body).map_err(|e| BodyError::Malformed(e.to_string()))?;
        req.info.check()?;
        if req.files.is_empty() {
            return Err(BodyError::Empty);
        }
        if req.files.len() > max_files {
            return Err(BodyError::TooManyFiles {
                given: req.files.len(),
                max: max_files,
            });
        }
        for (key, file) in &mut req.files {
            short("file id", key)?;
            if *key != file.id || file.file_name.trim().is_empty() {
                return Err(BodyError::BadFile);
            }
            if file.file_name.len() > MAX_FILE_NAME {
                return Err(BodyError::TooLong {
                    field: "file name",
                    max: MAX_FILE_NAME,
                });
            }
            short("file type", &file.file_type)?;
            if let Some(h) = &mut file.sha256 {
                if h.len() != 64 || !h.bytes().all(|b| b.is_ascii_hexdigit()) {
                    return Err(BodyError::BadHash);
                }
                h.make_ascii_lowercase();
            }
            if file.preview.as_ref().is_some_and(|p| p.len() > MAX_MESSAGE_BYTES) {
                return Err(BodyError::TooLong {
                    field: "message",
                    max: MAX_MESSAGE_BYTES,
                });
            }
            if let Some(d) = &file.metadata {
                for v in [&d.modified, &d.accessed].into_iter().flatten() {
                    short("file date", v)?;
                }
            }
        }
        Ok(req)
    }

    /// The sum of the declared sizes.
    pub fn total_size(&self) -> u64 {
        self.files.values().map(|f| f.size).fold(0, u64::saturating_add)
    }

    /// The text of a message sent with LocalSend: one `text/plain` file carrying its
    /// text as `preview`, which the receiver shows instead of asking for an upload.
    pub fn message(&self) -> Option<&str> {
        let mut files = self.files.values();
        match (files.next(), files.next()) {
            (Some(f), None) if f.file_type.starts_with("text/") => f.preview.as_deref(),
            _ => None,
        }
    }
}

fn short(field: &'static str, value: &str) -> Result<(), BodyError> {
    if value.len() > MAX_SHORT_TEXT {
        Err(BodyError::TooLong {
            field,
            max: MAX_SHORT_TEXT,
        })
    } else {
        Ok(())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    const PREPARE: &str = r#"{
      "info": {"alias": "Nice Orange", "version": "2.0", "deviceModel": "Samsung",
               "deviceType": "mobile", "fingerprint": "ABCD", "port": 53317,
               "protocol": "https", "download": true, "extra": 1},
      "files": {
        "f1": {"id": "f1", "fileName": "Screenshot_2026.png", "size": 324242,
               "fileType": "image/png", "sha256": "ABCDEF0123456789abcdef0123456789ABCDEF0123456789abcdef0123456789",
               "preview": null,
               "metadata": {"modified": "2026-01-01T12:34:56Z", "accessed": "2026-01-02T00:00:00Z"}},
        "f2": {"id": "f2", "fileName": "../../etc/passwd", "size": 12, "fileType": "text/plain"}
      }
    }"#;

    #[test]
    fn reads_a_prepare_upload_as_the_readme_gives_it() {
        let req = PrepareUpload::parse(PREPARE.as_bytes(), 10).unwrap();
        assert_eq!(req.info.alias, "Nice Orange");
        assert_eq!(req.info.device_model.as_deref(), Some("Samsung"));
        assert_eq!(req.info.device_type.as_deref(), Some("mobile"));
        assert_eq!(req.files.len(), 2);
        let f1 = &req.files["f1"];
        assert_eq!(f1.size, 324242);
        assert_eq!(
            f1.sha256.as_deref(),
            Some("abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789"),
            "hashes are compared lower-case"
        );
        assert_eq!(
            f1.metadata.as_ref().unwrap().modified.as_deref(),
            Some("2026-01-01T12:34:56Z")
        );
        // A name with path separators is kept as data, exactly as sent.
        assert_eq!(req.files["f2"].file_name, "../../etc/passwd");
        assert_eq!(req.total_size(), 324254);
        assert_eq!(req.message(), None);
    }

    #[test]
    fn refuses_what_is_out_of_bounds() {
        let too_many = PrepareUpload::parse(PREPARE.as_bytes(), 1).unwrap_err();
        assert_eq!(too_many, BodyError::TooManyFiles { given: 2, max: 1 });
        let bad_hash = PREPARE.replace(
            "ABCDEF0123456789abcdef0123456789ABCDEF0123456789abcdef0123456789",
            "xyz",
        );
        assert_eq!(
            PrepareUpload::parse(bad_hash.as_bytes(), 10).unwrap_err(),
            BodyError::BadHash
        );
        let long_alias = PREPARE.replace("Nice Orange", &"a".repeat(MAX_SHORT_TEXT + 1));
        assert!(matches!(
            PrepareUpload::parse(long_alias.as_bytes(), 10),
            Err(BodyError::TooLong { field: "alias", .. })
        ));
        let long_name = PREPARE.replace("Screenshot_2026.png", &"n".repeat(MAX_FILE_NAME + 1));
        assert!(matches!(
            PrepareUpload::parse(long_name.as_bytes(), 10),
            Err(BodyError::TooLong {
                field: "file name",
                ..
            })
        ));
        let wrong_key = PREPARE.replace(r#""f2": {"id": "f2""#, r#""f2": {"id": "f3""#);
        assert_eq!(
            PrepareUpload::parse(wrong_key.as_bytes(), 10).unwrap_err(),
            BodyError::BadFile
        );
        let huge = vec![b' '; MAX_JSON_BYTES + 1];
        assert!(matches!(
            PrepareUpload::parse(&huge, 10),
            Err(BodyError::TooLong { .. })
        ));
        assert!(matches!(
            PrepareUpload::parse(b"[1,2]", 10),
            Err(BodyError::Malformed(_))
        ));
        let empty = r#"{"info": {"alias": "x"}, "files": {}}"#;
        assert_eq!(
            PrepareUpload::parse(empty.as_bytes(), 10).unwrap_err(),
            BodyError::Empty
        );
    }

    #[test]
    fn a_text_message_is_its_preview() {
        let msg = r#"{"info": {"alias": "P"}, "files": {"m": {"id": "m", "fileName": "m.txt",
            "size": 5, "fileType": "text/plain", "preview": "hello"}}}"#;
        assert_eq!(
            PrepareUpload::parse(msg.as_bytes(), 10).unwrap().message(),
            Some("hello")
        );
    }

    #[test]
    fn writes_device_info_and_the_answer_in_the_protocol_s_names() {
        let info = DeviceInfo {
            alias: "Quiet Heron".into(),
            version: PROTOCOL_VERSION.into(),
            device_model: None,
            device_type: Some("desktop".into()),
            fingerprint: "AB".into(),
            port: Some(53317),
            protocol: Some("https".into()),
            download: false,
            announce: Some(true),
        };
        let v = serde_json::to_value(&info).unwrap();
        assert_eq!(
            v,
            serde_json::json!({"alias": "Quiet Heron", "version": "2.1", "deviceType": "desktop",
                "fingerprint": "AB", "port": 53317, "protocol": "https", "download": false, "announce": true})
        );
        assert_eq!(DeviceInfo::parse(v.to_string().as_bytes()).unwrap(), info);
        let answer = PrepareUploadAnswer {
            session_id: "s".into(),
            files: [("f1".to_owned(), "t1".to_owned())].into(),
        };
        assert_eq!(
            serde_json::to_value(answer).unwrap(),
            serde_json::json!({"sessionId": "s", "files": {"f1": "t1"}})
        );
    }
}
