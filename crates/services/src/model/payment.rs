//! Fee payments of dossiers and their reconciliation with the gateway's books.

use std::collections::BTreeMap;

coded! {
    /// A payment attempt's state: waiting for the gateway, paid, or failed / cancelled.
    PaymentStatus {
        Pending = "pending",
        Paid = "paid",
        Failed = "failed",
    }
}

/// One payment as egov recorded it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Payment {
    pub id: i64,
    pub txn_ref: String,
    pub dossier_id: i64,
    pub agency_id: Option<i64>,
    pub amount_vnd: i64,
    pub status: PaymentStatus,
    pub gateway_txn: String,
    pub response_code: String,
    pub created_at: i64,
    pub paid_at: Option<i64>,
    pub callbacks: i64,
}

/// One line of the gateway's books for a day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GatewayLine {
    pub txn_ref: String,
    pub transaction_no: String,
    pub amount_vnd: i64,
    pub succeeded: bool,
}

/// What a day's reconciliation found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Reconciliation {
    /// Paid on both sides, same amount.
    pub matched: Vec<String>,
    /// Paid at the gateway, not paid here (a lost IPN: the dossier still waits).
    pub paid_only_at_gateway: Vec<String>,
    /// Paid here, not in the gateway's books.
    pub paid_only_here: Vec<String>,
    /// Paid on both sides with different amounts: (reference, ours, theirs).
    pub amount_differs: Vec<(String, i64, i64)>,
    /// Total đồng paid here and at the gateway.
    pub total_here: i64,
    pub total_gateway: i64,
}

impl Reconciliation {
    pub fn is_clean(&self) -> bool {
        self.paid_only_at_gateway.is_empty()
            && self.paid_only_here.is_empty()
            && self.amount_differs.is_empty()
    }
}

/// Compares the day's payments recorded paid here with the gateway's successful lines.
pub fn reconcile(ours: &[Payment], theirs: &[GatewayLine]) -> Reconciliation {
    let here: BTreeMap<&str, &Payment> = ours
        .iter()
        .filter(|p| p.status == PaymentStatus::Paid)
        .map(|p| (p.txn_ref.as_str(), p))
        .collect();
    let there: BTreeMap<&str, &GatewayLine> = theirs
        .iter()
        .filter(|l| l.succeeded)
        .map(|l| (l.txn_ref.as_str(), l))
        .collect();
    let mut r = Reconciliation {
        total_here: here.values().map(|p| p.amount_vnd).sum(),
        total_gateway: there.values().map(|l| l.amount_vnd).sum(),
        ..Default::default()
    };
    for (k, p) in &here {
        match there.get(k) {
            Some(l) if l.amount_vnd == p.amount_vnd => r.matched.push((*k).to_owned()),
            Some(l) => r
                .amount_differs
                .push(((*k).to_owned(), p.amount_vnd, l.amount_vnd)),
            None => r.paid_only_here.push((*k).to_owned()),
        }
    }
    for k in there.keys() {
        if !here.contains_key(k) {
            r.paid_only_at_gateway.push((*k).to_owned());
        }
    }
    r
}

/// Why a line of the gateway's CSV cannot be read (line number from 1, the header being 1).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {why}")]
pub struct BadLine {
    pub line: usize,
    pub why: String,
}

/// Most lines read from a gateway's day (a bigger answer is refused, not cut).
pub const MAX_LINES: usize = 100_000;

