// The contracts' codes in Finnish words: what a person reads instead of an enum's name.

import { ServiceType } from "../gen/seteli/common/v1/common_pb.js";
import {
  AbsenceKind,
  AbsenceReason,
  SessionStatus,
} from "../gen/seteli/attendance/v1/attendance_service_pb.js";
import {
  NoticeKind,
  ObligationStatus,
  ReportKind,
  ReportState,
} from "../gen/seteli/reporting/v1/reporting_service_pb.js";
import {
  PlanKind,
  UnemploymentBenefit,
  VoucherState,
} from "../gen/seteli/vouchers/v1/vouchers_service_pb.js";

export const SERVICE_NAMES: Record<ServiceType, string> = {
  [ServiceType.UNSPECIFIED]: "—",
  [ServiceType.KTT_INDIVIDUAL]: "Kuntouttava työtoiminta, yksilövalmennus",
  [ServiceType.KTT_GROUP]: "Kuntouttava työtoiminta, ryhmävalmennus",
  [ServiceType.KTT_ASSESSMENT]: "Kartoittava kuntouttava työtoiminta",
  [ServiceType.KTT_WORK_CAPACITY]: "Työ- ja toimintakykyä edistävä kuntouttava työtoiminta",
  [ServiceType.SK_INDIVIDUAL]: "Sosiaalinen kuntoutus, yksilövalmennus",
  [ServiceType.SK_INDIVIDUAL_DAILY_LIVING]: "Sosiaalinen kuntoutus, arjen taitojen yksilövalmennus",
  [ServiceType.SK_GROUP]: "Sosiaalinen kuntoutus, ryhmävalmennus",
  [ServiceType.SK_SUPPORTED_WORK]: "Tuettu työtoimintavalmennus",
  [ServiceType.SK_PARTICIPATION]: "Osallisuustoiminta",
};

/** Services whose units are days (the rest count hours), as proto/seteli/common says. */
const DAY_SERVICES = new Set<ServiceType>([
  ServiceType.KTT_GROUP,
  ServiceType.KTT_ASSESSMENT,
  ServiceType.KTT_WORK_CAPACITY,
  ServiceType.SK_SUPPORTED_WORK,
  ServiceType.SK_PARTICIPATION,
]);

/** Whether `service` counts days (otherwise hours). */
export function countsDays(service: ServiceType): boolean {
  return DAY_SERVICES.has(service);
}

/** Whether `service` is under the KTT rulebook (otherwise SK). */
export function isKtt(service: ServiceType): boolean {
  return service >= ServiceType.KTT_INDIVIDUAL && service <= ServiceType.KTT_WORK_CAPACITY;
}

export const STATE_NAMES: Record<VoucherState, string> = {
  [VoucherState.UNSPECIFIED]: "—",
  [VoucherState.ISSUED]: "Myönnetty",
  [VoucherState.ASSIGNED]: "Palveluntuottaja hyväksynyt",
  [VoucherState.ACTIVE]: "Palvelu käynnissä",
  [VoucherState.COMPLETED]: "Päättynyt",
  [VoucherState.INTERRUPTED]: "Keskeytetty",
  [VoucherState.CANCELLED]: "Peruttu",
  [VoucherState.EXPIRED]: "Vanhentunut",
};

export const BENEFIT_NAMES: Record<UnemploymentBenefit, string> = {
  [UnemploymentBenefit.UNSPECIFIED]: "Ei valittu",
  [UnemploymentBenefit.LABOUR_MARKET_SUBSIDY]: "Työmarkkinatuki",
  [UnemploymentBenefit.SOCIAL_ASSISTANCE]: "Toimeentulotuki työttömyyden perusteella",
  [UnemploymentBenefit.NONE]: "Ei kumpaakaan",
};

export const PLAN_NAMES: Record<PlanKind, string> = {
  [PlanKind.UNSPECIFIED]: "Ei valittu",
  [PlanKind.ACTIVATION_PLAN]: "Aktivointisuunnitelma",
  [PlanKind.MULTI_SECTORAL_EMPLOYMENT_PLAN]: "Monialainen työllistymissuunnitelma",
};

