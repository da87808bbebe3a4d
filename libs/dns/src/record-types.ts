import { DNS_RECORD_TYPES, type DnsRecordType } from '@slipway/contracts/enums';

/** The record types the service manages (SOA is the service's own, written at each render). */
export const RECORD_TYPES = DNS_RECORD_TYPES;
export type RecordType = DnsRecordType;
