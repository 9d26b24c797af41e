// The reports a provider owes, by due date (reporting's ListObligations of its own provider),
// each with its voucher's number and client, kind, rule, deadline in Finnish and where it stands.

import type { Api } from "../api.js";
import { ObligationStatus } from "../gen/seteli/reporting/v1/reporting_service_pb.js";
import { element, h, status } from "../ui/dom.js";
import { date, iso } from "../ui/format.js";
import { OBLIGATION_STATUS_NAMES, REPORT_KIND_NAMES, REPORT_STATE_NAMES } from "../ui/names.js";
import { hideRefusal, refusalIn, showFailure } from "../ui/refusal.js";
import { ownVouchers } from "./vouchers.js";

/** Fills the table of reports due. */
export async function showReports(api: Api): Promise<void> {
  const table = element<HTMLTableElement>("#obligations");
  const body = element<HTMLTableSectionElement>("tbody", table);
  const refusal = refusalIn(element("#reports"), "reports-refusal");
  table.dataset.state = "loading";
  status("loading", "Haetaan raportteja…");
  try {
    const [{ obligations }, vouchers] = await Promise.all([
      api.reporting.listObligations({ pageSize: 500 }, api.opts),
      ownVouchers(api),
    ]);
    const byId = new Map(vouchers.map((v) => [v.id, v]));
    const rows = [...obligations].sort((a, b) => iso(a.dueOn).localeCompare(iso(b.dueOn)));
    body.replaceChildren(
      ...rows.map((o) => {
        const v = byId.get(o.voucherId);
        const overdue = o.status === ObligationStatus.OVERDUE;
        return h(
          "tr",
          { "data-obligation": o.id, class: overdue ? "overdue" : "" },
          h("td", { "data-col": "voucher" }, v ? `${v.voucherNumber} ${v.client?.name ?? ""}` : o.voucherId),
          h("td", { "data-col": "kind" }, `${REPORT_KIND_NAMES[o.kind]} (${o.rule})`),
          h("td", { "data-col": "due" }, h("time", { datetime: iso(o.dueOn) }, date(o.dueOn))),
          h(
            "td",
            { "data-col": "status" },
            `${OBLIGATION_STATUS_NAMES[o.status]}, ${REPORT_STATE_NAMES[o.reportState]}${o.late ? ", lähetetty myöhässä" : ""}`,
          ),
        );
      }),
    );
    if (!rows.length) body.append(h("tr", {}, h("td", { colspan: 4 }, "Ei raportteja.")));
    hideRefusal(refusal);
    table.dataset.state = "ok";
    status("ok", `${rows.length} raporttia.`);
  } catch (err) {
    table.dataset.state = "error";
    await showFailure(refusal, err, api.urls.reporting);
  }
}
