//! Who a caller is, once their token has verified: the [`Role`]s of the design, the [`Caller`]
//! every operation gets, the [`Claims`] of a token in Seteli's own layout, and the dev issuer
//! and key id a service refuses outside dev mode. Verifying tokens is the `auth` module's; this
//! is what the rest of the platform needs to know about the result.

use serde::{Deserialize, Serialize};
use tonic::Request;

use crate::error::AppError;

/// The issuer of dev tokens (`seteli-dev token`, `make run`): refused outside dev mode.
pub const DEV_ISSUER: &str = "seteli-dev";

/// The key id of the dev signing key `seteli-dev keys` writes: a JWKS holding it is refused
/// outside dev mode.
pub const DEV_KID: &str = "seteli-dev-1";

/// The roles of the design (DESIGN.md, Security).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// The county's social worker (sosiaalihuollon omatyöntekijä).
    SocialWorker,
    /// A provider's staff member; always scoped to one provider.
    ProviderUser,
    /// The county's administrator: prices, provider approval.
    CountyAdmin,
    /// The county's financial system.
    FinanceSystem,
    /// Reads the audit log.
    Auditor,
    /// One of Seteli's own services calling another as itself (a service account: following a
    /// feed, reading billable items); the token's subject names the service, e.g.
    /// `attendance`. Answered only where that service is named ([`Caller::require_service`]).
    Service,
    /// The person who holds a voucher (asiakas), strongly identified by the county's identity
    /// provider (Suomi.fi): the token carries their identity code
    /// ([`Caller::identity_code`]), matched to the client register by that code, never by a
    /// name. Reads and chooses only on their own vouchers; everything else is `NOT_FOUND`.
    Client,
}

impl Role {
    /// The role's claim value, e.g. `county_admin`.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::SocialWorker => "social_worker",
            Role::ProviderUser => "provider_user",
            Role::CountyAdmin => "county_admin",
            Role::FinanceSystem => "finance_system",
            Role::Auditor => "auditor",
            Role::Service => "service",
            Role::Client => "client",
        }
    }

    /// Every role, people's and the services' own.
    pub const ALL: [Role; 7] = [
        Role::SocialWorker,
        Role::ProviderUser,
        Role::CountyAdmin,
        Role::FinanceSystem,
        Role::Auditor,
        Role::Service,
        Role::Client,
    ];

    /// Parses a claim value.
    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

/// The claims of a token in Seteli's own layout, as `seteli-dev` and the tests mint them
/// (verification reads any layout: the token policy says where the claims are).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    /// Subject: the user or system.
    pub sub: String,
    /// Issuer.
    pub iss: String,
    /// Audience.
    pub aud: String,
    /// Expiry, seconds since the epoch.
    pub exp: i64,
    /// Issued at, seconds since the epoch.
    #[serde(default)]
    pub iat: i64,
    /// The caller's role.
    pub role: String,
    /// For `provider_user`: the provider the user works for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider_id: Option<String>,
    /// For `client`: the person's identity code (henkilötunnus), where Suomi.fi's
    /// `nationalIdentificationNumber` would be; the default `SETELI_JWT_IDENTITY_CODE_CLAIM`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hetu: Option<String>,
}

/// An authenticated caller, put into every request's extensions when its token verified.
#[derive(Debug, Clone)]
pub struct Caller {
    /// Token issuer (`iss`): subjects are unique only within their issuer.
    pub issuer: String,
    /// Token subject.
    pub subject: String,
    /// Role.
    pub role: Role,
    /// The provider of a `provider_user`; `None` for county roles.
    pub provider_id: Option<String>,
    /// The raw bearer token, forwarded on calls to other services.
    pub token: String,
    /// A social worker's team (tiimi), where the county's identity provider gives one
    /// (`SETELI_JWT_TEAM_CLAIM`): the team shares its members' caseloads.
    pub team: Option<String>,
    /// Why a social worker reads outside their caseload as a substitute (sijaisuus): the
    /// `x-seteli-substitute-reason` header of a read (never of a change). Every audit entry
    /// of the call carries it, and an auditor lists them (ListAuditEntries,
    /// `substitute_reads_only`).
    pub substitute_reason: Option<String>,
    /// A `client`'s identity code (henkilötunnus) from their strongly identified token
    /// (`SETELI_JWT_IDENTITY_CODE_CLAIM`), checked to be a valid code; `None` for every other
    /// role. Personal data: never logged, never in an audit entry's subject.
    pub identity_code: Option<String>,
}

