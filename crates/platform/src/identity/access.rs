//! Who may do what, decided in one place.
//!
//! A user holds [`Grant`]s: a [`Role`] within a [`Scope`] (the whole country, an agency, or a unit
//! subtree). An action needs a [`Permission`] on a [`Target`]; it is allowed when some grant's role
//! has the permission and the grant's scope contains the target. A reporter of Nghệ An cannot touch
//! Hà Tĩnh: Hà Tĩnh is not in Nghệ An's subtree.

use serde::{Deserialize, Serialize};

/// A role (vai trò).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Quản trị hệ thống — always national.
    SystemAdmin,
    /// Quản trị đơn vị — manages users and tokens within its agency or unit.
    AgencyAdmin,
    /// Người báo cáo — enters and submits data.
    Reporter,
    /// Người phê duyệt — approves or returns reports.
    Approver,
    /// Người xem — reads data.
    Viewer,
}

impl Role {
    pub const ALL: [Role; 5] = [
        Role::SystemAdmin,
        Role::AgencyAdmin,
        Role::Reporter,
        Role::Approver,
        Role::Viewer,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::SystemAdmin => "system_admin",
            Role::AgencyAdmin => "agency_admin",
            Role::Reporter => "reporter",
            Role::Approver => "approver",
            Role::Viewer => "viewer",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// The role's rank: no one creates, resets, disables, grants or mints a token for a role that
    /// ranks above their own. `system_admin` 3 > `agency_admin` 2 > `approver` = `reporter` 1 >
    /// `viewer` 0. Approver and reporter are peers: neither holds power over accounts, so neither
    /// outranks the other; what keeps them apart is four-eyes approval, which is about persons
    /// (the one who submitted a report does not approve it), not about rank.
    pub fn rank(self) -> u8 {
        match self {
            Role::SystemAdmin => 3,
            Role::AgencyAdmin => 2,
            Role::Approver | Role::Reporter => 1,
            Role::Viewer => 0,
        }
    }

    /// Administrators must use a second factor.
    pub fn requires_totp(self) -> bool {
        matches!(self, Role::SystemAdmin | Role::AgencyAdmin)
    }

    fn permits(self, p: Permission) -> bool {
        use Permission::*;
        match self {
            Role::SystemAdmin => true,
            Role::AgencyAdmin => {
                matches!(p, ManageUsers | ManageTokens | ManageProcedures | ViewData)
            }
            Role::Reporter => matches!(p, SubmitData | ViewData),
            Role::Approver => matches!(p, ApproveData | ViewData),
            Role::Viewer => matches!(p, ViewData),
        }
    }
}

/// What an action needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Permission {
    ManageUsers,
    ManageTokens,
    ViewAudit,
    ManageRegistry,
    /// Change the indicator catalogue and targets (system administrators, national scope).
    ManageCatalogue,
    /// Edit, import, publish and retire administrative procedures (the public service portal's
    /// catalogue): agency administrators for their agency's procedures, system administrators
    /// for all (and for national ones without an implementing agency).
    ManageProcedures,
    SubmitData,
    ApproveData,
    ViewData,
}

/// Where a grant applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "id", rename_all = "snake_case")]
pub enum Scope {
    National,
    Agency(i64),
    Unit(i64),
}

impl Scope {
    pub fn kind(self) -> &'static str {
        match self {
            Scope::National => "national",
            Scope::Agency(_) => "agency",
            Scope::Unit(_) => "unit",
        }
    }
    pub fn id(self) -> Option<i64> {
        match self {
            Scope::National => None,
            Scope::Agency(i) | Scope::Unit(i) => Some(i),
        }
    }
    pub fn from_parts(kind: &str, id: Option<i64>) -> Option<Scope> {
        match (kind, id) {
            ("national", None) => Some(Scope::National),
            ("agency", Some(i)) => Some(Scope::Agency(i)),
            ("unit", Some(i)) => Some(Scope::Unit(i)),
            _ => None,
        }
    }
}

/// A role held within a scope. `scope_unit` is the unit an agency scope stands for (a provincial
/// People's Committee stands for its province), resolved when grants are loaded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Grant {
    pub id: i64,
    pub role: Role,
    pub scope: Scope,
    pub scope_unit: Option<i64>,
}

