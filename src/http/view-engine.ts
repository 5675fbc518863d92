import { readFileSync, statSync } from 'node:fs';
import ejs from 'ejs';

// EJS runs every template inside `with (locals) { … }`. V8 looks each name up at run time inside a
// `with`, so on a ticket page with a 200-entry thread most of the rendering time went to finding
// `e`, `fmt` and `item` again and again. This engine compiles each template with the names of the
// data it is given declared up front instead (EJS's `destructuredLocals`), which renders the same
// HTML two to three times faster. The names differ from one render to the next (a partial gets its
// caller's data plus its own arguments), so each file keeps one compiled function per set of names.
// Partials come through here too: EJS looks them up in `ejs.cache`, which is replaced below.

type Render = (data: Record<string, unknown>) => string;

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

class TemplateFile {
  private readonly variants = new Map<string, Render>();
  private text: string | null = null;
  private modified = 0;

  constructor(
    private readonly filename: string,
    private readonly watch: boolean,
  ) {}

  render(data: Record<string, unknown>): string {
    const names = Object.keys(data).filter(declarable).sort();
    const key = names.join(',');
    let render = this.variants.get(key);
    if (!render || this.changedOnDisk()) {
      render = this.compile(names);
      this.variants.set(key, render);
    }
    return render(data);
  }

  private changedOnDisk(): boolean {
    if (!this.watch) return false;
    const modified = statSync(this.filename).mtimeMs;
    if (modified === this.modified) return false;
    this.variants.clear();
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

  private compile(names: string[]): Render {
    const options = { filename: this.filename, cache: true };
    try {
      return ejs.compile(this.source(), { ...options, _with: false, destructuredLocals: names });
    } catch (error) {
      // A template that declares a variable named like one of its data keys cannot take that name
      // declared again; it keeps EJS's usual compilation.
      if (!(error instanceof SyntaxError)) throw error;
      return ejs.compile(this.source(), options);
    }
  }
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

// EJS asks its cache for a partial by file name before compiling it with its caller's options;
// answering every request here sends partials through the per-name-set compilation too.
ejs.cache = {
  get: (filename: string) => (data?: Record<string, unknown>) =>
    fileFor(filename).render(data ?? {}),
  set: () => {},
  reset: () => files.clear(),
};

/**
 * Express's engine for `.ejs` views. With the view cache off (development), a template edited on
 * disk is compiled again on its next render.
 */
export function renderView(
  filename: string,
  options: object,
  done: (error: unknown, html?: string) => void,
): void {
  const data = options as Record<string, unknown>;
  watchFiles = data.cache !== true;
  let html: string;
  try {
    html = fileFor(filename).render(data);
  } catch (error) {
    return done(error);
  }
  done(null, html);
}
