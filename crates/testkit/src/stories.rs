//! What officials and other systems do, as one-line helpers for stories (the same few steps
//! were written out in each test file before).

use platform::audit::Actor;
use platform::identity::access::{Role, Scope};

use crate::app::{Client, Res, TestApp};

impl TestApp {
    /// A new API token named `name` with one role over `scope`; returns its secret.
    pub async fn token(&self, name: &str, role: Role, scope: Scope) -> String {
        platform::identity::tokens::create(&self.db, &Actor::system("t"), name, role, scope, 30)
            .await
            .unwrap()
            .1
    }

    /// A client of another system: it sends a new token (see [`TestApp::token`]).
    pub async fn token_client(&self, name: &str, role: Role, scope: Scope) -> Client {
        let mut c = self.client();
        c.bearer = Some(self.token(name, role, scope).await);
        c
    }
}

impl Client {
    /// Post a form of owned fields (a report form built with [`report_form`]).
    pub async fn post_fields(&mut self, path: &str, fields: &[(String, String)]) -> Res {
        let refs: Vec<(&str, &str)> = fields
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        self.post(path, &refs).await
    }
}

/// The fields of a report form over indicators `codes`: every value 100, retail sales
/// (`RETAIL_SALES`) `retail`, then `extra` (action, version, explanations…).
pub fn report_form<'a>(
    codes: impl IntoIterator<Item = &'a str>,
    retail: &str,
    extra: &[(&str, &str)],
) -> Vec<(String, String)> {
    let mut f: Vec<(String, String)> = codes
        .into_iter()
        .map(|code| {
            let v = if code == "RETAIL_SALES" {
                retail
            } else {
                "100"
            };
            (format!("v_{code}"), v.to_owned())
        })
        .collect();
    f.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    f
}
