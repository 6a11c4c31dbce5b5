//! The report's pictures, made before the layout: blurred thumbnails and, when asked,
//! the annex's viewing copies; for a video, a strip of [`STRIP_FRAMES`] blurred frames
//! spread over it (decoded by FFmpeg; docs/report.md).
//!
//! Decoding a phone photo is most of a report's time (≈130 ms for 12 megapixels), so each
//! picture is decoded once for both uses, and several are decoded at a time: the bytes are
//! read one after another (the vault is single-threaded), then decoded on as many threads
//! as the computer has cores, at most [`AT_ONCE`] so that memory stays bounded (a decoded
//! 12-megapixel photo takes 36 MB).

use std::collections::HashMap;
use std::io::Cursor;

use image::RgbaImage;

use super::super::exhibits::Exhibit;
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
/// Largest video read for its strip, in bytes (it is held in memory while decoded).
const VIDEO_BYTES: u64 = 512 * 1024 * 1024;
/// Frames in a video's strip.
const STRIP_FRAMES: u32 = 6;

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
    /// For a video: codec, size and duration, when FFprobe could say.
    pub about: Option<String>,
}

/// Made on a worker thread: pixels and bytes only (the PDF objects are made afterwards).
struct Made {
    thumbnail: Result<RgbaImage, String>,
    annex: Result<AnnexCopy<Vec<u8>>, String>,
    about: Option<String>,
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
                .filter(|(i, a)| a.media_type.starts_with("image/") || seconds(ex, *i).is_some())
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
    // A video is held in memory while it is decoded (up to VIDEO_BYTES): one at a time.
    let (videos, pictures): (Vec<_>, Vec<_>) = jobs
        .into_iter()
        .partition(|&(e, i)| seconds(&exhibits[e], i).is_some());
    for chunk in pictures.chunks(width).chain(videos.chunks(1)) {
        let inputs: Vec<_> = chunk
            .iter()
            .map(|&(e, i)| {
                let video = seconds(&exhibits[e], i);
                let cap = if video.is_some() {
                    VIDEO_BYTES
                } else {
                    PICTURE_BYTES
                };
                ((e, i), video, read(&exhibits[e], i, cap))
            })
            .collect();
        let made: Vec<_> = std::thread::scope(|s| {
            let workers: Vec<_> = inputs
                .into_iter()
                .map(|(key, video, bytes)| {
                    (
                        key,
                        s.spawn(move || match video {
                            Some(seconds) => strip(bytes, seconds),
                            None => make(bytes, annex),
                        }),
                    )
                })
                .collect();
            workers
                .into_iter()
                .map(|(key, w)| {
                    let made = w.join().unwrap_or_else(|_| Made {
                        thumbnail: Err("decoding it failed".into()),
                        annex: Err("decoding it failed".into()),
                        about: None,
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
                about: None,
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
        about: None,
    }
}

/// How many seconds a video artifact has frame hashes for: the videos that get a strip
/// (a conversation's videos are left out, as its unmarked pictures are).
fn seconds(ex: &Exhibit, i: usize) -> Option<u32> {
    if ex.view.record.kind == ItemKind::Conversation {
        return None;
    }
    ex.view
        .vpdq
        .iter()
        .find(|(idx, _)| *idx as usize == i)
        .and_then(|(_, frames)| u32::try_from(frames.len()).ok())
        .filter(|n| *n > 0)
}

/// A video's strip: [`STRIP_FRAMES`] frames spread over its `seconds`, each blurred as
/// a picture's thumbnail is, side by side.
fn strip(bytes: Result<Vec<u8>, String>, seconds: u32) -> Made {
    let glance = bytes.and_then(|b| {
        let ffmpeg = crate::vpdq::ffmpeg_on_path().ok_or("FFmpeg, which reads videos, is not installed")?;
        let size = b.len() as u64;
        crate::vpdq::glance(&ffmpeg, Cursor::new(b), size, seconds, STRIP_FRAMES)
    });
    let (thumbnail, about) = match glance {
        Ok(g) => {
            let thumbs: Vec<RgbaImage> = g.frames.iter().map(picture::blurred_thumbnail).collect();
            const GAP: u32 = 4;
            let width = thumbs
                .iter()
                .map(|t| t.width() + GAP)
                .sum::<u32>()
                .saturating_sub(GAP);
            let height = thumbs.iter().map(RgbaImage::height).max().unwrap_or(1);
            let mut out = RgbaImage::from_pixel(width.max(1), height, image::Rgba([255, 255, 255, 255]));
            let mut x = 0i64;
            for t in &thumbs {
                image::imageops::replace(&mut out, t, x, 0);
                x += i64::from(t.width() + GAP);
            }
            (Ok(out), g.about)
        }
        Err(why) => (Err(why), None),
    };
    Made {
        thumbnail,
        annex: Err("a video is not copied into the report: play the original in the bundle".into()),
        about,
    }
}

fn to_pdf(m: Made) -> Shown {
    Shown {
        about: m.about,
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
