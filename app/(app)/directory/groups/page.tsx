import type { ListPageProps } from "@/lib/input/list-url";
import { DirectoryList, GROUPS } from "../directory-list";

export const metadata = { title: "Groups" };

export default function GroupsPage({ searchParams }: ListPageProps) {
  return <DirectoryList spec={GROUPS} searchParams={searchParams} />;
}
