//! `bellows schema`: the listing (snapshot), the JSON document, bad input.

use assert_cmd::Command;
use serde_json::Value;

fn bellows() -> Command {
    let mut cmd = Command::cargo_bin("bellows").expect("binary builds");
    cmd.env("NO_COLOR", "1");
    cmd.current_dir(env!("CARGO_MANIFEST_DIR"));
    cmd
}

#[test]
fn schema_listing() {
    let out = bellows()
        .args(["schema", "fixtures/schema"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    insta::assert_snapshot!("schema_human", text);
}

fn json() -> Value {
    let out = bellows()
        .args(["schema", "--format", "json", "fixtures/schema"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    serde_json::from_slice(&out.stdout).expect("stdout is JSON")
}

fn find<'a>(list: &'a Value, name: &str) -> &'a Value {
    list.as_array()
        .and_then(|l| l.iter().find(|x| x["name"] == name))
        .unwrap_or_else(|| panic!("no {name} in {list}"))
}

#[test]
fn schema_json_document() {
    let v = json();
    assert_eq!(v["version"], 1);
    assert_eq!(v["files"].as_array().unwrap().len(), 4);
    assert_eq!(v["files"][0], "fixtures/schema/0001_init.sql");
    let public = find(&v["schemas"], "public");
    let tables = &public["tables"];

    let accounts = find(tables, "accounts");
    assert_eq!(accounts["created_in"], "fixtures/schema/0001_init.sql");
    let email = find(&accounts["columns"], "email");
    assert_eq!(email["type"], "varchar(255)");
    assert_eq!(email["base"], "character varying");
    assert_eq!(email["modifiers"], serde_json::json!([255]));
    assert_eq!(email["not_null"], true);
    assert_eq!(email["uncertain"], false);
    let id = find(&accounts["columns"], "id");
    assert_eq!(id["type"], "bigint");
    assert_eq!(id["default"], "nextval('accounts_id_seq'::regclass)");
    let status = find(&accounts["columns"], "status");
    assert_eq!(status["base"], "account_status");
    let unique = find(&accounts["constraints"], "accounts_email_key");
    assert_eq!(unique["kind"], "unique");
    assert_eq!(unique["columns"], serde_json::json!(["email"]));
    assert_eq!(unique["definition"], "UNIQUE (email)");
    let lower = find(&accounts["indexes"], "accounts_lower_idx");
    assert_eq!(lower["unique"], true);
    assert_eq!(lower["keys"], serde_json::json!(["lower(email)"]));
    assert_eq!(lower["constraint"], false);

    let orders = find(tables, "orders");
    assert!(
        orders["columns"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["name"] == "amount")
    );
    let note = find(&orders["constraints"], "orders_note_present");
    assert_eq!(note["valid"], false);
    let fk = find(&orders["constraints"], "orders_account_id_fkey");
    assert_eq!(fk["kind"], "foreign_key");
    assert_eq!(
        fk["references"],
        serde_json::json!({"schema": "public", "name": "accounts"})
    );
    // The DO block's dynamic ALTER TABLE may have changed every table's constraints.
    assert_eq!(fk["uncertain"], true);
    assert_eq!(orders["complete"], false);

    let invoices = find(tables, "invoices");
    assert_eq!(invoices["created_in"], Value::Null);
    assert_eq!(invoices["complete"], false);
    assert_eq!(find(&invoices["columns"], "paid_at")["type"], "timestamptz");

    let status_type = find(&public["types"], "account_status");
    assert_eq!(status_type["kind"], "enum");
    assert_eq!(
        status_type["values"],
        serde_json::json!(["active", "suspended", "closed"])
    );
    assert_eq!(find(&public["views"], "open_orders")["materialized"], false);
    let seq = find(&public["sequences"], "orders_id_seq");
    assert_eq!(seq["owned_by"]["column"], "id");

    let spots = v["blind_spots"].as_array().unwrap();
    assert_eq!(spots.len(), 1);
    assert_eq!(spots[0]["file"], "fixtures/schema/0004_invoices.sql");
}

#[test]
fn a_missing_path_is_reported_and_exits_2() {
    let out = bellows()
        .args(["schema", "fixtures/schema", "no/such/dir"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("no/such/dir"), "{err}");
    // What could be read is still listed.
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("table accounts"), "{text}");
}

#[test]
fn an_empty_folder_has_no_schema_objects() {
    let dir = tempfile::tempdir().unwrap();
    let out = bellows()
        .args(["schema", dir.path().to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        "no schema objects\n\n"
    );
}
