//! A case of 5,000 items in the real app: the timeline shows the first page at once,
//! loads the next as the person scrolls, and searches and filters in the vault (the page
//! never holds the whole case).
#![allow(clippy::unwrap_used, missing_docs)]

use std::fs;

use safekeep_core::item::Context;
use safekeep_e2e::*;

const ITEMS: usize = 5_000;

/// Sets a filter as choosing in it does (a `change` event).
async fn choose(c: &fantoccini::Client, id: &str, value: &str) {
    js(
        c,
        &format!(
            "(() => {{ const e = document.getElementById('{id}'); e.value = '{value}'; e.dispatchEvent(new Event('change')); }})()"
        ),
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_5000_item_timeline_pages_scrolls_searches_and_filters() {
    let home = tempfile::tempdir().unwrap();
    let mut v = make_vault(&home.path().join("vault"));
    let case = v.create_case("A phone's worth").unwrap();
    // 5,000 files in two folders; every 50th is named "threat-…", so 100 match a search.
    let folder = home.path().join("phone");
    for sub in ["DCIM", "Download"] {
        fs::create_dir_all(folder.join(sub)).unwrap();
    }
    for i in 0..ITEMS {
        let sub = if i % 2 == 0 { "DCIM" } else { "Download" };
        let name = if i % 50 == 0 {
            format!("threat-{i:04}.txt")
        } else {
            format!("msg-{i:04}.txt")
        };
        fs::write(folder.join(sub).join(name), format!("file {i}\n")).unwrap();
    }
    let done = v
        .import_files(&case, &[folder], &Context::default(), &mut |_| {}, &|| false)
        .unwrap();
    assert!(done.iter().all(|(_, r)| r.is_ok()));
    v.add_note(&case, "He wrote to me again tonight", Context::default())
        .unwrap();
    drop(v);

    let (_driver, port) = start_driver(home.path());
    let c = connect(port).await;
    unlock_and_open_first_case(&c).await;
    let rows = "document.querySelectorAll('#timeline li[data-item]').length";
    until(&c, &format!("{rows} === 100")).await;
    let count = js(&c, "document.getElementById('tl-count').textContent").await;
    assert!(count.as_str().unwrap().contains("100 of 5,001"), "{count}");
    shot(&c, "20-timeline-5000").await;

    // Scrolling to the end of the list loads the next page, and the one after.
    js(&c, "document.getElementById('tl-more').scrollIntoView()").await;
    until(&c, &format!("{rows} === 200")).await;
    js(&c, "document.getElementById('tl-more').scrollIntoView()").await;
    until(&c, &format!("{rows} === 300")).await;
    let titles = js(
        &c,
        "[...document.querySelectorAll('#timeline .title')].map((b) => b.textContent)",
    )
    .await;
    let titles: Vec<&str> = titles
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t.as_str().unwrap())
        .collect();
    let mut unique = titles.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(unique.len(), 300, "no item twice across pages");

    // A search runs in the vault: 100 files are named threat-….
    type_into(&c, "#tl-search", "threat").await;
    until(
        &c,
        "document.getElementById('tl-count').textContent.includes('100 items match')",
    )
    .await;
    assert_eq!(js(&c, rows).await, serde_json::json!(100));
    assert!(
        js(&c, "document.getElementById('tl-more').hidden")
            .await
            .as_bool()
            .unwrap()
    );
    let all_match = js(
        &c,
        "[...document.querySelectorAll('#timeline .title')].every((b) => b.textContent.startsWith('threat-'))",
    )
    .await;
    assert_eq!(all_match, serde_json::json!(true));

    // Kind: the one written entry.
    js(&c, "document.getElementById('tl-search').value = ''").await;
    choose(&c, "tl-kind", "note").await;
    until(&c, &format!("{rows} === 1")).await;
    let title = js(&c, "document.querySelector('#timeline .title').textContent").await;
    assert_eq!(title, serde_json::json!("He wrote to me again tonight"));
    shot(&c, "21-timeline-filtered").await;

    // A date range before the items were made finds nothing, and says what to do.
    js(&c, "document.getElementById('tl-kind').value = ''").await;
    choose(&c, "tl-to", "2020-01-01").await;
    until(
        &c,
        "document.getElementById('tl-count').textContent.includes('No item matches')",
    )
    .await;
    assert_eq!(js(&c, rows).await, serde_json::json!(0));

    // Clearing the filters brings back the first page of everything.
    click(&c, "#tl-clear").await;
    until(&c, &format!("{rows} === 100")).await;
    let count = js(&c, "document.getElementById('tl-count').textContent").await;
    assert!(count.as_str().unwrap().contains("100 of 5,001"), "{count}");
}