/// Whose clients a social worker's calls are confined to: their own (the clients they
/// registered, the vouchers they issued) and, where the identity provider names teams, their
/// team's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Caseload<'a> {
    /// The social worker's subject.
    pub social_worker: &'a str,
    /// Their team; empty when the identity provider names none.
    pub team: &'a str,
}

impl Caseload<'_> {
    /// Whether a client whose responsible social worker is `social_worker` (of `team`, empty
    /// when unknown) is in this caseload. An object that names no social worker is nobody's.
    pub fn holds(&self, social_worker: &str, team: &str) -> bool {
        (!social_worker.is_empty() && social_worker == self.social_worker)
            || (!self.team.is_empty() && team == self.team)
    }
}

impl Caller {
    /// The service itself, acting on its own schedule (e.g. a nightly sweep): recorded in
    /// histories and audit entries as subject `system:<job>`, with the county's authority.
    pub fn system(job: &str) -> Caller {
        Caller {
            issuer: "seteli".into(),
            subject: format!("system:{job}"),
            role: Role::CountyAdmin,
            provider_id: None,
            token: String::new(),
            team: None,
            substitute_reason: None,
            identity_code: None,
        }
    }

    /// The caller of a request (put there by the interceptor that verified its token).
    pub fn of<T>(request: &Request<T>) -> Result<Caller, AppError> {
        request
            .extensions()
            .get::<Caller>()
            .cloned()
            .ok_or_else(|| AppError::Unauthenticated("no verified caller".into()))
    }

    /// The organisation acting: the provider id for provider users, `county` otherwise.
    pub fn organisation(&self) -> String {
        self.provider_id.clone().unwrap_or_else(|| "county".into())
    }

    /// `PERMISSION_DENIED` unless the caller has one of `roles`.
    pub fn require(&self, roles: &[Role]) -> Result<(), AppError> {
        if roles.contains(&self.role) {
            Ok(())
        } else {
            Err(AppError::PermissionDenied(format!(
                "role {} may not do this",
                self.role.as_str()
            )))
        }
    }

    /// Whether the caller is the service account of `service` (role `service`, subject naming
    /// the service).
    pub fn is_service(&self, service: &str) -> bool {
        self.role == Role::Service && self.subject == service
    }

    /// `PERMISSION_DENIED` unless the caller is the service account of one of `services`: the
    /// feeds and the billable items are for the services that follow them, not for people.
    pub fn require_service(&self, services: &[&str]) -> Result<(), AppError> {
        if services.iter().any(|s| self.is_service(s)) {
            Ok(())
        } else {
            Err(AppError::PermissionDenied(format!(
                "only the {} service calls this",
                services.join(" and ")
            )))
        }
    }

