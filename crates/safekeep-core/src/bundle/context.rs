//! The facts about a bag that every generated file repeats: a leaf the writer's parts share.

/// Facts about the bag that every generated file repeats.
pub(crate) struct BagContext {
    pub bag: String,
    pub case_id: String,
    pub case_title: String,
    pub prefix: String,
    pub exported_at: String,
    pub fingerprint: String,
    /// What the bundle says about a no-images case (docs/safeguarding.md), if it is one.
    pub no_images: Option<String>,
}
