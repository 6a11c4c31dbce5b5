//! A small flowing layout for the PDF report: A4 pages, wrapped paragraphs, label/value
//! fields, warning boxes and pictures, with a running header and "page n of N" footer.
//!
//! krilla draws positioned glyphs; it does not break lines or pages. This module does,
//! measuring text with the glyph advances of the shipped DejaVu fonts (read with skrifa).
//! There is no shaping engine, so each character maps to one glyph: right for the Latin,
//! Greek and Cyrillic text reports mostly hold. A character none of the fonts has is drawn
//! as the fonts' "missing" box (and the report then cannot claim PDF/A: see `mod.rs`).

use krilla::Document;
use krilla::color::rgb;
use krilla::geom::{PathBuilder, Point, Rect, Size, Transform};
pub(super) use krilla::image::Image;
use krilla::num::NormalizedF32;
use krilla::page::PageSettings;
use krilla::paint::{Fill, FillRule};
use krilla::surface::Surface;
use krilla::text::{Font, GlyphId, KrillaGlyph};
use skrifa::charmap::Charmap;
use skrifa::instance::{LocationRef, Size as FontSize};
use skrifa::metrics::GlyphMetrics;
use skrifa::{FontRef, MetadataProvider};

const REGULAR: &[u8] = include_bytes!("../../../fonts/DejaVuSans.ttf");
const BOLD: &[u8] = include_bytes!("../../../fonts/DejaVuSans-Bold.ttf");
const MONO: &[u8] = include_bytes!("../../../fonts/DejaVuSansMono.ttf");

/// A4 in points.
pub(super) const PAGE_W: f32 = 595.28;
const PAGE_H: f32 = 841.89;
const LEFT: f32 = 56.0;
const TOP: f32 = 70.0;
const BOTTOM: f32 = PAGE_H - 64.0;
/// Width of the text column.
pub(super) const WIDTH: f32 = PAGE_W - 2.0 * LEFT;
/// Indent of an entry's text under its heading line.
const INDENT: f32 = 14.0;
/// Width of the label column of a field.
const LABEL_W: f32 = 128.0;

/// Body text size, in points.
pub(super) const BODY: f32 = 9.5;
/// Size of hashes and other machine values.
pub(super) const SMALL: f32 = 8.0;

/// Which font a piece of text is set in.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(super) enum Style {
    /// DejaVu Sans.
    Body,
    /// DejaVu Sans Bold.
    Bold,
    /// DejaVu Sans Mono: hashes, ids, file names and addresses.
    Mono,
}

/// Ink colours.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(super) enum Ink {
    Black,
    Grey,
    Warning,
}

impl Ink {
    fn rgb(self) -> (u8, u8, u8) {
        match self {
            Self::Black => (17, 17, 17),
            Self::Grey => (90, 90, 90),
            Self::Warning => (120, 60, 0),
        }
    }
}

struct Face {
    pdf: Font,
    charmap: Charmap<'static>,
    metrics: GlyphMetrics<'static>,
    upem: f32,
    /// Glyph and advance of each of the first 256 characters, looked up once: a report
    /// maps every character of every line twice (to wrap it, to draw it), and looking
    /// each up in the font's tables was a fifth of a large export's time.
    latin: Vec<Option<(u32, f32)>>,
}

impl Face {
    fn load(data: &'static [u8]) -> Option<Self> {
        let font = FontRef::new(data).ok()?;
        let metrics = font.glyph_metrics(FontSize::unscaled(), LocationRef::default());
        let upem = f32::from(
            font.metrics(FontSize::unscaled(), LocationRef::default())
                .units_per_em,
        );
        let mut face = Self {
            pdf: Font::new(data.into(), 0)?,
            charmap: font.charmap(),
            metrics,
            upem,
            latin: Vec::new(),
        };
        face.latin = (0..256u32)
            .map(|c| char::from_u32(c).and_then(|c| face.lookup(c)))
            .collect();
        Some(face)
    }

    /// The glyph and its advance (in ems) for a character, if this font has one.
    fn glyph(&self, c: char) -> Option<(u32, f32)> {
        match self.latin.get(c as usize) {
            Some(known) => *known,
            None => self.lookup(c),
        }
    }

    fn lookup(&self, c: char) -> Option<(u32, f32)> {
        let gid = self.charmap.map(c)?;
        let advance = self.metrics.advance_width(gid).unwrap_or(0.0) / self.upem;
        Some((gid.to_u32(), advance))
    }
}

