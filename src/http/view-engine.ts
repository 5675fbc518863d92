import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import ejs from 'ejs';

// EJS runs every template inside `with (locals) { … }`. V8 looks each name up at run time inside a
// `with`, so on a ticket page with a 200-entry thread most of the rendering time went to finding
// `e`, `fmt` and `item` again and again. This engine compiles each template with the names of the
// data it is given declared up front instead (EJS's `destructuredLocals`), which renders the same
// HTML two to three times faster. The names differ from one render to the next (a partial gets its
// caller's data plus its own arguments), so each file keeps one compiled function per set of names.
//
// Partials are included here too, not by EJS: EJS's own `include` copies every key of the page's
// data twice and asks the disk whether the partial exists, on every call, which cost more than a
// list row itself. Here a partial's data is the caller's data with its own arguments layered on top
// (a prototype link, nothing copied), and a partial's file name is resolved once.
//
// A partial included with a key, `include('_entry', { e }, key)`, is rendered once per key and its
// HTML reused (an immutable thread entry is the same HTML for every viewer in the same time zone).
// The caller's key must name everything the partial shows; the file's cache is bounded and
// emptied when the file changes on disk.

type Data = Record<string, unknown>;
type Include = (file: string, extra?: Data, key?: string) => string;
type Body = (locals: Data, escapeFn: (value: unknown) => string, include: Include) => string;
const HTML_RULES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&#34;',
  "'": '&#39;',
};
const HTML_SPECIAL = /[&<>'"]/;
const HTML_SPECIALS = /[&<>'"]/g;

/**
 * `<%= %>`'s escaping, as EJS's own, except that most values (ids, names, times) have nothing to
 * escape and are returned as they are instead of going through a replace with a callback.
 */
function escapeHtml(value: unknown): string {
  const text = value === undefined || value === null ? '' : String(value);
  return HTML_SPECIAL.test(text) ? text.replace(HTML_SPECIALS, (c) => HTML_RULES[c]) : text;
}

/** Names EJS declares inside a compiled template, and the parameter that holds the data. */
const TAKEN = new Set(['locals', 'escapeFn', 'include', 'rethrow', '__output', '__append']);
const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;
const usable = new Map<string, boolean>();

/** Whether a data key can be declared as a variable (not a reserved word, not one EJS uses). */
function declarable(name: string): boolean {
  let ok = usable.get(name);
  if (ok === undefined) {
    ok = IDENTIFIER.test(name) && !TAKEN.has(name) && !name.startsWith('__');
    if (ok) {
      try {
        new Function(`let ${name};`);
      } catch {
        ok = false;
      }
    }
    usable.set(name, ok);
  }
  return ok;
}

/** The declarable names of a render's data, sorted, and their cache key. */
interface Names {
  list: string[];
  key: string;
}

function namesOf(keys: string[]): Names {
  const list = keys.filter(declarable).sort();
  return { list, key: list.join(',') };
}

/** The caller's names with a partial's own arguments added. */
function withExtra(names: Names, extra: Data): Names {
  const own = Object.keys(extra);
  if (!own.length) return names;
  return namesOf([...new Set([...names.list, ...own])]);
}

// Per file, in characters of HTML (about 16 MB); past it the file's fragments start afresh.
const MAX_FRAGMENT_CHARS = 8_000_000;

class TemplateFile {
  private readonly variants = new Map<string, Body>();
  private readonly fragments = new Map<string, string>();
  private fragmentChars = 0;
  private readonly partials = new Map<string, TemplateFile>();
  private readonly extended = new Map<string, Map<string, Names>>();
  private text: string | null = null;
  private modified = 0;

  constructor(
    private readonly filename: string,
    private readonly watch: boolean,
  ) {}

  render(data: Data, names: Names = namesOf(Object.keys(data))): string {
    let body = this.variants.get(names.key);
    if (!body || this.changedOnDisk()) {
      body = this.compile(names.list);
      this.variants.set(names.key, body);
    }
    const include: Include = (file, extra, key) => {
      const partial = this.partial(file);
      if (!extra) return partial.render(data, names);
      const render = () =>
        partial.render(Object.assign(Object.create(data), extra), this.namesWith(names, extra));
      return key === undefined ? render() : partial.fragment(key, render);
    };
    try {
      return body(data, escapeHtml, include);
    } catch (error) {
      throw inFile(error, this.filename);
    }
  }

  /** This file's HTML for a key, rendered on the first call (see the fragment cache above). */
  fragment(key: string, render: () => string): string {
    let html = this.changedOnDisk() ? undefined : this.fragments.get(key);
    if (html === undefined) {
      html = render();
      if (this.fragmentChars + html.length > MAX_FRAGMENT_CHARS) this.forgetFragments();
      this.fragments.set(key, html);
      this.fragmentChars += html.length;
    }
    return html;
  }

  private forgetFragments(): void {
    this.fragments.clear();
    this.fragmentChars = 0;
  }

  /** A partial named relative to this file (`../partials/csrf`, `_row`), resolved once. */
  private partial(file: string): TemplateFile {
    let found = this.partials.get(file);
    if (!found) {
      const resolved = path.resolve(path.dirname(this.filename), file);
      found = fileFor(path.extname(resolved) ? resolved : resolved + '.ejs');
      this.partials.set(file, found);
    }
    return found;
  }

  // Two levels: the caller's key is one string object for the whole render, whose hash V8 keeps,
  // where a joined key was a new long string to hash on every include of a list row.
  private namesWith(names: Names, extra: Data): Names {
    let byExtra = this.extended.get(names.key);
    if (!byExtra) this.extended.set(names.key, (byExtra = new Map()));
    const own = Object.keys(extra).join(',');
    let found = byExtra.get(own);
    if (!found) {
      found = withExtra(names, extra);
      byExtra.set(own, found);
    }
    return found;
  }

  private changedOnDisk(): boolean {
    if (!this.watch) return false;
    const modified = statSync(this.filename).mtimeMs;
    if (modified === this.modified) return false;
    this.variants.clear();
    this.forgetFragments();
    this.text = null;
    return true;
  }

  private source(): string {
    if (this.text === null) {
      this.modified = statSync(this.filename).mtimeMs;
      this.text = readFileSync(this.filename, 'utf8').replace(/^\uFEFF/, '');
    }
    return this.text;
  }

  private compile(names: string[]): Body {
    // Only the names the template's text mentions are declared: each declaration is a property
    // read on every render, and a list row's data carries all of its page's names.
    const mentioned = new Set(this.source().match(/[A-Za-z_$][\w$]*/g));
    try {
      return bodyOf(this.source(), {
        filename: this.filename,
        _with: false,
        destructuredLocals: names.filter((name) => mentioned.has(name)),
      });
    } catch (error) {
      // A template that declares a variable named like one of its data keys cannot take that name
      // declared again; it keeps EJS's usual `with (locals)` compilation.
      if (!(error instanceof SyntaxError)) throw error;
      return bodyOf(this.source(), { filename: this.filename });
    }
  }
}

/**
 * The template compiled to a function of (data, escape, include). EJS's `Template` builds the
 * function's source; `compile` would wrap it in the data-copying `include` this engine replaces.
 */
function bodyOf(text: string, options: ejs.Options & { filename: string }): Body {
  // With the view cache off (development, tests) the template counts its lines as it runs, so an
  // error names the line; production skips that bookkeeping.
  const debug = watchFiles;
  const template = new ejs.Template(text, { ...options, compileDebug: debug });
  template.compile();
  const where = JSON.stringify(` in view ${options.filename}:`);
  const source = debug
    ? `let __line = 1;\ntry {\n${template.source}\n} catch (e) {\n` +
      `  if (e instanceof Error && !e.message.includes(' in view ')) e.message += ${where} + __line;\n` +
      `  throw e;\n}`
    : template.source;
  return new Function('locals, escapeFn, include', source) as Body;
}

/** A template's error, naming the file it happened in (once, however deep the partials). */
function inFile(error: unknown, filename: string): unknown {
  if (error instanceof Error && !error.message.includes(' in view ')) {
    error.message += ` in view ${filename}`;
  }
  return error;
}

const files = new Map<string, TemplateFile>();
let watchFiles = true;

function fileFor(filename: string): TemplateFile {
  let file = files.get(filename);
  if (!file) {
    file = new TemplateFile(filename, watchFiles);
    files.set(filename, file);
  }
  return file;
}

/**
 * Express's engine for `.ejs` views. With the view cache off (development), a template edited on
 * disk is compiled again on its next render.
 */
export function renderView(
  filename: string,
  options: object,
  done: (error: unknown, html?: string) => void,
): void {
  const data = options as Data;
  watchFiles = data.cache !== true;
  let html: string;
  try {
    html = fileFor(filename).render(data);
  } catch (error) {
    return done(error);
  }
  done(null, html);
}
