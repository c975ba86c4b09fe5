//! `portico compare` run for real (small populations): its central claims are
//! asserted from the figures it measured, not from anything written in.

use portico::compare::{
    self, MEMBERS, MODE_B2B, MODE_FEDERATED, Options, PARTNER_DOWN, PARTNER_UP,
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_comparison_measures_that_federation_fails_together_and_b2b_fails_alone() {
    let report = compare::run(Options {
        members: 2,
        partner_users: 2,
    })
    .await
    .expect("the comparison runs");
    let ok = |mode, phase, population| {
        let row = report
            .sign_ins(mode, phase, population)
            .unwrap_or_else(|| panic!("no row {mode} {phase} {population}"));
        assert_eq!(row.attempted, 2, "{row:?}");
        row.succeeded
    };

    // Everything up: everyone signs in, in both designs.
    for mode in [MODE_B2B, MODE_FEDERATED] {
        for population in [MEMBERS, PARTNER_DOWN, PARTNER_UP] {
            assert_eq!(
                ok(mode, "all up", population),
                2,
                "{mode} {population}\n{report}"
            );
            assert_eq!(
                ok(mode, "back up", population),
                2,
                "{mode} {population}\n{report}"
            );
        }
    }
    // Upstream down: nobody gets into the federated tenant...
    for population in [MEMBERS, PARTNER_DOWN, PARTNER_UP] {
        assert_eq!(ok(MODE_FEDERATED, "IdP down", population), 0, "{report}");
    }
    // ...while in B2B only the partner whose own IdP is down is affected.
    assert_eq!(ok(MODE_B2B, "IdP down", MEMBERS), 2, "{report}");
    assert_eq!(ok(MODE_B2B, "IdP down", PARTNER_UP), 2, "{report}");
    assert_eq!(ok(MODE_B2B, "IdP down", PARTNER_DOWN), 0, "{report}");

    // The host holds no partner passwords in B2B; one per partner user federated.
    let accounts = |mode| report.accounts.iter().find(|a| a.mode == mode).unwrap();
    assert_eq!(accounts(MODE_B2B).partner_credentials, 0);
    assert_eq!(accounts(MODE_B2B).partner_user_objects, 4);
    assert_eq!(accounts(MODE_FEDERATED).partner_credentials, 4);

    // Adding a partner: both designs end with its users signed in; only the
    // federated one made the host issue passwords.
    for o in report
        .onboarding
        .iter()
        .filter(|o| o.what == "add one more partner")
    {
        assert_eq!(o.new_users_signed_in, 2, "{o:?}");
        let expected = if o.mode == MODE_B2B { 0 } else { 2 };
        assert_eq!(o.credentials_issued, expected, "{o:?}");
    }
    for l in &report.latency {
        assert_eq!(l.samples, 6, "{l:?}");
        assert!(l.median_ms > 0.0 && l.p95_ms >= l.median_ms, "{l:?}");
    }
    // The table renders every figure.
    let table = report.to_string();
    assert!(
        table.contains("| Contoso members | IdP down | 2/2 | 0/2 |"),
        "{table}"
    );
}