/// The report's three fonts, parsed once per report.
pub(super) struct Fonts {
    faces: [Face; 3],
}

/// A stretch of text set in one font: glyphs with their byte ranges in the line's text.
struct Run {
    face: usize,
    x: f32,
    glyphs: Vec<KrillaGlyph>,
}

impl Fonts {
    /// Parses the shipped fonts; `None` only if the files in the crate are damaged.
    pub(super) fn load() -> Option<Self> {
        Some(Self {
            faces: [Face::load(REGULAR)?, Face::load(BOLD)?, Face::load(MONO)?],
        })
    }

    fn index(style: Style) -> usize {
        match style {
            Style::Body => 0,
            Style::Bold => 1,
            Style::Mono => 2,
        }
    }

    /// Maps text to glyphs, falling back to the other fonts for a character the style's
    /// font lacks. Returns the runs (at `size` points) and the total width.
    fn runs(&self, text: &str, style: Style, size: f32) -> (Vec<Run>, f32) {
        let first = Self::index(style);
        let order = [first, (first + 1) % 3, (first + 2) % 3];
        let mut runs: Vec<Run> = Vec::new();
        let mut x = 0.0;
        for (at, c) in text.char_indices() {
            let c = if c == '\t' { ' ' } else { c };
            if c.is_control() {
                continue;
            }
            let (face, (gid, advance)) = self.glyph(c, order);
            let glyph = KrillaGlyph::new(
                GlyphId::new(gid),
                advance,
                0.0,
                0.0,
                0.0,
                at..at + c.len_utf8(),
                None,
            );
            match runs.last_mut() {
                Some(run) if run.face == face => run.glyphs.push(glyph),
                _ => runs.push(Run {
                    face,
                    x,
                    glyphs: vec![glyph],
                }),
            }
            x += advance * size;
        }
        (runs, x)
    }

    /// The face and glyph that draw `c`, trying the faces in `order`; a box from the
    /// first when none has it.
    fn glyph(&self, c: char, order: [usize; 3]) -> (usize, (u32, f32)) {
        order
            .iter()
            .find_map(|&i| self.faces[i].glyph(c).map(|g| (i, g)))
            .unwrap_or((order[0], (0, 0.6)))
    }

    /// Width of one character at `size` points, as [`Self::runs`] sets it.
    fn char_width(&self, c: char, style: Style, size: f32) -> f32 {
        let c = if c == '\t' { ' ' } else { c };
        if c.is_control() {
            return 0.0;
        }
        let first = Self::index(style);
        self.glyph(c, [first, (first + 1) % 3, (first + 2) % 3]).1.1 * size
    }

    /// Width of `text` at `size` points.
    #[cfg(test)]
    fn width(&self, text: &str, style: Style, size: f32) -> f32 {
        self.runs(text, style, size).1
    }

    /// Breaks text into lines no wider than `width`: at spaces where it can, inside a word
    /// (a hash, an address) where it must. Line breaks in the text are kept.
    pub(super) fn wrap(&self, text: &str, style: Style, size: f32, width: f32) -> Vec<String> {
        // Widths add up character by character (no kerning), so each is measured once.
        let w = |c: char| self.char_width(c, style, size);
        let space = w(' ');
        let mut lines = Vec::new();
        for para in text.split('\n') {
            let para = para.trim_end_matches('\r');
            let mut line = String::new();
            let (mut line_w, mut line_chars) = (0.0, 0usize);
            for word in para.split(' ') {
                let word_w: f32 = word.chars().map(w).sum();
                let candidate = if line.is_empty() {
                    word_w
                } else {
                    line_w + space + word_w
                };
                if candidate <= width {
                    if !line.is_empty() {
                        line.push(' ');
                        line_chars += 1;
                    }
                    line.push_str(word);
                    line_chars += word.chars().count();
                    line_w = candidate;
                    continue;
                }
                if !line.is_empty() {
                    lines.push(std::mem::take(&mut line));
                    (line_w, line_chars) = (0.0, 0);
                }
                for c in word.chars() {
                    let cw = w(c);
                    line.push(c);
                    line_w += cw;
                    line_chars += 1;
                    if line_w > width && line_chars > 1 {
                        line.pop();
                        lines.push(std::mem::replace(&mut line, c.to_string()));
                        (line_w, line_chars) = (cw, 1);
                    }
                }
            }
            lines.push(line);
        }
        lines
    }

