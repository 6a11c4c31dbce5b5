//! On Windows, embeds safekeep.exe's icon, version information (what Explorer's
//! Properties → Details shows a solicitor checking where the program came from) and
//! `windows-cli-manifest.xml` (long paths, UTF-8). Other targets: nothing.
fn main() {
    println!("cargo:rerun-if-changed=windows-cli-manifest.xml");
    println!("cargo:rerun-if-changed=../../icons/icon.ico");
    if std::env::var("CARGO_CFG_TARGET_OS").as_deref() != Ok("windows") {
        return;
    }
    let mut res = tauri_winres::WindowsResource::new();
    res.set_icon("../../icons/icon.ico")
        .set("ProductName", "Safekeep")
        .set(
            "FileDescription",
            "Safekeep command line: evidence vault and bundle verifier",
        )
        .set("OriginalFilename", "safekeep.exe")
        .set("InternalName", "safekeep")
        .set_manifest(include_str!("windows-cli-manifest.xml"));
    res.compile()
        .expect("the Windows resources of safekeep.exe could not be compiled (is x86_64-w64-mingw32-windres installed?)");
}
