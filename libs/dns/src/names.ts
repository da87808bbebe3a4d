/**
 * Domain names as RFC 1035 §2.3.4 and RFC 1123 §2.1 bound them: a label is 1-63 octets, a name at most
 * 255 octets on the wire (253 characters in text without the final dot). Host labels are letters, digits
 * and "-" (not first or last; RFC 1123 allows a leading digit). Owner names may also carry "_" labels
 * (SRV, DMARC, DKIM: RFC 2782, 8552) and a leading "*" wildcard (RFC 4592). Names are kept lower-case,
 * without the final dot: DNS compares them case-insensitively.
 */
export const MAX_LABEL_OCTETS = 63;
export const MAX_NAME_TEXT = 253;

const HOST_LABEL = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/;
const UNDERSCORE_LABEL = /^_[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/;

export type NameResult = { ok: true; name: string } | { ok: false; message: string };

interface NameRules {
  /** "_service" labels (owner names only). */
  underscore?: boolean;
  /** A "*" as the leftmost label (owner names only). */
  wildcard?: boolean;
}

/** Checks an absolute name (final dot optional) and answers it lower-case, without the final dot. */
export function checkDomainName(input: string, rules: NameRules = {}): NameResult {
  if (typeof input !== 'string' || input.length === 0) return { ok: false, message: 'must be a domain name' };
  const text = (input.endsWith('.') ? input.slice(0, -1) : input).toLowerCase();
  if (text.length === 0) return { ok: false, message: 'must be a domain name, not the root "."' };
  if (text.length > MAX_NAME_TEXT) return { ok: false, message: `is ${text.length} characters; a name is at most ${MAX_NAME_TEXT}` };
  const labels = text.split('.');
  for (const [index, label] of labels.entries()) {
    const problem = labelProblem(label, index, rules);
    if (problem) return { ok: false, message: problem };
  }
  return { ok: true, name: text };
}

function labelProblem(label: string, index: number, rules: NameRules): string | null {
  if (label.length === 0) return 'has an empty label (two dots in a row, or a leading dot)';
  if (label.length > MAX_LABEL_OCTETS) return `has a label of ${label.length} characters; a label is at most ${MAX_LABEL_OCTETS}`;
  if (label === '*') return rules.wildcard && index === 0 ? null : 'may have "*" only as its leftmost label';
  if (HOST_LABEL.test(label)) return null;
  if (rules.underscore && UNDERSCORE_LABEL.test(label)) return null;
  return `has an invalid label "${label}": letters, digits and "-" only, not starting or ending with "-"${rules.underscore ? ' (or "_" then those)' : ''}`;
}

/** True when `name` is `zone` or below it (both canonical). */
export function isWithinZone(name: string, zone: string): boolean {
  return name === zone || name.endsWith(`.${zone}`);
}

/**
 * An owner name as an operator writes it in a zone: "@" for the apex, a name relative to the zone
 * ("www", "_sip._tcp"), or an absolute one with a final dot ("www.example.com."), which must be in the
 * zone. Answers the name relative to the zone ("@" for the apex), as stored and rendered.
 */
export function checkOwnerName(input: string, zone: string): NameResult {
  if (typeof input !== 'string' || input.trim() === '') return { ok: false, message: 'must be "@" or a name in the zone' };
  const text = input.trim().toLowerCase();
  if (text === '@' || text === `${zone}.`) return { ok: true, name: '@' };
  const absolute = text.endsWith('.') ? text : `${text}.${zone}`;
  const checked = checkDomainName(absolute, { underscore: true, wildcard: true });
  if (!checked.ok) return checked;
  if (!isWithinZone(checked.name, zone)) return { ok: false, message: `"${input}" is outside the zone ${zone}` };
  return { ok: true, name: relativeName(checked.name, zone) };
}

/** `www.example.com` in `example.com` → `www`; the apex → `@`. */
export function relativeName(name: string, zone: string): string {
  return name === zone ? '@' : name.slice(0, -(zone.length + 1));
}

/** The absolute name (no final dot) of a stored owner name. */
export function absoluteName(owner: string, zone: string): string {
  return owner === '@' ? zone : `${owner}.${zone}`;
}

/**
 * A target name (CNAME, NS, PTR, MX, SRV): always taken as absolute, whether or not it ends with a dot,
 * so the classic missing-dot mistake ("mail" becoming "mail.example.com.example.com") cannot happen. A
 * single label is refused: it is almost always a relative name written by mistake.
 */
export function checkTargetName(input: string): NameResult {
  const checked = checkDomainName(typeof input === 'string' ? input.trim() : input);
  if (!checked.ok) return checked;
  if (!checked.name.includes('.')) return { ok: false, message: `"${input}" is a single label; write the full name (e.g. ${checked.name}.example.com.)` };
  return checked;
}