    fn draw(&self, surface: &mut Surface<'_>, t: &Text) {
        let Text {
            x,
            y,
            size,
            style,
            ink,
            ref text,
        } = *t;
        let (r, g, b) = ink.rgb();
        surface.set_fill(Some(Fill {
            paint: rgb::Color::new(r, g, b).into(),
            opacity: NormalizedF32::ONE,
            rule: FillRule::default(),
        }));
        for run in self.runs(text, style, size).0 {
            surface.draw_glyphs(
                Point::from_xy(x + run.x, y),
                &run.glyphs,
                self.faces[run.face].pdf.clone(),
                text,
                size,
                false,
            );
        }
    }
}

/// A line of text placed on a page (`y` is its baseline).
struct Text {
    x: f32,
    y: f32,
    size: f32,
    style: Style,
    ink: Ink,
    text: String,
}

enum Op {
    Text(Text),
    Fill {
        rect: Rect,
        shade: (u8, u8, u8),
    },
    Picture {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        image: Image,
    },
}

struct Page {
    header: String,
    ops: Vec<Op>,
}

/// Content flowing down A4 pages.
pub(super) struct Flow<'f> {
    fonts: &'f Fonts,
    pages: Vec<Page>,
    y: f32,
    header: String,
}

impl<'f> Flow<'f> {
    pub(super) fn new(fonts: &'f Fonts, header: &str) -> Self {
        let mut flow = Self {
            fonts,
            pages: Vec::new(),
            y: TOP,
            header: header.to_owned(),
        };
        flow.new_page();
        flow
    }

    /// Sets the running header of the pages started from now on.
    pub(super) fn set_header(&mut self, header: &str) {
        header.clone_into(&mut self.header);
    }

    /// Starts a new page, unless the current one is still empty (which then takes the
    /// current header): a section never leaves a blank page behind it.
    pub(super) fn new_page(&mut self) {
        self.y = TOP;
        if self.page_is_empty()
            && let Some(page) = self.pages.last_mut()
        {
            page.header.clone_from(&self.header);
            return;
        }
        self.pages.push(Page {
            header: self.header.clone(),
            ops: Vec::new(),
        });
    }

    /// Whether nothing has been put on the current page yet.
    fn page_is_empty(&self) -> bool {
        self.pages.last().is_none_or(|p| p.ops.is_empty())
    }

    /// Moves to a new page unless `height` more points fit on this one.
    pub(super) fn keep(&mut self, height: f32) {
        if self.y + height > BOTTOM && !self.page_is_empty() {
            self.new_page();
        }
    }

    pub(super) fn space(&mut self, height: f32) {
        if !self.page_is_empty() {
            self.y += height;
        }
    }

    fn push(&mut self, op: Op) {
        if let Some(page) = self.pages.last_mut() {
            page.ops.push(op);
        }
    }

    fn line(&mut self, x: f32, size: f32, style: Style, ink: Ink, text: String) {
        let lead = size * 1.35;
        self.keep(lead);
        self.y += lead;
        let y = self.y - size * 0.3;
        self.push(Op::Text(Text {
            x,
            y,
            size,
            style,
            ink,
            text,
        }));
    }

    /// A heading, kept with at least a few lines of what follows.
    pub(super) fn heading(&mut self, text: &str, size: f32) {
        self.space(size * 0.8);
        self.keep(size * 1.4 + 4.0 * BODY);
        for l in self.fonts.wrap(text, Style::Bold, size, WIDTH) {
            self.line(LEFT, size, Style::Bold, Ink::Black, l);
        }
        self.y += size * 0.3;
    }

    /// A wrapped paragraph.
    pub(super) fn paragraph(&mut self, text: &str, style: Style, size: f32, ink: Ink) {
        for l in self.fonts.wrap(text, style, size, WIDTH) {
            self.line(LEFT, size, style, ink, l);
        }
        self.y += size * 0.4;
    }

    /// A bold heading line and, indented under it, its text: a timeline entry.
    pub(super) fn entry(&mut self, head: &str, body: &str) {
        let heads = self.fonts.wrap(head, Style::Bold, BODY, WIDTH);
        let bodies = self.fonts.wrap(body, Style::Body, BODY, WIDTH - INDENT);
        self.keep(BODY * 1.35 * (heads.len() + bodies.len().min(2)) as f32);
        for l in heads {
            self.line(LEFT, BODY, Style::Bold, Ink::Black, l);
        }
        for l in bodies {
            self.line(LEFT + INDENT, BODY, Style::Body, Ink::Black, l);
        }
        self.y += BODY * 0.6;
    }

