//! The direct fetch beside a browser capture: Safekeep's own request for the address the
//! tab shows — the raw bytes the server sent and the server's own certificate chain — as
//! an independent second witness of the main document. It carries none of the person's
//! logins, so a page behind a login may answer it with its login wall; that is recorded
//! as it is. Its files are named `direct-fetch-…` (roles `direct_…`) beside the
//! browser's, and the record says which witness is which.

use serde_json::json;

use super::{PageCapture, Session};
use crate::web::{self, Limits, Render, WebRequest};

/// What the record says of the two witnesses.
const WITNESSES: &str = "page.warc.gz, page.wacz, the screenshots, snapshot.mhtml and dom.html are the load the person saw in Safekeep's browser, with their logins (login secrets removed). direct-fetch-… files are Safekeep's own separate request for the same address, without any login: the bytes exactly as the server sent them and the server's certificate chain.";

impl Session {
    /// Fetches `page.url` directly and adds that record to `page`. A failed fetch (a
    /// certificate that does not verify, a refused connection) is recorded, not fatal:
    /// the browser's record stands on its own.
    pub fn add_direct_fetch(&self, page: &mut PageCapture) {
        let request = WebRequest {
            url: page.url.clone(),
            limits: Limits::default(),
            extra_authorities: self.options.extra_authorities.clone(),
            render: Render::Skip,
            no_images: page.no_images,
            ..WebRequest::default()
        };
        let at = || chrono::Utc::now().fixed_offset();
        let record = match web::capture(&request, &at) {
            Ok(direct) => {
                for mut file in direct.item.files {
                    file.name = format!("direct-fetch-{}", file.name);
                    file.role = format!("direct_{}", file.role);
                    page.files.push(file.into());
                }
                json!({
                    "status": direct.summary.status,
                    "final_url": direct.summary.final_url,
                    "requests": direct.summary.requests,
                    "record": direct.item.machine,
                })
            }
            Err(e) => json!({ "failed": e.to_string() }),
        };
        page.machine["direct_fetch"] = record;
        page.machine["witnesses"] = WITNESSES.into();
    }
}