    /// The caseload a social worker's calls are confined to; `None` for every other role, and
    /// for a substitute's read with a stated reason (audited, see [`Caller::substitute_reason`]).
    pub fn caseload(&self) -> Option<Caseload<'_>> {
        (self.role == Role::SocialWorker && self.substitute_reason.is_none()).then(|| Caseload {
            social_worker: &self.subject,
            team: self.team.as_deref().unwrap_or(""),
        })
    }

    /// Whether a social worker caller answers for a client whose responsible social worker is
    /// `social_worker` (of `team`): theirs, their team's, or read as a substitute. `false` for
    /// every other role (their access is decided otherwise).
    pub fn answers_for(&self, social_worker: &str, team: &str) -> bool {
        self.role == Role::SocialWorker
            && self
                .caseload()
                .is_none_or(|own| own.holds(social_worker, team))
    }

    /// Whether the caller is a provider user of `provider_id`.
    pub fn is_user_of(&self, provider_id: &str) -> bool {
        self.role == Role::ProviderUser && self.provider_id.as_deref() == Some(provider_id)
    }

    /// The idempotency scope of this caller: issuer, role, subject and provider, so two
    /// identities that share a subject (another issuer, another provider) never share answers.
    pub fn scope(&self) -> String {
        format!(
            "{}|{}|{}|{}",
            self.issuer,
            self.role.as_str(),
            self.subject,
            self.provider_id.as_deref().unwrap_or("")
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ROLES: [Role; 6] = [
        Role::SocialWorker,
        Role::ProviderUser,
        Role::CountyAdmin,
        Role::FinanceSystem,
        Role::Auditor,
        Role::Client,
    ];

    fn caller(role: Role, provider_id: Option<&str>) -> Caller {
        Caller {
            issuer: "idp".into(),
            subject: "u-1".into(),
            role,
            provider_id: provider_id.map(str::to_owned),
            token: "t".into(),
            team: None,
            substitute_reason: None,
            identity_code: None,
        }
    }

    #[test]
    fn a_role_reads_back_from_its_claim_value_and_nothing_else_is_a_role() {
        for role in ROLES {
            assert_eq!(Role::parse(role.as_str()), Some(role));
            // The claim value is also the role's serde name.
            assert_eq!(
                serde_json::to_value(role).unwrap(),
                serde_json::json!(role.as_str())
            );
        }
        for other in ["", "admin", "County_Admin", "county_admin ", "auditors"] {
            assert_eq!(Role::parse(other), None, "{other:?}");
        }
    }

    #[test]
    fn a_provider_user_is_a_user_of_its_own_provider_only() {
        let user = caller(Role::ProviderUser, Some("p-1"));
        assert!(user.is_user_of("p-1"));
        assert!(!user.is_user_of("p-2"));
        assert_eq!(user.organisation(), "p-1");
        // A county role is nobody's provider user, even with a provider id at hand.
        let admin = caller(Role::CountyAdmin, Some("p-1"));
        assert!(!admin.is_user_of("p-1"));
        assert_eq!(caller(Role::SocialWorker, None).organisation(), "county");
    }

    #[test]
    fn require_admits_the_listed_roles_and_names_the_callers_otherwise() {
        let worker = caller(Role::SocialWorker, None);
        assert!(
            worker
                .require(&[Role::CountyAdmin, Role::SocialWorker])
                .is_ok()
        );
        match worker.require(&[Role::Auditor]) {
            Err(AppError::PermissionDenied(m)) => assert!(m.contains("social_worker"), "{m}"),
            other => panic!("expected PERMISSION_DENIED, got {other:?}"),
        }
        assert!(worker.require(&[]).is_err());
    }

    #[test]
    fn two_identities_sharing_a_subject_have_different_scopes() {
        let a = caller(Role::ProviderUser, Some("p-1"));
        let other_provider = caller(Role::ProviderUser, Some("p-2"));
        let other_issuer = Caller {
            issuer: "idp-2".into(),
            ..a.clone()
        };
        let other_role = caller(Role::SocialWorker, None);
        assert_eq!(a.scope(), "idp|provider_user|u-1|p-1");
        for b in [other_provider, other_issuer, other_role] {
            assert_ne!(a.scope(), b.scope());
        }
        // The token is not part of the scope: a new token of the same identity replays.
        let renewed = Caller {
            token: "t2".into(),
            ..a.clone()
        };
        assert_eq!(a.scope(), renewed.scope());
    }

    #[test]
    fn a_social_worker_answers_for_their_own_and_their_teams_clients_and_reads_as_a_substitute() {
        let mut worker = caller(Role::SocialWorker, None);
        assert!(worker.answers_for("u-1", ""));
        assert!(!worker.answers_for("u-2", ""));
        assert!(!worker.answers_for("", ""), "an object of nobody's");
        worker.team = Some("kuopio-pohjoinen".into());
        assert!(worker.answers_for("u-2", "kuopio-pohjoinen"));
        assert!(!worker.answers_for("u-2", "kuopio-etela"));
        assert!(!worker.answers_for("u-2", ""));
        worker.substitute_reason = Some("sijaisuus".into());
        assert!(worker.caseload().is_none());
        assert!(worker.answers_for("u-2", "kuopio-etela"));
        // Other roles are decided otherwise.
        assert!(!caller(Role::CountyAdmin, None).answers_for("u-1", ""));
        assert!(caller(Role::CountyAdmin, None).caseload().is_none());
    }

    #[test]
    fn the_system_caller_acts_with_the_countys_authority_under_its_job_name() {
        let system = Caller::system("sweep");
        assert_eq!(system.subject, "system:sweep");
        assert_eq!(system.role, Role::CountyAdmin);
        assert_eq!(system.organisation(), "county");
        assert!(system.token.is_empty());
    }

    #[test]
    fn a_request_without_a_verified_caller_is_unauthenticated() {
        let mut request = Request::new(());
        assert!(matches!(
            Caller::of(&request),
            Err(AppError::Unauthenticated(_))
        ));
        request.extensions_mut().insert(caller(Role::Auditor, None));
        assert_eq!(Caller::of(&request).unwrap().role, Role::Auditor);
    }
}
