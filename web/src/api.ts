// The services' clients over gRPC-Web (connect-web's transport, one per service address), each
// call carrying the signed-in user's bearer token.

import { createClient, type Client } from "@connectrpc/connect";
import { createGrpcWebTransport } from "@connectrpc/connect-web";

import type { Config } from "./config.js";
import { AttendanceService } from "./gen/seteli/attendance/v1/attendance_service_pb.js";
import { BillingService } from "./gen/seteli/billing/v1/billing_service_pb.js";
import { ProviderCatalogueService } from "./gen/seteli/catalogue/v1/catalogue_service_pb.js";
import { ProvidersService } from "./gen/seteli/providers/v1/providers_service_pb.js";
import { ReportingService } from "./gen/seteli/reporting/v1/reporting_service_pb.js";
import { VouchersService } from "./gen/seteli/vouchers/v1/vouchers_service_pb.js";

/** Every client a portal needs, the token's headers, and where each service is. */
export interface Api {
  vouchers: Client<typeof VouchersService>;
  providers: Client<typeof ProvidersService>;
  attendance: Client<typeof AttendanceService>;
  reporting: Client<typeof ReportingService>;
  billing: Client<typeof BillingService>;
  /** The registry's public comparison of providers (answers without a token). */
  catalogue: Client<typeof ProviderCatalogueService>;
  /** The call options: the bearer token. */
  opts: { headers: HeadersInit };
  /** Each service's address, for telling why a call got no answer. */
  urls: Config["services"];
}

/** Clients of the configured services, calling with `token` ("": none, the public comparison). */
export function connect(config: Config, token: string): Api {
  const at = (url: string) => createGrpcWebTransport({ baseUrl: url });
  const s = config.services;
  return {
    vouchers: createClient(VouchersService, at(s.vouchers)),
    providers: createClient(ProvidersService, at(s.providers)),
    attendance: createClient(AttendanceService, at(s.attendance)),
    reporting: createClient(ReportingService, at(s.reporting)),
    billing: createClient(BillingService, at(s.billing)),
    // The public catalogue is served by the provider registry, at its address.
    catalogue: createClient(ProviderCatalogueService, at(s.providers)),
    opts: { headers: token ? { authorization: `Bearer ${token}` } : {} },
    urls: s,
  };
}

/** A fresh idempotency key. */
export function rid(): string {
  return crypto.randomUUID();
}
