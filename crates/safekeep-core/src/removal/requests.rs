//! Drafting removal requests in the vault. Each request is an annotation on its item
//! (`removal_request`, the person's details withheld, with the full text's SHA-256); its
//! full text is kept in the encrypted vault's settings under that hash. Where each stands
//! once sent is in [`super::status`].

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::deadline::shown;
use super::directory::{self, Platform};
use super::person::Person;
use super::status::request_status;
use super::template::{self, Template};
use super::{RemovalError, RequestKind};
use crate::db;
use crate::item::ItemKind;
use crate::takedown::TakedownItem;
use crate::vault::{Annotation, AnnotationBody, ItemView, Vault};

/// What the helpline advises before reporting, shown before any request is drafted.
pub const ADVICE: &str = "Content you report may be removed, and with it what you could show. First capture every address where it appears (with the address in the capture). If you may want the police involved, the Revenge Porn Helpline suggests thinking about contacting them before you report the content. You can stop at any time.";
/// Where [`ADVICE`] comes from.
pub const ADVICE_SOURCE: &str =
    "Revenge Porn Helpline FAQ, as recorded in Safekeep's field facts (re-check the page before release)";

const WITHHELD_NAME: &str = "[name withheld here: kept only in the encrypted vault]";
const WITHHELD_CONTACT: &str = "[contact details withheld here: kept only in the encrypted vault]";
const WITHHELD_SIGNATURE: &str = "[signature withheld here]";

/// What to draft.
#[derive(Debug, Clone)]
pub struct DraftOptions {
    /// Which request.
    pub kind: RequestKind,
    /// The item it is about.
    pub item: String,
    /// The address to name (default: every address of the item).
    pub address: Option<String>,
    /// For an authorised person (an advocate): the name of the person depicted, whom the
    /// sender (the vault's saved details) acts for.
    pub on_behalf_of: Option<String>,
    /// Whether the imagery is synthetic (made or altered by a computer), if known.
    pub synthetic: Option<bool>,
    /// Search result addresses (search de-listing only).
    pub search_results: Vec<String>,
}

/// A drafted request.
#[derive(Debug, Clone, Serialize)]
pub struct Drafted {
    /// The annotation that records it (the request's id).
    pub request_id: String,
    /// The item.
    pub item_id: String,
    /// Its title.
    pub title: String,
    /// Who it is for.
    pub recipient: String,
    /// The directory's entry for the recipient; none: a generic request.
    pub platform: Option<Platform>,
    /// The full text, to send.
    pub text: String,
    /// SHA-256 of `text`.
    pub sha256: String,
    /// `id@version` of the template.
    pub template: String,
    /// Hours the recipient has once it is sent, where a duty applies.
    pub deadline_hours: Option<u32>,
    /// Addresses of the case not yet captured, and the helpline's advice.
    pub before_reporting: BeforeReporting,
}

/// What to do before reporting.
#[derive(Debug, Clone, Serialize)]
pub struct BeforeReporting {
    /// Addresses where the content appears that no web-page item has captured yet.
    pub not_captured: Vec<String>,
    /// The helpline's advice, in plain words.
    pub advice: &'static str,
    /// Where the advice comes from.
    pub source: &'static str,
}

type Res<T> = Result<T, RemovalError>;