    /// A label in the left column and its value wrapped in the right one.
    pub(super) fn field(&mut self, label: &str, value: &str, style: Style) {
        let size = if style == Style::Mono { SMALL } else { BODY };
        let labels = self.fonts.wrap(label, Style::Bold, BODY, LABEL_W - 8.0);
        let values = self.fonts.wrap(value, style, size, WIDTH - LABEL_W);
        let lead = BODY * 1.35;
        let rows = labels.len().max(values.len());
        self.keep(lead * rows.min(4) as f32);
        for i in 0..rows {
            self.keep(lead);
            self.y += lead;
            let y = self.y - BODY * 0.3;
            if let Some(l) = labels.get(i) {
                self.push(Op::Text(Text {
                    x: LEFT,
                    y,
                    size: BODY,
                    style: Style::Bold,
                    ink: Ink::Black,
                    text: l.clone(),
                }));
            }
            if let Some(v) = values.get(i) {
                self.push(Op::Text(Text {
                    x: LEFT + LABEL_W,
                    y,
                    size,
                    style,
                    ink: Ink::Black,
                    text: v.clone(),
                }));
            }
        }
        self.y += 3.0;
    }

    /// A shaded box around a wrapped paragraph, for warnings.
    pub(super) fn boxed(&mut self, text: &str, style: Style) {
        let lines = self.fonts.wrap(text, style, BODY, WIDTH - 16.0);
        let height = lines.len() as f32 * BODY * 1.35 + 12.0;
        self.keep(height);
        self.push(Op::Fill {
            rect: rect(LEFT, self.y, WIDTH, height),
            shade: (255, 240, 214),
        });
        self.y += 6.0;
        for l in lines {
            self.line(LEFT + 8.0, BODY, style, Ink::Warning, l);
        }
        self.y += 10.0;
    }

    /// A thin horizontal rule.
    pub(super) fn rule(&mut self) {
        self.keep(8.0);
        self.y += 4.0;
        self.push(Op::Fill {
            rect: rect(LEFT, self.y, WIDTH, 0.6),
            shade: (120, 120, 120),
        });
        self.y += 4.0;
    }

    /// A picture scaled to fit `max_w` × `max_h` points, with a caption under it.
    pub(super) fn picture(&mut self, image: Image, max_w: f32, max_h: f32, caption: &str) {
        let (pw, ph) = image.size();
        let scale = (max_w / pw.max(1) as f32).min(max_h / ph.max(1) as f32);
        let (w, h) = (pw as f32 * scale, ph as f32 * scale);
        let captions = self.fonts.wrap(caption, Style::Body, SMALL, WIDTH);
        self.keep(h + 6.0 + captions.len() as f32 * SMALL * 1.35);
        self.push(Op::Picture {
            x: LEFT,
            y: self.y,
            w,
            h,
            image,
        });
        self.y += h + 4.0;
        for l in captions {
            self.line(LEFT, SMALL, Style::Body, Ink::Grey, l);
        }
        self.y += 6.0;
    }

    /// Draws every page into `doc`, with the running header and "page n of N · `footer`".
    pub(super) fn finish(&self, doc: &mut Document, footer: &str) {
        let total = self.pages.len();
        for (n, page) in self.pages.iter().enumerate() {
            let Some(settings) = PageSettings::from_wh(PAGE_W, PAGE_H) else {
                continue;
            };
            let mut pdf_page = doc.start_page_with(settings);
            let mut surface = pdf_page.surface();
            let fonts = self.fonts;
            let margin = |y: f32, text: String| Text {
                x: LEFT,
                y,
                size: SMALL,
                style: Style::Body,
                ink: Ink::Grey,
                text,
            };
            fonts.draw(&mut surface, &margin(40.0, page.header.clone()));
            let foot = format!("Page {} of {total} · {footer}", n + 1);
            fonts.draw(&mut surface, &margin(PAGE_H - 36.0, foot));
            for op in &page.ops {
                match *op {
                    Op::Text(ref text) => fonts.draw(&mut surface, text),
                    Op::Fill { rect, shade } => {
                        let mut path = PathBuilder::new();
                        path.push_rect(rect);
                        if let Some(path) = path.finish() {
                            surface.set_fill(Some(Fill {
                                paint: rgb::Color::new(shade.0, shade.1, shade.2).into(),
                                opacity: NormalizedF32::ONE,
                                rule: FillRule::default(),
                            }));
                            surface.draw_path(&path);
                        }
                    }
                    Op::Picture {
                        x,
                        y,
                        w,
                        h,
                        ref image,
                    } => {
                        if let Some(size) = Size::from_wh(w, h) {
                            surface.push_transform(&Transform::from_translate(x, y));
                            surface.draw_image(image.clone(), size);
                            surface.pop();
                        }
                    }
                }
            }
            surface.finish();
            pdf_page.finish();
            // krilla compresses each finished page on the rayon pool. This runs inside a
            // pool (see `render`), so after every second page it takes one waiting job
            // itself: compressing a page takes about twice as long as drawing one, so the
            // pages waiting (each uncompressed) stay few while the other threads compress
            // the rest. Without it, drawing outran compression and ≈ 13 MiB of pages
            // waited at 50,000 exhibits; taking a job after every page left the other
            // threads almost nothing to do.
            if n % 2 == 1 {
                rayon::yield_now();
            }
        }
    }
}

