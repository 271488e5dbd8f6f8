/**
 * HTML forms read with a real parser and submitted by HTML's rules: the three bugs the regular
 * expressions had (a `>` inside a quoted value, a form inside a comment, the submitter button
 * dropped), then the submission rules the login walk relies on.
 */
import { defaultButton, formSubmission, readHtmlPage, type HtmlPage } from '../../src/login/html-form.js';

const PAGE = 'https://idp.example/u/login?state=s1';

async function submit(html: string, typed: Record<string, string> = {}, url = PAGE) {
  const page = await readHtmlPage(html, url);
  const form = page.forms[0]!;
  return formSubmission(form, page, defaultButton(form), typed)!;
}

describe('the shown bugs of the regular-expression reader', () => {
  it('keeps a ">" inside a quoted attribute value', async () => {
    const s = await submit('<form method="post"><input type="hidden" name="v" value="a>b"><input name="w" value=\'c>d\'></form>');
    expect(s.entries).toEqual([
      ['v', 'a>b'],
      ['w', 'c>d'],
    ]);
  });

  it('ignores a form inside a comment', async () => {
    const page = await readHtmlPage('<!-- <form action="/old"><input name="x"></form> --><form action="/new"><input name="y" value="1"></form>', PAGE);
    expect(page.forms).toHaveLength(1);
    expect(formSubmission(page.forms[0]!, page, undefined)!.url).toBe('https://idp.example/new?y=1');
  });

  it("sends the submitter button's name and value, as a browser does", async () => {
    const s = await submit('<form method="post"><input name="username"><button type="submit" name="action" value="default">Continue</button></form>', { username: 'ada' });
    expect(s.body).toBe('username=ada&action=default');
  });
});

