//! Request templates: versioned data (`data/removal/templates.json`), each with the legal
//! source it follows and the date that source was read, so that a template can follow
//! the law (the UK regulations, when made) without a code change. Filling one is plain
//! substitution of `{name}` placeholders; every value put in is made inert first (see
//! [`crate::bundle::format::inert_lines`]), because addresses and contacts come from
//! pages and RDAP answers someone else wrote.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

const TEMPLATES_JSON: &str = include_str!("../../data/removal/templates.json");

/// One template, as the data file holds it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Template {
    /// Stable id (`us-take-it-down`, `uk-intimate-image-content-report`, …).
    pub id: String,
    /// Its version; a request records `id@version`.
    pub version: String,
    /// The request's title.
    pub title: String,
    /// The law or policy it follows, and what about it is unverified.
    pub legal_source: String,
    /// When that source was read.
    pub source_date: String,
    /// The duty it invokes, in words.
    pub duty: String,
    /// Hours the recipient has once it is sent, where a duty applies.
    pub deadline_hours: Option<u32>,
    /// Its parts, in order.
    pub sections: Vec<Section>,
}

/// One part of a request: a statutory element or a paragraph.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Section {
    /// Which element it is (`identification`, `good_faith`, `contact`, `signature`…).
    pub element: String,
    /// Its heading (empty for a plain paragraph).
    pub heading: String,
    /// Its text, with `{placeholders}`.
    pub text: String,
}

#[derive(Deserialize)]
struct File {
    templates: Vec<Template>,
}

/// Every template shipped with this copy of Safekeep.
pub fn templates() -> &'static [Template] {
    static ALL: OnceLock<Vec<Template>> = OnceLock::new();
    ALL.get_or_init(|| {
        serde_json::from_str::<File>(TEMPLATES_JSON)
            .map(|f| f.templates)
            // The file is compiled in and parsed by a unit test: an error here is a
            // broken build, and no template is better than a wrong one.
            .unwrap_or_default()
    })
}

/// The template with this id.
pub fn template(id: &str) -> Option<&'static Template> {
    templates().iter().find(|t| t.id == id)
}

impl Template {
    /// `id@version`, as a request records it.
    pub fn reference(&self) -> String {
        format!("{}@{}", self.id, self.version)
    }

    /// Fills the template: a header (`fields["header"]`), then each section with its
    /// heading. Values are made inert; a placeholder with no value is left visible, so a
    /// gap shows rather than reads as complete.
    pub fn render(&self, fields: &BTreeMap<&str, String>) -> String {
        let mut out = String::new();
        if let Some(h) = fields.get("header") {
            out.push_str(h);
            out.push_str("\n\n");
        }
        out.push_str(&self.title.to_uppercase());
        out.push_str("\n\n");
        for s in &self.sections {
            if !s.heading.is_empty() {
                out.push_str(&s.heading);
                out.push('\n');
            }
            out.push_str(&fill(&s.text, fields));
            out.push_str("\n\n");
        }
        out.push_str(&format!(
            "Template {} ({}; source read {}).\n",
            self.reference(),
            self.legal_source,
            self.source_date
        ));
        out
    }
}

/// One pass over `text`: a value that itself holds `{name}` is never filled again.
fn fill(text: &str, fields: &BTreeMap<&str, String>) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        match after.find('}').map(|close| (&after[..close], close)) {
            Some((name, close)) if fields.contains_key(name) => {
                out.push_str(&crate::bundle::format::inert_lines(&fields[name]));
                rest = &after[close + 1..];
            }
            _ => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_template_parses_with_its_source_and_date() {
        let all = templates();
        assert!(all.len() >= 5, "templates.json did not parse");
        for t in all {
            assert!(
                !t.legal_source.is_empty() && !t.source_date.is_empty(),
                "{}",
                t.id
            );
        }
        let tid = template("us-take-it-down").expect("take it down");
        let elements: Vec<_> = tid.sections.iter().map(|s| s.element.as_str()).collect();
        for e in ["identification", "good_faith", "contact", "signature"] {
            assert!(elements.contains(&e), "{e}");
        }
        assert_eq!(tid.deadline_hours, Some(48));
    }

    #[test]
    fn values_are_inert_and_gaps_show() {
        let t = template("host-abuse").expect("host");
        let mut f = BTreeMap::new();
        f.insert("recipient", "Evil\u{1b}[2JHost".to_owned());
        let text = t.render(&f);
        assert!(!text.contains('\u{1b}'));
        assert!(text.contains("{urls}"));
        f.insert("urls", "{recipient}".to_owned());
        assert!(
            t.render(&f).contains("{recipient}"),
            "a value is never filled again"
        );
    }
}