impl Vault {
    /// Drafts a request from what the item holds, records it as the item's annotation
    /// (details withheld) and keeps its full text in the vault. Sends nothing.
    pub fn draft_removal(&mut self, opts: &DraftOptions) -> Res<Drafted> {
        let person = self.removal_person()?.ok_or(RemovalError::NoPerson)?;
        let view = self.item(&opts.item)?;
        let item = self.takedown_item_with_md5(&view)?;
        let urls: Vec<String> = match &opts.address {
            Some(a) => vec![checked_address(a)?],
            None => addresses(&view, &item),
        };
        let Some(first) = urls.first() else {
            return Err(RemovalError::NoAddress(view.record.id.clone()));
        };
        let template = template::template(opts.kind.template_id())
            .ok_or_else(|| RemovalError::Input("this copy of Safekeep has no such template".into()))?;
        let platform = directory::find(first).cloned();
        let recipient = match (&platform, opts.kind) {
            (Some(p), _) => p.name.clone(),
            (None, RequestKind::HostAbuse) => self
                .latest_rdap(&view, first)
                .and_then(|(_, holder)| holder)
                .unwrap_or_else(|| directory::host_of(first).unwrap_or_default()),
            (None, _) => directory::host_of(first).unwrap_or_default(),
        };
        let mut fields = self.item_fields(&view, &item, &urls)?;
        fields.insert("recipient", recipient.clone());
        fields.insert(
            "real_or_synthetic",
            match opts.synthetic {
                Some(true) => {
                    "synthetic (made or altered by a computer) but depicts a real, identifiable person".into()
                }
                Some(false) => "real".into(),
                None => "not stated".into(),
            },
        );
        fields.insert("image_urls", list(urls.iter().filter(|u| looks_like_image(u))));
        fields.insert("search_result_urls", list(opts.search_results.iter()));
        let abuse = self.latest_rdap(&view, first);
        fields.insert("abuse_contact", match &abuse {
            Some((emails, _)) if !emails.is_empty() => format!("Sent to: {}", emails.join(", ")),
            _ => "No abuse contact is known: the look-up was not asked for, found none, or could not reach the registry. Find the host's abuse address (often abuse@ its domain) before sending.".into(),
        });
        let deadline_hours = platform
            .as_ref()
            .and_then(|p| p.stated_hours)
            .or(template.deadline_hours);
        let follows = None;
        self.finish_draft(
            opts,
            &view,
            template,
            (&recipient, platform, deadline_hours, follows),
            &person,
            fields,
        )
    }

    /// Drafts the follow-up of a sent request that was not acted on: a second request
    /// citing the first, and where to escalate.
    pub fn draft_follow_up(&mut self, request_id: &str, now: DateTime<Utc>, zone: Tz) -> Res<Drafted> {
        let person = self.removal_person()?.ok_or(RemovalError::NoPerson)?;
        let (view, first) = self.find_request(request_id)?;
        let status = request_status(&view, &first, &[], now, zone);
        let Some(sent_at) = status.sent_at.clone() else {
            return Err(RemovalError::Input(format!(
                "request {} has not been marked as sent, so there is nothing to follow up yet; record when you sent it first. Nothing was drafted",
                first.id
            )));
        };
        let item = self.takedown_item_with_md5(&view)?;
        let urls = addresses(&view, &item);
        let template = template::template(RequestKind::FollowUp.template_id())
            .ok_or_else(|| RemovalError::Input("this copy of Safekeep has no follow-up template".into()))?;
        let platform = urls.first().and_then(|u| directory::find(u)).cloned();
        let mut fields = self.item_fields(&view, &item, &urls)?;
        fields.insert("first_sent_at", sent_at);
        fields.insert("first_title", status.title.clone());
        fields.insert("first_sha256", status.sha256.clone());
        fields.insert(
            "first_reference",
            status
                .reference
                .map(|r| format!(", your reference {r}"))
                .unwrap_or_default(),
        );
        fields.insert(
            "first_deadline",
            status.deadline_shown.unwrap_or_else(|| "none stated".into()),
        );
        fields.insert("now", shown(now, zone));
        fields.insert("escalation", platform.as_ref().map_or_else(
            || "the service's appeal or complaint route; then the regulator: in the UK Ofcom, in the US the FTC (routes unverified).".to_owned(),
            |p| format!("{} (source: {})", p.escalation, p.source),
        ));
        let opts = DraftOptions {
            kind: RequestKind::FollowUp,
            item: view.record.id.clone(),
            address: None,
            on_behalf_of: None,
            synthetic: None,
            search_results: Vec::new(),
        };
        let hours = match &first.body {
            AnnotationBody::RemovalRequest { deadline_hours, .. } => *deadline_hours,
            _ => None,
        };
        self.finish_draft(
            &opts,
            &view,
            template,
            (&status.recipient, platform, hours, Some(first.id.clone())),
            &person,
            fields,
        )
    }

