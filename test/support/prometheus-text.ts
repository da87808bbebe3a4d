/** One sample of a Prometheus text exposition: `name{labels} value`. */
export interface PromSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface PromFamily {
  name: string;
  type: string;
  help: string;
  samples: PromSample[];
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const SUFFIXES = ['_bucket', '_sum', '_count', '_total', '_created', '_gcount', '_gsum'];

/**
 * A strict parser of the Prometheus text format 0.0.4 (the subset prom-client writes): HELP/TYPE lines,
 * samples with quoted, escaped label values, floats including +Inf/NaN. Throws on the first bad line
 * naming it, so a test fails with the reason rather than a missing figure.
 */
export function parsePrometheusText(text: string): Map<string, PromFamily> {
  const families = new Map<string, PromFamily>();
  const lines = text.split('\n');
  lines.forEach((line, index) => {
    const where = `line ${index + 1} "${line}"`;
    if (line.trim() === '') return;
    if (line.startsWith('#')) {
      const match = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line);
      if (!match) return; // other comments are allowed
      const [, kind, name = '', rest = ''] = match;
      if (!NAME.test(name)) throw new Error(`${where}: bad metric name`);
      const family = families.get(name) ?? { name, type: 'untyped', help: '', samples: [] };
      if (kind === 'TYPE') {
        if (!['counter', 'gauge', 'histogram', 'summary', 'untyped'].includes(rest)) throw new Error(`${where}: bad type`);
        family.type = rest;
      } else family.help = rest;
      families.set(name, family);
      return;
    }
    const sample = parseSample(line, where);
    const family = familyOf(sample.name, families);
    if (!family) throw new Error(`${where}: sample without a # TYPE line`);
    family.samples.push(sample);
  });
  for (const family of families.values()) if (family.type === 'histogram') checkHistogram(family);
  return families;
}

function familyOf(sampleName: string, families: Map<string, PromFamily>): PromFamily | undefined {
  if (families.has(sampleName)) return families.get(sampleName);
  const suffix = SUFFIXES.find((s) => sampleName.endsWith(s));
  return suffix ? families.get(sampleName.slice(0, -suffix.length)) : undefined;
}

function parseSample(line: string, where: string): PromSample {
  const nameMatch = /^([a-zA-Z_:][a-zA-Z0-9_:]*)/.exec(line);
  if (!nameMatch) throw new Error(`${where}: bad sample name`);
  const name = nameMatch[1] ?? '';
  let rest = line.slice(name.length);
  const labels: Record<string, string> = {};
  if (rest.startsWith('{')) {
    rest = rest.slice(1);
    while (!rest.startsWith('}')) {
      const labelMatch = /^([^=]+)="/.exec(rest);
      if (!labelMatch || !LABEL_NAME.test(labelMatch[1] ?? '')) throw new Error(`${where}: bad label`);
      rest = rest.slice(labelMatch[0].length);
      let value = '';
      for (;;) {
        const ch = rest[0];
        if (ch === undefined) throw new Error(`${where}: unterminated label value`);
        rest = rest.slice(1);
        if (ch === '"') break;
        if (ch === '\\') {
          const escaped = rest[0];
          rest = rest.slice(1);
          if (escaped === 'n') value += '\n';
          else if (escaped === '\\' || escaped === '"') value += escaped;
          else throw new Error(`${where}: bad escape`);
        } else value += ch;
      }
      labels[labelMatch[1] ?? ''] = value;
      if (rest.startsWith(',')) rest = rest.slice(1);
      else if (!rest.startsWith('}')) throw new Error(`${where}: expected , or }`);
    }
    rest = rest.slice(1);
  }
  const parts = rest.trim().split(/\s+/);
  if (!rest.startsWith(' ') || parts.length < 1 || parts.length > 2) throw new Error(`${where}: expected " value [timestamp]"`);
  const raw = parts[0] ?? '';
  // Prometheus reads the special values in any case (Go's ParseFloat), and prom-client writes NaN as
  // "Nan": an event-loop lag mean with no sample since the last scrape is one.
  const special = raw.toLowerCase();
  const notANumber = special === 'nan';
  const value = ['+inf', 'inf'].includes(special) ? Infinity : special === '-inf' ? -Infinity : notANumber ? NaN : Number(raw);
  if (raw === '' || (Number.isNaN(value) && !notANumber)) throw new Error(`${where}: bad value`);
  return { name, labels, value };
}

/** Buckets cumulative and ending in +Inf equal to _count, per label set. */
function checkHistogram(family: PromFamily): void {
  const series = new Map<string, { buckets: { le: number; value: number }[]; count?: number }>();
  for (const sample of family.samples) {
    const { le, ...rest } = sample.labels;
    const key = JSON.stringify(Object.entries(rest).sort());
    const entry = series.get(key) ?? { buckets: [] };
    if (sample.name.endsWith('_bucket')) entry.buckets.push({ le: le === '+Inf' ? Infinity : Number(le), value: sample.value });
    if (sample.name.endsWith('_count')) entry.count = sample.value;
    series.set(key, entry);
  }
  for (const [key, entry] of series) {
    const sorted = [...entry.buckets].sort((a, b) => a.le - b.le);
    sorted.forEach((b, i) => {
      if (i > 0 && b.value < (sorted[i - 1]?.value ?? 0)) throw new Error(`${family.name}${key}: buckets not cumulative`);
    });
    const inf = sorted[sorted.length - 1];
    if (!inf || inf.le !== Infinity || inf.value !== entry.count) throw new Error(`${family.name}${key}: +Inf bucket must equal _count`);
  }
}

/** The value of one series (labels must match exactly those given); undefined when absent. */
export function sampleValue(families: Map<string, PromFamily>, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const family of families.values()) {
    for (const sample of family.samples) {
      if (sample.name !== name) continue;
      const { service: _service, ...own } = sample.labels;
      const wanted = Object.entries(labels);
      if (wanted.length === Object.keys(own).length && wanted.every(([k, v]) => own[k] === v)) return sample.value;
    }
  }
  return undefined;
}
