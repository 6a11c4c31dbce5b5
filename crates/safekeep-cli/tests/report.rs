//! The PDF report (`data/report/report.pdf` and `safekeep report`), read back with
//! poppler's tools (pdftotext, pdftoppm, pdfimages, pdfinfo), which nobody here wrote.
#![allow(clippy::unwrap_used)]

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{safekeep, stdout_of, tool};

struct Session {
    vault: PathBuf,
}

impl Session {
    fn ok(&self, args: &[&str]) -> String {
        stdout_of(args, safekeep(&self.vault).args(args).output().unwrap())
    }

    fn fails(&self, args: &[&str]) -> String {
        let out = safekeep(&self.vault).args(args).output().unwrap();
        assert!(!out.status.success(), "{args:?} should fail");
        String::from_utf8(out.stderr).unwrap()
    }
}

/// A `w`×`h` picture of fine stripes: any full-resolution copy keeps them, a blurred
/// thumbnail cannot.
fn picture(path: &Path, w: u32, h: u32) {
    let mut enc = png::Encoder::new(std::fs::File::create(path).unwrap(), w, h);
    enc.set_color(png::ColorType::Rgb);
    enc.set_depth(png::BitDepth::Eight);
    let data: Vec<u8> = (0..w * h * 3)
        .map(|i| if (i / 3 % w) % 4 < 2 { 20 } else { 235 })
        .collect();
    enc.write_header().unwrap().write_image_data(&data).unwrap();
}