    fn finish_draft(
        &mut self,
        opts: &DraftOptions,
        view: &ItemView,
        template: &Template,
        (recipient, platform, deadline_hours, follows): (&str, Option<Platform>, Option<u32>, Option<String>),
        person: &Person,
        mut fields: BTreeMap<&'static str, String>,
    ) -> Res<Drafted> {
        let today = self.clock().now().format("%-d %B %Y").to_string();
        let depicted = opts
            .on_behalf_of
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty());
        let mut withheld = fields.clone();
        for (f, name, contact, signature, other) in [
            (
                &mut fields,
                person.name.clone(),
                person.contact.clone(),
                person.signature(),
                depicted.map(str::to_owned),
            ),
            (
                &mut withheld,
                WITHHELD_NAME.into(),
                WITHHELD_CONTACT.into(),
                WITHHELD_SIGNATURE.into(),
                depicted.map(|_| WITHHELD_NAME.to_owned()),
            ),
        ] {
            let (depicted_name, acting) = match &other {
                Some(d) => (
                    d.clone(),
                    format!(
                        ", an authorised person acting on behalf of {d}, the identifiable individual depicted"
                    ),
                ),
                None => (name.clone(), String::new()),
            };
            f.insert(
                "header",
                format!(
                    "To: {recipient}\nFrom: {name}\nDate: {today}\nSubject: {}",
                    template.title
                ),
            );
            f.insert("depicted", depicted_name.clone());
            f.insert("good_faith", match &other {
                Some(d) => format!("I, {name}, am authorised to act on behalf of {d}, the identifiable individual depicted. I have a good-faith belief that the intimate visual depiction identified above is not consensual: {d} did not consent to it being published. This request is made with {d}'s authority."),
                None => format!("I, {name}, am the identifiable individual depicted. I have a good-faith belief that the intimate visual depiction identified above is not consensual: I did not consent to it being published."),
            });
            f.insert("contact_block", format!("{name}{acting}\n{contact}"));
            f.insert(
                "signature_block",
                format!("{signature}\n{name}{acting}\nDate: {today}\n(Typed as an electronic signature.)"),
            );
        }
        let text = template.render(&fields);
        let public = template.render(&withheld);
        // Salted: the annotation (which bundles carry) names the full text by this hash,
        // and someone who receives a bundle and knows the template could otherwise test
        // guesses of the person's name and contact against it. The salt stays in the vault
        // beside the text; the two together show the text was this one.
        let salt = self.new_salt();
        let sha256 = hex::encode(
            Sha256::new()
                .chain_update(salt.as_bytes())
                .chain_update(text.as_bytes())
                .finalize(),
        );
        db::meta::set(self.conn(), &format!("removal.salt.{sha256}"), &salt)
            .map_err(crate::vault::Error::from)?;
        let title = format!(
            "{} — {}",
            template.title,
            crate::bundle::format::one_line(recipient)
        );
        db::meta::set(self.conn(), &text_key(&sha256), &text).map_err(crate::vault::Error::from)?;
        let annotation = self.annotate(
            &view.record.id,
            AnnotationBody::RemovalRequest {
                request_kind: opts.kind.as_str().into(),
                template: template.reference(),
                recipient: recipient.to_owned(),
                title: title.clone(),
                text: public,
                sha256: sha256.clone(),
                deadline_hours,
                follows,
            },
        )?;
        Ok(Drafted {
            request_id: annotation.id,
            item_id: view.record.id.clone(),
            title,
            recipient: recipient.to_owned(),
            platform,
            text,
            sha256,
            template: template.reference(),
            deadline_hours,
            before_reporting: self.before_reporting(&view.record.case_id)?,
        })
    }

    /// The full text of a request, as drafted (kept only in the vault).
    pub fn removal_text(&self, request_id: &str) -> Res<(String, String)> {
        let (_, a) = self.find_request(request_id)?;
        let AnnotationBody::RemovalRequest { sha256, title, .. } = &a.body else {
            return Err(RemovalError::UnknownRequest(request_id.into()));
        };
        let text = db::meta::get(self.conn(), &text_key(sha256))
            .map_err(crate::vault::Error::from)?
            .ok_or_else(|| RemovalError::Input(format!("the full text of request {} is not in this vault (it was drafted on another copy); draft it again", a.id)))?;
        Ok((title.clone(), text))
    }

    /// The address a look-up or a request is about: `given`, else the item's first.
    /// An item with no address is refused with what to do.
    pub fn address_for(&self, item_id: &str, given: Option<&str>) -> Res<String> {
        if let Some(a) = given.map(str::trim).filter(|a| !a.is_empty()) {
            return checked_address(a);
        }
        let view = self.item(item_id)?;
        addresses(&view, &crate::takedown::takedown_item(&view))
            .into_iter()
            .next()
            .ok_or_else(|| RemovalError::NoAddress(view.record.id.clone()))
    }

    /// Addresses of the case not yet captured, and the helpline's advice.
    pub fn before_reporting(&self, case_id: &str) -> Res<BeforeReporting> {
        let case = self.resolve_case(case_id)?;
        let items = self.items(Some(&case.id))?;
        let captured: Vec<String> = items
            .iter()
            .filter(|v| v.record.kind == ItemKind::WebPage)
            .filter_map(|v| v.record.capture.as_ref()?.get("url")?.as_str().map(str::to_owned))
            .collect();
        let mut not_captured = Vec::new();
        for v in items.iter().filter(|v| v.withdrawn.is_none()) {
            for u in crate::takedown::takedown_item(v).urls {
                if !captured.contains(&u) && !not_captured.contains(&u) {
                    not_captured.push(u);
                }
            }
        }
        Ok(BeforeReporting {
            not_captured,
            advice: ADVICE,
            source: ADVICE_SOURCE,
        })
    }

    pub(super) fn find_request(&self, request_id: &str) -> Res<(ItemView, Annotation)> {
        let given = request_id.trim();
        let unknown = || RemovalError::UnknownRequest(request_id.into());
        if given.len() < 4 {
            return Err(unknown());
        }
        // Looked up by id in SQL, not by reading every item: a vault may hold 50,000.
        let found = db::annotations::by_id_prefix(self.conn(), given).map_err(crate::vault::Error::from)?;
        let [(id, item_id, _)] = found.as_slice() else {
            return Err(unknown());
        };
        let view = self.item(item_id)?;
        let a = view
            .annotations
            .iter()
            .find(|a| a.id == *id && matches!(a.body, AnnotationBody::RemovalRequest { .. }))
            .cloned()
            .ok_or_else(unknown)?;
        Ok((view, a))
    }

    /// What the item's RDAP look-ups for the address's host found (domain and network,
    /// newest first): abuse e-mails and the registrar or network named; none if no
    /// look-up succeeded.
    fn latest_rdap(&self, view: &ItemView, address: &str) -> Option<(Vec<String>, Option<String>)> {
        let host = directory::host_of(address)?;
        let mut found: Option<(Vec<String>, Option<String>)> = None;
        for a in view.annotations.iter().rev() {
            if let AnnotationBody::RdapLookup {
                target,
                abuse_emails,
                holder,
                error: None,
                ..
            } = &a.body
                && *target == host
            {
                let (emails, h) = found.get_or_insert_with(|| (Vec::new(), None));
                for e in abuse_emails {
                    if !emails.contains(e) {
                        emails.push(e.clone());
                    }
                }
                if h.is_none() {
                    h.clone_from(holder);
                }
            }
        }
        found
    }

    fn item_fields(
        &self,
        view: &ItemView,
        item: &TakedownItem,
        urls: &[String],
    ) -> Res<BTreeMap<&'static str, String>> {
        let mut f = BTreeMap::new();
        f.insert("urls", list(urls.iter()));
        let reference = self.exhibit_reference(view)?;
        f.insert(
            "exhibits",
            match reference {
                Some(r) => format!(
                    "exhibit {r} (Safekeep item {}, \"{}\")",
                    view.record.id, view.record.title
                ),
                None => format!("Safekeep item {} (\"{}\")", view.record.id, view.record.title),
            },
        );
        f.insert(
            "captured_at",
            format!(
                "{} (UTC, recorded by the capturing computer)",
                view.record.captured_at
            ),
        );
        let hashes: Vec<String> = item
            .files
            .iter()
            .map(|h| {
                let mut line = format!("- {} ({}): SHA-256 {}", h.name, h.media_type, h.sha256);
                if let Some(m) = &h.md5 {
                    line.push_str(&format!("; MD5 {m}"));
                }
                if let Some(p) = &h.pdq {
                    line.push_str(&format!("; PDQ {p}"));
                }
                if !h.vpdq.is_empty() {
                    line.push_str(&format!("; vPDQ {} frames (in the takedown pack)", h.vpdq.len()));
                }
                line
            })
            .collect();
        f.insert(
            "hashes",
            if hashes.is_empty() {
                "(none)".into()
            } else {
                hashes.join("\n")
            },
        );
        Ok(f)
    }

    /// The exhibit reference the next export would give the item: its hand-over
    /// reference, else the producer's initials (the export's default, `SK`, when none
    /// are set) and its place in capture order.
    fn exhibit_reference(&self, view: &ItemView) -> Res<Option<String>> {
        let prefix = self.producer_initials()?.unwrap_or_else(|| "SK".to_owned());
        let kept = self.handed_over(&view.record.case_id)?;
        if let Some((r, _)) = kept.get(&view.record.id) {
            return Ok(Some(r.clone()));
        }
        let mut n = kept
            .values()
            .filter_map(|(r, _)| {
                r.strip_prefix(prefix.as_str())?
                    .strip_prefix('/')?
                    .parse::<usize>()
                    .ok()
            })
            .max()
            .unwrap_or(0);
        for v in self
            .items(Some(&view.record.case_id))?
            .iter()
            .filter(|v| v.withdrawn.is_none())
        {
            if kept.contains_key(&v.record.id) {
                continue;
            }
            n += 1;
            if v.record.id == view.record.id {
                return Ok(Some(crate::bundle::format::exhibit_ref(&prefix, n)));
            }
        }
        Ok(None)
    }

    fn takedown_item_with_md5(&self, view: &ItemView) -> Res<TakedownItem> {
        let mut item = crate::takedown::takedown_item(view);
        self.fill_md5(&mut item)?;
        Ok(item)
    }
}

