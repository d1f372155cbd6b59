import type { EmulatorConfig } from "../config";
import { DOMAIN, generateTenant } from "./generate";
import { indexTenant, type Tenant } from "./model";

/**
 * Another organisation in the same cloud: its own tenant id, domain and people, and Recert's client id registered
 * there too (as a multi-tenant registration would be, once that tenant's admin consents). It signs with the same
 * keys, as Entra's tenants share the cloud's signing keys: only the issuer and `tid` tell its tokens apart, which is
 * why Recert must check them. Its users must never get into Recert.
 */
export const SECOND_TENANT = {
  id: "5e3f2a1b-9c8d-4e7f-a6b5-c4d3e2f1a0b9",
  domain: "northwind.onmicrosoft.com",
  name: "Northwind Traders",
};

export function generateSecondTenant(cfg: EmulatorConfig): Tenant {
  const t = generateTenant({
    seed: `${cfg.seed}:second`,
    users: 40,
    tenantId: SECOND_TENANT.id,
    now: cfg.now,
    recertClientId: cfg.clientId,
    recertClientSecret: cfg.clientSecret,
    recertAppIdUri: cfg.appIdUri,
    redirectUris: cfg.redirectUris,
    password: cfg.password,
  });
  const rename = (s: string | null | undefined) => s?.replace(`@${DOMAIN}`, `@${SECOND_TENANT.domain}`) ?? null;
  for (const u of t.users) {
    u.userPrincipalName = rename(u.userPrincipalName)!;
    u.mail = rename(u.mail);
  }
  t.wellKnown = t.wellKnown.map((w) => ({ ...w, upn: rename(w.upn)! }));
  t.domain = SECOND_TENANT.domain;
  t.organization = {
    ...t.organization,
    displayName: SECOND_TENANT.name,
    verifiedDomains: [{ name: SECOND_TENANT.domain, isDefault: true, isInitial: true, type: "Managed" }],
  };
  return indexTenant(t);
}
