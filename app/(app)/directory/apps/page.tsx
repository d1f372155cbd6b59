import type { ListPageProps } from "@/lib/input/list-url";
import { APPS, DirectoryList } from "../directory-list";

export const metadata = { title: "Apps" };

export default function AppsPage({ searchParams }: ListPageProps) {
  return <DirectoryList spec={APPS} searchParams={searchParams} />;
}
