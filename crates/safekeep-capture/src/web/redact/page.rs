//! Password fields in the page, blanked for the DOM and MHTML snapshots and put back
//! after, from an isolated world (a script context of Safekeep's own: the page's scripts
//! can neither see what it keeps nor intercept what it does). The person's typing is
//! untouched once the snapshots are taken.
//!
//! Only the tab's own frames are reached (a cross-site frame runs in another process,
//! whose DOM is not in these snapshots' reach either).

use chromiumoxide::cdp::browser_protocol::page::{
    CreateIsolatedWorldParams, FrameId, FrameTree, GetFrameTreeParams,
};

use crate::web::cdp::Page;
use chromiumoxide::cdp::js_protocol::runtime::{EvaluateParams, ExecutionContextId};

/// Clears every password field's value and `value` attribute, keeping both in the
/// isolated world's own global; returns the number of fields that held something.
const BLANK: &str = r#"(() => {
  const kept = [];
  for (const el of document.querySelectorAll('input[type="password" i]')) {
    const attr = el.getAttribute('value');
    if (!el.value && attr === null) continue;
    kept.push([el, el.value, attr]);
    el.value = '';
    el.removeAttribute('value');
  }
  globalThis.__safekeepPasswords = kept;
  return kept.length;
})()"#;

/// Puts back what [`BLANK`] cleared; returns how many fields it had cleared.
const RESTORE: &str = r#"(() => {
  const kept = globalThis.__safekeepPasswords || [];
  for (const [el, value, attr] of kept) {
    if (attr !== null) el.setAttribute('value', attr);
    el.value = value;
  }
  delete globalThis.__safekeepPasswords;
  return kept.length;
})()"#;

/// Blanks the password fields of every frame of `page`; returns the isolated worlds made.
pub async fn blank_passwords(page: &Page) -> Vec<ExecutionContextId> {
    let mut worlds = Vec::new();
    let mut frames = Vec::new();
    if let Ok(tree) = page.execute(GetFrameTreeParams::default()).await {
        collect(&tree.frame_tree, &mut frames);
    }
    for frame in frames {
        let mut world = CreateIsolatedWorldParams::new(frame);
        world.world_name = Some("safekeep-redaction".into());
        let Ok(made) = page.execute(world).await else {
            continue;
        };
        let id = made.execution_context_id;
        if run(page, id, BLANK).await.is_some() {
            worlds.push(id);
        }
    }
    worlds
}

/// Puts the fields back; returns how many had been blanked.
pub async fn restore_passwords(page: &Page, worlds: &[ExecutionContextId]) -> usize {
    let mut blanked = 0;
    for id in worlds {
        blanked += run(page, *id, RESTORE).await.unwrap_or(0);
    }
    blanked
}

async fn run(page: &Page, context: ExecutionContextId, script: &str) -> Option<usize> {
    let mut params = EvaluateParams::new(script);
    params.context_id = Some(context);
    params.return_by_value = Some(true);
    let got = page.execute(params).await.ok()?;
    got.result.value.as_ref()?.as_u64().map(|n| n as usize)
}

/// The ids of `tree`'s frames, the main frame first.
fn collect(tree: &FrameTree, out: &mut Vec<FrameId>) {
    out.push(tree.frame.id.clone());
    for child in tree.child_frames.iter().flatten() {
        collect(child, out);
    }
}