/// The thing acted upon, resolved to what containment needs: the agency it belongs to (if any)
/// and its unit with every ancestor unit.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Target {
    pub national: bool,
    pub agency: Option<i64>,
    /// The target's unit first, then its ancestors up to the province.
    pub units: Vec<i64>,
}

impl Target {
    /// Something that only a national scope contains (system-wide settings, all users).
    pub fn national() -> Self {
        Target {
            national: true,
            ..Default::default()
        }
    }
}

impl Grant {
    /// Does this grant's scope contain `target`?
    pub fn contains(&self, target: &Target) -> bool {
        match self.scope {
            Scope::National => true,
            _ if target.national => false,
            Scope::Agency(a) => {
                target.agency == Some(a)
                    || self.scope_unit.is_some_and(|u| target.units.contains(&u))
            }
            Scope::Unit(u) => target.units.contains(&u),
        }
    }
}

/// The one permission check.
pub fn allowed(grants: &[Grant], permission: Permission, target: &Target) -> bool {
    grants
        .iter()
        .any(|g| g.role.permits(permission) && g.contains(target))
}

/// Why an administrative action on a role within a scope is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// No grant with the permission contains the scope.
    OutOfScope,
    /// A grant contains the scope, but every such grant ranks below the role acted on.
    RoleAbove,
}

/// May `grants` act with `permission` on `role` held within the scope standing for
/// `scope_target` (create or manage an account holding it, grant or revoke it, mint or revoke a
/// token carrying it)? Some grant must have the permission, contain the scope, and rank at least
/// as high as `role` ([`Role::rank`]): only a system administrator makes system administrators,
/// and an agency administrator manages agency administrators, approvers, reporters and viewers
/// within its own scope only.
pub fn may_act_on(
    grants: &[Grant],
    permission: Permission,
    role: Role,
    scope_target: &Target,
) -> Result<(), Refusal> {
    let mut in_scope = false;
    for g in grants {
        if g.role.permits(permission) && g.contains(scope_target) {
            if g.role.rank() >= role.rank() {
                return Ok(());
            }
            in_scope = true;
        }
    }
    Err(if in_scope {
        Refusal::RoleAbove
    } else {
        Refusal::OutOfScope
    })
}

/// May `grants` hand out `role` within the scope standing for `scope_target`?
pub fn may_grant(grants: &[Grant], role: Role, scope_target: &Target) -> bool {
    may_act_on(grants, Permission::ManageUsers, role, scope_target).is_ok()
}

/// May `grants` manage an account holding `held` (each role with the target its scope stands
/// for)? Every one of its grants must be one the caller could hand out. An account with no
/// grant counts as a national viewer.
pub fn may_manage(grants: &[Grant], held: &[(Role, Target)]) -> Result<(), Refusal> {
    if held.is_empty() {
        return may_act_on(
            grants,
            Permission::ManageUsers,
            Role::Viewer,
            &Target::national(),
        );
    }
    held.iter()
        .try_for_each(|(role, target)| may_act_on(grants, Permission::ManageUsers, *role, target))
}

#[cfg(test)]
mod tests {
    use super::*;

    const NGHE_AN: i64 = 40;
    const HA_TINH: i64 = 42;
    const COMMUNE_IN_NGHE_AN: i64 = 40001;
    const NGHE_AN_PC: i64 = 900;

    fn grant(role: Role, scope: Scope, scope_unit: Option<i64>) -> Grant {
        Grant {
            id: 1,
            role,
            scope,
            scope_unit,
        }
    }

    fn unit(chain: &[i64]) -> Target {
        Target {
            national: false,
            agency: None,
            units: chain.to_vec(),
        }
    }

    #[test]
    fn reporter_of_nghe_an_cannot_touch_ha_tinh() {
        let g = [grant(Role::Reporter, Scope::Unit(NGHE_AN), None)];
        assert!(allowed(&g, Permission::SubmitData, &unit(&[NGHE_AN])));
        assert!(allowed(
            &g,
            Permission::SubmitData,
            &unit(&[COMMUNE_IN_NGHE_AN, NGHE_AN])
        ));
        assert!(!allowed(&g, Permission::SubmitData, &unit(&[HA_TINH])));
        assert!(!allowed(&g, Permission::ApproveData, &unit(&[NGHE_AN])));
        assert!(!allowed(&g, Permission::ManageUsers, &unit(&[NGHE_AN])));
    }

