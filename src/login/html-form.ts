/**
 * Reads an HTML page the way a browser would, for the pages a SAML web login passes through: the
 * IdP's login forms and the auto-submitting form that POSTs the SAMLResponse to the ACS. parse5 (the
 * WHATWG parsing algorithm, loaded only when a login walk runs) builds the tree; this module applies
 * HTML's form-submission rules to it: form owners, the submitter button, disabled controls,
 * checkboxes, selects, textareas, `<base>` and `formaction`/`formmethod`. Everything but the parse is
 * pure.
 */
import type { DefaultTreeAdapterTypes } from 'parse5';

type Node = DefaultTreeAdapterTypes.Node;
type Element = DefaultTreeAdapterTypes.Element;

export interface HtmlPage {
  /** The document's base URL (`<base href>` resolved against the page URL, else the page URL). */
  baseUrl: string;
  title: string;
  /** Visible text of the body, whitespace collapsed. */
  text: string;
  /**
   * Texts of the elements a page uses for error messages: `role="alert"`, Auth0's
   * `ulp-input-error-message` and `error-element-*`, and classes naming an error.
   */
  alerts: string[];
  forms: HtmlForm[];
  /** `src` of every `<script>`, resolved; and whether any inline script exists. */
  scripts: string[];
  inlineScript: string;
}

export type FormMethod = 'GET' | 'POST' | 'DIALOG';

export interface HtmlForm {
  id: string | undefined;
  /** Attributes of the `<form>` element (lower-case names), e.g. Auth0's `data-form-primary`. */
  attributes: Readonly<Record<string, string>>;
  /** Every listed control whose form owner is this form, in tree order. */
  controls: FormControl[];
}

export interface FormControl {
  tag: 'input' | 'button' | 'select' | 'textarea';
  /** Input type (lower-case, `text` when absent or unknown); buttons: `submit`, `reset` or `button`. */
  type: string;
  name: string;
  /** The value a browser starts with: `value` attribute, textarea text, the select's selected options. */
  value: string;
  values?: string[];
  checked: boolean;
  disabled: boolean;
  readonly: boolean;
  /** Inside a `<datalist>`: never submitted. */
  barred: boolean;
  dirname: string | undefined;
  /** Has a `value` attribute (for `_charset_`). */
  hasValue: boolean;
  /** Submitter overrides (`formaction`, `formmethod`, `formenctype`), when present. */
  formAction?: string;
  formMethod?: string;
  formEnctype?: string;
}

export interface FormSubmission {
  method: 'GET' | 'POST';
  url: string;
  enctype: string;
  /** The entry list (name/value pairs) in order, newlines normalised to CRLF as HTML requires. */
  entries: [string, string][];
  /** For POST: the body, `application/x-www-form-urlencoded`. */
  body?: string;
}

const TEXT_LIKE = new Set(['text', 'search', 'tel', 'url', 'email', 'password']);
const INPUT_TYPES = new Set([
  'hidden', 'text', 'search', 'tel', 'url', 'email', 'password', 'date', 'month', 'week', 'time', 'datetime-local',
  'number', 'range', 'color', 'checkbox', 'radio', 'file', 'submit', 'image', 'reset', 'button',
]);
const ENCTYPES = new Set(['application/x-www-form-urlencoded', 'multipart/form-data', 'text/plain']);

/** Parses a page (parse5 is imported on first use: only login walks need it). */
export async function readHtmlPage(html: string, pageUrl: string): Promise<HtmlPage> {
  const { parse } = await import('parse5');
  return pageFromDocument(parse(html), pageUrl);
}

/** Reads the parsed tree. Pure. */
export function pageFromDocument(doc: Node, pageUrl: string): HtmlPage {
  const elements: Element[] = [];
  walk(doc, (el) => void elements.push(el));

  const baseHref = elements.find((e) => e.tagName === 'base' && attr(e, 'href') !== undefined);
  const baseUrl = (baseHref && resolveUrl(attr(baseHref, 'href')!, pageUrl)) ?? pageUrl;

  const formEls = elements.filter((e) => e.tagName === 'form');
  const byId = new Map<string, Element>();
  for (const f of formEls) {
    const id = attr(f, 'id');
    if (id && !byId.has(id)) byId.set(id, f);
  }
  const controlsOf = new Map<Element, FormControl[]>(formEls.map((f) => [f, []]));
  for (const el of elements) {
    if (!['input', 'button', 'select', 'textarea'].includes(el.tagName)) continue;
    const owner = formOwner(el, byId);
    if (owner) controlsOf.get(owner)?.push(readControl(el));
  }

  const scripts: string[] = [];
  let inlineScript = '';
  for (const e of elements.filter((x) => x.tagName === 'script')) {
    const src = attr(e, 'src');
    if (src !== undefined) {
      const url = resolveUrl(src, baseUrl);
      if (url) scripts.push(url);
    } else inlineScript += `${textContent(e)}\n`;
  }
  const alerts = elements
    .filter((e) => e.tagName !== 'script' && e.tagName !== 'style' && isAlert(e))
    .map((e) => collapse(visibleText(e)))
    .filter((t) => t !== '');
  const titleEl = elements.find((e) => e.tagName === 'title');
  const body = elements.find((e) => e.tagName === 'body');
  return {
    baseUrl,
    title: titleEl ? collapse(textContent(titleEl)) : '',
    text: body ? collapse(visibleText(body)) : '',
    alerts: [...new Set(alerts)],
    forms: formEls.map((f) => ({ id: attr(f, 'id'), attributes: attributesOf(f), controls: controlsOf.get(f)! })),
    scripts,
    inlineScript,
  };

  function formOwner(el: Element, ids: Map<string, Element>): Element | undefined {
    const formAttr = attr(el, 'form');
    if (formAttr !== undefined) return ids.get(formAttr);
    for (let p = el.parentNode as Node | null; p && 'tagName' in p; p = (p as Element).parentNode as Node | null) {
      if ((p as Element).tagName === 'form') return p as Element;
    }
    return undefined;
  }
}

