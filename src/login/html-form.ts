/**
 * Reads HTML forms the way a browser submits them, for the pages a SAML web login passes through:
 * the IdP's login form and the auto-submitting form that POSTs the SAMLResponse to the ACS. Only
 * what those pages use: <form action method>, <input name value type>. Pure.
 */

export interface HtmlForm {
  action: string;
  method: 'GET' | 'POST';
  /** Fields in document order (hidden and visible inputs with a name). */
  fields: { name: string; value: string; type: string }[];
}

export function parseForms(html: string): HtmlForm[] {
  const forms: HtmlForm[] = [];
  const formRe = /<form\b([^>]*)>([\s\S]*?)<\/form\s*>/gi;
  for (let m = formRe.exec(html); m; m = formRe.exec(html)) {
    const attrs = attributes(m[1] ?? '');
    const fields: HtmlForm['fields'] = [];
    const inputRe = /<input\b([^>]*)>/gi;
    const body = m[2] ?? '';
    for (let i = inputRe.exec(body); i; i = inputRe.exec(body)) {
      const a = attributes(i[1] ?? '');
      if (a.name === undefined) continue;
      fields.push({ name: a.name, value: a.value ?? '', type: (a.type ?? 'text').toLowerCase() });
    }
    forms.push({ action: attrs.action ?? '', method: (attrs.method ?? 'get').toUpperCase() === 'POST' ? 'POST' : 'GET', fields });
  }
  return forms;
}

/** Attribute values with HTML character references decoded. Null-prototype: names come from the page. */
function attributes(text: string): Record<string, string> {
  const out = Object.create(null) as Record<string, string>;
  const re = /([^\s"'<>/=]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+))/g;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    out[m[1]!.toLowerCase()] = decodeEntities(m[2] ?? m[3] ?? m[4] ?? '');
  }
  return out;
}

export function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|amp|lt|gt|quot|apos|#39);/gi, (_, e: string) => {
    const k = e.toLowerCase();
    if (k.startsWith('#x')) return String.fromCodePoint(parseInt(k.slice(2), 16));
    if (k.startsWith('#')) return String.fromCodePoint(parseInt(k.slice(1), 10));
    return ({ amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" } as Record<string, string>)[k] ?? _;
  });
}

/** Visible text of a page, shortened: for error messages about unexpected pages. */
export function pageText(html: string, max = 200): string {
  const text = decodeEntities(
    html
      .replace(/<(script|style)\b[\s\S]*?<\/\1\s*>/gi, ' ')
      .replace(/<[^>]+>/g, ' ')
      .replace(/\s+/g, ' '),
  ).trim();
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
