//! The app's lifecycle state, as the native platform reports it.

/// Whether the app is visible to the user.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AppState {
    /// The app is in the foreground (Android: a started activity; iOS: active or inactive).
    Foreground,
    /// The app is in the background.
    Background,
}

impl AppState {
    /// `"foreground"` or `"background"`.
    pub fn as_str(self) -> &'static str {
        match self {
            AppState::Foreground => "foreground",
            AppState::Background => "background",
        }
    }

    pub(crate) fn parse(s: &str) -> Option<Self> {
        match s {
            "foreground" => Some(AppState::Foreground),
            "background" => Some(AppState::Background),
            _ => None,
        }
    }
}
