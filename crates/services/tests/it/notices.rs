//! The applicant's notices: queued in the transaction, e-mail and SMS, once per event.

use platform::i18n::Lang;
use services::engine::notices::{Contacts, queue};
use services::model::dossier::Status;
use services::model::notice::Facts;
use testkit::on_both;

use crate::support::TestApp;

on_both!(
    a_status_change_is_told_once_by_email_and_sms,
    async |app: &TestApp| {
        let facts = Facts {
            code: "000.00.00.H38-261203-0001",
            procedure: "Đăng ký khai sinh",
            appointment: Some("08/12/2026"),
            reason: None,
            link: "http://127.0.0.1/services/my/1",
        };
        let to = Contacts {
            email: "an@example.vn",
            phone: "0912 345 678",
            lang: Lang::Vi,
        };
        let mut tx = app.db.begin().await.unwrap();
        assert_eq!(
            queue(&mut tx, 1, 7, Status::Accepted, &facts, &to, 1)
                .await
                .unwrap(),
            2
        );
        assert_eq!(
            queue(&mut tx, 1, 7, Status::Accepted, &facts, &to, 2)
                .await
                .unwrap(),
            0,
            "the same event"
        );
        assert_eq!(
            queue(&mut tx, 1, 8, Status::Processing, &facts, &to, 3)
                .await
                .unwrap(),
            0,
            "not told"
        );
        let no_contact = Contacts {
            email: "",
            phone: "",
            lang: Lang::En,
        };
        assert_eq!(
            queue(&mut tx, 2, 1, Status::Accepted, &facts, &no_contact, 4)
                .await
                .unwrap(),
            0
        );
        drop(tx); // not committed: rolled back
        assert_eq!(
            app.count("SELECT COUNT(*) AS n FROM notifications").await,
            0,
            "nothing outlives a rollback"
        );
        let mut tx = app.db.begin().await.unwrap();
        queue(&mut tx, 1, 7, Status::Accepted, &facts, &to, 1)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        let row = app
            .db
            .fetch_one(
                "SELECT subject, body FROM notifications WHERE channel = 'email'",
                platform::params![],
            )
            .await
            .unwrap();
        assert!(
            row.get::<String>("body")
                .unwrap()
                .contains("Ngày hẹn trả kết quả: 08/12/2026")
        );
        let sms = app
            .db
            .fetch_one(
                "SELECT recipient, body FROM notifications WHERE channel = 'sms'",
                platform::params![],
            )
            .await
            .unwrap();
        assert_eq!(sms.get::<String>("recipient").unwrap(), "+84912345678");
    }
);
