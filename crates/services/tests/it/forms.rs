//! The public pages and the online form: rendered on the server, checked with a message per
//! field and an error summary linking to the fields.

use crate::on_both;
use crate::support::{TestApp, setup};

on_both!(
    a_procedure_page_shows_what_a_citizen_needs,
    async |app: &TestApp| {
        setup(app).await;
        let mut c = app.client();
        c.lang = Some("vi");
        let r = c.get("/services/procedures/1.001193").await;
        assert_eq!(r.status, 200);
        for text in [
            "Đăng ký khai sinh",
            "Giấy chứng sinh",
            "Miễn phí",
            "1 ngày làm việc",
            "Luật Hộ tịch",
            "Định danh điện tử mức 2",
            "/services/procedures/1.001193/form",
        ] {
            assert!(r.body.contains(text), "{text}");
        }
        let r = c.get("/services/procedures/2.001610").await;
        assert!(r.body.contains("50.000 đồng"), "{}", r.body);
        assert_eq!(c.get("/services/procedures/9.999999").await.status, 404);
        // A procedure without an online form has no form page.
        assert_eq!(
            c.get("/services/procedures/2.000815/form").await.status,
            404
        );
    }
);

on_both!(
    the_form_says_what_is_wrong_with_each_field,
    async |app: &TestApp| {
        setup(app).await;
        let mut c = app.client();
        c.lang = Some("en");
        let r = c.get("/services/procedures/1.001193/form").await;
        assert_eq!(r.status, 200);
        assert!(r.body.contains("id=\"f-child_full_name\"") && r.body.contains("Date of birth"));
        let r = c
            .post(
                "/services/procedures/1.001193/form",
                &[
                    ("child_full_name", "Nguyễn Văn An"),
                    ("child_birth_date", "2026-02-30"),
                    ("child_sex", "male"),
                    ("birth_place", "Bệnh viện Phụ sản Hà Nội"),
                    ("mother_full_name", "Trần Thị Bình"),
                    ("mother_id_number", "0123"),
                    ("applicant_relation", "mother"),
                ],
            )
            .await;
        assert_eq!(r.status, 422, "{}", r.body);
        // The summary at the top links to each field; each field says what is wrong.
        assert!(r.body.contains("class=\"error-summary\""));
        for id in ["f-child_birth_date", "f-mother_id_number", "f-declare"] {
            assert!(r.body.contains(&format!("href=\"#{id}\"")), "{id}");
            assert!(r.body.contains(&format!("id=\"{id}-error\"")), "{id}");
        }
        assert!(
            r.body.contains("Date of birth must be a real date"),
            "{}",
            r.body
        );
        // What was typed is kept.
        assert!(r.body.contains("value=\"Nguyễn Văn An\""));
        // In Vietnamese.
        c.lang = Some("vi");
        let r = c
            .post(
                "/services/procedures/1.001193/form",
                &[("child_full_name", "")],
            )
            .await;
        assert!(
            r.body.contains("Hãy nhập Họ, chữ đệm và tên."),
            "{}",
            r.body
        );
        // Corrected: complete.
        c.lang = Some("en");
        let r = c
            .post(
                "/services/procedures/1.001193/form",
                &[
                    ("child_full_name", "Nguyễn Văn An"),
                    ("child_birth_date", "2026-02-28"),
                    ("child_sex", "male"),
                    ("birth_place", "Bệnh viện Phụ sản Hà Nội"),
                    ("mother_full_name", "Trần Thị Bình"),
                    ("mother_id_number", "001190012345"),
                    ("applicant_relation", "mother"),
                    ("declare", "true"),
                ],
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert!(r.body.contains("The form is complete and correct."));
        assert!(!r.body.contains("error-summary"));
    }
);
