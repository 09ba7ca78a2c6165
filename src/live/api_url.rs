//! The API base the key is sent to, and the rule that keeps it safe.
//!
//! Only `https` is accepted: the key travels in a header, and plain http would hand it
//! to anyone on the path. The one exception is a loopback address (127.0.0.0/8, ::1,
//! `localhost`), which never leaves the machine and is what the tests' mock server uses.
//! Credentials, query strings and fragments are refused: none has a meaning for the API
//! base, and credentials would end up in messages.

use std::net::IpAddr;

use reqwest::Url;

/// Where `--api-url` points when not given.
pub const DEFAULT_API_URL: &str = "https://api.mistral.ai";

/// A checked API base such as `https://api.mistral.ai`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiUrl(Url);

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ApiUrlError {
    #[error("invalid --api-url {url:?}: {reason}")]
    Invalid { url: String, reason: String },
    #[error("--api-url must use https (plain http is accepted only for loopback addresses such as 127.0.0.1, for tests); got a {scheme} URL for host {host}")]
    NotHttps { scheme: String, host: String },
}

impl ApiUrl {
    pub fn parse(text: &str) -> Result<ApiUrl, ApiUrlError> {
        let invalid = |reason: &str| ApiUrlError::Invalid {
            url: text.to_string(),
            reason: reason.to_string(),
        };
        let url = Url::parse(text.trim()).map_err(|e| invalid(&e.to_string()))?;
        if !url.username().is_empty() || url.password().is_some() {
            // Not echoed: the URL holds a credential.
            return Err(ApiUrlError::Invalid {
                url: "(not shown: it holds credentials)".into(),
                reason: "credentials in the URL are not accepted".into(),
            });
        }
        if url.query().is_some() || url.fragment().is_some() {
            return Err(invalid(
                "a query string or fragment has no meaning for the API base",
            ));
        }
        let host = url
            .host_str()
            .ok_or_else(|| invalid("no host"))?
            .to_string();
        match url.scheme() {
            "https" => {}
            "http" if is_loopback(&url) => {}
            scheme => {
                return Err(ApiUrlError::NotHttps {
                    scheme: scheme.to_string(),
                    host,
                })
            }
        }
        Ok(ApiUrl(url))
    }

    /// `{base}/v1/models`, keeping any path prefix of the base (a gateway mounted under a path).
    pub fn models_endpoint(&self) -> Url {
        let mut url = self.0.clone();
        let path = format!("{}/v1/models", url.path().trim_end_matches('/'));
        url.set_path(&path);
        url
    }

    /// True for 127.0.0.0/8, ::1 and `localhost`.
    pub fn is_loopback(&self) -> bool {
        is_loopback(&self.0)
    }

    pub fn host(&self) -> &str {
        self.0.host_str().unwrap_or_default()
    }
}

impl Default for ApiUrl {
    fn default() -> ApiUrl {
        ApiUrl::parse(DEFAULT_API_URL).expect("the default API URL is valid")
    }
}

fn is_loopback(url: &Url) -> bool {
    let Some(host) = url.host_str() else {
        return false;
    };
    // IPv6 hosts come bracketed (`[::1]`).
    match host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .parse::<IpAddr>()
    {
        Ok(ip) => ip.is_loopback(),
        Err(_) => host.eq_ignore_ascii_case("localhost"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn https_anywhere_http_only_on_loopback() {
        for ok in [
            "https://api.mistral.ai",
            "https://gateway.example.com/mistral/",
            "http://127.0.0.1:8080",
            "http://127.1.2.3",
            "http://[::1]:9",
            "http://localhost:3000",
        ] {
            assert!(ApiUrl::parse(ok).is_ok(), "{ok} refused");
        }
        for bad in [
            "http://api.mistral.ai",
            "http://10.0.0.1",
            "http://localhost.evil.com",
            "ftp://127.0.0.1",
            "http://[::2]",
        ] {
            assert!(
                matches!(ApiUrl::parse(bad), Err(ApiUrlError::NotHttps { .. })),
                "{bad} accepted"
            );
        }
        for bad in [
            "api.mistral.ai",
            "https://api.mistral.ai/?x=1",
            "https://api.mistral.ai/#f",
            "not a url",
        ] {
            assert!(
                matches!(ApiUrl::parse(bad), Err(ApiUrlError::Invalid { .. })),
                "{bad} accepted"
            );
        }
    }

    #[test]
    fn credentials_are_refused_without_being_echoed() {
        let err = ApiUrl::parse("https://user:hunter2@api.mistral.ai")
            .unwrap_err()
            .to_string();
        assert!(!err.contains("hunter2"), "{err}");
    }

    #[test]
    fn endpoint_keeps_the_path_prefix() {
        assert_eq!(
            ApiUrl::default().models_endpoint().as_str(),
            "https://api.mistral.ai/v1/models"
        );
        assert_eq!(
            ApiUrl::parse("https://gw.example.com/mistral/")
                .unwrap()
                .models_endpoint()
                .as_str(),
            "https://gw.example.com/mistral/v1/models"
        );
    }
}
