//! The tile-grid map of the 34 provinces (since 1 July 2025): one equal square cell per
//! province, laid out roughly as the country is — the north at the top, the S-shape down the
//! coast to the Mekong delta — so a choropleth needs no boundary data. [`OLD_TILES`] lays out
//! the 63 provinces of before 1 July 2025 the same way, for the periods a reader views as they
//! were reported.

/// Province statistical code → (column, row), the top-left cell being (0, 0).
pub const TILES: &[(&str, u8, u8)] = &[
    // The northern mountains.
    ("12", 1, 0), // Lai Châu
    ("15", 2, 0), // Lào Cai
    ("08", 3, 0), // Tuyên Quang
    ("04", 4, 0), // Cao Bằng
    ("11", 0, 1), // Điện Biên
    ("14", 1, 1), // Sơn La
    ("25", 2, 1), // Phú Thọ
    ("19", 3, 1), // Thái Nguyên
    ("20", 4, 1), // Lạng Sơn
    // The Red River delta.
    ("01", 2, 2), // Hà Nội
    ("24", 3, 2), // Bắc Ninh
    ("22", 4, 2), // Quảng Ninh
    ("37", 2, 3), // Ninh Bình
    ("33", 3, 3), // Hưng Yên
    ("31", 4, 3), // Hải Phòng
    // The north-central and central coast.
    ("38", 2, 4),  // Thanh Hóa
    ("40", 2, 5),  // Nghệ An
    ("42", 3, 6),  // Hà Tĩnh
    ("44", 3, 7),  // Quảng Trị
    ("46", 4, 8),  // Huế
    ("48", 4, 9),  // Đà Nẵng
    ("51", 4, 10), // Quảng Ngãi
    // The Central Highlands and the south-central coast.
    ("52", 4, 11), // Gia Lai
    ("66", 4, 12), // Đắk Lắk
    ("68", 3, 13), // Lâm Đồng
    ("56", 4, 13), // Khánh Hòa
    // The south-east.
    ("80", 1, 14), // Tây Ninh
    ("79", 2, 14), // Hồ Chí Minh
    ("75", 3, 14), // Đồng Nai
    // The Mekong delta.
    ("91", 0, 15), // An Giang
    ("82", 1, 15), // Đồng Tháp
    ("86", 2, 15), // Vĩnh Long
    ("96", 0, 16), // Cà Mau
    ("92", 1, 16), // Cần Thơ
];

/// The 63 provinces valid until 30 June 2025, by their statistical code as the registry holds
/// them on that day → (column, row, the code of today's province that succeeded it). Laid out
/// from the provincial capitals' approximate latitude (rows, north at the top) and longitude
/// (columns). The successors follow `registry/seed/lineage.csv` (a province that did not merge
/// is its own successor).
pub const OLD_TILES: &[(&str, u8, u8, &str)] = &[
    // The northern mountains.
    ("12", 1, 0, "12"), // Lai Châu
    ("10", 2, 0, "15"), // Lào Cai
    ("02", 3, 0, "08"), // Hà Giang
    ("04", 4, 0, "04"), // Cao Bằng
    ("11", 0, 1, "11"), // Điện Biên
    ("14", 1, 1, "14"), // Sơn La
    ("15", 2, 1, "15"), // Yên Bái
    ("08", 3, 1, "08"), // Tuyên Quang
    ("06", 4, 1, "19"), // Bắc Kạn
    ("20", 5, 1, "20"), // Lạng Sơn
    ("17", 1, 2, "25"), // Hòa Bình
    ("25", 2, 2, "25"), // Phú Thọ
    ("26", 3, 2, "25"), // Vĩnh Phúc
    ("19", 4, 2, "19"), // Thái Nguyên
    ("24", 5, 2, "24"), // Bắc Giang
    ("22", 6, 2, "22"), // Quảng Ninh
    // The Red River delta.
    ("01", 3, 3, "01"), // Hà Nội
    ("27", 4, 3, "24"), // Bắc Ninh
    ("30", 5, 3, "31"), // Hải Dương
    ("31", 6, 3, "31"), // Hải Phòng
    ("35", 3, 4, "37"), // Hà Nam
    ("33", 4, 4, "33"), // Hưng Yên
    ("34", 5, 4, "33"), // Thái Bình
    ("38", 2, 5, "38"), // Thanh Hóa
    ("37", 3, 5, "37"), // Ninh Bình
    ("36", 4, 5, "37"), // Nam Định
    // The north-central and central coast.
    ("40", 2, 6, "40"),  // Nghệ An
    ("42", 3, 7, "42"),  // Hà Tĩnh
    ("44", 3, 8, "44"),  // Quảng Bình
    ("45", 4, 9, "44"),  // Quảng Trị
    ("46", 4, 10, "46"), // Huế
    ("48", 5, 10, "48"), // Đà Nẵng
    ("49", 5, 11, "48"), // Quảng Nam
    // The Central Highlands and the south-central coast.
    ("62", 4, 12, "51"), // Kon Tum
    ("51", 5, 12, "51"), // Quảng Ngãi
    ("64", 4, 13, "52"), // Gia Lai
    ("52", 5, 13, "52"), // Bình Định
    ("66", 4, 14, "66"), // Đắk Lắk
    ("54", 5, 14, "66"), // Phú Yên
    ("67", 3, 15, "68"), // Đắk Nông
    ("68", 4, 15, "68"), // Lâm Đồng
    ("56", 5, 15, "56"), // Khánh Hòa
    // The south-east.
    ("72", 1, 16, "80"), // Tây Ninh
    ("70", 2, 16, "75"), // Bình Phước
    ("74", 3, 16, "79"), // Bình Dương
    ("60", 4, 16, "68"), // Bình Thuận
    ("58", 5, 16, "56"), // Ninh Thuận
    ("80", 1, 17, "80"), // Long An
    ("79", 2, 17, "79"), // Hồ Chí Minh
    ("75", 3, 17, "75"), // Đồng Nai
    ("77", 4, 17, "79"), // Bà Rịa - Vũng Tàu
    // The Mekong delta.
    ("89", 0, 18, "91"), // An Giang
    ("87", 1, 18, "82"), // Đồng Tháp
    ("82", 2, 18, "82"), // Tiền Giang
    ("83", 3, 18, "86"), // Bến Tre
    ("91", 0, 19, "91"), // Kiên Giang
    ("92", 1, 19, "92"), // Cần Thơ
    ("86", 2, 19, "86"), // Vĩnh Long
    ("84", 3, 19, "86"), // Trà Vinh
    ("93", 1, 20, "92"), // Hậu Giang
    ("94", 2, 20, "92"), // Sóc Trăng
    ("96", 0, 21, "96"), // Cà Mau
    ("95", 1, 21, "96"), // Bạc Liêu
];

