//! The timeline at 50,000 items (issue #17): first page, next page, search and filters,
//! as the app asks for them (`Vault::timeline`), on an encrypted vault filled by a real
//! batch import. Prints a Markdown table for docs/performance.md.
//!
//! `cargo bench -p safekeep-core --bench timeline -- [ITEMS]` (default 50,000).
#![allow(clippy::unwrap_used, missing_docs)]

use std::fs;
use std::time::Instant;

use safekeep_core::item::Context;
use safekeep_core::keyring::{KdfParams, KdfPolicy};
use safekeep_core::vault::{AnnotationBody, TimelineQuery};
use safekeep_core::{Environment, Vault};

const RUNS: usize = 15;

fn median_ms(mut f: impl FnMut()) -> f64 {
    let mut times: Vec<f64> = (0..RUNS)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed().as_secs_f64() * 1000.0
        })
        .collect();
    times.sort_by(f64::total_cmp);
    times[RUNS / 2]
}

fn main() {
    let items: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(50_000);
    let work =
        tempfile::tempdir_in(std::env::var_os("BENCH_DIR").unwrap_or_else(|| "/var/tmp".into())).unwrap();
    let mut env = Environment::system("bench");
    env.kdf = KdfPolicy::Fixed(KdfParams::INSECURE_FAST);
    let mut v = Vault::init(&work.path().join("vault"), env, Some("bench passphrase")).unwrap();
    let case = v.create_case("Bench").unwrap();
    let folder = work.path().join("phone");
    for d in 0..50 {
        fs::create_dir_all(folder.join(format!("{d:02}"))).unwrap();
    }
    // Every 100th file is named "threat…": a search that matches 1 % of the case.
    for i in 0..items {
        let name = if i % 100 == 0 {
            format!("threat-{i:05}.txt")
        } else {
            format!("IMG_{i:05}.txt")
        };
        fs::write(folder.join(format!("{:02}", i % 50)).join(name), format!("{i}\n")).unwrap();
    }
    let t = Instant::now();
    let done = v
        .import_files(&case, &[folder], &Context::default(), &mut |_| {}, &|| false)
        .unwrap();
    let import_s = t.elapsed().as_secs_f64();
    assert_eq!(done.len(), items);
    let ids: Vec<String> = v
        .timeline(
            &case,
            &TimelineQuery {
                limit: Some(500),
                ..TimelineQuery::default()
            },
        )
        .unwrap()
        .items
        .iter()
        .map(|i| i.record.id.clone())
        .collect();
    for id in ids.iter().step_by(5) {
        v.annotate(id, AnnotationBody::Tag { tag: "threat".into() })
            .unwrap();
    }

    let first = TimelineQuery::default();
    let page = v.timeline(&case, &first).unwrap();
    assert_eq!(page.total, Some(items as u64));
    let deep_cursor = {
        let mut q = TimelineQuery {
            limit: Some(500),
            ..TimelineQuery::default()
        };
        for _ in 0..(items / 1000) {
            q.after = v.timeline(&case, &q).unwrap().next;
        }
        q.after
    };
    let rows = [
        (
            "first page (100 items + count)",
            median_ms(|| drop(v.timeline(&case, &first).unwrap())),
        ),
        (
            "next page (100 items)",
            median_ms(|| {
                drop(
                    v.timeline(
                        &case,
                        &TimelineQuery {
                            after: page.next.clone(),
                            ..first.clone()
                        },
                    )
                    .unwrap(),
                )
            }),
        ),
        (
            "a page half-way through",
            median_ms(|| {
                drop(
                    v.timeline(
                        &case,
                        &TimelineQuery {
                            after: deep_cursor.clone(),
                            ..first.clone()
                        },
                    )
                    .unwrap(),
                )
            }),
        ),
        (
            "search, 1 % match (first page + count)",
            median_ms(|| {
                drop(
                    v.timeline(
                        &case,
                        &TimelineQuery {
                            search: Some("threat".into()),
                            ..first.clone()
                        },
                    )
                    .unwrap(),
                )
            }),
        ),
        (
            "search, every item matches (first page + count)",
            median_ms(|| {
                drop(
                    v.timeline(
                        &case,
                        &TimelineQuery {
                            search: Some("txt".into()),
                            ..first.clone()
                        },
                    )
                    .unwrap(),
                )
            }),
        ),
        (
            "search, nothing matches",
            median_ms(|| {
                drop(
                    v.timeline(
                        &case,
                        &TimelineQuery {
                            search: Some("zebra".into()),
                            ..first.clone()
                        },
                    )
                    .unwrap(),
                )
            }),
        ),
        (
            "tag filter (100 tagged)",
            median_ms(|| {
                drop(
                    v.timeline(
                        &case,
                        &TimelineQuery {
                            tag: Some("threat".into()),
                            ..first.clone()
                        },
                    )
                    .unwrap(),
                )
            }),
        ),
        (
            "kind + date range",
            median_ms(|| {
                drop(
                    v.timeline(
                        &case,
                        &TimelineQuery {
                            kind: Some("file".into()),
                            from: Some("2000-01-01T00:00:00Z".into()),
                            until: Some("2100-01-01T00:00:00Z".into()),
                            ..first.clone()
                        },
                    )
                    .unwrap(),
                )
            }),
        ),
        (
            "facets (kinds, platforms, tags)",
            median_ms(|| drop(v.timeline_facets(&case).unwrap())),
        ),
    ];
    println!("{items} items in an encrypted vault (batch import {import_s:.1} s); median of {RUNS}, ms:\n");
    println!("| query | ms |\n|---|---|");
    for (name, ms) in rows {
        println!("| {name} | {ms:.1} |");
    }
}
