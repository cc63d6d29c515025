//! The shop's tags: the picker's and the filter's list, and a tag's colour.
//! Tagging one customer is in `customers` (`tag_add`, `tag_remove`).

use pelanggan_core::tags::{self, TagColor, TagUsage};
use tauri::AppHandle;

use crate::error::CmdResult;
use crate::state::blocking;

/// Every tag with its count of live customers (`popular`: the 20 most used).
#[tauri::command(rename_all = "snake_case")]
pub async fn tags_list(app: AppHandle, popular: bool) -> CmdResult<Vec<TagUsage>> {
    blocking(app, move |s| s.read(|r| tags::list(r, popular))).await
}

#[tauri::command(rename_all = "snake_case")]
pub async fn tag_set_color(app: AppHandle, name: String, color: String) -> CmdResult<TagUsage> {
    blocking(app, move |s| {
        let color = TagColor::parse(&color)?;
        s.write(|w| tags::set_color(w, &name, &color))
    })
    .await
}
