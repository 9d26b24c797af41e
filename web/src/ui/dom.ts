// The few DOM helpers every view uses: finding what index.html promises, making elements, and
// the page's one status line (what a screen reader announces and what the tests wait on).

/** The element `selector` names; index.html promises it, so its absence is a bug. */
export function element<T extends HTMLElement>(selector: string, root: ParentNode = document): T {
  const found = root.querySelector<T>(selector);
  if (!found) throw new Error(`the page has no ${selector}`);
  return found;
}

/** The `[data-field=name]` element under `root`. */
export function field(root: HTMLElement, name: string): HTMLElement {
  return element(`[data-field="${name}"]`, root);
}

/** Sets the text of each `[data-field]` under `root` that `values` names. */
export function fill(root: HTMLElement, values: Record<string, string>): void {
  for (const [name, text] of Object.entries(values)) field(root, name).textContent = text;
}

type Child = Node | string | null | undefined | false;

/**
 * A new element: `h("button", { type: "button", "data-x": "1" }, "Tallenna")`. Attributes with
 * `false`, `null` or `undefined` are left out; `true` sets an empty attribute.
 */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string | number | boolean | null | undefined> = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === false || value === null || value === undefined) continue;
    e.setAttribute(name, value === true ? "" : String(value));
  }
  for (const c of children) if (c !== null && c !== undefined && c !== false) e.append(c);
  return e;
}

/** The state of the last call, for the test and for assistive technology. */
export type State = "idle" | "loading" | "ok" | "error";

/** Sets the page's status line: `loading`, `ok` or `error`, and what to say. */
export function status(state: State, text: string): void {
  const p = element<HTMLParagraphElement>("#status");
  p.dataset.state = state;
  p.textContent = text;
}

/** Debounces `run` by `ms`: only the last of a burst of calls runs. */
export function debounce(run: () => void, ms: number): () => void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return () => {
    if (timer !== undefined) clearTimeout(timer);
    timer = setTimeout(run, ms);
  };
}
