//! The four menu operations both RouterOS APIs are reduced to (`Menus`),
//! and the binary API's implementation of them; the REST client's is in
//! `rest`. `provision` works only through this trait, so the two clients
//! cannot differ in what they make the router do.

use crate::api::{self, ApiClient, Row};

/// The four things done to a RouterOS menu (`/ppp/secret`, ...).
pub trait Menus {
    /// Rows of `menu` whose `key` is `value` (every row when None), with
    /// only the `props` named.
    fn print(
        &mut self,
        menu: &str,
        filter: Option<(&str, &str)>,
        props: &[&str],
    ) -> crate::Result<Vec<Row>>;
    fn add(&mut self, menu: &str, attrs: &[(&str, &str)]) -> crate::Result<()>;
    fn set(&mut self, menu: &str, id: &str, attrs: &[(&str, &str)]) -> crate::Result<()>;
    fn remove(&mut self, menu: &str, id: &str) -> crate::Result<()>;
}

impl Menus for ApiClient {
    fn print(
        &mut self,
        menu: &str,
        filter: Option<(&str, &str)>,
        props: &[&str],
    ) -> crate::Result<Vec<Row>> {
        let mut words = vec![format!("=.proplist={}", props.join(","))];
        if let Some((k, v)) = filter {
            words.push(api::query(k, v));
        }
        Ok(self.run(&format!("{menu}/print"), &words)?.rows)
    }

    fn add(&mut self, menu: &str, attrs: &[(&str, &str)]) -> crate::Result<()> {
        let words: Vec<String> = attrs.iter().map(|(k, v)| api::attr(k, v)).collect();
        self.run(&format!("{menu}/add"), &words).map(drop)
    }

    fn set(&mut self, menu: &str, id: &str, attrs: &[(&str, &str)]) -> crate::Result<()> {
        let mut words = vec![api::attr(".id", id)];
        words.extend(attrs.iter().map(|(k, v)| api::attr(k, v)));
        self.run(&format!("{menu}/set"), &words).map(drop)
    }

    fn remove(&mut self, menu: &str, id: &str) -> crate::Result<()> {
        self.run(&format!("{menu}/remove"), &[api::attr(".id", id)])
            .map(drop)
    }
}
