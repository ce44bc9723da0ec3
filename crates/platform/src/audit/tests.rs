use super::*;

fn key(byte: u8) -> AuditKey {
    AuditKey::new(&[byte; 32]).unwrap()
}

#[test]
fn keys_are_long_enough_and_never_print() {
    assert!(AuditKey::new(&[1; 31]).is_err());
    assert!(AuditKey::from_hex("not hex").is_err());
    let hex = AuditKey::generate_hex();
    assert_eq!(hex.len(), 64);
    let k = AuditKey::from_hex(&format!(" {hex}\n")).unwrap();
    assert_eq!(k.id().len(), 16);
    assert_ne!(k.id(), key(1).id());
    assert!(!format!("{k:?}").contains(&hex[..16]));
}

#[test]
fn a_keyed_seal_depends_on_the_key_and_every_field() {
    let mut e = Entry {
        seq: 1,
        at: 2,
        actor_id: None,
        actor_name: "a".into(),
        ip: None,
        action: "x".into(),
        object_type: "t".into(),
        object_id: "1".into(),
        before_json: None,
        after_json: Some("{}".into()),
        prev_hash: "0".repeat(64),
        hash: String::new(),
        key_id: None,
    };
    let mac = e.compute_mac(&key(1));
    assert_ne!(mac, e.compute_mac(&key(2)));
    assert_ne!(mac, e.compute_hash());
    e.after_json = Some("{ }".into());
    assert_ne!(mac, e.compute_mac(&key(1)));
}

#[test]
fn checkpoints_verify_only_unaltered_with_their_key() {
    let cp = Checkpoint::new(&key(1), 42, &"a".repeat(64), 1000);
    assert!(cp.is_valid(&key(1)));
    assert!(!cp.is_valid(&key(2)));
    for altered in [
        Checkpoint {
            seq: 41,
            ..cp.clone()
        },
        Checkpoint {
            hash: "b".repeat(64),
            ..cp.clone()
        },
        Checkpoint {
            at: 1001,
            ..cp.clone()
        },
    ] {
        assert!(!altered.is_valid(&key(1)));
    }
    let dir = std::env::temp_dir().join(format!("egov-cp-unit-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    write_checkpoint(&dir, &cp).unwrap();
    write_checkpoint(&dir, &Checkpoint::new(&key(1), 7, &"c".repeat(64), 900)).unwrap();
    let read = read_checkpoints(&dir).unwrap();
    assert_eq!(read.iter().map(|c| c.seq).collect::<Vec<_>>(), vec![7, 42]);
    assert_eq!(read[1], cp);
    std::fs::write(dir.join("audit-checkpoint-000000000099.json"), "{").unwrap();
    let err = read_checkpoints(&dir).unwrap_err().to_string();
    assert!(err.contains("audit-checkpoint-000000000099.json"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}