/// The grid's size in cells: (columns, rows).
pub fn size() -> (u8, u8) {
    TILES
        .iter()
        .fold((0, 0), |(c, r), &(_, x, y)| (c.max(x + 1), r.max(y + 1)))
}

/// The cell of a province code.
pub fn cell(code: &str) -> Option<(u8, u8)> {
    TILES
        .iter()
        .find(|(c, _, _)| *c == code)
        .map(|&(_, x, y)| (x, y))
}

/// The old grid's size in cells: (columns, rows).
pub fn old_size() -> (u8, u8) {
    OLD_TILES
        .iter()
        .fold((0, 0), |(c, r), &(_, x, y, _)| (c.max(x + 1), r.max(y + 1)))
}

/// The cell of a province of before July 2025 and the code of today's province that succeeded it.
pub fn old_cell(code: &str) -> Option<((u8, u8), &'static str)> {
    OLD_TILES
        .iter()
        .find(|t| t.0 == code)
        .map(|&(_, x, y, next)| ((x, y), next))
}

/// Whether `period` ends before 1 July 2025, when the 63 provinces became 34: its provinces of
/// the time are the 63 of [`OLD_TILES`].
pub fn before_merger(period: &reporting::Period) -> bool {
    (period.year, period.month_range().1) < (2025, 7)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_cell_per_province_and_no_two_share_a_cell() {
        let mut codes: Vec<&str> = TILES.iter().map(|t| t.0).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), 34);
        let mut cells: Vec<(u8, u8)> = TILES.iter().map(|t| (t.1, t.2)).collect();
        cells.sort_unstable();
        cells.dedup();
        assert_eq!(cells.len(), 34);
        assert_eq!(size(), (5, 17));
        assert_eq!(cell("01"), Some((2, 2)));
        assert_eq!(cell("02"), None);
    }

    #[test]
    fn the_63_old_provinces_have_one_cell_each_none_shared_every_row_drawn() {
        let mut codes: Vec<&str> = OLD_TILES.iter().map(|t| t.0).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), 63, "one cell per province");
        let mut cells: Vec<(u8, u8)> = OLD_TILES.iter().map(|t| (t.1, t.2)).collect();
        cells.sort_unstable();
        cells.dedup();
        assert_eq!(cells.len(), 63, "no two provinces share a cell");
        let (cols, rows) = old_size();
        for row in 0..rows {
            assert!(
                OLD_TILES.iter().any(|t| t.2 == row),
                "row {row} has a province"
            );
        }
        // Each row touches the next one (shares or neighbours a column): the grid reads as
        // one country, with no floating island.
        for row in 1..rows {
            let above: Vec<u8> = OLD_TILES
                .iter()
                .filter(|t| t.2 == row - 1)
                .map(|t| t.1)
                .collect();
            assert!(
                OLD_TILES
                    .iter()
                    .filter(|t| t.2 == row)
                    .any(|t| above.iter().any(|&c| c.abs_diff(t.1) <= 1)),
                "row {row} touches row {}",
                row - 1
            );
        }
        assert!(cols <= 8, "narrow enough for a phone: {cols}");
        // North at the top, the Mekong delta at the bottom.
        assert_eq!(old_cell("02").unwrap().0.1, 0, "Hà Giang at the top");
        assert_eq!(
            old_cell("96").unwrap().0.1,
            rows - 1,
            "Cà Mau at the bottom"
        );
        // Every successor is one of today's 34, and every one of today's 34 succeeds some.
        for t in OLD_TILES {
            assert!(cell(t.3).is_some(), "{} → {}", t.0, t.3);
        }
        for t in TILES {
            assert!(
                OLD_TILES.iter().any(|o| o.3 == t.0),
                "{} succeeds none",
                t.0
            );
        }
        assert_eq!(old_cell("02"), Some(((3, 0), "08")));
        assert_eq!(old_cell("03"), None);
        assert!(before_merger(&reporting::Period::month(2025, 6)));
        assert!(!before_merger(&reporting::Period::month(2025, 7)));
        assert!(before_merger(&reporting::Period::parse("2025Q2").unwrap()));
        assert!(!before_merger(&reporting::Period::parse("2025").unwrap()));
    }
}
