//! Removal requests in the real app (docs/removal.md): a page captured and a request
//! drafted and sent on 27 March 2026 (the vault's clock set then) is overdue when the app
//! opens today; the page offers to capture the address again, and the re-capture, made
//! after the deadline, is listed under the request, linked to its item. Then, in the page:
//! the person's details saved, a request drafted (its text names them, never an image),
//! marked as sent, and its deadline shown.
#![allow(clippy::unwrap_used, missing_docs)]

use safekeep_capture::web::{self, Render, WebRequest};
use safekeep_core::removal::person::Person;
use safekeep_core::removal::{DraftOptions, RequestKind};
use safekeep_e2e::*;
use serde_json::json;

#[tokio::test(flavor = "multi_thread")]
async fn a_request_past_its_deadline_offers_a_recapture_which_is_linked() {
    let home = tempfile::tempdir().unwrap();
    // A page that stays up (the platform did not act).
    let port = serve_html(b"<!doctype html><title>post</title><p>still here</p>");
    let page = format!("http://127.0.0.1:{port}/post");
    let dir = home.path().join("vault");
    let at = page.clone();
    // Captured on a thread of its own: the capture runs its own async runtime.
    let (request, item) = std::thread::spawn(move || {
        let page = at;
        let mut env = safekeep_core::Environment::system("e2e");
        env.kdf = safekeep_core::keyring::KdfPolicy::Fixed(safekeep_core::keyring::KdfParams::INSECURE_FAST);
        let start = chrono::DateTime::parse_from_rfc3339("2026-03-27T09:00:00Z").unwrap();
        env.clock = Box::new(safekeep_core::clock::SteppingClock::new(
            start,
            chrono::Duration::seconds(1),
        ));
        let mut v = safekeep_core::Vault::init(&dir, env, Some(PASS)).unwrap();
        let case = v.create_case("Posts of me").unwrap();
        let req = WebRequest {
            url: page.clone(),
            render: Render::Skip,
            ..WebRequest::default()
        };
        let item = web::capture_to_vault(&mut v, &case, &req).unwrap().item.id;
        v.set_removal_person(&Person {
            name: "Alex Example".into(),
            contact: "alex@example.org".into(),
            signature: None,
        })
        .unwrap();
        let d = v
            .draft_removal(&DraftOptions {
                kind: RequestKind::TakeItDown,
                item: item.clone(),
                address: None,
                on_behalf_of: None,
                synthetic: None,
                search_results: Vec::new(),
            })
            .unwrap();
        let sent = v.clock().now().to_utc();
        v.mark_removal_sent(&d.request_id, sent, Some("TKT-1".into()))
            .unwrap();
        (d.request_id, item)
    })
    .join()
    .unwrap();

    let (_driver, wd) = start_driver(home.path());
    let c = connect(wd).await;
    unlock_and_open_first_case(&c).await;
    run_async(&c, "window.safekeep.openRemoval()", vec![]).await;
    until(&c, "!document.getElementById('removal-box').hidden").await;
    let row = format!("#removal-list li[data-request='{request}']");
    until(&c, &format!("document.querySelector(\"{row} .check-again\")")).await;
    let text = js(&c, &format!("document.querySelector(\"{row}\").textContent")).await;
    let text = text.as_str().unwrap();
    assert!(
        text.contains("overdue") && text.contains("Deadline:") && text.contains("29 Mar 2026"),
        "{text}"
    );
    // Before reporting: the helpline's advice, and every address already captured.
    let before = js(&c, "document.getElementById('removal-before').textContent").await;
    assert!(before.as_str().unwrap().contains("police"), "{before}");
    assert_eq!(
        js(&c, "document.getElementById('removal-all-captured').hidden").await,
        json!(false)
    );
    shot(&c, "removal-overdue").await;
    axe_clean(&c, "the removal panel with an overdue request").await;

    // Capture again now: after the deadline, linked to the request's item.
    click(&c, &format!("{row} .check-again")).await;
    until(&c, &format!("document.querySelector(\"{row} .recapture\")")).await;
    let text = js(
        &c,
        &format!("document.querySelector(\"{row} .recapture\").textContent"),
    )
    .await;
    assert!(
        text.as_str().unwrap().contains("at or after the deadline"),
        "{text}"
    );
    assert_eq!(
        js(
            &c,
            &format!("document.querySelector(\"{row} .check-again\") === null")
        )
        .await,
        json!(true)
    );

    // In the page: details, a new request, sent now; its deadline shows.
    type_into(&c, "#removal-name", "Alex Example").await;
    type_into(&c, "#removal-contact", "alex@example.org").await;
    click(&c, "#removal-me-save").await;
    c.execute(
        "document.getElementById('removal-kind').value = 'uk-report'; return null;",
        vec![],
    )
    .await
    .unwrap();
    click(&c, "#removal-draft").await;
    until(&c, "!document.getElementById('removal-drafted').hidden").await;
    let drafted = js(&c, "document.getElementById('removal-text').value").await;
    let drafted = drafted.as_str().unwrap();
    assert!(
        drafted.contains("Alex Example")
            && drafted.contains(&page)
            && drafted.contains("No image is attached"),
        "{drafted}"
    );
    assert!(drafted.contains("Online Safety Act 2023"));
    // A host not in the platform directory: a general request, and no form to open.
    let to = js(&c, "document.getElementById('removal-recipient').textContent").await;
    assert!(
        to.as_str()
            .unwrap()
            .contains("not in Safekeep's list of platforms"),
        "{to}"
    );
    assert_eq!(
        js(&c, "document.getElementById('removal-open-form').hidden").await,
        json!(true)
    );
    axe_clean(&c, "a drafted request").await;
    click(&c, "#removal-mark-sent").await;
    until(&c, "document.getElementById('removal-drafted').hidden").await;
    until(
        &c,
        "document.querySelectorAll('#removal-list li .deadline').length === 2",
    )
    .await;
    let list = js(&c, "document.getElementById('removal-list').textContent").await;
    assert!(list.as_str().unwrap().contains("sent, waiting"), "{list}");
    shot(&c, "removal-sent").await;
    c.close().await.unwrap();

    // The vault agrees: the re-capture checks the request's item again.
    let v = reopen_after_exit(&home.path().join("vault")).await;
    let case = v.cases().unwrap()[0].id.clone();
    let now = chrono::Utc::now();
    let all = v
        .removal_requests(
            &case,
            now,
            safekeep_core::removal::deadline::zone(Some("Europe/London")).unwrap(),
        )
        .unwrap();
    let first = all.iter().find(|r| r.request_id == request).unwrap();
    assert_eq!(first.recaptures.len(), 1);
    assert!(first.recaptures[0].at_or_after_deadline);
    assert_ne!(first.recaptures[0].item_id, item);
    assert!(
        all.iter()
            .any(|r| r.kind == "uk_report" && r.sent_at.is_some() && !r.overdue)
    );
}