function isAlert(el: Element): boolean {
  if (attr(el, 'role') === 'alert') return true;
  if ((attr(el, 'id') ?? '').startsWith('error-element')) return true;
  return (attr(el, 'class') ?? '').split(/\s+/).some((c) => /^(ulp-input-error-message|error-message|error-description|alert-danger)$/.test(c));
}

function readControl(el: Element): FormControl {
  const tag = el.tagName as FormControl['tag'];
  const rawType = (attr(el, 'type') ?? '').toLowerCase();
  let type: string;
  if (tag === 'input') type = INPUT_TYPES.has(rawType) ? rawType : 'text';
  else if (tag === 'button') type = rawType === 'reset' || rawType === 'button' ? rawType : 'submit';
  else type = tag;
  const control: FormControl = {
    tag,
    type,
    name: attr(el, 'name') ?? '',
    value: '',
    checked: attr(el, 'checked') !== undefined,
    disabled: isDisabled(el),
    readonly: attr(el, 'readonly') !== undefined,
    barred: hasAncestor(el, 'datalist'),
    dirname: attr(el, 'dirname'),
    hasValue: attr(el, 'value') !== undefined,
  };
  for (const [key, name] of [['formAction', 'formaction'], ['formMethod', 'formmethod'], ['formEnctype', 'formenctype']] as const) {
    const v = attr(el, name);
    if (v !== undefined) control[key] = v;
  }
  if (tag === 'textarea') control.value = textContent(el);
  else if (tag === 'select') {
    control.values = selectedOptions(el);
    control.value = control.values[0] ?? '';
  } else {
    const v = attr(el, 'value') ?? '';
    control.value = tag === 'input' && TEXT_LIKE.has(type) ? sanitize(v, type) : v;
  }
  return control;
}

/** HTML's value sanitisation for the text-like input types we fill. */
function sanitize(value: string, type: string): string {
  const stripped = value.replace(/[\r\n]/g, '');
  return type === 'email' || type === 'url' ? stripped.trim() : stripped;
}

/** The select's selectedness algorithm: `selected` options, else the first enabled one (single-select, size 1). */
function selectedOptions(select: Element): string[] {
  const options: Element[] = [];
  walk(select, (e) => void (e.tagName === 'option' && options.push(e)));
  const enabled = (o: Element): boolean => attr(o, 'disabled') === undefined && !(o.parentNode && (o.parentNode as Element).tagName === 'optgroup' && attr(o.parentNode as Element, 'disabled') !== undefined);
  const multiple = attr(select, 'multiple') !== undefined;
  const size = Number(attr(select, 'size') ?? (multiple ? 4 : 1));
  let selected = options.filter((o) => attr(o, 'selected') !== undefined);
  if (!multiple && selected.length > 1) selected = [selected[selected.length - 1]!];
  if (!multiple && selected.length === 0 && (!Number.isFinite(size) || size <= 1)) {
    const first = options.find(enabled);
    if (first) selected = [first];
  }
  return selected.filter(enabled).map((o) => attr(o, 'value') ?? collapse(textContent(o)));
}

/** `disabled`, or inside a disabled fieldset (except in its first legend). */
function isDisabled(el: Element): boolean {
  if (attr(el, 'disabled') !== undefined) return true;
  let child: Element = el;
  for (let p = el.parentNode as Element | null; p && 'tagName' in p; child = p, p = p.parentNode as Element | null) {
    if (p.tagName !== 'fieldset' || attr(p, 'disabled') === undefined) continue;
    const firstLegend = p.childNodes.find((c): c is Element => 'tagName' in c && c.tagName === 'legend');
    if (child !== firstLegend) return true;
  }
  return false;
}

export function isSubmitButton(c: FormControl): boolean {
  return (c.tag === 'button' && c.type === 'submit') || (c.tag === 'input' && (c.type === 'submit' || c.type === 'image'));
}

/** The form's default button: its first submit button in tree order (what pressing Enter clicks). */
export function defaultButton(form: HtmlForm): FormControl | undefined {
  return form.controls.find(isSubmitButton);
}