    #[test]
    fn agency_scope_covers_its_province() {
        let g = [grant(
            Role::AgencyAdmin,
            Scope::Agency(NGHE_AN_PC),
            Some(NGHE_AN),
        )];
        assert!(allowed(
            &g,
            Permission::ManageUsers,
            &unit(&[COMMUNE_IN_NGHE_AN, NGHE_AN])
        ));
        let pc = Target {
            national: false,
            agency: Some(NGHE_AN_PC),
            units: vec![NGHE_AN],
        };
        assert!(allowed(&g, Permission::ManageUsers, &pc));
        assert!(!allowed(&g, Permission::ManageUsers, &unit(&[HA_TINH])));
        assert!(!allowed(&g, Permission::ManageUsers, &Target::national()));
        assert!(!allowed(&g, Permission::ViewAudit, &pc));
    }

    #[test]
    fn only_system_admin_makes_system_admins() {
        let sys = [grant(Role::SystemAdmin, Scope::National, None)];
        let adm = [grant(Role::AgencyAdmin, Scope::Unit(NGHE_AN), None)];
        assert!(may_grant(&sys, Role::SystemAdmin, &Target::national()));
        assert!(!may_grant(&adm, Role::SystemAdmin, &unit(&[NGHE_AN])));
        assert!(may_grant(&adm, Role::Reporter, &unit(&[NGHE_AN])));
        assert!(!may_grant(&adm, Role::Reporter, &unit(&[HA_TINH])));
    }

    #[test]
    fn no_one_acts_on_a_role_above_their_own() {
        use Permission::{ManageTokens, ManageUsers};
        // A national agency administrator: every scope, but not the rank of a system admin.
        let national_admin = [grant(Role::AgencyAdmin, Scope::National, None)];
        let nat = Target::national();
        assert_eq!(
            may_act_on(&national_admin, ManageUsers, Role::SystemAdmin, &nat),
            Err(Refusal::RoleAbove)
        );
        assert_eq!(
            may_act_on(&national_admin, ManageTokens, Role::SystemAdmin, &nat),
            Err(Refusal::RoleAbove)
        );
        for r in [
            Role::AgencyAdmin,
            Role::Approver,
            Role::Reporter,
            Role::Viewer,
        ] {
            assert_eq!(may_act_on(&national_admin, ManageUsers, r, &nat), Ok(()));
        }
        // Managing an account: every grant it holds counts.
        let sys_and_viewer = [
            (Role::Viewer, unit(&[NGHE_AN])),
            (Role::SystemAdmin, Target::national()),
        ];
        assert_eq!(
            may_manage(&national_admin, &sys_and_viewer),
            Err(Refusal::RoleAbove)
        );
        let sys = [grant(Role::SystemAdmin, Scope::National, None)];
        assert_eq!(may_manage(&sys, &sys_and_viewer), Ok(()));
        // A provincial administrator: its own scope only, whatever the rank.
        let adm = [grant(Role::AgencyAdmin, Scope::Unit(NGHE_AN), None)];
        assert_eq!(
            may_manage(&adm, &[(Role::Viewer, unit(&[HA_TINH]))]),
            Err(Refusal::OutOfScope)
        );
        assert_eq!(
            may_manage(&adm, &[(Role::AgencyAdmin, unit(&[NGHE_AN]))]),
            Ok(())
        );
        // Roles without the permission never act, whatever their rank.
        let approver = [grant(Role::Approver, Scope::National, None)];
        assert_eq!(
            may_act_on(&approver, ManageUsers, Role::Viewer, &nat),
            Err(Refusal::OutOfScope)
        );
        // Ranks: approver and reporter are peers.
        assert!(Role::SystemAdmin.rank() > Role::AgencyAdmin.rank());
        assert!(Role::AgencyAdmin.rank() > Role::Approver.rank());
        assert_eq!(Role::Approver.rank(), Role::Reporter.rank());
        assert!(Role::Reporter.rank() > Role::Viewer.rank());
    }
}
