//! The page's languages: one catalogue file per language under `ui/locales/`, found
//! among the app's embedded assets so that adding a language is adding one file.

use tauri::{AppHandle, Runtime};

/// The language codes (`en-GB`, …) whose catalogues ship with the app, sorted.
#[tauri::command]
pub fn ui_languages<R: Runtime>(app: AppHandle<R>) -> Vec<String> {
    let mut codes: Vec<String> = app
        .asset_resolver()
        .iter()
        .filter_map(|(path, _)| catalogue_code(&path))
        .collect();
    codes.sort();
    codes.dedup();
    codes
}

/// `/locales/en-GB.json` → `en-GB`; anything else is not a catalogue.
fn catalogue_code(path: &str) -> Option<String> {
    let name = path
        .trim_start_matches('/')
        .strip_prefix("locales/")?
        .strip_suffix(".json")?;
    let valid =
        !name.is_empty() && name.len() <= 16 && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
    valid.then(|| name.to_owned())
}

#[cfg(test)]
mod tests {
    use super::catalogue_code;

    #[test]
    fn only_catalogue_files_are_languages() {
        assert_eq!(catalogue_code("/locales/en-GB.json").as_deref(), Some("en-GB"));
        assert_eq!(catalogue_code("locales/pt-BR.json").as_deref(), Some("pt-BR"));
        assert_eq!(catalogue_code("/locales/../x.json"), None);
        assert_eq!(catalogue_code("/js/app.js"), None);
        assert_eq!(catalogue_code("/locales/readme.txt"), None);
        assert_eq!(catalogue_code("/locales/.json"), None);
    }
}
