/** @module Recognises the column headers of real contact and CRM exports (synonyms, vCard property headers, typed variants such as "Email (Work)") and says which contact field each one feeds. */

/** Lower-case letters and digits only, diacritics removed, so `E-mail 1 - Value`, `Prénom` and `first_name` compare as `email1value`, `prenom`, `firstname`. */
export function normaliseHeader(h: string): string {
  return (
    h
      .normalize('NFKD')
      .replace(/\p{M}/gu, '')
      .toLowerCase()
      // NFKD leaves ß alone; without this "Straße" would lose a letter rather than gain the usual spelling.
      .replace(/ß/g, 'ss')
      .replace(/[^a-z0-9]/g, '')
  );
}

/** vCard `N` (Last;First;Middle;Prefix;Suffix): the cell is split into these fields, in this order. */
export const COMPOSITE_NAME = 'last_name;first_name';
/** vCard `ORG` (Company;Department). */
export const COMPOSITE_ORG = 'company;custom_fields.department';

/*
 * Where the names come from (the vendors' documented or exported header rows; "well known" marks
 * the ones written from exports seen in the wild because no published list was found):
 * - Google Contacts "Google CSV" (legacy) and the current export: Name, Given Name, Family Name,
 *   E-mail N - Value, Phone N - Value, Organization N - Name/Title, Group Membership; current:
 *   First Name, Last Name, Organization Name, Organization Title, Labels (well known).
 * - Outlook: First Name, Last Name, Title (salutation), Company, Job Title, E-mail Address,
 *   E-mail 2 Address, Business Phone, Mobile Phone, Home Phone, Categories; the German, French and
 *   Spanish Outlook exports translate them (E-Mail-Adresse, Adresse de messagerie, Dirección de
 *   correo electrónico, Mobiltelefon, Tél. mobile, Teléfono móvil …) (well known).
 * - Apple Contacts through vCard-to-CSV converters: FN, N, ORG, TITLE, EMAIL;TYPE=…, TEL;TYPE=…,
 *   CATEGORIES; Mac export apps: Email (Work), Phone (Mobile), Organization (well known).
 * - HubSpot: First Name, Last Name, Email, Phone Number, Mobile Phone Number, Company Name,
 *   Job Title, Create Date, Contact owner, Lifecycle Stage.
 * - Salesforce reports and Data Loader: First Name/FirstName, Last Name, Title, Account Name
 *   /Account.Name, Email, Phone, Mobile/MobilePhone, Created Date/CreatedDate.
 * - Pipedrive: Person - Name, Person - Email - Work, Person - Phone - Mobile, Person - Organization,
 *   Person - Labels, and the same without "Person - " in newer exports (well known).
 * - Zoho CRM: First Name, Last Name, Full Name, Account Name, Email, Secondary Email, Phone,
 *   Mobile, Title, Tag, Created Time (well known).
 * - Mailchimp audience export: Email Address, First Name, Last Name, Phone Number, TAGS.
 * - LinkedIn Connections.csv: First Name, Last Name, URL, Email Address, Company, Position,
 *   Connected On.
 */
