import { notFound } from "next/navigation";

/**
 * Any address no route claims lands here, inside the signed-in shell, so a mistyped link shows the app's own
 * "not found" page (with the navigation) instead of Next's bare one.
 */
export default function Missing(): never {
  notFound();
}
