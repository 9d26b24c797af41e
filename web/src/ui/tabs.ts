// The views of a portal as tabs: one button per `.tab` section (its `data-tab` names it), one
// section shown at a time, reachable by keyboard (buttons, `aria-current` on the shown one).

import { element, h } from "./dom.js";

/** Makes tabs of the `.tab` sections of `portal`; `onShow` runs when a section is shown. */
export function tabs(portal: HTMLElement, onShow: (section: HTMLElement) => void = () => {}): (id: string) => void {
  const nav = element<HTMLElement>("#tabs");
  nav.replaceChildren();
  const sections = [...portal.querySelectorAll<HTMLElement>(".tab")];
  const show = (id: string) => {
    for (const s of sections) s.hidden = s.id !== id;
    for (const b of nav.querySelectorAll<HTMLButtonElement>("button")) {
      if (b.dataset.show === id) b.setAttribute("aria-current", "page");
      else b.removeAttribute("aria-current");
    }
    const shown = sections.find((s) => s.id === id);
    if (shown) onShow(shown);
  };
  for (const s of sections) {
    const b = h("button", { type: "button", id: `tab-${s.id}`, "data-show": s.id }, s.dataset.tab ?? s.id);
    b.addEventListener("click", () => show(s.id));
    nav.append(b);
  }
  nav.hidden = false;
  show(sections[0]?.id ?? "");
  return show;
}