fn run(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{cmd:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn pdf_text(pdf: &Path) -> String {
    run(Command::new(tool("pdftotext")).arg(pdf).arg("-"))
}

fn pages(pdf: &Path) -> usize {
    let info = run(Command::new(tool("pdfinfo")).arg(pdf));
    info.lines()
        .find_map(|l| l.strip_prefix("Pages:"))
        .unwrap()
        .trim()
        .parse()
        .unwrap()
}

/// Width and height of every image in the PDF, from `pdfimages -list`.
fn image_sizes(pdf: &Path) -> Vec<(u32, u32)> {
    let list = run(Command::new(tool("pdfimages")).arg("-list").arg(pdf));
    list.lines()
        .skip(2)
        .filter_map(|l| {
            let cols: Vec<&str> = l.split_whitespace().collect();
            (cols.len() > 5 && cols[2] == "image")
                .then(|| (cols[3].parse().unwrap(), cols[4].parse().unwrap()))
        })
        .collect()
}

/// Where each needle first appears in `text`, after `from`.
fn positions(text: &str, from: &str, needles: &[&str]) -> Vec<usize> {
    let start = text.find(from).unwrap();
    needles
        .iter()
        .map(|n| {
            start
                + text[start..]
                    .find(n)
                    .unwrap_or_else(|| panic!("{n:?} not after {from:?}"))
        })
        .collect()
}

#[test]
fn the_bundle_report_lists_every_exhibit_and_hash_in_time_order_and_blurs_pictures() {
    let t = tempfile::tempdir().unwrap();
    let s = Session {
        vault: t.path().join("vault"),
    };
    s.ok(&["init"]);
    let case = s.ok(&["case", "new", "Report test"]).trim().to_owned();
    let shot = t.path().join("post.png");
    picture(&shot, 640, 480);
    // Captured first, but with no incident time: it sorts at its capture time (now).
    s.ok(&[
        "import",
        "--case",
        &case,
        "--platform",
        "Example",
        "--source-url",
        "https://example.test/p/1",
        shot.to_str().unwrap(),
    ]);
    // 09:00 at +01:00 is 08:00 UTC: before the next entry's 08:30 UTC, though "09:00"
    // reads later. A naive text sort would get this wrong.
    s.ok(&[
        "note",
        "--case",
        &case,
        "--title",
        "Messages overnight",
        "--incident-time",
        "2020-01-10T09:00:00+01:00",
        "Twelve messages, saying he would post the pictures.",
    ]);
    s.ok(&[
        "note",
        "--case",
        &case,
        "--title",
        "Posted on a forum",
        "--incident-time",
        "2020-01-10T08:30:00Z",
        "A friend sent me the link.",
    ]);
    s.ok(&[
        "note",
        "--case",
        &case,
        "--title",
        "Earliest thing",
        "--incident-time",
        "2019-12-24T18:00:00Z",
        "It started at Christmas.",
    ]);
    let items: serde_json::Value = serde_json::from_str(&s.ok(&["list", "--case", &case, "--json"])).unwrap();
    let first = items[0]["id"].as_str().unwrap().to_owned();
    s.ok(&[
        "annotate",
        &first,
        "--reported-to",
        "Example Social",
        "--reported-on",
        "2020-02-03",
        "--reference",
        "TICKET-778",
        "--outcome",
        "removed",
    ]);

    let zip = t.path().join("case.zip");
    s.ok(&[
        "export",
        "--case",
        &case,
        "--out",
        zip.to_str().unwrap(),
        "--exhibit-prefix",
        "JD",
    ]);
    let out = t.path().join("unzipped");
    run(Command::new(tool("unzip"))
        .arg("-q")
        .arg(&zip)
        .arg("-d")
        .arg(&out));
    let bag = out.join("case");
    let pdf = bag.join("data/report/report.pdf");
    let manifest = std::fs::read_to_string(bag.join("manifest-sha256.txt")).unwrap();
    assert!(
        manifest.contains("  data/report/report.pdf\n"),
        "the PDF is a listed artifact:\n{manifest}"
    );

    let text = pdf_text(&pdf);
    for n in 1..=4 {
        assert!(text.contains(&format!("JD/{n}")), "JD/{n} missing");
    }
    for item in items.as_array().unwrap() {
        for a in item["artifacts"].as_array().unwrap() {
            let sha = a["sha256"].as_str().unwrap();
            assert!(text.contains(sha), "hash {sha} missing");
            if let Some(pdq) = a["pdq"].as_str() {
                assert!(text.contains(pdq), "PDQ {pdq} missing");
            }
        }
    }
    assert!(
        text.contains("Twelve messages, saying he would post the pictures."),
        "a log entry's own words are quoted"
    );
    assert!(text.contains("What the checks prove"));
    assert!(!text.contains("UNBLURRED"), "no annex unless asked for");
    let fingerprint = s.ok(&["key"]).lines().last().unwrap().trim().to_owned();
    assert!(
        text.contains(&fingerprint),
        "cover gives the key fingerprint {fingerprint}"
    );

    // Timeline: by instant, incident time where known, else capture time; reports among them.
    let order = positions(
        &text,
        "2. Timeline",
        &[
            "JD/4 Incident log entry: Earliest thing",
            "JD/2 Incident log entry: Messages overnight",
            "JD/3 Incident log entry: Posted on a forum",
            "Reported to Example Social, reference TICKET-778",
            "JD/1 File: post.png",
        ],
    );
    assert!(
        order.windows(2).all(|w| w[0] < w[1]),
        "timeline out of order: {order:?}\n{text}"
    );
    assert!(text.contains("2020-01-10 08:00:00 UTC (given as 2020-01-10 09:00:00 +01:00)"));

    // Every page renders.
    let n = pages(&pdf);
    run(Command::new(tool("pdftoppm"))
        .args(["-r", "40", "-png"])
        .arg(&pdf)
        .arg(t.path().join("page")));
    let rendered = std::fs::read_dir(t.path())
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .file_name()
                .to_string_lossy()
                .starts_with("page")
        })
        .count();
    assert_eq!(rendered, n);
    assert!(n >= 7, "cover, list, timeline, 4 exhibits, checks: {n} pages");

    // The picture is only there as a blurred thumbnail, never at full size.
    let sizes = image_sizes(&pdf);
    assert_eq!(sizes.len(), 1, "{sizes:?}");
    assert!(sizes.iter().all(|&(w, h)| w <= 160 && h <= 160), "{sizes:?}");

    // PDF/A-2u, declared in the XMP metadata.
    let meta = run(Command::new(tool("pdfinfo")).arg("-meta").arg(&pdf));
    assert!(
        meta.contains("<pdfaid:part>2</pdfaid:part>")
            && meta.contains("<pdfaid:conformance>U</pdfaid:conformance>"),
        "{meta}"
    );

    // The bundle still verifies with the report in it.
    s.ok(&["verify", zip.to_str().unwrap()]);
}

