import type { ReactNode } from "react";
import { navigate } from "../router.js";

/** An in-app link: a real href (open in a new tab works), navigated by the history router on click. */
export function Link({ to, className, children }: { to: string; className?: string; children: ReactNode }) {
  return (
    <a
      href={to}
      className={className}
      onClick={(e) => {
        e.preventDefault();
        navigate(to);
      }}
    >
      {children}
    </a>
  );
}
