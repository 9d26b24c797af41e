// A new service decision and its voucher, checked against the rulebooks while it is filled:
// every change of the form asks IssueVoucher with `validate_only` (nothing is written) and shows
// the refusal's rule ids, sections and Finnish message, or that the decision passes and what the
// voucher would be worth; "Tee päätös" then sends it for real.

import type { MessageInitShape } from "@bufbuild/protobuf";

import type { Api } from "../api.js";
import { rid } from "../api.js";
import { ServiceType } from "../gen/seteli/common/v1/common_pb.js";
import {
  PlanKind,
  UnemploymentBenefit,
  type Client,
  type ServiceDecisionSchema,
  type Voucher,
} from "../gen/seteli/vouchers/v1/vouchers_service_pb.js";
import { debounce, element, field, h, status } from "../ui/dom.js";
import { euros, today, units, wire } from "../ui/format.js";
import { BENEFIT_NAMES, PLAN_NAMES, SERVICE_NAMES, countsDays, isKtt } from "../ui/names.js";
import { hideRefusal, refusalIn, ruleIds, showFailure } from "../ui/refusal.js";

/** The decision view, told which client it is for. */
export interface IssueView {
  forClient(c: Client | undefined): void;
}

function options<E extends number>(select: HTMLSelectElement, names: Record<E, string>, skipZero: boolean): void {
  select.replaceChildren(
    ...Object.entries(names)
      .filter(([value]) => !(skipZero && value === "0"))
      .map(([value, name]) => h("option", { value }, name as string)),
  );
}

/** Wires the decision form; `issued` runs with the voucher once one is issued. */
export function startIssue(api: Api, issued: (v: Voucher) => Promise<void>): IssueView {
  const form = element<HTMLFormElement>("#issue-form");
  const check = element<HTMLElement>("#issue-check");
  const verdict = field(check, "issue-verdict");
  const refusal = refusalIn(element("#issue-refusal-slot"), "issue-refusal");
  const value = (id: string) => element<HTMLInputElement | HTMLSelectElement>(id).value;
  const checked = (id: string) => element<HTMLInputElement>(id).checked;
  let client: Client | undefined;
  let asked = 0;

  options(element("#issue-service"), SERVICE_NAMES, true);
  options(element("#issue-benefit"), BENEFIT_NAMES, false);
  options(element("#issue-plan-kind"), PLAN_NAMES, false);
  for (const id of ["#issue-decision-date", "#issue-from"]) element<HTMLInputElement>(id).value = today();

  const decision = (): MessageInitShape<typeof ServiceDecisionSchema> => {
    const service = Number(value("#issue-service")) as ServiceType;
    const ktt = isKtt(service);
    const exemption = value("#issue-exemption").trim();
    const when = (id: string) => (value(id) ? wire(value(id)) : undefined);
    return {
      clientId: client?.id ?? "",
      serviceType: service,
      decisionDate: when("#issue-decision-date"),
      validFrom: when("#issue-from"),
      validUntil: when("#issue-until"),
      grantedUnits: { hundredths: BigInt(Math.round(Number(value("#issue-units") || "0") * 100)) },
      jobSearchInForce: ktt && checked("#issue-job-search"),
      unemploymentBenefit: ktt ? (Number(value("#issue-benefit")) as UnemploymentBenefit) : UnemploymentBenefit.UNSPECIFIED,
      employmentPlan: ktt
        ? { kind: Number(value("#issue-plan-kind")) as PlanKind, reference: value("#issue-plan-ref").trim() }
        : undefined,
      needAssessment: ktt
        ? undefined
        : {
            reference: value("#issue-need-ref").trim(),
            socialRehabilitationNeed: checked("#issue-need-social"),
            dailyLivingNeed: checked("#issue-need-daily"),
          },
      distanceExemption: exemption ? { reason: exemption } : undefined,
    };
  };

  const showKind = () => {
    const service = Number(value("#issue-service")) as ServiceType;
    element<HTMLFieldSetElement>("#issue-ktt").hidden = !isKtt(service);
    element<HTMLFieldSetElement>("#issue-sk").hidden = isKtt(service);
    field(form, "issue-unit").textContent = countsDays(service) ? "päivää" : "tuntia";
  };

  /** Asks the rulebooks about the form as it is now (validate_only); the last answer wins. */
  const validate = async () => {
    if (!client) return;
    const mine = ++asked;
    verdict.dataset.state = "checking";
    verdict.textContent = "Tarkistetaan…";
    try {
      const { voucher } = await api.vouchers.issueVoucher(
        { requestId: rid(), decision: decision(), validateOnly: true },
        api.opts,
      );
      if (mine !== asked) return;
      hideRefusal(refusal);
      const days = countsDays(voucher?.decision?.serviceType ?? 0);
      verdict.dataset.state = "ok";
      verdict.dataset.rules = "";
      verdict.textContent =
        `Päätös täyttää säännöt: ${units(voucher?.unitsGranted?.hundredths, days)}, ` +
        `yksikköhinta ${euros(voucher?.unitPrice)}, setelin arvo ${euros(voucher?.value)}.`;
    } catch (err) {
      if (mine !== asked) return;
      await showFailure(refusal, err, api.urls.vouchers);
      verdict.dataset.state = "refused";
      verdict.dataset.rules = ruleIds(err).join(" ");
      verdict.textContent = "Päätös ei vielä täytä sääntöjä: katso alta.";
      status("idle", "Päätöstä tarkistetaan sääntöjä vasten.");
    }
  };
  const soon = debounce(() => void validate(), 300);
  form.addEventListener("input", soon);
  form.addEventListener("change", () => {
    showKind();
    soon();
  });
  showKind();

  form.addEventListener("submit", (e) => {
    e.preventDefault();
    if (!client) return;
    status("loading", "Myönnetään setelia…");
    void (async () => {
      try {
        const { voucher } = await api.vouchers.issueVoucher({ requestId: rid(), decision: decision() }, api.opts);
        if (voucher) await issued(voucher);
      } catch (err) {
        await showFailure(refusal, err, api.urls.vouchers);
      }
    })();
  });

  return {
    forClient(c) {
      client = c;
      element<HTMLElement>("#issue-client-none").hidden = Boolean(c);
      form.hidden = !c;
      if (c) {
        field(form, "issue-client").textContent = `${c.name}, ${c.homeMunicipality}`;
        void validate();
      }
    },
  };
}

