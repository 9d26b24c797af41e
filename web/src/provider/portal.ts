// The provider's staff's portal: the week as a grid of their clients × days, filled by clicking;
// a group session marked for everyone at once; the reports due with their deadlines.

import type { Api } from "../api.js";
import { element } from "../ui/dom.js";
import { tabs } from "../ui/tabs.js";
import { startGroups } from "./group.js";
import { showReports } from "./reports.js";
import { startWeek } from "./week.js";

/** Opens the provider's portal. */
export async function startProvider(api: Api): Promise<void> {
  const portal = element<HTMLElement>("#provider");
  portal.hidden = false;
  const week = startWeek(api);
  const groups = startGroups(api);
  let shown = false;
  tabs(portal, (section) => {
    if (section.id === "week" && shown) void week.reload();
    if (section.id === "groups") void groups.reload();
    if (section.id === "reports") void showReports(api);
  });
  shown = true;
  await week.reload();
}
