// The provider's own vouchers, as its grid, groups and reports name them.

import type { Api } from "../api.js";
import { VoucherState, type Voucher } from "../gen/seteli/vouchers/v1/vouchers_service_pb.js";

/** The states in which a voucher takes records (attendance: ASSIGNED or ACTIVE, or ended ones for their days). */
const RECORDING = new Set([VoucherState.ASSIGNED, VoucherState.ACTIVE, VoucherState.COMPLETED, VoucherState.INTERRUPTED]);

/** The provider's vouchers that take records, every page (a provider's user sees only its own). */
export async function ownVouchers(api: Api): Promise<Voucher[]> {
  const all: Voucher[] = [];
  let pageToken = "";
  for (let page = 0; page < 10; page++) {
    const r = await api.vouchers.listVouchers({ pageSize: 500, pageToken }, api.opts);
    all.push(...r.vouchers.filter((v) => RECORDING.has(v.state)));
    pageToken = r.nextPageToken;
    if (!pageToken) break;
  }
  return all.sort((a, b) => (a.client?.name ?? "").localeCompare(b.client?.name ?? "", "fi"));
}

