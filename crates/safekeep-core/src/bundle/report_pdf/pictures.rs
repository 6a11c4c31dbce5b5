//! The report's pictures, made before the layout: blurred thumbnails and, when asked,
//! the annex's viewing copies.
//!
//! Decoding a phone photo is most of a report's time (≈130 ms for 12 megapixels), so each
//! picture is decoded once for both uses, and several are decoded at a time: the bytes are
//! read one after another (the vault is single-threaded), then decoded on as many threads
//! as the computer has cores, at most [`AT_ONCE`] so that memory stays bounded (a decoded
//! 12-megapixel photo takes 36 MB).

use std::collections::HashMap;
use std::io::Cursor;

use image::RgbaImage;

use super::super::export::Exhibit;
use super::ReadArtifact;
use super::layout::Image;
use crate::item::ItemKind;
use crate::picture;

/// Largest picture decoded for the report, in bytes.
const PICTURE_BYTES: u64 = 200 * 1024 * 1024;
/// Long side of an annex picture, in pixels (a viewing copy; the original is in the bundle).
const ANNEX_SIDE: u32 = 1600;
/// Most pictures decoded at once.
const AT_ONCE: usize = 4;

/// An annex copy (a PDF image, or JPEG bytes while being made) and the sizes its
/// caption states.
pub(super) struct AnnexCopy<I = Image> {
    pub image: I,
    /// Width and height of the copy, in pixels.
    pub copy: (u32, u32),
    /// Width and height of the original.
    pub original: (u32, u32),
}

/// What the report shows of one picture; an `Err` says, in words, why it shows nothing.
pub(super) struct Shown {
    pub thumbnail: Result<Image, String>,
    pub annex: Result<AnnexCopy, String>,
}

/// Made on a worker thread: pixels and bytes only (the PDF objects are made afterwards).
struct Made {
    thumbnail: Result<RgbaImage, String>,
    annex: Result<AnnexCopy<Vec<u8>>, String>,
}

/// What the report shows of every picture, by (exhibit index, artifact index).
pub(super) type Pictures = HashMap<(usize, usize), Shown>;

/// Whether a marked run of the exhibit's messages carries the file with this hash.
fn marked(ex: &Exhibit, sha256: &str) -> bool {
    ex.transcripts
        .iter()
        .flat_map(|t| &t.messages)
        .flat_map(|m| &m.attachments)
        .any(|a| a.sha256.as_deref() == Some(sha256))
}

/// Reads and decodes every exhibit's pictures.
pub(super) fn prepare(exhibits: &[Exhibit], annex: bool, read: &mut ReadArtifact<'_>) -> Pictures {
    let jobs: Vec<(usize, usize)> = exhibits
        .iter()
        .enumerate()
        .flat_map(|(e, ex)| {
            ex.view
                .record
                .artifacts
                .iter()
                .enumerate()
                .filter(|(_, a)| a.media_type.starts_with("image/"))
                // A conversation's pictures can number thousands: only those its marked
                // messages carry are shown.
                .filter(|(_, a)| ex.view.record.kind != ItemKind::Conversation || marked(ex, &a.sha256))
                .map(move |(i, _)| (e, i))
        })
        .collect();
    let width = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .clamp(1, AT_ONCE);
    let mut out = HashMap::new();
    for chunk in jobs.chunks(width) {
        let inputs: Vec<_> = chunk
            .iter()
            .map(|&(e, i)| ((e, i), read(&exhibits[e], i, PICTURE_BYTES)))
            .collect();
        let made: Vec<_> = std::thread::scope(|s| {
            let workers: Vec<_> = inputs
                .into_iter()
                .map(|(key, bytes)| (key, s.spawn(move || make(bytes, annex))))
                .collect();
            workers
                .into_iter()
                .map(|(key, w)| {
                    let made = w.join().unwrap_or_else(|_| Made {
                        thumbnail: Err("decoding it failed".into()),
                        annex: Err("decoding it failed".into()),
                    });
                    (key, made)
                })
                .collect()
        });
        for (key, m) in made {
            out.insert(key, to_pdf(m));
        }
    }
    out
}

fn make(bytes: Result<Vec<u8>, String>, annex: bool) -> Made {
    let decoded = bytes.and_then(|b| picture::decode(Cursor::new(b)));
    let p = match decoded {
        Ok(p) => p,
        Err(why) => {
            return Made {
                thumbnail: Err(why.clone()),
                annex: Err(why),
            };
        }
    };
    let annex = if annex {
        let copy = picture::viewing_copy(&p, ANNEX_SIDE);
        // JPEG keeps a photo-sized copy small and quick to write; deflated raw pixels
        // were eight times the size.
        picture::jpeg(&copy).map(|jpeg| AnnexCopy {
            image: jpeg,
            copy: copy.dimensions(),
            original: (p.width(), p.height()),
        })
    } else {
        Err("no annex was asked for".into())
    };
    Made {
        thumbnail: Ok(picture::blurred_thumbnail(&p)),
        annex,
    }
}

fn to_pdf(m: Made) -> Shown {
    Shown {
        thumbnail: m.thumbnail.map(rgba_image),
        annex: m.annex.and_then(|a| {
            Ok(AnnexCopy {
                image: Image::from_jpeg(a.image.into(), false)?,
                copy: a.copy,
                original: a.original,
            })
        }),
    }
}

fn rgba_image(picture: RgbaImage) -> Image {
    let (w, h) = picture.dimensions();
    Image::from_rgba8(picture.into_raw(), w, h)
}
