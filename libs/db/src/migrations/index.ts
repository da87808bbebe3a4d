import { InitialSchema1764200000000 } from './1764200000000-initial-schema.js';
import { AuthAuditIdempotency1764210500000 } from './1764210500000-auth-audit-idempotency.js';
import { ReleaseSecrets1764300000000 } from './1764300000000-release-secrets.js';
import { RequestIds1764310000000 } from './1764310000000-request-ids.js';
import { BootstrapSessionFingerprint1764320000000 } from './1764320000000-bootstrap-session-fingerprint.js';
import { WhatRan1764410000000 } from './1764410000000-what-ran.js';
import { Retention1764440000000 } from './1764440000000-retention.js';
import { ReleaseCommit1764400000000 } from './1764400000000-release-commit.js';
import { HistoryScale1764430000000 } from './1764430000000-history-scale.js';
import { SchedulesFreezes1764510000000 } from './1764510000000-schedules-freezes.js';
import { Webhooks1764520000000 } from './1764520000000-webhooks.js';
import { ReleaseEvents1764500000000 } from './1764500000000-release-events.js';
import { Dns1764530000000 } from './1764530000000-dns.js';
import { DnsFailedVersion1764530000001 } from './1764530000001-dns-failed-version.js';
import { Approvals1764610000000 } from './1764610000000-approvals.js';
import { EventsIncompleteIndex1764620000000 } from './1764620000000-events-incomplete-index.js';
import { DnsReloadRelease1764650000000 } from './1764650000000-dns-reload-release.js';

/** Every migration, oldest first. Listed explicitly so the bundled entry points need no file globbing. */
export const MIGRATIONS = [InitialSchema1764200000000, AuthAuditIdempotency1764210500000, ReleaseSecrets1764300000000,
  RequestIds1764310000000,
  BootstrapSessionFingerprint1764320000000,
  WhatRan1764410000000,
  Retention1764440000000,
  ReleaseCommit1764400000000,
  HistoryScale1764430000000,
  SchedulesFreezes1764510000000,
  Webhooks1764520000000,
  ReleaseEvents1764500000000,
  Dns1764530000000,
  DnsFailedVersion1764530000001,
  Approvals1764610000000,
  EventsIncompleteIndex1764620000000,
  DnsReloadRelease1764650000000,
];