/// Reads the gateway's books (`txn_ref,transaction_no,amount_vnd,response_code,pay_date`).
pub fn read_books(csv: &str) -> Result<Vec<GatewayLine>, BadLine> {
    let mut out = Vec::new();
    for (i, line) in csv.lines().enumerate() {
        let n = i + 1;
        if n == 1 || line.trim().is_empty() {
            continue;
        }
        if out.len() >= MAX_LINES {
            return Err(BadLine {
                line: n,
                why: format!("more than {MAX_LINES} lines"),
            });
        }
        let f: Vec<&str> = line.split(',').map(str::trim).collect();
        let [txn_ref, no, amount, code, _date] = f.as_slice() else {
            return Err(BadLine {
                line: n,
                why: format!("{} fields, 5 expected", f.len()),
            });
        };
        let amount_vnd = amount
            .parse::<i64>()
            .ok()
            .filter(|a| *a >= 0)
            .ok_or_else(|| BadLine {
                line: n,
                why: format!("amount {amount:?} is not whole đồng"),
            })?;
        out.push(GatewayLine {
            txn_ref: (*txn_ref).to_owned(),
            transaction_no: (*no).to_owned(),
            amount_vnd,
            succeeded: *code == "00",
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paid(r: &str, a: i64) -> Payment {
        Payment {
            id: 1,
            txn_ref: r.into(),
            dossier_id: 1,
            agency_id: None,
            amount_vnd: a,
            status: PaymentStatus::Paid,
            gateway_txn: String::new(),
            response_code: "00".into(),
            created_at: 0,
            paid_at: Some(0),
            callbacks: 1,
        }
    }

    fn line(r: &str, a: i64, ok: bool) -> GatewayLine {
        GatewayLine {
            txn_ref: r.into(),
            transaction_no: "1".into(),
            amount_vnd: a,
            succeeded: ok,
        }
    }

    #[test]
    fn reconciliation_names_each_difference() {
        let ours = [paid("A", 100), paid("B", 200), paid("C", 300)];
        let theirs = [
            line("A", 100, true),
            line("B", 250, true),
            line("D", 50, true),
            line("E", 70, false),
        ];
        let r = reconcile(&ours, &theirs);
        assert_eq!(r.matched, ["A"]);
        assert_eq!(r.amount_differs, [("B".to_owned(), 200, 250)]);
        assert_eq!(r.paid_only_here, ["C"]);
        assert_eq!(r.paid_only_at_gateway, ["D"]);
        assert_eq!((r.total_here, r.total_gateway), (600, 400));
        assert!(!r.is_clean());
        assert!(reconcile(&ours[..1], &theirs[..1]).is_clean());
    }

    #[test]
    fn books_are_read_strictly() {
        let ok = "txn_ref,transaction_no,amount_vnd,response_code,pay_date\nA,1,100,00,20261203100000\nB,2,5,24,20261203100000\n";
        let l = read_books(ok).unwrap();
        assert_eq!(l.len(), 2);
        assert!(l[0].succeeded && !l[1].succeeded);
        let e = read_books("h\nA,1,100.5,00,x\n").unwrap_err();
        assert_eq!(e.line, 2);
        assert!(read_books("h\nA,1\n").is_err());
    }
}

/// An amount of đồng as people write it: `1.250.000 đ` in Vietnamese, `1,250,000 VND` in
/// English. Whole numbers only: nothing is rounded.
pub fn dong(n: i64, lang: platform::i18n::Lang) -> String {
    let digits = n.unsigned_abs().to_string();
    let sep = if lang == platform::i18n::Lang::En {
        ','
    } else {
        '.'
    };
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(sep);
        }
        out.push(c);
    }
    let sign = if n < 0 { "-" } else { "" };
    if lang == platform::i18n::Lang::En {
        format!("{sign}{out} VND")
    } else {
        format!("{sign}{out} đ")
    }
}

#[cfg(test)]
mod dong_tests {
    use platform::i18n::Lang;

    #[test]
    fn amounts_are_grouped_not_rounded() {
        assert_eq!(super::dong(1_250_000, Lang::Vi), "1.250.000 đ");
        assert_eq!(super::dong(1_250_000, Lang::En), "1,250,000 VND");
        assert_eq!(super::dong(999, Lang::Vi), "999 đ");
        assert_eq!(super::dong(-1000, Lang::Vi), "-1.000 đ");
    }
}