describe('form submission', () => {
  it('decodes character references in values and names, in either quote style or none', async () => {
    const s = await submit(`<FORM METHOD=post action='/x?a=1&amp;b=2'><input name="v" value="&quot;q&quot; &#x41;&#66;&amp"><input name=u value=plain></FORM>`);
    expect(s).toMatchObject({ method: 'POST', url: 'https://idp.example/x?a=1&b=2' });
    expect(s.entries).toEqual([
      ['v', '"q" AB&'],
      ['u', 'plain'],
    ]);
  });

  it('sends only the clicked button, never other buttons, reset or type="button"', async () => {
    const html = `<form method="post">
      <button type="button" name="toggle" value="x">Show</button>
      <input type="reset" name="r" value="r">
      <button name="action" value="first">First</button>
      <input type="submit" name="action" value="second">
    </form>`;
    const page = await readHtmlPage(html, PAGE);
    const form = page.forms[0]!;
    expect(defaultButton(form)?.value).toBe('first');
    const second = form.controls.find((c) => c.value === 'second')!;
    expect(formSubmission(form, page, second)!.entries).toEqual([['action', 'second']]);
    // A script's form.submit() sends no button at all.
    expect(formSubmission(form, page, undefined)!.entries).toEqual([]);
  });

  it('leaves out disabled controls, also inside a disabled fieldset (but not in its first legend)', async () => {
    const s = await submit(`<form method="post">
      <input name="a" value="1" disabled>
      <fieldset disabled><legend><input name="b" value="2"></legend><input name="c" value="3"></fieldset>
      <input name="d" value="4">
    </form>`);
    expect(s.entries).toEqual([
      ['b', '2'],
      ['d', '4'],
    ]);
  });

  it('sends checked checkboxes and radios (value "on" by default), unchecked ones not at all', async () => {
    const s = await submit(`<form method="post">
      <input type="checkbox" name="remember" checked>
      <input type="checkbox" name="news" value="yes">
      <input type="radio" name="plan" value="free">
      <input type="radio" name="plan" value="pro" checked>
    </form>`);
    expect(s.entries).toEqual([
      ['remember', 'on'],
      ['plan', 'pro'],
    ]);
  });

  it('sends the selected options of a select, the first enabled one when none is marked', async () => {
    const s = await submit(`<form method="post">
      <select name="lang"><option disabled>--</option><option value="en">English</option><option>Deutsch</option></select>
      <select name="tz"><option>UTC</option><option selected> Europe/Paris </option></select>
      <select name="tags" multiple><option selected>a</option><option>b</option><option selected value="c">C</option></select>
      <select name="off" disabled><option>x</option></select>
    </form>`);
    expect(s.entries).toEqual([
      ['lang', 'en'],
      ['tz', 'Europe/Paris'],
      ['tags', 'a'],
      ['tags', 'c'],
    ]);
  });

  it("sends a textarea's text (its first newline dropped by the parser), newlines as CRLF", async () => {
    const s = await submit('<form method="post"><textarea name="note">\nline 1\nline 2 &amp; more</textarea></form>');
    expect(s.entries).toEqual([['note', 'line 1\r\nline 2 & more']]);
    expect(s.body).toBe('note=line+1%0D%0Aline+2+%26+more');
  });

  it('takes hidden fields as they are and types only into fields a person can type into', async () => {
    const s = await submit(
      `<form method="post">
        <input type="hidden" name="username" value="ada@example.com">
        <input name="code" readonly value="fixed">
        <input type="email" name="email">
        <input type="password" name="password">
        <input type="hidden" name="_charset_">
      </form>`,
      { username: 'mallory', code: 'typed', email: ' bob@example.com ', password: 'p w' },
    );
    expect(s.entries).toEqual([
      ['username', 'ada@example.com'],
      ['code', 'fixed'],
      ['email', 'bob@example.com'],
      ['password', 'p w'],
      ['_charset_', 'UTF-8'],
    ]);
  });

  it('resolves the action against <base href>, and an empty action to the page URL', async () => {
    const withBase = await submit('<head><base href="https://idp.example/app/"></head><form method="post" action="login"><input name="a" value="1"></form>');
    expect(withBase.url).toBe('https://idp.example/app/login');
    const noAction = await submit('<form method="post" action=""><input name="a" value="1"></form>');
    expect(noAction.url).toBe(PAGE);
    const none = await submit('<form method="POST"><input name="a" value="1"></form>');
    expect(none.url).toBe(PAGE);
  });

  it("lets the submitter's formaction and formmethod override the form's", async () => {
    const html = '<form method="post" action="/a"><input name="x" value="1"><button formaction="/b?keep=1" formmethod="get">Go</button></form>';
    const s = await submit(html);
    expect(s).toMatchObject({ method: 'GET', url: 'https://idp.example/b?x=1' });
  });

  it('GET replaces the query of the action; unknown methods are GET; dialog submits nothing', async () => {
    expect((await submit('<form action="/s?old=1#frag"><input name="q" value="a b"></form>')).url).toBe('https://idp.example/s?q=a+b#frag');
    expect((await submit('<form method="put" action="/s"><input name="q" value="1"></form>')).method).toBe('GET');
    const page = await readHtmlPage('<form method="dialog"><button>Close</button></form>', PAGE);
    expect(formSubmission(page.forms[0]!, page, defaultButton(page.forms[0]!))).toBeUndefined();
  });

  it('associates controls by the form attribute, and ignores controls in a datalist or a template', async () => {
    const html = `<form id="f" method="post"><input name="inside" value="1"><datalist id="d"><input name="listed" value="x"></datalist></form>
      <input form="f" name="outside" value="2"><input name="orphan" value="3">
      <template><form><input name="templated"></form></template>`;
    const page: HtmlPage = await readHtmlPage(html, PAGE);
    expect(page.forms).toHaveLength(1);
    expect(formSubmission(page.forms[0]!, page, undefined)!.entries).toEqual([
      ['inside', '1'],
      ['outside', '2'],
    ]);
  });

  it('reports the encoding a form asks for (the walk posts only urlencoded forms)', async () => {
    expect((await submit('<form method="post" enctype="multipart/form-data"><input name="a"></form>')).enctype).toBe('multipart/form-data');
    expect((await submit('<form method="post" enctype="bogus"><input name="a"></form>')).enctype).toBe('application/x-www-form-urlencoded');
  });

  it("reads the page's visible text and scripts", async () => {
    const page = await readHtmlPage(
      '<title>Log in</title><script src="/js/a.js"></script><style>p{}</style><p>Wrong <b>email</b> or password</p><script>var x = 1;</script>',
      PAGE,
    );
    expect(page.title).toBe('Log in');
    expect(page.text).toBe('Wrong email or password');
    expect(page.scripts).toEqual(['https://idp.example/js/a.js']);
    expect(page.inlineScript).toContain('var x = 1;');
  });
});