export const SESSION_STATUS_NAMES: Record<SessionStatus, string> = {
  [SessionStatus.UNSPECIFIED]: "—",
  [SessionStatus.RECORDED]: "Toteutunut",
  [SessionStatus.CANCELLED_BY_CLIENT]: "Asiakas perui etukäteen",
  [SessionStatus.NO_SHOW]: "Ei saapunut",
  [SessionStatus.CANCELLED_BY_PROVIDER]: "Palveluntuottaja perui",
  [SessionStatus.VOIDED]: "Mitätöity",
  [SessionStatus.CANCELLED_AT_END]: "Peruttu setelin päättyessä",
};

export const ABSENCE_REASON_NAMES: Record<AbsenceReason, string> = {
  [AbsenceReason.UNSPECIFIED]: "—",
  [AbsenceReason.OWN_ILLNESS]: "Oma sairaus",
  [AbsenceReason.CHILD_ILLNESS]: "Alle 10-vuotiaan lapsen sairaus",
  [AbsenceReason.JOB_INTERVIEW]: "Työhaastattelu tai vastaava",
  [AbsenceReason.PUBLIC_OFFICE]: "Julkinen luottamustehtävä",
  [AbsenceReason.OTHER]: "Muu syy",
};

export const ABSENCE_KIND_NAMES: Record<AbsenceKind, string> = {
  [AbsenceKind.UNSPECIFIED]: "—",
  [AbsenceKind.ABSENT]: "Poissa",
  [AbsenceKind.NOT_ARRANGED]: "Ei toimintaa",
};

export const NOTICE_KIND_NAMES: Record<NoticeKind, string> = {
  [NoticeKind.UNSPECIFIED]: "Ilmoitus",
  [NoticeKind.SICK_CERTIFICATE]: "Sairauspoissaolo vaatii todistuksen",
  [NoticeKind.REPEATED_NO_SHOWS]: "Toistuvat poissaolot",
  [NoticeKind.PROLONGED_ABSENCE]: "Pitkittynyt poissaolo",
  [NoticeKind.INTERRUPTION]: "Palvelu keskeytyi",
  [NoticeKind.SITUATION_CHANGE]: "Muutos asiakkaan tilanteessa",
  [NoticeKind.DAMAGE]: "Vahinkoilmoitus",
  [NoticeKind.GROUP_CANCELLED_OR_DELAYED]: "Ryhmä peruttu tai siirretty",
};

export const REPORT_KIND_NAMES: Record<ReportKind, string> = {
  [ReportKind.UNSPECIFIED]: "Raportti",
  [ReportKind.INTERIM]: "Väliraportti",
  [ReportKind.FINAL]: "Loppuraportti",
};

export const OBLIGATION_STATUS_NAMES: Record<ObligationStatus, string> = {
  [ObligationStatus.UNSPECIFIED]: "—",
  [ObligationStatus.DUE]: "Tulossa",
  [ObligationStatus.OVERDUE]: "Myöhässä",
  [ObligationStatus.SUBMITTED]: "Lähetetty",
};

export const REPORT_STATE_NAMES: Record<ReportState, string> = {
  [ReportState.UNSPECIFIED]: "—",
  [ReportState.NOT_STARTED]: "aloittamatta",
  [ReportState.DRAFT]: "luonnos",
  [ReportState.SUBMITTED]: "lähetetty",
  [ReportState.REVISION_REQUESTED]: "korjauspyyntö",
  [ReportState.ACKNOWLEDGED]: "kuitattu",
};

/** The roles' names, for the header. */
export const ROLE_NAMES: Record<string, string> = {
  social_worker: "Sosiaalityöntekijä",
  county_admin: "Hyvinvointialueen pääkäyttäjä",
  provider_user: "Palveluntuottaja",
  client: "Asiakas",
};
