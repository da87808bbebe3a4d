/** The record types the service manages (SOA is the service's own, written at each render). */
export const RECORD_TYPES = ['A', 'AAAA', 'CNAME', 'MX', 'TXT', 'SRV', 'PTR', 'NS', 'CAA'] as const;
export type RecordType = (typeof RECORD_TYPES)[number];
