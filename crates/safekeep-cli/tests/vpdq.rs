//! Video fingerprints (vPDQ): videos made here by FFmpeg are imported; the same video
//! re-encoded at a lower bitrate and size, and a clip cut from it, must be found as
//! "looks like"; a different video must not. The takedown pack lists the frame hashes,
//! and FFmpeg reading the stored video from memory and from a pipe agree. Needs FFmpeg
//! (`make deps-test` installs it); the test fails, it does not skip, without it.
#![allow(clippy::unwrap_used, missing_docs)]

mod common;
use common::ffmpeg;

use std::collections::HashMap;
use std::path::Path;
use std::process::Command;

use serde_json::Value;

/// The PDF's text as `pdftotext` reads it, with runs of white space made one space.
fn pdf_words(pdf: &Path) -> String {
    let out = Command::new(common::tool("pdftotext"))
        .arg(pdf)
        .arg("-")
        .output()
        .unwrap();
    String::from_utf8(out.stdout)
        .unwrap()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

fn path(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn a_reencoded_copy_and_a_clip_look_like_the_video_and_another_does_not() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("videos");
    std::fs::create_dir(&dir).unwrap();
    let f = |n: &str| dir.join(n);
    // 8 s of a moving test pattern; MP4 as FFmpeg writes it by default: its index (moov)
    // after the frames, which cannot be read through a pipe.
    ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "testsrc2=size=640x360:rate=30",
        "-t",
        "8",
        "-c:v",
        "libx264",
        "-preset",
        "veryfast",
        "-pix_fmt",
        "yuv420p",
        path(&f("original.mp4")),
    ]);
    // A re-upload: half the size, a tenth of the bitrate, fragmented MP4.
    ffmpeg(&[
        "-i",
        path(&f("original.mp4")),
        "-vf",
        "scale=320:180",
        "-c:v",
        "libx264",
        "-b:v",
        "120k",
        "-movflags",
        "+frag_keyframe+empty_moov",
        path(&f("reupload.mp4")),
    ]);
    // Four seconds cut from the middle.
    ffmpeg(&[
        "-ss",
        "2",
        "-i",
        path(&f("original.mp4")),
        "-t",
        "4",
        "-c:v",
        "libx264",
        path(&f("clip.mp4")),
    ]);
    // Something else entirely.
    ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "mandelbrot=size=640x360:rate=30",
        "-t",
        "8",
        "-c:v",
        "libx264",
        "-preset",
        "veryfast",
        "-pix_fmt",
        "yuv420p",
        path(&f("other.mp4")),
    ]);

    // A screenshot of the re-upload as it played, at 5 s.
    ffmpeg(&[
        "-ss",
        "5",
        "-i",
        path(&f("reupload.mp4")),
        "-frames:v",
        "1",
        path(&f("screenshot.png")),
    ]);

    let vault = tmp.path().join("vault");
    let run = |args: &[&str]| common::stdout_of(args, common::safekeep(&vault).args(args).output().unwrap());
    run(&["init"]);
    let posted = run(&["case", "new", "Posted video"]).trim().to_owned();
    let found = run(&["case", "new", "Found elsewhere"]).trim().to_owned();
    run(&[
        "import",
        "--case",
        &posted,
        path(&f("original.mp4")),
        path(&f("other.mp4")),
    ]);
    run(&[
        "import",
        "--case",
        &found,
        path(&f("reupload.mp4")),
        path(&f("clip.mp4")),
        path(&f("screenshot.png")),
    ]);

    let items: Value = serde_json::from_str(&run(&["list", "--json"])).unwrap();
    let by_name: HashMap<&str, &Value> = items
        .as_array()
        .unwrap()
        .iter()
        .map(|i| (i["artifacts"][0]["original_name"].as_str().unwrap(), i))
        .collect();
    let frames = |name: &str| by_name[name]["artifacts"][0]["vpdq"].as_array().unwrap().clone();
    let original = frames("original.mp4");
    assert!(
        (8..=9).contains(&original.len()),
        "one frame a second: {original:?}"
    );
    for (i, fr) in original.iter().enumerate() {
        assert_eq!(fr["second"], i);
        assert_eq!(fr["pdq"].as_str().unwrap().len(), 64);
        assert!(fr["quality"].as_u64().unwrap() >= 50, "{fr}");
    }
    assert!((4..=5).contains(&frames("clip.mp4").len()));
    assert!(
        by_name["original.mp4"]["artifacts"][0]
            .get("pdq_pending")
            .is_none()
    );

    let id = |name: &str| by_name[name]["id"].as_str().unwrap().to_owned();
    let shown: Value = serde_json::from_str(&run(&["show", &id("original.mp4"), "--json"])).unwrap();
    let similar = shown["similar_videos"].as_array().unwrap();
    let of = |name: &str| similar.iter().find(|s| s["item_id"] == id(name).as_str());
    let reupload = of("reupload.mp4").unwrap_or_else(|| panic!("re-upload not found: {similar:?}"));
    assert!(reupload["this_in_other"].as_u64().unwrap() >= 80, "{reupload}");
    assert!(reupload["other_in_this"].as_u64().unwrap() >= 80, "{reupload}");
    assert_eq!(reupload["case_id"], found.as_str());
    // The clip is inside the original, not the other way round.
    let clip = of("clip.mp4").unwrap_or_else(|| panic!("clip not found: {similar:?}"));
    assert!(clip["other_in_this"].as_u64().unwrap() >= 80, "{clip}");
    assert!(clip["this_in_other"].as_u64().unwrap() < 80, "{clip}");
    assert!(
        of("other.mp4").is_none(),
        "a different video matched: {similar:?}"
    );
    let text = run(&["show", &id("original.mp4")]);
    assert!(
        text.contains("Videos that look like it") && text.contains("reupload.mp4"),
        "{text}"
    );
    let other: Value = serde_json::from_str(&run(&["show", &id("other.mp4"), "--json"])).unwrap();
    assert!(other.get("similar_videos").is_none(), "{other}");

    // The screenshot finds the video's frame at 5 s, and the video finds the screenshot;
    // video against video stays in `similar_videos`.
    let shot: Value = serde_json::from_str(&run(&["show", &id("screenshot.png"), "--json"])).unwrap();
    let frame = shot["similar"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["item_id"] == id("original.mp4").as_str())
        .unwrap_or_else(|| panic!("the original's frame not found: {shot}"));
    assert!(
        (4..=6).contains(&frame["other_second"].as_u64().unwrap()),
        "{frame}"
    );
    assert!(frame.get("second").is_none(), "{frame}");
    let pictures = shown["similar"].as_array().unwrap();
    assert_eq!(pictures.len(), 1, "only the screenshot: {pictures:?}");
    assert_eq!(pictures[0]["item_id"], id("screenshot.png").as_str());
    assert!(
        (4..=6).contains(&pictures[0]["second"].as_u64().unwrap()),
        "{pictures:?}"
    );
    assert!(run(&["show", &id("screenshot.png")]).contains("(its video's frame at "));

    // The takedown pack lists every frame hash of the re-upload, one a second.
    let pack = tmp.path().join("pack");
    run(&["takedown", "--case", &found, "--out", path(&pack)]);
    let csv = std::fs::read_to_string(pack.join("takedown.csv")).unwrap();
    for fr in frames("reupload.mp4") {
        assert!(csv.contains(fr["pdq"].as_str().unwrap()), "{fr} not in\n{csv}");
    }
    assert!(csv.contains("video_frame,,,,,,,reupload.mp4 at 0 s,,"), "{csv}");

    // Reading the stored video through a pipe gives the same hashes as from memory for
    // the fragmented re-upload, and a clear refusal for the index-at-the-end original.
    let ffmpeg = common::tool("ffmpeg");
    let piped = safekeep_core::vpdq::vpdq_of_stream(&ffmpeg, std::fs::File::open(f("reupload.mp4")).unwrap())
        .unwrap();
    let piped: Vec<String> = piped.iter().map(|fr| fr.pdq.hex()).collect();
    let stored: Vec<String> = frames("reupload.mp4")
        .iter()
        .map(|fr| fr["pdq"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(piped, stored);
    let refused =
        safekeep_core::vpdq::vpdq_of_stream(&ffmpeg, std::fs::File::open(f("original.mp4")).unwrap());
    assert!(
        refused
            .as_ref()
            .is_err_and(|e| e.starts_with("FFmpeg could not read the video")),
        "{refused:?}"
    );

    // The bundle carries the frame hashes in the exhibit's metadata and verifies.
    let bundle = tmp.path().join("posted.zip");
    run(&["export", "--case", &posted, "--out", path(&bundle)]);
    let mut zip = zip::ZipArchive::new(std::fs::File::open(&bundle).unwrap()).unwrap();
    let mut with_frames = 0;
    for i in 0..zip.len() {
        let mut entry = zip.by_index(i).unwrap();
        let mut text = String::new();
        if std::io::Read::read_to_string(&mut entry, &mut text).is_ok()
            && text.contains("\"vpdq\"")
            && text.contains(original[3]["pdq"].as_str().unwrap())
        {
            with_frames += 1;
        }
    }
    assert_eq!(
        with_frames, 1,
        "one exhibit's metadata.json carries the original's frame hashes"
    );
    run(&["verify", path(&bundle)]);

    // The PDF report shows each video as a strip of blurred frames with what FFprobe
    // says of it.
    let pdf = tmp.path().join("report.pdf");
    run(&["report", "--case", &posted, "--out", path(&pdf)]);
    let text = pdf_words(&pdf);
    // (Both files are named by their role, "original", in the bundle and its report.)
    let strip = "original.mp4: frames spread over the video, blurred on purpose (h264, 640×360, 8.0 s)";
    assert_eq!(text.matches(strip).count(), 2, "{text}");

    // Without FFmpeg a video waits for its fingerprint, says so, and its report says why
    // it has no strip; nothing else waits for it.
    let without = |args: &[&str]| {
        let out = common::safekeep(&vault)
            .env("SAFEKEEP_FFMPEG", tmp.path().join("no-ffmpeg-here"))
            .args(args)
            .output()
            .unwrap();
        common::stdout_of(args, out)
    };
    let waiting = without(&["case", "new", "No FFmpeg"]).trim().to_owned();
    let item = without(&["import", "--case", &waiting, path(&f("other.mp4"))])
        .trim()
        .to_owned();
    let shown = without(&["show", &item]);
    assert!(
        shown.contains("Fingerprint pending: FFmpeg makes it and was not found"),
        "{shown}"
    );
    let pdf = tmp.path().join("waiting.pdf");
    without(&["report", "--case", &waiting, "--out", path(&pdf)]);
    let text = pdf_words(&pdf);
    assert!(
        text.contains("original.mp4: no strip of frames (FFmpeg, which reads videos, has not read this one"),
        "{text}"
    );
}