#[test]
fn a_report_on_demand_has_an_unblurred_annex_only_when_asked_and_never_overwrites() {
    let t = tempfile::tempdir().unwrap();
    let s = Session {
        vault: t.path().join("vault"),
    };
    s.ok(&["init"]);
    let case = s.ok(&["case", "new", "On demand"]).trim().to_owned();
    let shot = t.path().join("shot.png");
    picture(&shot, 320, 200);
    let pdf = t.path().join("report.pdf");
    let empty = s.fails(&["report", "--case", &case, "--out", pdf.to_str().unwrap()]);
    assert!(empty.contains("no items to export yet"), "{empty}");
    assert!(!pdf.exists());
    s.ok(&["import", "--case", &case, shot.to_str().unwrap()]);

    let said = String::from_utf8(
        safekeep(&s.vault)
            .args([
                "report",
                "--case",
                &case,
                "--out",
                pdf.to_str().unwrap(),
                "--exhibit-prefix",
                "ab",
                "--unblurred-annex",
            ])
            .output()
            .unwrap()
            .stderr,
    )
    .unwrap();
    assert!(said.contains("PDF/A-2u"), "{said}");
    let text = pdf_text(&pdf);
    assert!(text.contains("AB/1") && text.contains("made from the vault on its own"));
    assert!(
        text.matches("ANNEX A: UNBLURRED PICTURES").count() >= 1,
        "the annex pages are marked"
    );
    let mut sizes = image_sizes(&pdf);
    sizes.sort_unstable();
    assert_eq!(
        sizes,
        [(160, 100), (320, 200)],
        "a blurred thumbnail and the full-size annex copy"
    );

    let before = std::fs::read(&pdf).unwrap();
    let exists = s.fails(&["report", "--case", &case, "--out", pdf.to_str().unwrap()]);
    assert!(exists.contains("already exists"), "{exists}");
    assert_eq!(std::fs::read(&pdf).unwrap(), before, "never overwritten");
    let bad = s.fails(&[
        "report",
        "--case",
        &case,
        "--out",
        t.path().join("x.pdf").to_str().unwrap(),
        "--exhibit-prefix",
        "A1",
    ]);
    assert!(bad.contains("1 to 4 capital letters"), "{bad}");
    assert!(!t.path().join("x.pdf").exists());
    let leftovers: Vec<_> = std::fs::read_dir(t.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .filter(|n| n.to_string_lossy().ends_with(".part"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");

    // A picture that cannot be decoded (a truncated PNG) gets a line saying why, and
    // text the shipped fonts cannot draw (here Chinese) still gives a report, as plain PDF.
    let broken = t.path().join("broken.png");
    std::fs::write(&broken, &std::fs::read(&shot).unwrap()[..200]).unwrap();
    s.ok(&["import", "--case", &case, broken.to_str().unwrap()]);
    s.ok(&["note", "--case", &case, "--title", "Message", "你好"]);
    let other = t.path().join("other.pdf");
    let said = String::from_utf8(
        safekeep(&s.vault)
            .args(["report", "--case", &case, "--out", other.to_str().unwrap()])
            .output()
            .unwrap()
            .stderr,
    )
    .unwrap();
    assert!(said.contains("PDF 1.7"), "{said}");
    let text = pdf_text(&other);
    assert!(text.contains("SK/3"), "{text}");
    assert!(
        text.contains("original.png: no thumbnail (the picture cannot be decoded"),
        "{text}"
    );
}

#[test]
fn a_large_case_gets_a_compact_exhibit_list_and_full_sections_only_for_the_first_n() {
    let t = tempfile::tempdir().unwrap();
    let s = Session {
        vault: t.path().join("vault"),
    };
    s.ok(&["init"]);
    let case = s.ok(&["case", "new", "Many"]).trim().to_owned();
    let folder = t.path().join("files");
    std::fs::create_dir(&folder).unwrap();
    for i in 0..12 {
        std::fs::write(folder.join(format!("file-{i:02}.txt")), format!("evidence {i}\n")).unwrap();
    }
    s.ok(&["import", "--case", &case, folder.to_str().unwrap()]);
    let path = |name: &str| t.path().join(name);
    let report = |out: &Path, extra: &[&str]| {
        let mut args = vec![
            "report",
            "--case",
            &case,
            "--out",
            out.to_str().unwrap(),
            "--exhibit-prefix",
            "AB",
        ];
        args.extend_from_slice(extra);
        s.ok(&args);
    };
    report(&path("all.pdf"), &["--full-sections", "all"]);
    report(&path("five.pdf"), &["--full-sections", "5"]);
    let (all, five) = (pdf_text(&path("all.pdf")), pdf_text(&path("five.pdf")));
    // A full section starts with "AB/n: title" as its heading.
    assert!(
        all.contains("AB/12: file-11.txt"),
        "every exhibit has its section"
    );
    assert!(five.contains("AB/5: file-04.txt") && !five.contains("AB/6: file-05.txt"));
    assert!(
        five.contains("AB/6 to AB/12 are in the exhibit list"),
        "the cover says where the rest are"
    );
    // The compact list still names every exhibit with every file's SHA-256 (pdftotext
    // may break a long line, so hashes are looked for without white space).
    let flat: String = five.split_whitespace().collect();
    for i in 0..12 {
        let sha = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(format!("evidence {i}\n")));
        assert!(flat.contains(&sha), "file {i}'s SHA-256 is in the compact report");
        assert!(five.contains(&format!("AB/{} ", i + 1)), "AB/{} is listed", i + 1);
    }
    assert!(pages(&path("five.pdf")) < pages(&path("all.pdf")));
    let bad = s.fails(&[
        "report",
        "--case",
        &case,
        "--out",
        path("x.pdf").to_str().unwrap(),
        "--full-sections",
        "lots",
    ]);
    assert!(bad.contains("give a number such as 250, or all"), "{bad}");
}