/**
 * What a browser sends when `form` is submitted by `submitter` (undefined: a script's
 * `form.submit()`), after the user typed `typed` into the named fields. Returns undefined for
 * `method="dialog"`, which submits nothing. HTML §4.10.21.3-4 ("form submission algorithm",
 * "constructing the entry list").
 */
export function formSubmission(
  form: HtmlForm,
  page: Pick<HtmlPage, 'baseUrl'>,
  submitter: FormControl | undefined,
  typed: Readonly<Record<string, string>> = {},
): FormSubmission | undefined {
  const method = (submitter?.formMethod ?? form.attributes['method'] ?? 'get').toLowerCase();
  if (method === 'dialog') return undefined;
  const actionAttr = submitter?.formAction ?? form.attributes['action'];
  const url = resolveUrl(actionAttr === undefined || actionAttr === '' ? page.baseUrl : actionAttr, page.baseUrl) ?? page.baseUrl;
  const enctypeRaw = (submitter?.formEnctype ?? form.attributes['enctype'] ?? '').toLowerCase();
  const enctype = ENCTYPES.has(enctypeRaw) ? enctypeRaw : 'application/x-www-form-urlencoded';

  const entries: [string, string][] = [];
  for (const c of form.controls) {
    if (c.barred || c.disabled) continue;
    const isButton = c.tag === 'button' || (c.tag === 'input' && ['submit', 'image', 'reset', 'button'].includes(c.type));
    if (isButton && c !== submitter) continue;
    if ((c.type === 'checkbox' || c.type === 'radio') && !c.checked) continue;
    if (c.type === 'image') {
      const prefix = c.name ? `${c.name}.` : '';
      entries.push([`${prefix}x`, '0'], [`${prefix}y`, '0']);
      continue;
    }
    if (!c.name) continue;
    if (c.tag === 'select') {
      for (const v of c.values ?? []) entries.push([c.name, v]);
      continue;
    }
    let value = c.value;
    if (c.type === 'checkbox' || c.type === 'radio') value = c.hasValue ? c.value : 'on';
    else if (c.type === 'file') value = '';
    else if (c.type === 'hidden' && c.name.toLowerCase() === '_charset_' && !c.hasValue) value = 'UTF-8';
    else if (Object.hasOwn(typed, c.name) && isTypeable(c)) value = c.tag === 'input' ? sanitize(typed[c.name]!, c.type) : typed[c.name]!;
    entries.push([c.name, value]);
    if (c.dirname && (c.tag === 'textarea' || c.type === 'text' || c.type === 'search')) entries.push([c.dirname, 'ltr']);
  }
  const normalised = entries.map(([n, v]) => [crlf(n), crlf(v)] as [string, string]);
  const encoded = new URLSearchParams(normalised).toString();
  if (method === 'post') return { method: 'POST', url, enctype, entries: normalised, body: encoded };
  const target = new URL(url);
  target.search = encoded;
  return { method: 'GET', url: target.toString(), enctype, entries: normalised };
}

/** A field a person can type into: a visible, enabled, writable text control. */
export function isTypeable(c: FormControl): boolean {
  if (c.disabled || c.readonly) return false;
  return c.tag === 'textarea' || (c.tag === 'input' && (TEXT_LIKE.has(c.type) || c.type === 'number'));
}

function crlf(s: string): string {
  return s.replace(/\r\n|\r|\n/g, '\r\n');
}

export function resolveUrl(href: string, base: string): string | undefined {
  try {
    return new URL(href.trim(), base).toString();
  } catch {
    return undefined;
  }
}

function walk(node: Node, visit: (el: Element) => void): void {
  const children = 'childNodes' in node ? node.childNodes : [];
  for (const child of children) {
    if ('tagName' in child) {
      visit(child);
      walk(child, visit);
    }
  }
}

function attr(el: Element, name: string): string | undefined {
  return el.attrs.find((a) => a.name === name)?.value;
}

function attributesOf(el: Element): Record<string, string> {
  const out = Object.create(null) as Record<string, string>;
  for (const a of el.attrs) if (!(a.name in out)) out[a.name] = a.value;
  return out;
}

function hasAncestor(el: Element, tag: string): boolean {
  for (let p = el.parentNode as Element | null; p && 'tagName' in p; p = p.parentNode as Element | null) if (p.tagName === tag) return true;
  return false;
}

function textContent(node: Node): string {
  if ('value' in node && node.nodeName === '#text') return node.value;
  if (!('childNodes' in node)) return '';
  return node.childNodes.map(textContent).join('');
}

const HIDDEN_TEXT = new Set(['script', 'style', 'template', 'noscript', 'head', 'title']);

function visibleText(node: Node): string {
  if ('value' in node && node.nodeName === '#text') return node.value;
  if (!('childNodes' in node)) return '';
  if ('tagName' in node && HIDDEN_TEXT.has(node.tagName)) return ' ';
  return node.childNodes.map(visibleText).join(' ');
}

function collapse(s: string): string {
  return s.replace(/\s+/g, ' ').trim();
}

/** Visible text shortened, for messages about unexpected pages. */
export function shorten(text: string, max = 200): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
