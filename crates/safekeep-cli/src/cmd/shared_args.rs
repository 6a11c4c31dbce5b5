//! Arguments several subcommands take: what the person knows about the evidence
//! (`import`, `import chat`, `note`, `capture screen|video|url`), as the item's context.

/// What you know about the evidence. All optional; you can add more later with `annotate`.
#[derive(Debug, clap::Args)]
pub struct ContextArgs {
    /// A short title for lists.
    #[arg(long)]
    pub title: Option<String>,
    /// What it shows and why it matters.
    #[arg(long)]
    pub description: Option<String>,
    /// When it happened, if you know (e.g. 2026-03-01T21:40:00+00:00).
    #[arg(long, value_name = "RFC3339")]
    pub incident_time: Option<String>,
    /// Where you saw it (the full web address).
    #[arg(long, value_name = "URL")]
    pub source_url: Option<String>,
    /// The platform or service, e.g. Instagram.
    #[arg(long)]
    pub platform: Option<String>,
    /// The account, handle or profile address of whoever posted it.
    #[arg(long, value_name = "ACCOUNT")]
    pub account: Option<String>,
}

impl From<ContextArgs> for safekeep_core::item::Context {
    fn from(a: ContextArgs) -> Self {
        Self {
            title: a.title,
            description: a.description,
            incident_time: a.incident_time,
            source_url: a.source_url,
            platform: a.platform,
            poster_account: a.account,
            incident: None,
        }
    }
}