fn rect(x: f32, y: f32, w: f32, h: f32) -> Rect {
    Rect::from_xywh(x, y, w.max(0.1), h.max(0.1)).unwrap_or_else(|| {
        Rect::from_xywh(0.0, 0.0, 1.0, 1.0).unwrap_or_else(|| unreachable!("a unit square is a rectangle"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_words_break_inside_and_short_ones_at_spaces() {
        let fonts = Fonts::load().expect("shipped fonts parse");
        let hash = "a".repeat(200);
        let lines = fonts.wrap(&format!("SHA-256 {hash} end"), Style::Mono, SMALL, 200.0);
        assert!(lines.len() > 2, "{lines:?}");
        for l in &lines {
            assert!(fonts.width(l, Style::Mono, SMALL) <= 200.0, "{l}");
        }
        assert_eq!(lines.concat().replace(' ', ""), format!("SHA-256{hash}end"));
        assert_eq!(fonts.wrap("one\ntwo", Style::Body, BODY, WIDTH), ["one", "two"]);
        let prose = "Reported to the platform, which said it would look again; café, naïve — ✓ ".repeat(9);
        let lines = fonts.wrap(&prose, Style::Body, BODY, 180.0);
        for (i, l) in lines.iter().enumerate() {
            assert!(fonts.width(l, Style::Body, BODY) <= 180.0, "{l}");
            // Greedy: the next line's first word would not have fitted on this one.
            if let Some(next) = lines.get(i + 1).and_then(|n| n.split(' ').next()) {
                assert!(
                    fonts.width(&format!("{l} {next}"), Style::Body, BODY) > 180.0,
                    "{l} | {next}"
                );
            }
        }
        assert_eq!(lines.join(" ").trim_end(), prose.trim_end());
    }

    #[test]
    fn the_first_256_characters_come_from_the_table_as_from_the_font() {
        let fonts = Fonts::load().expect("shipped fonts parse");
        for face in &fonts.faces {
            for c in (0..256u32).filter_map(char::from_u32) {
                assert_eq!(face.glyph(c), face.lookup(c), "{c:?}");
            }
        }
    }

    #[test]
    fn sections_never_leave_blank_pages_and_a_new_header_applies_at_once() {
        let fonts = Fonts::load().expect("shipped fonts parse");
        let mut flow = Flow::new(&fonts, "first");
        flow.new_page();
        flow.paragraph("one", Style::Body, BODY, Ink::Black);
        flow.new_page();
        flow.new_page();
        flow.set_header("annex");
        flow.new_page();
        flow.paragraph("two", Style::Body, BODY, Ink::Black);
        let headers: Vec<&str> = flow.pages.iter().map(|p| p.header.as_str()).collect();
        assert_eq!(headers, ["first", "annex"]);
    }

    #[test]
    fn a_character_missing_from_one_font_comes_from_another() {
        let fonts = Fonts::load().expect("shipped fonts parse");
        // U+2713 CHECK MARK is in DejaVu Sans but not in DejaVu Sans Mono.
        let (runs, _) = fonts.runs("ok ✓", Style::Mono, BODY);
        assert!(
            runs.iter()
                .all(|r| r.glyphs.iter().all(|g| g.glyph_id.to_u32() != 0))
        );
    }
}
