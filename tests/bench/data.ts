/**
 * @module Contact rows that look like real exports (names, companies, valid phones, tags) and are
 * unique across the whole run, so "new" scenarios really create and never match by accident.
 */

const FIRST = [
  'Anna',
  'Jonas',
  'Lea',
  'Lukas',
  'Mia',
  'Felix',
  'Sofia',
  'Noah',
  'Emma',
  'Elias',
  'Hanna',
  'Paul',
  'Marie',
  'Ben',
  'Clara',
  'Leon',
];
const LAST = [
  'Müller',
  'Schmidt',
  'Schneider',
  'Fischer',
  'Weber',
  'Meyer',
  'Wagner',
  'Becker',
  'Schulz',
  'Hoffmann',
  'Koch',
  'Richter',
  'Klein',
  'Wolf',
];
const COMPANY = [
  'Nordwind GmbH',
  'Acme Corp',
  'Lindqvist & Partner',
  'Blue Harbor Ltd',
  'Kessler AG',
  'Tiefbau Süd',
  'Globex',
  'Initech',
];
const TITLE = [
  'Head of Sales',
  'CTO',
  'Procurement Manager',
  'Marketing Lead',
  'Office Manager',
  'Founder',
  'Account Executive',
];
const TAGS = ['lead', 'newsletter', 'trade-fair-2026', 'partner', 'vip'];
/** German mobile ranges: eight digits after the prefix are always a valid number. */
const MOBILE = ['151', '152', '157', '160', '170', '176'];

export interface BenchContact {
  first_name: string;
  last_name: string;
  email: string;
  phone: string;
  company: string;
  job_title: string;
  tags: string;
}

let sequence = 0;

/** The next run-unique number; every generated contact takes one. */
export function nextSequence(): number {
  return sequence++;
}

export function contact(seq: number): BenchContact {
  const first = FIRST[seq % FIRST.length];
  const last = LAST[Math.floor(seq / FIRST.length) % LAST.length];
  const digits = String(seq).padStart(8, '0');
  const asciiLast = last.normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase();
  return {
    first_name: first,
    last_name: last,
    email: `${first.toLowerCase()}.${asciiLast}.${seq}@example-${seq % 97}.com`,
    phone: `+49 ${MOBILE[seq % MOBILE.length]} ${digits.slice(0, 4)} ${digits.slice(4)}`,
    company: COMPANY[seq % COMPANY.length],
    job_title: TITLE[seq % TITLE.length],
    tags: `${TAGS[seq % TAGS.length]}, ${TAGS[(seq + 2) % TAGS.length]}`,
  };
}

/** `count` contacts with fresh sequence numbers. */
export function freshContacts(count: number): BenchContact[] {
  return Array.from({ length: count }, () => contact(nextSequence()));
}

const CSV_HEADER = ['First Name', 'Last Name', 'Email', 'Phone', 'Company', 'Job Title', 'Tags'];

function csvField(v: string): string {
  return /[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

/** A CSV as a CRM export writes it: header, CRLF line ends, quoted where needed (the tags hold commas). */
export function toCsv(contacts: readonly BenchContact[]): string {
  const lines = [CSV_HEADER.join(',')];
  for (const c of contacts) {
    lines.push([c.first_name, c.last_name, c.email, c.phone, c.company, c.job_title, c.tags].map(csvField).join(','));
  }
  return lines.join('\r\n') + '\r\n';
}

/** A JSON row as an API client sends it: tags as an array. */
export function toJsonRow(c: BenchContact): Record<string, unknown> {
  return { ...c, tags: c.tags.split(', ') };
}
