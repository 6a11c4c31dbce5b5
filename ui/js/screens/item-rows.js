// What the computer recorded about an item, and what was added later, in words.
// Values that are data (addresses, titles, reasons the backend gives) are placeholders.

import { el, english } from "../shared/dom.js";
import { tNodes, when } from "../shared/i18n.js";
import { PLATFORMS } from "./conversation.js";

/// A trusted timestamp's state.
export function timestampText(ts) {
  if (!ts) return tNodes("item.ts_none");
  if (ts.state === "stamped") return tNodes("item.ts_stamped", { time: when(ts.gen_time), iso: ts.gen_time, signer: ts.signer, tsa: ts.tsa });
  if (ts.state === "unrecognised") return tNodes("item.ts_unrecognised", { iso: ts.gen_time, signer: ts.signer });
  return tNodes(ts.last_error ? "item.ts_waiting_error" : "item.ts_waiting", { since: when(ts.since), error: ts.last_error && english(ts.last_error) });
}

/// Rows [label key, nodes] about how an item was captured.
export function captureRows(cap) {
  if (!cap) return [];
  if (cap.source === "web") return webRows(cap);
  if (cap.reading) {
    const r = cap.reading;
    return [
      ["item.row_read_as", tNodes("item.read_as", { format: PLATFORMS[r.format] || r.format, variant: r.variant, parser: r.parser, basis: r.format_basis })],
      ["item.row_times", english(r.timezone_basis)],
      ["item.row_dates", r.date_order_basis ? english(r.date_order_basis) : null],
      ["item.row_warnings", (r.warnings || []).length ? english(r.warnings.join("; ")) : null],
      ["item.row_transcript", cap.transcript_sha256 ? el("code", { class: "sha", translate: "no" }, cap.transcript_sha256) : null],
    ];
  }
  const shot = (s) => tNodes("item.shot", {
    file: s.file, width: String(s.width), height: String(s.height),
    where: [s.window_title ? `“${s.window_title}”${s.app_name ? ` (${s.app_name})` : ""}` : null, s.monitor_name, s.scale_percent && s.scale_percent !== 100 ? `${s.scale_percent}%` : null].filter(Boolean).join(", "),
  });
  return [
    ["item.row_capture", tNodes("item.capture_target", { target: cap.target, display: cap.display_server, os: cap.os })],
    ["item.row_method", cap.method && english(cap.method)],
    ["item.row_started", tNodes("item.started_ended", { started: cap.started_at, ended: cap.ended_at })],
    ["item.row_pictures", (cap.shots || []).length ? joined((cap.shots || []).map(shot)) : null],
    ["item.row_series", cap.series ? tNodes("item.series", { index: cap.series.index, id: cap.series.id }) : null],
  ];
}

function joined(nodes) {
  const f = document.createDocumentFragment();
  nodes.forEach((n, i) => { if (i) f.append("; "); f.append(n); });
  return f;
}

function webRows(cap) {
  const hops = cap.exchanges || [];
  const last = hops[hops.length - 1] || {};
  const tls = last.tls;
  const leaf = tls && tls.chain && tls.chain[0];
  const r = cap.render || {};
  const certificate = !tls ? tNodes("item.cert_none")
    : tls.verification.verified ? tNodes("item.cert_ok", { subject: leaf ? leaf.subject : "?", issuer: leaf ? leaf.issuer : "?", count: tls.chain.length })
    : tNodes("item.cert_bad", { reason: english(tls.verification.reason) });
  return [
    ["item.row_address", tNodes("item.value", { value: cap.url })],
    ["item.row_final", hops.length > 1 ? tNodes("item.redirects", { url: cap.final_url, count: hops.length - 1, statuses: hops.map((h) => h.status).join(" → ") }) : null],
    ["item.row_status", tNodes("item.value", { value: `${last.status} ${last.reason || ""}`.trim() })],
    ["item.row_server", last.remote_ip ? tNodes(last.dns ? "item.server_dns" : "item.server", { ip: last.remote_ip, port: String(last.remote_port), dns: (last.dns || []).join(", ") }) : null],
    ["item.row_certificate", certificate],
    ["item.row_connection", tls ? tNodes("item.value", { value: `${tls.version}, ${tls.cipher}` }) : null],
    ["item.row_looked", r.skipped ? tNodes("item.render_skipped", { why: english(r.skipped) })
      : tNodes("item.render", { browser: r.browser, width: String(r.viewport.width), height: String(r.viewport.height), page_width: String(r.full_page.width), page_height: String(r.full_page.height), load: r.load })],
    ["item.row_method", cap.method && english(cap.method)],
    ["item.row_checks_again", cap.check_again_of ? tNodes("item.checks_again", { id: cap.check_again_of.item_id, time: when(cap.check_again_of.captured_at) }) : null],
    ["item.row_started", tNodes("item.started_ended", { started: cap.started, ended: cap.finished })],
  ];
}

/// An annotation (something added later), in words.
export function describe(n) {
  switch (n.kind) {
    case "tag": return tNodes("note_kind.tag", { tag: n.tag });
    case "note": return tNodes("note_kind.note", { text: n.text });
    case "description_correction": return tNodes("note_kind.correction", { text: n.description });
    case "context": {
      const c = n.context;
      const parts = [["shows", c.description], ["platform", c.platform], ["posted_by", c.poster_account], ["address", c.source_url]].filter(([, v]) => v);
      return joined(parts.map(([k, v]) => tNodes(`note_kind.context_${k}`, { value: v })));
    }
    case "report": {
      // One clause per field given, each translated whole.
      const clauses = [["report", n.reported_to], ["report_on", n.reported_on], ["report_reference", n.reference], ["report_outcome", n.outcome]].filter(([, v]) => v);
      const f = document.createDocumentFragment();
      for (const [k, v] of clauses) f.append(tNodes(`note_kind.${k}`, { value: v }));
      return f;
    }
    case "appears_at": return tNodes("note_kind.appears_at", { url: n.url });
    case "messages": return tNodes(n.note ? "note_kind.messages_note" : "note_kind.messages", { from: n.from, to: n.to, note: n.note });
    case "stopncii": return tNodes("note_kind.stopncii", { number: n.case_number });
    case "crime_reference": return tNodes(n.force ? "note_kind.crime_reference_force" : "note_kind.crime_reference", { reference: n.reference, force: n.force });
    default: return english(JSON.stringify(n));
  }
}