const SYNONYM_LISTS: Record<string, readonly string[]> = {
  full_name: [
    'full_name',
    'Full Name',
    'Name',
    'Contact Name',
    'Contact',
    'Display Name',
    'Contact Full Name',
    'Person - Name',
    'Formatted Name',
    'Vollständiger Name',
    'Anzeigename',
    'Nom complet',
    "Nom d'affichage",
    'Nombre completo',
  ],
  first_name: [
    'first_name',
    'First Name',
    'First',
    'Given Name',
    'Forename',
    'FName',
    'Contact First Name',
    'Person - First name',
    'Vorname',
    'Prénom',
    'Nombre',
  ],
  last_name: [
    'last_name',
    'Last Name',
    'Last',
    'Family Name',
    'Surname',
    'LName',
    'Contact Last Name',
    'Person - Last name',
    'Nachname',
    'Familienname',
    'Nom',
    'Nom de famille',
    'Apellido',
    'Apellidos',
  ],
  email: [
    'email',
    'E-mail',
    'Email Address',
    'E-mail Address',
    'E-mail 1 - Value',
    'E-mail 2 - Value',
    'E-mail 3 - Value',
    'E-mail - Value',
    'E-mail 2 Address',
    'E-mail 3 Address',
    'Email 1',
    'Email 2',
    'Work Email',
    'Business Email',
    'Personal Email',
    'Home Email',
    'Other Email',
    'Primary Email',
    'Secondary Email',
    'Mail',
    'Person - Email',
    'Person - Email - Work',
    'Person - Email - Home',
    'Person - Email - Other',
    'E-Mail-Adresse',
    'E-Mail Adresse',
    'E-Mail-Adresse 2',
    'Adresse e-mail',
    'Adresse mail',
    'Adresse de messagerie',
    'Courriel',
    'Correo electrónico',
    'Dirección de correo electrónico',
    'Correo',
  ],
  phone: [
    'phone',
    'Phone Number',
    'Telephone',
    'Tel',
    'Mobile',
    'Mobile Phone',
    'Mobile Phone Number',
    'Mobile Number',
    'Cell',
    'Cell Phone',
    'Business Phone',
    'Business Phone 2',
    'Work Phone',
    'Direct Phone',
    'Home Phone',
    'Home Phone 2',
    'Other Phone',
    'Primary Phone',
    'Phone 1 - Value',
    'Phone 2 - Value',
    'Phone 3 - Value',
    'Phone - Value',
    'Person - Phone',
    'Person - Phone - Work',
    'Person - Phone - Mobile',
    'Person - Phone - Home',
    'Person - Phone - Other',
    'Telefon',
    'Telefonnummer',
    'Telefon geschäftlich',
    'Telefon privat',
    'Handy',
    'Mobil',
    'Mobiltelefon',
    'Téléphone',
    'Téléphone bureau',
    'Téléphone domicile',
    'Tél. mobile',
    'Téléphone mobile',
    'Portable',
    'Teléfono',
    'Teléfono del trabajo',
    'Teléfono particular',
    'Teléfono móvil',
    'Móvil',
    'Celular',
  ],
  job_title: [
    'job_title',
    'Job Title',
    'Title',
    'Position',
    'Role',
    'Job Role',
    'Job Position',
    'Occupation',
    'Organization 1 - Title',
    'Organization Title',
    'Person - Job title',
    'Berufsbezeichnung',
    'Poste',
    'Fonction',
    'Cargo',
    'Puesto',
  ],
  company: [
    'company',
    'Company Name',
    'Organization',
    'Organisation',
    'Organization Name',
    'Organization 1 - Name',
    'Account Name',
    'Account.Name',
    'Account',
    'Employer',
    'Person - Organization',
    'Firma',
    'Firmenname',
    'Unternehmen',
    'Société',
    'Entreprise',
    'Empresa',
    'Compañía',
    'Organización',
  ],
  related_company_id: ['related_company_id', 'Related Company ID'],
  company_id: ['company_id', 'Company ID'],
  linkedin_url: [
    'linkedin_url',
    'LinkedIn',
    'LinkedIn URL',
    'LinkedIn Profile',
    'LinkedIn Profile URL',
    'LinkedIn Link',
    'LinkedIn Page',
    'URL',
  ],
  priority: ['priority', 'Priorität', 'Priorité', 'Prioridad'],
  tags: [
    'tags',
    'Tag',
    'Labels',
    'Label',
    'Categories',
    'Category',
    'Group Membership',
    'Groups',
    'Person - Labels',
    'Person - Label',
    'Schlagwörter',
    'Kategorien',
    'Étiquettes',
    'Catégories',
    'Etiquetas',
    'Categorías',
  ],
  created_date: [
    'created_date',
    'Create Date',
    'Created At',
    'Created On',
    'Created',
    'Created Date',
    'Date Created',
    'Creation Date',
    'Created Time',
    'Person - Add time',
    'Erstellt am',
    'Erstellungsdatum',
    'Date de création',
    'Fecha de creación',
  ],
};

/** Normalised header → contact field. */
export const HEADER_SYNONYMS: Record<string, string> = Object.freeze(
  Object.fromEntries(
    Object.entries(SYNONYM_LISTS).flatMap(([field, names]) => names.map((n) => [normaliseHeader(n), field] as const)),
  ),
);

/**
 * Generic words that also name something else in some exports: Outlook's "Title" is the
 * salutation (Mr., Dr.) next to a real "Job Title", Google's "Occupation" sits beside
 * "Organization 1 - Title", LinkedIn's "URL" is its profile but elsewhere a website. Such a
 * column is used only when no other column matches the field.
 */
const WEAK_SYNONYMS = new Set([
  'title',
  'occupation',
  'role',
  'name',
  'contact',
  'account',
  'created',
  'mail',
  'tel',
  'url',
]);

/** vCard properties a converter writes as headers, with the field each feeds. */
const VCARD_PROPERTIES: Record<string, string> = {
  FN: 'full_name',
  N: COMPOSITE_NAME,
  ORG: COMPOSITE_ORG,
  TITLE: 'job_title',
  EMAIL: 'email',
  TEL: 'phone',
  CATEGORIES: 'tags',
};

