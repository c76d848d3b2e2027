//! Bad input gets a clear error naming the file or object, and never a panic.

use serde_json::json;
use strata_core::{Error, Identifier, SnapshotSelector, TableDefinition};

use crate::common::*;

async fn table_with_rows(dir: &std::path::Path) -> strata_core::Table {
    let catalog = catalog_at(dir);
    let t = create_table(
        &catalog,
        "db.t",
        vec![field("id", "INT"), field("s", "STRING")],
        &[],
        &[],
        &[],
    )
    .await;
    write_rows(&t, &[json!({"id": 1, "s": "a"})]).await;
    write_rows(&t, &[json!({"id": 2, "s": "b"})]).await;
    reopen(&catalog, "db.t").await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn corrupt_snapshot_names_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let t = table_with_rows(dir.path()).await;
    std::fs::write(dir.path().join("db.db/t/snapshot/snapshot-2"), "{ not json").unwrap();
    let err = t.new_scan().plan().await.unwrap_err().to_string();
    assert!(
        err.contains("snapshot-2") && err.contains("corrupt"),
        "{err}"
    );
    // earlier snapshots still read
    assert_eq!(read_rows(&t, SnapshotSelector::Id(1)).await.len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn future_snapshot_version_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let t = table_with_rows(dir.path()).await;
    let p = dir.path().join("db.db/t/snapshot/snapshot-2");
    let text = std::fs::read_to_string(&p)
        .unwrap()
        .replace("\"version\" : 3", "\"version\" : 99");
    std::fs::write(&p, text).unwrap();
    let err = t.new_scan().plan().await.unwrap_err().to_string();
    assert!(err.contains("snapshot-2") && err.contains("newer"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn truncated_manifest_names_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let t = table_with_rows(dir.path()).await;
    let s = t.snapshot_manager().latest().await.unwrap().unwrap();
    let p = dir
        .path()
        .join("db.db/t/manifest")
        .join(&s.delta_manifest_list);
    let bytes = std::fs::read(&p).unwrap();
    std::fs::write(&p, &bytes[..bytes.len() / 2]).unwrap();
    let err = t.new_scan().plan().await.unwrap_err();
    assert!(matches!(err, Error::Corrupt { .. }), "{err}");
    assert!(err.to_string().contains(&s.delta_manifest_list), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missing_and_corrupt_data_files_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let t = table_with_rows(dir.path()).await;
    let plan = t.new_scan().plan().await.unwrap();
    let f = &plan.splits[0].files[0];
    let p = dir.path().join("db.db/t/bucket-0").join(&f.file_name);
    std::fs::write(&p, b"PAR1 garbage").unwrap();
    let err = t.new_read().collect(&plan).await.unwrap_err().to_string();
    assert!(err.contains(&f.file_name), "{err}");
    std::fs::remove_file(&p).unwrap();
    let err = t.new_read().collect(&plan).await.unwrap_err();
    assert!(matches!(err, Error::MissingFile { .. }), "{err}");
    assert!(err.to_string().contains(&f.file_name), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missing_schema_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let t = table_with_rows(dir.path()).await;
    let schema = t.schema_manager().schema(0).await.unwrap();
    let mut s9 = (*schema).clone();
    s9.id = 9;
    // A file claims schema 9, which does not exist.
    let err = t.schema_manager().schema(9).await.unwrap_err().to_string();
    assert!(err.contains("schema 9"), "{err}");
    let _ = s9;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_options_and_missing_objects() {
    let dir = tempfile::tempdir().unwrap();
    let catalog = catalog_at(dir.path());
    catalog.create_database("db", false).await.unwrap();
    let def = |opts: &[(&str, &str)]| TableDefinition {
        fields: vec![field("id", "INT")],
        options: opts
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        ..Default::default()
    };
    let ident = Identifier::new("db", "x");
    let e = catalog
        .create_table(&ident, def(&[("bucket", "many")]), false)
        .await
        .unwrap_err()
        .to_string();
    assert!(e.contains("'bucket'"), "{e}");
    let e = catalog
        .create_table(&ident, def(&[("write-buffer-size", "lots")]), false)
        .await
        .unwrap_err()
        .to_string();
    assert!(e.contains("write-buffer-size"), "{e}");
    assert!(
        !catalog.table_exists(&ident).await.unwrap(),
        "a rejected table leaves nothing behind"
    );
    let e = catalog
        .get_table(&Identifier::new("db", "nope"))
        .await
        .unwrap_err();
    assert!(matches!(e, Error::TableNotFound(_)), "{e}");
    let e = catalog
        .get_table(&Identifier::new("nodb", "t"))
        .await
        .unwrap_err();
    assert!(matches!(e, Error::DatabaseNotFound(_)), "{e}");
    let e = catalog.create_database("db", false).await.unwrap_err();
    assert!(matches!(e, Error::DatabaseAlreadyExists(_)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_rows_leave_the_table_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let catalog = catalog_at(dir.path());
    let t = create_table(
        &catalog,
        "db.nn",
        vec![field("id", "INT NOT NULL")],
        &[],
        &[],
        &[],
    )
    .await;
    let batch = batch_of(&t, &[json!({"id": 1})]);
    let mut w = t.new_write().unwrap();
    w.write(&batch).await.unwrap();
    // a batch with a null in the NOT NULL column (built with a nullable schema)
    let nullable = vec![field("id", "INT")];
    let bad = strata_core::json::json_to_batch(
        &[json!({"id": null})],
        &nullable,
        strata_core::json::Origin {
            source: "t",
            first_row: 1,
        },
    )
    .unwrap();
    let e = w.write(&bad).await.unwrap_err().to_string();
    assert!(e.contains("'id'") && e.contains("NOT NULL"), "{e}");
    w.abort().await;
    assert!(t.snapshot_manager().latest().await.unwrap().is_none());
    let files: Vec<_> = std::fs::read_dir(dir.path().join("db.db/nn/bucket-0"))
        .map(|d| d.collect())
        .unwrap_or_default();
    assert!(files.is_empty(), "aborted writes delete their files");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn aggregate_function_that_does_not_fit_its_column_is_refused_at_create() {
    let dir = tempfile::tempdir().unwrap();
    let catalog = catalog_at(dir.path());
    catalog.create_database("db", false).await.unwrap();
    let def = TableDefinition {
        fields: vec![field("id", "INT"), field("name", "STRING")],
        primary_keys: vec!["id".into()],
        options: [
            ("merge-engine", "aggregation"),
            ("fields.name.aggregate-function", "sum"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect(),
        ..Default::default()
    };
    let e = catalog
        .create_table(&Identifier::new("db", "agg"), def, false)
        .await
        .unwrap_err()
        .to_string();
    assert!(e.contains("name") && e.contains("sum"), "{e}");
    assert!(!catalog
        .table_exists(&Identifier::new("db", "agg"))
        .await
        .unwrap());
}

// --- damaged metadata and data files, one per kind (issue 7) ---------------------------------

/// The error of planning and reading the latest snapshot, as text.
async fn scan_error(t: &strata_core::Table) -> String {
    match t.new_scan().plan().await {
        Err(e) => e.to_string(),
        Ok(plan) => t
            .new_read()
            .collect(&plan)
            .await
            .err()
            .map(|e| e.to_string())
            .unwrap_or_else(|| "no error".into()),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn truncated_and_empty_snapshot_files_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let t = table_with_rows(dir.path()).await;
    let p = dir.path().join("db.db/t/snapshot/snapshot-2");
    let bytes = std::fs::read(&p).unwrap();
    for cut in [bytes.len() / 2, 0] {
        std::fs::write(&p, &bytes[..cut]).unwrap();
        let err = scan_error(&t).await;
        assert!(
            err.contains("snapshot") && err.contains("snapshot-2") && err.contains("corrupt"),
            "{cut} bytes: {err}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn corrupt_truncated_and_future_schema_files_are_named() {
    let dir = tempfile::tempdir().unwrap();
    table_with_rows(dir.path()).await;
    let p = dir.path().join("db.db/t/schema/schema-0");
    let good = std::fs::read_to_string(&p).unwrap();
    let future = good.replacen("\"version\" : 3", "\"version\" : 99", 1);
    assert_ne!(future, good, "the schema file has a version field");
    let cases = [
        ("garbage", b"\x00\x01 not a schema".to_vec(), "corrupt"),
        (
            "truncated",
            good.as_bytes()[..good.len() / 2].to_vec(),
            "corrupt",
        ),
        ("future version", future.into_bytes(), "newer"),
    ];
    for (case, bytes, word) in cases {
        std::fs::write(&p, &bytes).unwrap();
        let err = catalog_at(dir.path())
            .get_table(&Identifier::new("db", "t"))
            .await
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("schema") && err.contains("schema-0") && err.contains(word),
            "{case}: {err}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn corrupt_and_future_version_manifests_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let catalog = catalog_at(dir.path());
    // Uncompressed manifests, so the test can edit a field in place.
    let t = create_table(
        &catalog,
        "db.t",
        vec![field("id", "INT")],
        &[],
        &[],
        &[("manifest.compression", "null")],
    )
    .await;
    write_rows(&t, &[json!({"id": 1})]).await;
    let s = t.snapshot_manager().latest().await.unwrap().unwrap();
    let metas = t
        .manifest_store()
        .read_list(&s.delta_manifest_list)
        .await
        .unwrap();
    let name = &metas[0].file_name;
    let p = dir.path().join("db.db/t/manifest").join(name);
    let good = std::fs::read(&p).unwrap();

    // A manifest entry starts with _VERSION = 2 (zig-zag varint 0x04) right after the block
    // header that follows the header's sync marker (the file's last 16 bytes).
    let sync = &good[good.len() - 16..];
    let header_end = good.windows(16).position(|w| w == sync).unwrap() + 16;
    let mut at = header_end;
    for _ in 0..2 {
        while good[at] & 0x80 != 0 {
            at += 1;
        }
        at += 1;
    }
    assert_eq!(good[at], 0x04, "_VERSION = 2 at the first record");
    let mut future = good.clone();
    future[at] = 0x06; // _VERSION = 3
    std::fs::write(&p, &future).unwrap();
    let err = scan_error(&t).await;
    assert!(
        err.contains(name.as_str()) && err.contains("_VERSION = 3") && err.contains("unsupported"),
        "{err}"
    );

    for (case, bytes) in [
        ("garbage", b"Obj\x01 garbage".to_vec()),
        ("truncated", good[..good.len() * 2 / 3].to_vec()),
    ] {
        std::fs::write(&p, &bytes).unwrap();
        let err = scan_error(&t).await;
        assert!(
            err.contains("manifest") && err.contains(name.as_str()) && err.contains("corrupt"),
            "{case}: {err}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missing_manifests_and_manifest_lists_are_named_with_causes() {
    let dir = tempfile::tempdir().unwrap();
    let t = table_with_rows(dir.path()).await;
    let s = t.snapshot_manager().latest().await.unwrap().unwrap();
    let store = t.manifest_store();
    let manifest = store.read_list(&s.delta_manifest_list).await.unwrap()[0]
        .file_name
        .clone();
    std::fs::remove_file(dir.path().join("db.db/t/manifest").join(&manifest)).unwrap();
    let err = t.new_scan().plan().await.unwrap_err();
    assert!(matches!(err, Error::MissingFile { .. }), "{err}");
    let text = err.to_string();
    assert!(
        text.contains(&manifest) && text.contains("possible causes"),
        "{text}"
    );
    std::fs::remove_file(
        dir.path()
            .join("db.db/t/manifest")
            .join(&s.base_manifest_list),
    )
    .unwrap();
    let text = t.new_scan().plan().await.unwrap_err().to_string();
    assert!(
        text.contains(&s.base_manifest_list) && text.contains("manifest list"),
        "{text}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn truncated_data_file_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let t = table_with_rows(dir.path()).await;
    let plan = t.new_scan().plan().await.unwrap();
    let f = &plan.splits[0].files[0];
    let p = dir.path().join("db.db/t/bucket-0").join(&f.file_name);
    let bytes = std::fs::read(&p).unwrap();
    for cut in [bytes.len() - 3, bytes.len() / 2, 4] {
        std::fs::write(&p, &bytes[..cut]).unwrap();
        let err = t.new_read().collect(&plan).await.unwrap_err().to_string();
        assert!(err.contains(&f.file_name), "{cut} bytes: {err}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_data_file_of_a_schema_that_does_not_exist_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let t = table_with_rows(dir.path()).await;
    // Rewrite the newest manifest so that its data file claims schema 9.
    let s = t.snapshot_manager().latest().await.unwrap().unwrap();
    let store = t.manifest_store();
    let name = store.read_list(&s.delta_manifest_list).await.unwrap()[0]
        .file_name
        .clone();
    // Decoded from disk, not through the store: the store caches decoded manifests
    // (they are immutable), and this test is the rare writer that mutates one in place.
    let path = dir.path().join("db.db/t/manifest").join(&name);
    let mut entries =
        strata_spec::manifest::decode_manifest(&std::fs::read(&path).unwrap()).unwrap();
    for e in &mut entries {
        e.file.schema_id = 9;
    }
    let bytes = strata_spec::manifest::encode_manifest(
        &entries,
        strata_spec::manifest::ManifestCompression::default(),
    )
    .unwrap();
    std::fs::write(&path, bytes).unwrap();
    let err = scan_error(&t).await;
    assert!(
        err.contains("schema 9") && err.contains("schema-9"),
        "{err}"
    );
}
