//! Every fixture table of `testdata/fixtures` (written by pypaimon 2.1.0 and Java Paimon 0.9)
//! reads to exactly its `expected.json` rows, at the latest snapshot and at each earlier one.

use serde_json::Value;
use strata_core::{Identifier, SnapshotSelector};

use crate::common::*;

async fn check_fixture(name: &str) {
    let dir = fixtures_dir().join(name);
    let expected: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("expected.json")).unwrap()).unwrap();
    let catalog = catalog_at(&dir.join("warehouse"));
    let table = catalog
        .get_table(&Identifier::new("default", name))
        .await
        .unwrap();
    let rows = read_rows(&table, SnapshotSelector::Latest).await;
    assert_same_rows(
        &rows,
        expected["expected_rows"].as_array().unwrap(),
        &format!("{name} latest"),
    );
    if let Some(by) = expected
        .get("expected_rows_by_snapshot")
        .and_then(Value::as_object)
    {
        for (id, want) in by {
            let id: i64 = id.parse().unwrap();
            // Snapshots may have expired in Java fixtures (expire_experiment copies).
            if !table.snapshot_manager().exists(id).await.unwrap() {
                continue;
            }
            // Time travel reads through the snapshot's schema.
            let snap = table.snapshot_manager().snapshot(id).await.unwrap();
            let schema = table.schema_manager().schema(snap.schema_id).await.unwrap();
            let t = table.with_schema(schema);
            let rows = read_rows(&t, SnapshotSelector::Id(id)).await;
            assert_same_rows(
                &rows,
                want.as_array().unwrap(),
                &format!("{name} snapshot {id}"),
            );
        }
    }
}

macro_rules! fixture {
    ($name:ident) => {
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn $name() {
            check_fixture(stringify!($name)).await;
        }
    };
}

fixture!(append_unaware);
fixture!(append_bucketed);
fixture!(overwrite_tag_consumer);
fixture!(java_append);
fixture!(pk_dedup);
fixture!(partitioned);
fixture!(dynamic_bucket);
fixture!(schema_evolution);
fixture!(java_pk_compacted);
fixture!(java_types);
fixture!(partial_update);
fixture!(aggregation);
fixture!(java_first_row);
fixture!(java_aggregation);
fixture!(java_partial_update_seq_groups);
fixture!(java_changelog_lookup);
fixture!(java_changelog_full_compaction);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn overwrite_tag_consumer_tags_and_consumer() {
    let name = "overwrite_tag_consumer";
    let dir = fixtures_dir().join(name);
    let expected: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("expected.json")).unwrap()).unwrap();
    let table = catalog_at(&dir.join("warehouse"))
        .get_table(&Identifier::new("default", name))
        .await
        .unwrap();
    let sm = table.snapshot_manager();
    assert_eq!(
        sm.tag_names().await.unwrap(),
        vec!["before_overwrite".to_string(), "with_ttl".to_string()]
    );
    let want = expected["expected_rows_at_tag_before_overwrite"]
        .as_array()
        .unwrap();
    for tag in ["before_overwrite", "with_ttl"] {
        let rows = read_rows(&table, SnapshotSelector::Tag(tag.into())).await;
        assert_same_rows(&rows, want, tag);
    }
    let ttl = sm.tag("with_ttl").await.unwrap();
    assert!(ttl.tag_create_time.as_ref().unwrap().is_array());
    assert_eq!(ttl.tag_retained_millis(), Some(86_400_000));
    let consumer = table.io().read("consumer/consumer-reader1").await.unwrap();
    let c = strata_spec::Consumer::from_json(std::str::from_utf8(&consumer).unwrap()).unwrap();
    assert_eq!(
        c.next_snapshot,
        expected["expected_consumer"]["nextSnapshot"]
            .as_i64()
            .unwrap()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_fixture_manifest_round_trips_through_our_codec() {
    // Decode every manifest and manifest list of every fixture, re-encode, decode again: equal.
    use strata_spec::manifest::*;
    for entry in std::fs::read_dir(fixtures_dir()).unwrap() {
        let dir = entry.unwrap().path();
        let Ok(wh) = std::fs::read_dir(dir.join("warehouse/default.db")) else {
            continue;
        };
        for t in wh {
            let mdir = t.unwrap().path().join("manifest");
            for f in std::fs::read_dir(&mdir).unwrap() {
                let p = f.unwrap().path();
                let name = p.file_name().unwrap().to_str().unwrap().to_string();
                let bytes = std::fs::read(&p).unwrap();
                if name.starts_with("manifest-list-") {
                    let metas = decode_manifest_list(&bytes)
                        .unwrap_or_else(|e| panic!("{}: {e}", p.display()));
                    let again = decode_manifest_list(
                        &encode_manifest_list(&metas, ManifestCompression::Zstd).unwrap(),
                    )
                    .unwrap();
                    assert_eq!(metas, again, "{}", p.display());
                } else if name.starts_with("index-manifest-") {
                    let e = decode_index_manifest(&bytes)
                        .unwrap_or_else(|e| panic!("{}: {e}", p.display()));
                    let again = decode_index_manifest(
                        &encode_index_manifest(&e, ManifestCompression::Zstd).unwrap(),
                    )
                    .unwrap();
                    assert_eq!(e, again);
                } else {
                    let e =
                        decode_manifest(&bytes).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
                    let again =
                        decode_manifest(&encode_manifest(&e, ManifestCompression::Zstd).unwrap())
                            .unwrap();
                    assert_eq!(e, again, "{}", p.display());
                }
            }
            let sdir = mdir.parent().unwrap().join("snapshot");
            for f in std::fs::read_dir(&sdir).unwrap() {
                let p = f.unwrap().path();
                let name = p.file_name().unwrap().to_str().unwrap().to_string();
                if name.starts_with("snapshot-") {
                    let s = strata_spec::Snapshot::from_json(&std::fs::read_to_string(&p).unwrap())
                        .unwrap();
                    assert_eq!(strata_spec::Snapshot::from_json(&s.to_json()).unwrap(), s);
                }
            }
        }
    }
}
