//! The RDAP look-up a person asks for when writing to a site's host or registrar
//! (docs/removal.md): IANA's bootstrap file, then the registry's or regional internet
//! registry's server it names, for the site's domain and for the address it resolves to.
//! Nothing here runs unless the person asks; what was asked and answered is kept in the
//! case as an `rdap_lookup` annotation on the item, also when the look-up fails (then the
//! letter is drafted without a contact, and says so).
//!
//! Answers are read with the web capture's fetcher (rustls, private addresses only when
//! asked for, a body cap of [`rdap::MAX_ANSWER`]); reading them is in
//! `safekeep_core::removal::rdap`.

use std::net::ToSocketAddrs;
use std::sync::Arc;
use std::time::Duration;

use safekeep_core::Vault;
use safekeep_core::removal::directory::host_of;
use safekeep_core::removal::rdap::{self, Target};
use safekeep_core::vault::{Annotation, AnnotationBody};
use sha2::{Digest, Sha256};

use crate::web::{Limits, fetch, tls};

/// Time allowed for each RDAP request.
const TIMEOUT: Duration = Duration::from_secs(20);

/// Looks up the abuse contacts for the item's address (its first, or `address`), from
/// the bootstrap files under `bootstrap` (IANA's: [`rdap::IANA_BOOTSTRAP`]), and keeps
/// each look-up as an annotation of the item. Returns those annotations.
pub fn look_up_to_vault(
    vault: &mut Vault,
    item: &str,
    address: &str,
    bootstrap: &str,
) -> Result<Vec<Annotation>, safekeep_core::Error> {
    let mut out = Vec::new();
    for body in look_up(address, bootstrap) {
        out.push(vault.annotate(item, body)?);
    }
    Ok(out)
}

/// Looks up the address's domain (its registrar) and, when the name resolves, the
/// address it resolves to (its network's holder, usually the host). One annotation body
/// per look-up; a failure is one with `error` set.
pub fn look_up(address: &str, bootstrap: &str) -> Vec<AnnotationBody> {
    let Some(host) = host_of(address) else {
        return vec![failed(
            address,
            Vec::new(),
            "this is not a web address with a host name",
        )];
    };
    let Some(target) = Target::of_address(address) else {
        return vec![failed(
            &host,
            Vec::new(),
            "this is not a web address with a host name",
        )];
    };
    let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(r) => r,
        Err(e) => {
            return vec![failed(
                &host,
                Vec::new(),
                &format!("the network could not be started ({e})"),
            )];
        }
    };
    let mut out = vec![one(&runtime, &host, &target, bootstrap)];
    if let Target::Domain(_) = target {
        // The host's network: the first address the name resolves to (a DNS query, also
        // only because the person asked).
        if let Some(ip) = (host.as_str(), 443)
            .to_socket_addrs()
            .ok()
            .and_then(|mut a| a.next())
        {
            out.push(one(&runtime, &host, &Target::Ip(ip.ip()), bootstrap));
        }
    }
    out
}

fn one(runtime: &tokio::runtime::Runtime, host: &str, target: &Target, bootstrap: &str) -> AnnotationBody {
    let mut asked = Vec::new();
    let file = format!("{}/{}", bootstrap.trim_end_matches('/'), target.bootstrap_file());
    let boot = match get(runtime, &file, &mut asked) {
        Ok(b) => b,
        Err(e) => return failed(host, asked, &e),
    };
    let Ok(boot) = serde_json::from_slice::<serde_json::Value>(&boot) else {
        return failed(host, asked, "the bootstrap file is not JSON");
    };
    let Some(base) = rdap::service_for(&boot, target) else {
        return failed(host, asked, &format!("no RDAP server is listed for {target}"));
    };
    let query = target.query(&base);
    let body = match get(runtime, &query, &mut asked) {
        Ok(b) => b,
        Err(e) => return failed(host, asked, &e),
    };
    let answer_sha256 = hex::encode(Sha256::digest(&body));
    let answer = rdap::kept_answer(&body);
    match serde_json::from_slice::<serde_json::Value>(&body) {
        Ok(json) => {
            let f = rdap::findings(&json);
            AnnotationBody::RdapLookup {
                target: host.to_owned(),
                asked,
                answer: Some(answer),
                answer_sha256: Some(answer_sha256),
                abuse_emails: f.abuse_emails,
                holder: f.holder,
                error: None,
            }
        }
        Err(_) => AnnotationBody::RdapLookup {
            target: host.to_owned(),
            asked,
            answer: Some(answer),
            answer_sha256: Some(answer_sha256),
            abuse_emails: Vec::new(),
            holder: None,
            error: Some("the RDAP server's answer is not JSON".into()),
        },
    }
}

/// GETs `address`, records it as asked, and returns the body of a 200 answer.
fn get(runtime: &tokio::runtime::Runtime, address: &str, asked: &mut Vec<String>) -> Result<Vec<u8>, String> {
    asked.push(address.to_owned());
    let url = url::Url::parse(address).map_err(|e| format!("{address} is not an address ({e})"))?;
    let roots: Arc<_> = tls::root_store(&[]).map_err(|e| e.to_string())?;
    let limits = Limits {
        max_body: rdap::MAX_ANSWER,
        timeout: TIMEOUT,
        max_redirects: 3,
        ..Limits::default()
    };
    let exchanges = runtime
        .block_on(fetch::fetch(&url, &limits, roots))
        .map_err(|e| {
            let why = e.to_string();
            // The capture's wording; here the failed look-up itself is kept in the case.
            let why = why.trim_end_matches(" Nothing was saved.").trim_end_matches('.');
            format!("{address} could not be reached ({why})")
        })?;
    if let Some(hop) = exchanges.iter().find(|e| !rdap::secure_enough(e.url.as_str())) {
        return Err(format!(
            "{address} sent the look-up on to {}, which is not HTTPS; its answer was not used",
            safekeep_core::bundle::format::one_line(hop.url.as_str())
        ));
    }
    let last = exchanges
        .last()
        .ok_or_else(|| format!("{address} gave no answer"))?;
    if last.status != 200 {
        return Err(format!(
            "{address} answered {} {}",
            last.status,
            safekeep_core::bundle::format::one_line(&last.reason)
        ));
    }
    Ok(last.body.clone())
}

fn failed(target: &str, asked: Vec<String>, why: &str) -> AnnotationBody {
    AnnotationBody::RdapLookup {
        target: target.to_owned(),
        asked,
        answer: None,
        answer_sha256: None,
        abuse_emails: Vec::new(),
        holder: None,
        error: Some(why.to_owned()),
    }
}
