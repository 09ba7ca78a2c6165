//! The bundled model catalogue (data/models.json) keeps the contract's rules on model ids:
//! `-major-minor` ids are versioned, bare major aliases and legacy unversioned ids
//! (`mistral-tiny`, `mistral-small`, `mistral-medium`) float, and a replacement the gate
//! suggests is never itself retired.
use serde_json::Value;

fn catalogue() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/data/models.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn legacy_unversioned_ids_float_and_major_minor_ids_are_versioned() {
    let c = catalogue();
    let floating: Vec<&str> = c["floating"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    for id in [
        "mistral-tiny",
        "mistral-small",
        "mistral-medium",
        "mistral-medium-3",
    ] {
        assert!(floating.contains(&id), "{id} must be floating");
    }
    assert!(
        !floating.contains(&"mistral-medium-3-5"),
        "a -major-minor id is versioned"
    );
}

#[test]
fn no_suggested_replacement_is_itself_retired() {
    let c = catalogue();
    let models = c["models"].as_array().unwrap();
    let date = c["date"].as_str().unwrap();
    let retired = |id: &str| {
        models.iter().any(|m| {
            (m["id"] == id
                || m["aliases"]
                    .as_array()
                    .is_some_and(|a| a.iter().any(|x| x == id)))
                && m["retirement"].as_str().is_some_and(|r| r <= date)
        })
    };
    for m in models {
        if let Some(r) = m["replacement"].as_str() {
            assert!(
                !retired(r),
                "{} is replaced by {r}, which is retired",
                m["id"]
            );
        }
    }
}
