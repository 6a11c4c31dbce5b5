//! Generates Tauri's context (config, capabilities, icons) at build time; on Windows it
//! also embeds the icon, version information and `windows-app-manifest.xml` (DPI awareness).
fn main() {
    let windows =
        tauri_build::WindowsAttributes::new().app_manifest(include_str!("windows-app-manifest.xml"));
    tauri_build::try_build(tauri_build::Attributes::new().windows_attributes(windows))
        .expect("tauri-build could not generate the app's context");
}