/// The item's addresses: the captured page's own address first (a web-page capture), then
/// those the takedown list holds.
fn addresses(view: &ItemView, item: &TakedownItem) -> Vec<String> {
    let mut out: Vec<String> = view
        .record
        .capture
        .as_ref()
        .and_then(|c| c.get("url")?.as_str().map(str::to_owned))
        .filter(|_| view.record.kind == ItemKind::WebPage)
        .into_iter()
        .collect();
    for u in &item.urls {
        if !out.contains(u) {
            out.push(u.clone());
        }
    }
    out
}

fn text_key(sha256: &str) -> String {
    format!("removal.text.{sha256}")
}

fn checked_address(a: &str) -> Res<String> {
    let a = a.trim();
    match url::Url::parse(a) {
        Ok(u) if matches!(u.scheme(), "http" | "https") && u.host().is_some() => Ok(a.to_owned()),
        _ => Err(RemovalError::Input(format!(
            "\"{a}\" is not a web address: give the full address, starting with https://; nothing was drafted"
        ))),
    }
}

fn list<'a>(urls: impl Iterator<Item = &'a String>) -> String {
    let lines: Vec<String> = urls
        .map(|u| format!("- {}", crate::bundle::format::one_line(u)))
        .collect();
    if lines.is_empty() {
        "(none given)".into()
    } else {
        lines.join("\n")
    }
}

fn looks_like_image(u: &str) -> bool {
    let path = u.split(['?', '#']).next().unwrap_or("").to_ascii_lowercase();
    [".jpg", ".jpeg", ".png", ".gif", ".webp", ".mp4", ".webm", ".mov"]
        .iter()
        .any(|e| path.ends_with(e))
}
