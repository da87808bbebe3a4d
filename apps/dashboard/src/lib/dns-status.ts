import type { DnsRenderStatus } from '@slipway/contracts/enums';

/** A zone's render status as the DNS pages say it. */
export function renderStatusLabel(status: DnsRenderStatus): string {
  switch (status) {
    case 'failed':
      return 'render failed';
    case 'reload-pending':
      return 'reload pending';
    case 'reload-failed':
      return 'reload failed';
    default:
      return status;
  }
}
