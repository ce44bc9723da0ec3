//! The applicant's rating of the service: 1–5 stars and an optional comment, given once the
//! result is returned.

/// Longest comment, in characters.
pub const MAX_COMMENT_CHARS: usize = 1000;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rating {
    pub stars: u8,
    pub comment: String,
}

/// Why a rating form is refused: the field and the stable code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadRating {
    pub field: &'static str,
    pub code: &'static str,
}

/// Reads the form: `stars` a whole number 1–5 as typed (never rounded: `4.5` is refused),
/// `comment` without control characters (line breaks allowed), at most [`MAX_COMMENT_CHARS`].
pub fn parse(stars: &str, comment: &str) -> Result<Rating, Vec<BadRating>> {
    let mut bad = Vec::new();
    let s = stars.trim();
    let n = if s.len() == 1 {
        s.parse::<u8>().ok().filter(|n| (1..=5).contains(n))
    } else {
        None
    };
    if n.is_none() {
        bad.push(BadRating {
            field: "stars",
            code: "rating_stars",
        });
    }
    let comment = comment.trim().replace("\r\n", "\n");
    if comment.chars().any(|c| c.is_control() && c != '\n') {
        bad.push(BadRating {
            field: "comment",
            code: "rating_control",
        });
    } else if comment.chars().count() > MAX_COMMENT_CHARS {
        bad.push(BadRating {
            field: "comment",
            code: "rating_comment_long",
        });
    }
    match n {
        Some(stars) if bad.is_empty() => Ok(Rating { stars, comment }),
        _ => Err(bad),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ratings_are_whole_stars_and_clean_text() {
        assert_eq!(parse(" 5 ", "Nhanh, đúng hẹn").unwrap().stars, 5);
        assert_eq!(parse("1", "").unwrap().comment, "");
        for s in ["0", "6", "4.5", "", "năm", "05", "-1"] {
            assert_eq!(parse(s, "").unwrap_err()[0].field, "stars", "{s}");
        }
        assert_eq!(parse("3", "a\u{7}b").unwrap_err()[0].code, "rating_control");
        assert!(parse("3", "dòng 1\r\ndòng 2").is_ok());
        assert_eq!(
            parse("3", &"x".repeat(1001)).unwrap_err()[0].code,
            "rating_comment_long"
        );
        assert_eq!(parse("9", "\u{0}").unwrap_err().len(), 2);
    }
}
