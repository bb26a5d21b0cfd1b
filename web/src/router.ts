/** A tiny history router: the path picks the page, the query string holds the page's state. */
import { useEffect, useState } from "react";

export function navigate(to: string, replace = false): void {
  if (replace) history.replaceState(null, "", to);
  else history.pushState(null, "", to);
  window.dispatchEvent(new PopStateEvent("popstate"));
}

/** Other spellings of a page's path: `/overview` (the links in messages) is the overview at `/`. */
const ALIASES: Record<string, string> = { "/overview": "/" };

/** The page path a location names: without a trailing slash, aliases resolved. */
export function canonicalPath(pathname: string): string {
  const p = pathname.length > 1 ? pathname.replace(/\/+$/, "") || "/" : pathname;
  return ALIASES[p] ?? p;
}

export function useLocation(): { path: string; search: URLSearchParams } {
  const [loc, setLoc] = useState(() => ({ path: location.pathname, search: location.search }));
  useEffect(() => {
    const on = () => setLoc({ path: location.pathname, search: location.search });
    window.addEventListener("popstate", on);
    return () => window.removeEventListener("popstate", on);
  }, []);
  return { path: canonicalPath(loc.path), search: new URLSearchParams(loc.search) };
}

/**
 * Deep links: once the page has rendered the item a link names (its element carries `data-focus`), scroll it into
 * view. `key` is the item's id from the URL (nothing to do without one); `ready` turns true when the data is shown.
 */
export function useScrollToFocus(key: string | null | undefined, ready: boolean): void {
  useEffect(() => {
    if (!key || !ready) return;
    document.querySelector("[data-focus]")?.scrollIntoView({ block: "center" });
  }, [key, ready]);
}

/** The row attributes of a deep link's item: class `focus` (highlighted) and `data-focus` (scrolled to, found by tests). */
export function focusAttrs(focused: boolean): { className: string; data: Record<`data-${string}`, string> } {
  return focused ? { className: "focus", data: { "data-focus": "true" } } : { className: "", data: {} };
}