/** Type words that qualify an email or phone column ("Email - Work", "Phone (Mobile)"). */
const TYPE_WORDS = new Set([
  'work',
  'home',
  'other',
  'mobile',
  'cell',
  'main',
  'personal',
  'business',
  'private',
  'office',
  'iphone',
  'internet',
  'pref',
  'preferred',
  'primary',
  'voice',
  'arbeit',
  'privat',
  'geschaftlich',
  'mobil',
  'travail',
  'domicile',
  'trabajo',
  'casa',
  'movil',
  'personnel',
  'portable',
]);
const PREFERRED_WORDS = new Set(['pref', 'preferred', 'primary']);

export interface HeaderMatch {
  field: string;
  /** A generic word: used only when no other column matches the field. */
  weak: boolean;
  /** Marked as the preferred one of its kind (vCard TYPE=pref, "Email (Primary)"): consulted first. */
  preferred: boolean;
  /** A vCard property header (FN, N, EMAIL;TYPE=…): its neighbours are vCard properties too. */
  vcard?: boolean;
}

function bySynonym(header: string): HeaderMatch | undefined {
  const n = normaliseHeader(header);
  if (n === '') return undefined;
  if (Object.hasOwn(HEADER_SYNONYMS, n)) {
    return { field: HEADER_SYNONYMS[n], weak: WEAK_SYNONYMS.has(n), preferred: false };
  }
  // "Email 4", "E-mail 5 - Value": numbered variants beyond the listed ones.
  const unnumbered = n.replace(/[0-9]+/g, '');
  if (unnumbered !== n && unnumbered !== '' && Object.hasOwn(HEADER_SYNONYMS, unnumbered)) {
    const field = HEADER_SYNONYMS[unnumbered];
    if (field === 'email' || field === 'phone') return { field, weak: WEAK_SYNONYMS.has(unnumbered), preferred: false };
  }
  return undefined;
}

/** `EMAIL;TYPE=INTERNET;TYPE=WORK`, `item1.TEL;type=CELL;type=pref`, `N`, `ORG`. */
function byVcardProperty(header: string): HeaderMatch | undefined {
  const m = /^(?:item[0-9]+\.)?([A-Za-z]+)((?:;[^;]*)*)$/.exec(header);
  if (!m) return undefined;
  const property = m[1].toUpperCase();
  // Only upper-case names and parameter lists are vCard; "Name" or "Email" are ordinary headers.
  if (!Object.hasOwn(VCARD_PROPERTIES, property) || (m[2] === '' && m[1] !== property)) return undefined;
  const params = m[2].toLowerCase().split(/[;,]/).map((p) => p.replace(/^type=/, '').trim());
  const preferred = params.some((p) => p === 'pref' || p === 'pref=1');
  return { field: VCARD_PROPERTIES[property], weak: property === 'TITLE' && m[2] === '', preferred, vcard: true };
}

/** `Email (Work)`, `Phone (Mobile)`, `Email - Home`, `Person - Phone - Work`. */
function byTypedVariant(header: string): HeaderMatch | undefined {
  const m = /^(.*?)\s*(?:\(([^()]*)\)|\s-\s([^-]+))$/.exec(header.replace(/^Person\s+-\s+/i, ''));
  if (!m) return undefined;
  const qualifier = normaliseHeader(m[2] ?? m[3] ?? '');
  if (!TYPE_WORDS.has(qualifier)) return undefined;
  const base = bySynonym(m[1]);
  if (!base || (base.field !== 'email' && base.field !== 'phone')) return undefined;
  return { ...base, preferred: PREFERRED_WORDS.has(qualifier) };
}

/** The contact field a header feeds, or undefined when it is none of them. */
export function matchHeader(header: string): HeaderMatch | undefined {
  return byVcardProperty(header.trim()) ?? bySynonym(header) ?? byTypedVariant(header.trim());
}

/** Among vCard property headers, `URL` is the vCard property (a website), not LinkedIn's profile column. */
export function isVcardWebsite(header: string): boolean {
  return header.trim().toUpperCase().split(';')[0] === 'URL';
}

const IDENTITY_TARGETS = new Set(['email', 'full_name', 'first_name', 'last_name', COMPOSITE_NAME]);

/** Whether a column feeding this target can give a contact its identity (an email or a name). */
export function isIdentityTarget(target: string): boolean {
  return IDENTITY_TARGETS.has(target);
}

/** Header names shown when no column could be matched, one per identity field. */
export const ACCEPTED_IDENTITY_HEADERS = [
  'email, Email, E-mail Address, Email Address, E-mail 1 - Value, EMAIL;TYPE=WORK, Email (Work)',
  'full_name, Name, Full Name, FN',
  'first_name, First Name, Given Name, Vorname, Prénom, Nombre',
  'last_name, Last Name, Family Name, Surname, Nachname, Nom, Apellidos',
  'N (vCard Last;First;Middle;Prefix;Suffix)',
];
