//! The window's webview, tuned for an app of tables and forms.
//!
//! On Linux (WebKitGTK) accelerated compositing is turned off. Under
//! software GL, which is what a shop PC without a GL driver, a virtual
//! machine or the test's Xvfb has, every composited layer is a texture
//! painted on the CPU: `make bench-app` measured the web process at 373 MB
//! PSS with it and 171 MB without, and search answered faster without it
//! (p95 107 -> 45 ms, 20,000 customers). Nothing here animates or scrolls
//! a video, which is what compositing is for. Windows (WebView2) and macOS
//! (WKWebView) are left as they are.

#[cfg(target_os = "linux")]
pub fn tune<R: tauri::Runtime>(app: &tauri::AppHandle<R>) {
    use tauri::Manager;
    use webkit2gtk::{HardwareAccelerationPolicy, SettingsExt, WebViewExt};
    for window in app.webview_windows().values() {
        // A failure leaves the default: slower and heavier, still correct.
        let _ = window.with_webview(|webview| {
            if let Some(settings) = webview.inner().settings() {
                settings.set_hardware_acceleration_policy(HardwareAccelerationPolicy::Never);
            }
        });
    }
}

#[cfg(not(target_os = "linux"))]
pub fn tune<R: tauri::Runtime>(_app: &tauri::AppHandle<R>) {}
