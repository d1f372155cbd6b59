/** The Graph client a sync uses when the caller has not made one (CLI, scheduler, bench). */
import { type CertificateCredential, createGraphClient, type GraphClient } from "../graph";

export interface GraphConnection {
  baseUrl: string;
  authorityHost: string;
  tenantId: string;
  clientId: string;
  /** One of the two; certificates are recommended (README, "Least privilege"). */
  clientSecret?: string;
  certificate?: CertificateCredential;
  retryBudgetMs?: number;
}

export function createSyncGraph(c: GraphConnection): GraphClient {
  // Nine fetchers run side by side; a little more concurrency than the default keeps them fed.
  return createGraphClient({ ...c, maxConcurrency: 6 });
}
