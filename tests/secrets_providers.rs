//! Issue 14: the providers that sit beside Mistral (Telegram, Groq, Together, AWS secret
//! access keys, Linear, Stripe, Slack) fail `no-hardcoded-secrets` only; `key-not-committed`
//! is about Mistral keys. The keys are built here from parts at run time, so that no file
//! of this repository holds a string a push-protection scanner takes for a live key.
mod common;

use common::{check, status, Repo};

const APP: &str = "import { Mistral } from \"@mistralai/mistralai\";\nexport const client = new Mistral({ apiKey: process.env.MISTRAL_API_KEY ?? \"\" });\n";

fn join(parts: &[&str]) -> String {
    parts.concat()
}

#[test]
fn issue_14_neighbouring_providers_fail_no_hardcoded_secrets_only() {
    let keys = [
        (
            "Telegram bot token",
            join(&["7012345678:", "AACz2Csv8htm", "YF8gMxMEYnDAktgOESZAdgh"]),
        ),
        (
            "Groq API key",
            join(&[
                "gs",
                "k_",
                "Gnswph8PRvQSuEqcTdr3ZZx6HQO35UWzQXzoohJKjqqRKApEHmVB",
            ]),
        ),
        (
            "Together AI API key",
            join(&[
                "576a9b156bfc7caf17df",
                "a283461468fe4c138bdd4e7245407b1de8fa2b132d31",
            ]),
        ),
        (
            "AWS secret access key",
            join(&["VIAnFRwTA57+ClKi", "fkAeAtOPyw5lsqDgRknb4DI4"]),
        ),
        (
            "Linear API key",
            join(&["lin_", "api_", "FRN2YZl7c5mG3pr4HllooXL3Gv3fgrMRcnNfzSgQ"]),
        ),
        (
            "Stripe live secret key",
            join(&["sk_", "live_", "GH0FRRHBKvaHrhlFberKiYdT"]),
        ),
        (
            "Slack token",
            join(&[
                "xox",
                "b-2840193847-5837261049382-",
                "fdbam0GQeZPc3n8fEkJftRkc",
            ]),
        ),
    ];
    let repo = Repo::new();
    repo.write("src/app.ts", APP);
    let env = format!(
        "TELEGRAM_BOT_TOKEN={}\nGROQ_API_KEY={}\nTOGETHER_API_KEY={}\nAWS_SECRET_ACCESS_KEY={}\nLINEAR_API_KEY={}\nSTRIPE_SECRET_KEY={}\nSLACK_BOT_TOKEN={}\n",
        keys[0].1, keys[1].1, keys[2].1, keys[3].1, keys[4].1, keys[5].1, keys[6].1
    );
    repo.write(".env", &env);
    let run = repo
        .gate(&["--format", "json", "--offline"])
        .run()
        .expect_code(1);
    let json = run.json();
    assert_eq!(status(&json, "no-hardcoded-secrets"), "fail");
    assert_eq!(status(&json, "key-not-committed"), "pass");
    let evidence = check(&json, "no-hardcoded-secrets")["evidence"]
        .as_array()
        .unwrap();
    assert_eq!(evidence.len(), keys.len(), "{evidence:#?}");
    for (i, (label, key)) in keys.iter().enumerate() {
        let e = &evidence[i];
        assert_eq!(e["line"], i as u64 + 1);
        let msg = e["message"].as_str().unwrap();
        assert!(msg.starts_with(label), "{msg}");
        assert!(
            msg.contains(&format!("****{}", &key[key.len() - 4..])),
            "{msg}"
        );
        assert!(!run.stdout().contains(key.as_str()));
    }
}

#[test]
fn issue_14_a_together_or_aws_value_needs_its_name() {
    let repo = Repo::new();
    repo.write("src/app.ts", APP);
    let hex = join(&[
        "576a9b156bfc7caf17df",
        "a283461468fe4c138bdd4e7245407b1de8fa2b132d31",
    ]);
    let aws = join(&["VIAnFRwTA57+ClKi", "fkAeAtOPyw5lsqDgRknb4DI4"]);
    repo.write(
        "checksums.txt",
        format!("app.tar.gz sha256 {hex}\nsignature {aws}\n"),
    );
    let json = repo
        .gate(&["--format", "json", "--offline"])
        .run()
        .expect_code(0)
        .json();
    assert_eq!(status(&json, "no-hardcoded-secrets"), "pass");
}
