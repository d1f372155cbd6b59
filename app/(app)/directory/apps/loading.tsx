/** Lists take a moment on large tenants: a skeleton meanwhile. */
export { ListSkeleton as default } from "@/components/ui/list-skeleton";
